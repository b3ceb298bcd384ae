"""Parameters and vocabulary of the generated sample.

Numbers that shape the data (volumes, probabilities, rhythms) are code here; the words (names,
cities, brand forms) and the text templates are data files in ``data/`` (``vocabulary.yaml``,
``templates.yaml``), loaded once at import with :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import yaml

#: Default seed of the committed sample.
SAMPLE_SEED: int = 20261123
#: Time zone of the fictional brand; the diurnal rhythm and business hours are local to it.
SAMPLE_TIMEZONE: str = "Europe/Berlin"
#: The brand's own accounts (their posts are brand posts / replies).
BRAND_HANDLES: tuple[str, ...] = ("@AcmeAir", "@AcmeAirHelp")
#: How customers name the brand.
BRAND_TERMS: tuple[str, ...] = ("acme air", "acmeair", "#acmeair", "@AcmeAir", "@AcmeAirHelp")
#: Competitors and the terms customers use for them.
COMPETITORS: dict[str, tuple[str, ...]] = {
    "Globex": ("globex", "@globex"),
    "Initech Air": ("initech air", "@InitechAir"),
}
#: Platforms in the sample, in order of the mention-id prefixes below.
PLATFORMS: tuple[str, ...] = ("twitter", "facebook", "instagram", "reddit", "trustpilot", "forum")

# ---------------------------------------------------------------------------------------------
# Structural parameters
# ---------------------------------------------------------------------------------------------
_PREFIX = ("tw", "fb", "ig", "rd", "tp", "fo")
TW, FB, IG, RD, TP, FO = range(6)
EN, DE = 0, 1
_LANGS = ("en", "de")
_INTENTS = ("complaint", "question", "praise", "lead", "other")
COMPLAINT, QUESTION, PRAISE, LEAD, OTHER = range(5)

# Row kinds.
K_ROOT, K_CRISIS, K_RT, K_PROACTIVE, K_STATEMENT, K_REPLY, K_FOLLOWUP, K_REPLY2 = range(8)
_KIND_NAMES = ("root", "crisis", "retweet", "proactive", "statement", "reply", "followup", "reply2")
_BRAND_KINDS = (K_PROACTIVE, K_STATEMENT, K_REPLY, K_REPLY2)

# Brand accounts: index 0 = AcmeAir (marketing), 1 = AcmeAirHelp (service).
_BRAND_IDS = ("AcmeAir", "AcmeAirHelp")
_BRAND_NAMES = ("ACME Air", "ACME Air Help")
# Followers of the brand accounts per platform (rows: account, columns: platform).
_BRAND_REACH = np.array(
    [[184_300, 312_800, 226_400, 2_350, 3_180, 860], [48_650, 312_800, 226_400, 2_350, 3_180, 860]],
    dtype=np.int64,
)

_SECONDS_PER_DAY = 86_400
_CRISIS_OFFSET_DAYS = 44  # 2026-08-31 + 44 days = Wednesday 2026-10-14
_OPEN_S, _CLOSE_S = 8 * 3600, 20 * 3600  # business hours Mon-Fri, local

# Regular customer posts by platform; share of German authors per platform.
_PLATFORM_P = np.array([0.36, 0.20, 0.15, 0.09, 0.09, 0.11])
_CRISIS_PLATFORM_P = np.array([0.58, 0.20, 0.10, 0.08, 0.0, 0.04])
_DE_P = np.array([0.40, 0.50, 0.42, 0.20, 0.50, 0.80])
# Customer reach (followers): log-normal median per platform, influencer share per platform.
_REACH_MEDIAN = np.array([240.0, 190.0, 480.0, 80.0, 12.0, 35.0])
_INFLUENCER_P = np.array([0.006, 0.002, 0.008, 0.002, 0.0, 0.0])
# Brand reply delay in business hours: log-normal median in minutes per platform.
_DELAY_MEDIAN_MIN = np.array([22.0, 45.0, 40.0, 90.0, 180.0, 150.0])
_ANSWER_SHIFT = np.array([0.05, 0.0, 0.0, -0.03, -0.06, -0.08])

_COMPETITOR_SHARE = 0.33  # of regular customer threads: about competitors only
_BRAND_INTENT_P = np.array([0.38, 0.25, 0.14, 0.08, 0.15])
_COMP_INTENT_P = np.array([0.40, 0.15, 0.25, 0.05, 0.15])
_P_ANSWER = np.array([0.78, 0.80, 0.35, 0.85, 0.06])
_P_FOLLOWUP = np.array([0.32, 0.25, 0.03, 0.30, 0.0])
_P_SECOND = 0.8

# Local hour profiles of customer posts (weekday / weekend) and weekday factors (Mon..Sun).
_HOURS_WEEKDAY = np.array(
    [
        0.5,
        0.3,
        0.2,
        0.15,
        0.2,
        0.5,
        1.3,
        2.6,
        3.5,
        3.8,
        3.7,
        3.6,
        3.7,
        3.5,
        3.4,
        3.5,
        3.7,
        4.0,
        4.2,
        4.2,
        3.9,
        3.3,
        2.3,
        1.2,
    ]
)
_HOURS_WEEKEND = np.array(
    [
        0.9,
        0.6,
        0.35,
        0.2,
        0.2,
        0.3,
        0.6,
        1.2,
        2.2,
        3.0,
        3.5,
        3.7,
        3.7,
        3.5,
        3.4,
        3.4,
        3.5,
        3.7,
        3.9,
        4.0,
        3.8,
        3.3,
        2.5,
        1.5,
    ]
)
_DAY_FACTOR = np.array([1.10, 1.0, 0.97, 1.0, 1.12, 0.82, 0.90])
# Engagement of proactive brand posts: weekday factor (Mon..Sun) and hour factor (local).
_POST_DAY_FACTOR = np.array([0.85, 1.15, 1.2, 1.15, 0.85, 0.6, 0.65])
_POST_HOUR_FACTOR = np.array(
    [0.5] * 7
    + [0.7, 0.7, 0.9, 0.9, 1.6, 1.6, 1.1, 1.0, 1.0, 1.0, 1.0, 1.5, 1.5, 0.9, 0.9, 0.7, 0.6]
)
_POST_BASE_LIKES = np.array([45.0, 120.0, 300.0, 10.0, 0.0, 2.0])
_POST_SHARE_RATE = np.array([0.30, 0.15, 0.04, 0.0, 0.0, 0.0])
# Customer engagement: platform and intent factors.
_LIKE_PLATFORM = np.array([1.0, 1.3, 2.2, 2.5, 0.05, 0.15])
_SHARE_RATE = np.array([0.18, 0.12, 0.02, 0.0, 0.0, 0.0])
_LIKE_INTENT = np.array([1.4, 0.35, 1.1, 0.3, 0.9])


def _read_data(name: str) -> dict[str, Any]:
    """A YAML file of ``socialcrm_utils/sample/data/`` (installed with the package)."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _tuples(value: Any) -> Any:
    """Lists of a data file as (nested) tuples, as the generator indexes them."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


_VOCABULARY = _read_data("vocabulary.yaml")
_TEMPLATES = _read_data("templates.yaml")

# ---------------------------------------------------------------------------------------------
# Vocabulary (all invented; data/vocabulary.yaml)
# ---------------------------------------------------------------------------------------------
_FIRST_DE: tuple[str, ...] = _tuples(_VOCABULARY["first_names"]["de"])
_LAST_DE: tuple[str, ...] = _tuples(_VOCABULARY["last_names"]["de"])
_FIRST_EN: tuple[str, ...] = _tuples(_VOCABULARY["first_names"]["en"])
_LAST_EN: tuple[str, ...] = _tuples(_VOCABULARY["last_names"]["en"])
_NICK_ADJ_EN: tuple[str, ...] = _tuples(_VOCABULARY["nicknames"]["adjectives_en"])
_NICK_NOUN_EN: tuple[str, ...] = _tuples(_VOCABULARY["nicknames"]["nouns_en"])
_NICK_DE: tuple[str, ...] = _tuples(_VOCABULARY["nicknames"]["de"])
_CITY_CODES: tuple[str, ...] = _tuples(_VOCABULARY["city_codes"])
_AGENTS: tuple[str, ...] = _tuples(_VOCABULARY["agents"])
# (English, German) city names.
_CITIES: tuple[tuple[str, str], ...] = _tuples(_VOCABULARY["cities"])
_CAMPAIGN_CITIES: tuple[tuple[str, str], ...] = _tuples(_VOCABULARY["campaign_cities"])
_MONTHS_EN: tuple[str, ...] = _tuples(_VOCABULARY["months_en"])
_AMOUNTS: tuple[int, ...] = _tuples(_VOCABULARY["amounts"])
# Terms customers use, per platform.
_BRAND_FORMS: tuple[tuple[str, ...], ...] = _tuples(_VOCABULARY["brand_forms"])
_COMP_FORMS: tuple[tuple[tuple[str, ...], ...], ...] = _tuples(_VOCABULARY["competitor_forms"])
_COMP_PAGES: tuple[str, ...] = _tuples(_VOCABULARY["competitor_pages"])
_COMP_CODES: tuple[str, ...] = _tuples(_VOCABULARY["competitor_codes"])
_SUBREDDITS: tuple[tuple[str, ...], ...] = _tuples(_VOCABULARY["subreddits"])
_HASHTAGS: tuple[str, ...] = _tuples(_VOCABULARY["hashtags"])
_IBANS: tuple[str, ...] = _tuples(_VOCABULARY["ibans"])
_TEST_CARD: str = _VOCABULARY["test_card"]
_BOOKING_ALPHABET = np.array(list(_VOCABULARY["booking_alphabet"]))

# ---------------------------------------------------------------------------------------------
# Templates (data/templates.yaml): {slot} fillers are drawn per row (see text._SlotFiller).
# Keyed by (group, language), in the file's order (the order of the random draws).
# ---------------------------------------------------------------------------------------------
_T: dict[tuple[str, str], tuple[str, ...]] = {
    (group, lang): _tuples(templates)
    for group, by_lang in _TEMPLATES["templates"].items()
    for lang, templates in by_lang.items()
}
# Intent label of each follow-up template (same order as the templates, same in both languages).
_FOLLOWUP_INTENT: dict[str, tuple[int, ...]] = {
    group: tuple(_INTENTS.index(intent) for intent in intents)
    for group, intents in _TEMPLATES["followup_intent"].items()
}
# Extra sentences appended on long-form platforms, by intent.
_EXTRA: dict[tuple[int, str], tuple[str, ...]] = {
    (_INTENTS.index(intent), lang): _tuples(sentences)
    for intent, by_lang in _TEMPLATES["extra"].items()
    for lang, sentences in by_lang.items()
}
_EXTRA_P = np.array([0.0, 0.2, 0.0, 0.5, 1.0, 0.5])  # share of posts with an extra sentence

_TRANSLIT = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "Ä": "Ae",
        "Ö": "Oe",
        "Ü": "Ue",
        "ß": "ss",
        "ı": "i",
        "ł": "l",
        "'": "",
    }
)
