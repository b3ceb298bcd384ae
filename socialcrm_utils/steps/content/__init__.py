"""Step 6, generate content: FAQ candidates, reply templates, best posting slots and a calendar.

What should the brand publish, and when? Answers from the scored mention table of step 3 (the
canonical columns of :mod:`socialcrm_utils.schema` plus ``intent``, ``text_redacted`` and
``lang``) and the playbook, one module per concern:

* :mod:`.faq`: :func:`faq_candidates`, what customers ask, as clusters of similar questions
  per language, each with a label, a size, a share and a representative question
  (``faq.csv``); :func:`complaint_topics`, the same clustering for complaints;
  :func:`language_note`. The TF-IDF and clustering under them is scikit-learn's TF-IDF with
  our leader clustering (:mod:`.vectors`); labels in :mod:`.labels`; what counts as a real
  question and a person's name in :mod:`.questions` (:func:`person_names`);
* :mod:`.templates`: :func:`reply_templates`, a reply per complaint topic, language and
  platform in the brand's voice, checked with :func:`socialcrm_utils.nlp.voice.check_voice`
  (``reply_templates.csv``);
* :mod:`.slots`: :func:`engagement_by_slot` and :func:`best_slots`, when the brand's own posts
  get the most likes, shares and replies, by local weekday and hour; :func:`slot_note`;
* :mod:`.calendar`: :func:`platform_volumes`, where customers talk, per language;
  :func:`content_calendar`, four weeks of proactive posts that answer what people ask and
  complain about before they ask, in the best slots, on the platforms in turn weighted by
  where customers talk (``content_calendar.csv``);
* :mod:`.text`: small pieces the others share.

All functions are pure: they return new frames and never modify their inputs.
"""

from __future__ import annotations

from ...nlp.tokens import tokenize
from .calendar import (
    CALENDAR_COLUMNS,
    NON_PUBLISHING_PLATFORMS,
    VOLUME_COLUMNS,
    content_calendar,
    platform_volumes,
)
from .faq import COMPLAINT_COLUMNS, FAQ_COLUMNS, complaint_topics, faq_candidates, language_note
from .questions import ABUSE_PATTERN, NOT_TOPIC_WORDS, QUESTION_WORDS, person_names
from .slots import (
    BEST_SLOT_COLUMNS,
    MIN_BRAND_POSTS,
    MIN_SLOT_POSTS,
    SLOT_HOURS,
    SPIKE_DAY_FACTOR,
    SPIKE_DAY_MAX_SHARE,
    WEEKDAY_NAMES,
    best_slots,
    engagement_by_slot,
    slot_note,
)
from .templates import (
    AGENT_INITIALS,
    AGENT_NAME,
    PERSONAL_DATA_TOPICS,
    TEMPLATE_COLUMNS,
    TEMPLATE_KINDS,
    reply_templates,
)

__all__ = [
    "AGENT_INITIALS",
    "AGENT_NAME",
    "BEST_SLOT_COLUMNS",
    "CALENDAR_COLUMNS",
    "COMPLAINT_COLUMNS",
    "FAQ_COLUMNS",
    "MIN_BRAND_POSTS",
    "MIN_SLOT_POSTS",
    "NON_PUBLISHING_PLATFORMS",
    "NOT_TOPIC_WORDS",
    "PERSONAL_DATA_TOPICS",
    "QUESTION_WORDS",
    "ABUSE_PATTERN",
    "TEMPLATE_KINDS",
    "SLOT_HOURS",
    "SPIKE_DAY_FACTOR",
    "SPIKE_DAY_MAX_SHARE",
    "TEMPLATE_COLUMNS",
    "VOLUME_COLUMNS",
    "WEEKDAY_NAMES",
    "best_slots",
    "complaint_topics",
    "content_calendar",
    "engagement_by_slot",
    "faq_candidates",
    "language_note",
    "person_names",
    "platform_volumes",
    "reply_templates",
    "slot_note",
    "tokenize",
]
