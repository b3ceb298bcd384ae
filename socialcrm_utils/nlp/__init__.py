"""Offline NLP for step 3 (listen): sentiment, intent and the resources they need.

Nothing here downloads at run time: NLTK resources are installed into the project-local NLTK
data folder by :func:`ensure_vader_lexicon` (``socialcrm setup``); a missing resource raises
:class:`~socialcrm_utils.exceptions.ResourceMissingError` naming the fix.
"""

from __future__ import annotations

from .intent import classify_intent
from .resources import ensure_vader_lexicon, use_project_nltk_data, vader_analyzer
from .sentiment import normalize_lang, score_sentiment

__all__ = [
    "classify_intent",
    "ensure_vader_lexicon",
    "normalize_lang",
    "score_sentiment",
    "use_project_nltk_data",
    "vader_analyzer",
]
