"""Explainable, rule-based intent of mentions in English and German.

Every mention gets one intent of :data:`~socialcrm_utils.schema.INTENTS` and the cue that
decided it, so an analyst can see *why* ("cancelled", "?", "gibt es") and fix a rule instead of
retraining a model. Cues are short regular expressions per language and intent
(:data:`CUES`), matched case-insensitively on word boundaries; German cues are umlaut-aware, so
``verspätet`` also matches ``verspaetet`` and ``Straße`` matches ``Strasse``.

Precedence, first match wins: **complaint > question > lead > praise > other**. A complaint
phrased as a question ("Why was my flight cancelled?") is a complaint; a purchase question
("What is the price for 10 seats?") is a question; thanks inside a complaint do not make it
praise. Sarcasm with an obvious pattern ("great, another delay", "toll, schon wieder") is a
complaint cue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .german import umlaut_aware
from .sentiment import normalize_lang

__all__ = ["PRECEDENCE", "CUES", "OPENINGS", "cue_patterns", "classify_intent"]

logger = logging.getLogger(__name__)

#: Intents in the order they win; a text matching none is ``other``.
PRECEDENCE: tuple[str, ...] = ("complaint", "question", "lead", "praise")

# Fragments are regular expressions matched as whole words (case-insensitive). In German
# fragments ä, ö, ü and ß also match ae, oe, ue and ss. Keep each list short and explainable.
_SARCASM_EN = (
    r"(?:great|awesome|fantastic|perfect|wonderful|brilliant|nice|love it|thanks)\W{0,3}\s*"
    r"(?:yet\s+)?(?:another|one\s+more)\s+(?:\w+\s+){0,2}?"
    r"(?:delays?|cancell?ations?|hours?|queues?|waits?|excuses?|lost\s+bags?)"
)
_SARCASM_DE = (
    r"(?:toll|super|klasse|prima|danke|großartig)\W{0,3}\s*"
    r"(?:schon\s+wieder|mal\s+wieder|wieder\s+mal|wieder\s+einmal)(?:\s+\w+)?"
)

#: Cue fragments per language and intent (questions also use :data:`OPENINGS` and ``?``).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "complaint": (
            _SARCASM_EN,
            r"thanks\s+for\s+nothing",
            r"cancell?ed",
            r"cancell?ation",
            r"delay(?:ed|s)?",
            r"lost\s+(?:my\s+|our\s+|the\s+)?(?:luggage|baggage|bags?|suitcases?)",
            r"(?:luggage|baggage|bags?|suitcases?)\s+(?:is\s+|are\s+|was\s+|were\s+|got\s+|"
            r"has\s+been\s+|have\s+been\s+)?(?:lost|missing)",
            r"refunds?",
            r"on\s+hold",
            r"still\s+waiting",
            r"worst",
            r"never\s+again",
            r"missed\s+(?:my\s+|our\s+|the\s+)?connection",
            r"stranded",
            r"(?:terrible|horrible|awful|unacceptable|ridiculous|disgusting|rude)",
            r"disappointed",
            r"complaint",
        ),
        "lead": (
            r"looking\s+for\s+(?:a\s+|an\s+|cheap\s+)?(?:flights?|tickets?|fares?|deals?|offers?)",
            r"group\s+(?:fares?|bookings?|rates?|travel|tickets?)",
            r"price\s+(?:for|of)",
            r"quote\s+for",
            r"(?:want|wanna|would\s+like|'d\s+like|planning|plan)\s+to\s+(?:book|buy)",
            r"(?:interested\s+in|thinking\s+of)\s+(?:booking|buying|flying)",
            r"corporate\s+(?:accounts?|rates?|travel)",
        ),
        "praise": (
            r"thank\s+you",
            r"thanks",
            r"great\s+(?:service|job|flight|crew|staff|experience|support)",
            r"lov(?:e|ed|ing)",
            r"(?:amazing|awesome|excellent|fantastic|brilliant|wonderful)",
            r"well\s+done",
            r"kudos",
            r"appreciate[ds]?",
        ),
    },
    "de": {
        "complaint": (
            _SARCASM_DE,
            r"verspät\w*",
            r"ausgefallen",
            r"fällt\s+aus",
            r"flugausfall\w*",
            r"gestrichen",
            r"annulliert",
            r"(?:koffer|gepäck)\w*\s+(?:\w+\s+){0,5}?(?:verloren|verschwunden|weg)",
            r"verloren\w*\s+(?:koffer|gepäck)\w*",
            r"(?:rück)?erstatt\w*",
            r"warteschleife\w*",
            r"frechheit",
            r"unverschämt\w*",
            r"schon\s+wieder",
            r"nie\s+wieder",
            r"katastroph\w*",
            r"enttäusch\w*",
            r"beschwerde\w*",
            r"warte\s+(?:seit|immer\s+noch|noch\s+immer)",
        ),
        "lead": (
            r"angebot\w*",
            r"buchen",
            r"preise?\s+für",
            r"kosten\s+für",
            r"gruppenreise\w*",
            r"gruppentarif\w*",
            r"suche\s+(?:einen\s+|ein\s+|eine\s+)?(?:flug|flüge|angebot|ticket)\w*",
        ),
        "praise": (
            r"(?:vielen\s+)?dank(?:e|eschön)?",
            r"super",
            r"toll\w*",
            r"klasse",
            r"prima",
            r"spitze",
            r"großartig\w*",
            r"hervorragend\w*",
            r"top\s+service",
        ),
    },
}

#: Interrogative openings, matched at the start of the text or of a sentence (after any
#: leading @handles): "how do I ...", "wie kann ich ...". German needs the anchor: "gibt es"
#: starts questions but also follows adverbs in statements ("Heute gibt es ...").
OPENINGS: dict[str, tuple[str, ...]] = {
    "en": (
        r"how\s+(?:do|can|could|should)\s+i",
        r"how\s+(?:long|much|many)",
        r"(?:can|could|may)\s+i",
        r"(?:can|could|will|do|does|did)\s+(?:you|anyone|someone)",
        r"(?:is|are)\s+there",
        r"is\s+it\s+possible",
        r"(?:what|when|where|which|who|why)\s+(?:is|are|do|does|did|can|should|will|time)",
        r"any\s+(?:idea|way)",
        r"anyone\s+know",
    ),
    "de": (
        r"wie\s+(?:kann|könnte|soll|muss)\s+ich",
        r"wie\s+(?:lange|viel|viele)",
        r"(?:darf|kann|könnte|muss|soll)\s+ich",
        r"gibt\s+es",
        r"(?:habt|könnt|seid|wisst)\s+ihr",
        r"(?:haben|können|sind)\s+sie",
        r"ist\s+es\s+möglich",
        r"(?:wann|wo|warum|wieso|weshalb|welche[rsmn]?)(?=\s+\w)",
        r"was\s+(?:kostet|kann|muss|soll\s+ich|passiert)",
        r"weiß\s+jemand",
    ),
}

# "?" ends a question unless it starts a URL query ("...?id=1").
_QUESTION_MARK = r"(\?)(?!\w)"
# Start of text or sentence, then any @handles / #tags, then the opening.
_OPENING_ANCHOR = r"(?:^|(?<=[.!?:;\n]))\s*(?:[@#]\w+[\s,:]*)*"
def _words(fragments: Iterable[str]) -> str:
    """One capturing group over the fragments, each a whole word or phrase."""
    return r"(?<!\w)(" + "|".join(f"(?:{f})" for f in fragments) + r")(?!\w)"


def cue_patterns(intent: str, langs: Iterable[str]) -> re.Pattern[str]:
    """The compiled cue regex of an intent for one or more languages.

    Every capturing group holds cue text; the first group that matched is the cue.

    Args:
        intent: One of :data:`PRECEDENCE`.
        langs: Language codes with cues (``en``, ``de``); several give their union.

    Returns:
        A case-insensitive compiled pattern.

    Examples:
        >>> cue_patterns("complaint", ["de"]).search("Flug verspaetet!").group(0)
        'verspaetet'
    """
    langs = list(langs)
    fragments = [
        umlaut_aware(f) if lang == "de" else f
        for lang in langs
        for f in CUES[lang].get(intent, ())
    ]
    parts = [_words(fragments)] if fragments else []
    if intent == "question":
        openings = [
            umlaut_aware(f) if lang == "de" else f for lang in langs for f in OPENINGS[lang]
        ]
        parts = [_QUESTION_MARK, _OPENING_ANCHOR + _words(openings)]
    return re.compile("|".join(parts), re.IGNORECASE | re.MULTILINE)


_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {
    (intent, group): cue_patterns(intent, ("en", "de") if group == "any" else (group,))
    for intent in PRECEDENCE
    for group in ("en", "de", "any")
}


def _first_cue(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """The leftmost cue of ``pattern`` in each text (NA where none), vectorised."""
    groups = text.str.extract(pattern, expand=True)
    cue = groups.iloc[:, 0]
    for column in groups.columns[1:]:  # a few groups, never rows
        cue = cue.fillna(groups[column])
    return cue.astype("string")


def classify_intent(texts: pd.Series, langs: pd.Series) -> pd.DataFrame:
    """Classify each text as complaint, question, lead, praise or other, with the cue.

    Rules, first match wins (**complaint > question > lead > praise > other**):

    - complaint: a complaint cue (cancelled, delayed, lost luggage, refund, on hold, still
      waiting, worst, never again, sarcasm such as "great, another delay"; Verspätung,
      ausgefallen, gestrichen, Koffer ... verloren, Erstattung, Warteschleife, Frechheit,
      schon wieder, nie wieder ...);
    - question: ``?`` or an interrogative opening ("how do I", "can I", "wie kann ich",
      "darf ich", "gibt es" ...);
    - lead: purchase intent ("looking for a flight", "group fare", "price for",
      "want to book"; "Angebot", "buchen", "Preis für", "Gruppenreise");
    - praise: "thank you", "great service", "love"; "danke", "super", "toll", "klasse";
    - other: none of these.

    English texts use English cues, German texts German cues; texts whose language is NA or
    another language use the union of both. Each intent's regex runs once over the column
    (``Series.str.extract``) on the texts no stronger intent has claimed; there is no Python
    loop over rows.

    Args:
        texts: Mention texts (NA gives ``other``).
        langs: Language codes on the same index as ``texts``.

    Returns:
        A frame on ``texts``' index with ``intent`` (one of
        :data:`~socialcrm_utils.schema.INTENTS`) and ``intent_cue`` (the matched cue,
        lower-cased, e.g. ``"cancelled"`` or ``"?"``; NA for ``other``).

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index.

    Examples:
        >>> texts = pd.Series(["Why was my flight cancelled?", "Gibt es WLAN an Bord",
        ...                    "Danke, super Service", "ok"])
        >>> classify_intent(texts, pd.Series(["en", "de", "de", "en"]))
              intent intent_cue
        0  complaint  cancelled
        1   question    gibt es
        2     praise      danke
        3      other       <NA>
    """
    if not texts.index.equals(langs.index):
        raise ValueError("texts and langs must share the same index")
    text = texts.astype("string[python]").reset_index(drop=True)  # Python regex semantics
    lang = normalize_lang(langs).reset_index(drop=True)
    group = pd.Series(np.where(lang.isin(["en", "de"]).fillna(False), lang, "any"))
    intent = pd.Series("other", index=text.index, dtype="string")
    cue = pd.Series(pd.NA, index=text.index, dtype="string")
    open_rows = pd.Series((text.str.strip().str.len().fillna(0) > 0).to_numpy(bool))
    for name in PRECEDENCE:
        for code in ("en", "de", "any"):
            rows = open_rows & (group == code)
            if not rows.any():
                continue
            found = _first_cue(text[rows], _PATTERNS[(name, code)]).dropna()
            intent[found.index] = name
            cue[found.index] = found.str.lower()
            open_rows[found.index] = False
    logger.debug("intents: %s", intent.value_counts().to_dict())
    out = pd.DataFrame({"intent": intent, "intent_cue": cue})
    out.index = texts.index
    return out
