"""Offline NLP for step 3 (listen): sentiment, intent and the resources they need.

Nothing here downloads at run time: NLTK resources are installed into the project-local NLTK
data folder by :func:`ensure_vader_lexicon` (``socialcrm setup``); a missing resource raises
:class:`~socialcrm_utils.exceptions.ResourceMissingError` naming the fix.

The names below are imported on first use (PEP 562), so that importing a light submodule
(``socialcrm_utils.nlp.packs`` while a playbook is validated) does not load NLTK.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the submodule that defines it.
_LAZY: dict[str, str] = {
    "classify_intent": ".intent",
    "ensure_vader_lexicon": ".resources",
    "use_project_nltk_data": ".resources",
    "vader_analyzer": ".resources",
    "normalize_lang": ".sentiment",
    "score_sentiment": ".sentiment",
}

__all__ = [
    "classify_intent",
    "ensure_vader_lexicon",
    "normalize_lang",
    "score_sentiment",
    "use_project_nltk_data",
    "vader_analyzer",
]


def __getattr__(name: str) -> Any:
    """Import a public name's submodule on first access."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
