"""Step 6, generate content: FAQ candidates, reply templates, best posting slots and a calendar.

What should the brand publish, and when? Answers from the scored mention table of step 3 (the
canonical columns of :mod:`socialcrm_utils.schema` plus ``intent``, ``text_redacted`` and
``lang``) and the playbook:

* :func:`faq_candidates`: what customers ask, as clusters of similar questions per language,
  each with a label, a size, a share and a representative question (``faq.csv``);
* :func:`complaint_topics`: the same clustering for complaints;
* :func:`reply_templates`: a reply per complaint topic, language and platform in the brand's
  voice, checked with :func:`socialcrm_utils.voice.check_voice` (``reply_templates.csv``);
* :func:`engagement_by_slot` and :func:`best_slots`: when the brand's own posts get the most
  likes, shares and replies, by local weekday and hour;
* :func:`platform_volumes`: where customers talk, per language;
* :func:`content_calendar`: four weeks of proactive posts that answer what people ask and
  complain about before they ask, in the best slots, on the platforms in turn weighted by
  where customers talk (``content_calendar.csv``).

Clustering (:func:`faq_candidates`, :func:`complaint_topics`)
---------------------------------------------------------------
Per language, on the *distinct* texts (same text up to case, punctuation and @handles):

1. **Words**: the content words of :func:`~socialcrm_utils.nlp.tokens.tokenize_clauses`
   (stop words and the brand's names removed, personal-data placeholders such as
   ``[BOOKING]`` dropped).
2. **TF-IDF**: ``tf = 1 + ln(count)``; ``idf = ln((1 + N) / (1 + df)) + 1`` (smoothed, as in
   scikit-learn) where ``N`` is the number of mentions and ``df`` the number of mentions with
   the word, so a text asked 50 times weighs 50 times; words in fewer than ``min_df``
   mentions are dropped (they cannot make two texts similar). For similarity the idf is
   damped to ``1 + ln(idf)``: with the plain idf one rare word two questions share (a city,
   a product name) outweighs the words that say what is asked, and "can I change my seat on
   the flight to Rome?" clusters with "where is my refund for the flight to Rome?" rather
   than with "... to Oslo?". Rows are L2-normalised, so a dot product is the cosine.
3. **Order**: texts are visited by *density* ``d_i = v_i . sum_j(count_j v_j)``, the sum of
   the cosine similarities of text ``i`` to every mention, which one pass over the non-zeros
   gives (no n x n matrix); ties by times asked, then the text. Typical, often asked
   questions come first and become the clusters' leaders.
4. **Greedy leader clustering**: a text joins the most similar leader when the cosine is at
   least ``threshold``; otherwise it becomes a new leader (up to ``max_leaders``). The
   similarities to the leaders are computed for blocks of texts as a sparse product over an
   inverted index of the leaders (word -> leaders), so memory is one block x leaders matrix
   (at most about two million cells) and the work grows with the non-zeros that share a
   word, not with n^2; texts that become leaders inside a block are then handled in order,
   so the result equals the one-text-at-a-time algorithm.
5. **Merge**: a leader only gathers texts close to itself, so one topic asked in many
   wordings can end up as one big cluster and many small ones. The clusters' centroids are
   clustered once more the same way (by density, sizes as counts) at ``merge_threshold``,
   which is higher than ``threshold``: centroids average the wordings out, so different
   topics with the same boilerplate are more alike as centroids than as single texts.
6. **Leftovers**: texts without a cluster (no leader was close enough once ``max_leaders``
   were taken) join the nearest centroid when the cosine is at least ``threshold``; the rest
   stay unclustered (they still count in ``share``).
7. **Description**: a cluster's centroid is the sum of its members' vectors (weighted by
   times asked); the representative is the member closest to it (cosine), then the next
   ``n_examples`` closest texts with other words; the label comes from a second TF-IDF
   matrix (plain idf) of the words and the pairs of adjacent words within a clause ("change
   seat"): the centroid's top terms, a word skipped when a pair with at least half its
   weight contains it, pairs chained ("frequent flyer" + "flyer status"), in German nouns
   preferred, spelled as customers write them. Question labels use the question sentences
   only ("Is there a student discount? Want to fly home for the semester break." is about a
   student discount); questions whose question sentences name nothing but the brand ("ACME
   Air? I thought that was a vacuum cleaner brand") are left out before clustering.

On 70 synthetic question templates with random cities, filler words and 30 % random-word
noise (100,000 English questions), on average 96 % of a template's questions end up in its
biggest cluster, and 98 % of the questions in clusters of 50 or more belong to one template.

Speed: 100,000 synthetic questions (two thirds English, 93,000 distinct texts) take about
10 seconds on a 2-core machine: 2.5 s tokenizing, 2 s for the two TF-IDF matrices, 2 s for
the clustering (leaders, merge, leftovers), the rest pandas bookkeeping; peak memory about
0.5 GB for the whole process.

Why not scikit-learn: it is not a dependency and would add scipy, joblib and threadpoolctl
for one vectoriser; NLTK's clusterers are pure Python and compute every pairwise distance.
numpy (already installed with pandas) is enough for a CSR matrix and the sparse product.
Everything is deterministic and independent of the row order of the input.

All functions are pure: they return new frames and never modify their inputs.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .listening import has_intent
from .nlp.length import count_length
from .nlp.pii import PLACEHOLDER_RE, private_channel_reply
from .nlp.sentiment import normalize_lang
from .nlp.tokens import lang_key, stop_words, tokenize, tokenize_clauses
from .playbook import Holidays, Voice, VoiceCue
from .schema import text_of
from .voice import check_voice

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

logger = logging.getLogger(__name__)

#: Fewer proactive brand posts than this and :func:`engagement_by_slot` uses all posts
#: (about seven weekdays times :data:`MIN_SLOT_POSTS`).
MIN_BRAND_POSTS: int = 50

#: Posts a weekday and a time window need before :func:`best_slots` ranks them.
MIN_SLOT_POSTS: int = 8

#: Widths of the time windows :func:`best_slots` tries, in hours (divisors of 24).
SLOT_HOURS: tuple[int, ...] = (1, 2, 3, 4, 6)

#: With all posts as the basis, days with more than this times the median posts per day are
#: incidents and left out of :func:`engagement_by_slot`.
SPIKE_DAY_FACTOR: float = 3.0

#: ... unless those days hold more than this share of all posts: then the export covers
#: little more than those days (every day looks like an incident) and they are kept.
SPIKE_DAY_MAX_SHARE: float = 0.5

# Fewer posts than this and :func:`engagement_by_slot` leaves no outlier out; fewer days and
# it leaves no spike day out.
_MIN_OUTLIER_POSTS = 8
_MIN_SPIKE_DAYS = 7

#: Weekday names by ``Timestamp.weekday()`` number (0 = Monday).
WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Placeholders in reply templates that the agent replaces: their name and their initials.
AGENT_NAME: str = "NAME"
AGENT_INITIALS: str = "XX"

#: Review sites and app stores: customers talk there, but the brand cannot publish posts.
NON_PUBLISHING_PLATFORMS: frozenset[str] = frozenset(
    {
        "trustpilot", "google", "google_reviews", "tripadvisor", "yelp", "reviews", "kununu",
        "appstore", "playstore",
    }
)  # fmt: skip

#: Topics that involve personal data: kind -> (the ``pii_types`` named in the reply, word
#: stems). A topic term starting with a stem (or, from five letters on, containing it, for
#: German compounds such as "Rückerstattung") makes the reply move the customer to a private
#: channel. Checked in this order.
PERSONAL_DATA_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "booking": (
        "booking",
        ("booking", "booked", "rebook", "reservation", "reserved", "ticket", "pnr",
         "buchung", "gebucht", "umbuch", "reservierung", "bordkarte"),
    ),
    "payment": (
        "card",
        ("payment", "pay", "paid", "charge", "card", "refund", "invoice", "billing", "money",
         "zahlung", "bezahl", "gezahlt", "abbuchung", "abgebucht", "karte", "erstattung",
         "rechnung", "geld"),
    ),
    "account": (
        "customer",
        ("account", "login", "log-in", "password", "profile", "miles", "points", "membership",
         "loyalty", "konto", "passwort", "anmeld", "profil", "meilen", "punkte", "mitglied"),
    ),
    "order": (
        "order",
        ("order", "delivery", "parcel", "package", "shipment", "bestellung", "bestellt",
         "lieferung", "paket", "sendung"),
    ),
}  # fmt: skip

#: Words that say how a customer feels or chats, never what a topic is about: left out of
#: the words that group and name FAQs and complaint topics ("burritos, smh" and "bad,
#: disappointed" were labels). English and German.
NOT_TOPIC_WORDS: frozenset[str] = frozenset(
    {
        # chatter
        "smh", "omg", "wtf", "ffs", "tbh", "imo", "idk", "lmao", "lmfao", "rofl", "ugh", "wow",
        "yay", "pls", "plz", "thx", "lol", "haha", "hahaha", "jk", "btw", "fyi", "asap",
        # feelings and verdicts
        "bad", "worse", "worst", "terrible", "horrible", "awful", "disappointed",
        "disappointing", "disappointment", "unacceptable", "ridiculous", "annoying", "annoyed",
        "frustrated", "frustrating", "upset", "angry", "mad", "sad", "poor", "pathetic",
        "great", "good", "love", "hate", "seriously", "literally", "really", "thanks", "thank",
        "question", "questions", "y'all", "yall",
        # swearing
        "shit", "fuck", "fucking", "crap", "damn", "hell", "scheiße", "scheiss", "kacke",
        "schlecht", "schlimm", "enttäuscht", "enttäuschend", "ärgerlich", "unverschämt",
        "nervig", "sauer", "wütend", "traurig", "super", "toll", "schade", "frage", "fragen",
    }
)  # fmt: skip

_CLUSTER_COLUMNS: tuple[str, ...] = (
    "topic", "lang", "{count}", "share", "distinct", "terms", "example", "example_id",
    "more_examples",
)  # fmt: skip
_CLUSTER_DTYPES: dict[str, str] = {
    "topic": "string",
    "lang": "string",
    "{count}": "int64",
    "share": "float64",
    "distinct": "int64",
    "terms": "string",
    "example": "string",
    "example_id": "string",
    "more_examples": "string",
}
#: Columns of :func:`faq_candidates` (``faq.csv``), in order.
FAQ_COLUMNS: tuple[str, ...] = tuple(c.format(count="questions") for c in _CLUSTER_COLUMNS)
#: Columns of :func:`complaint_topics`, in order.
COMPLAINT_COLUMNS: tuple[str, ...] = tuple(c.format(count="complaints") for c in _CLUSTER_COLUMNS)
#: Columns of :func:`reply_templates` (``reply_templates.csv``), in order.
TEMPLATE_COLUMNS: dict[str, str] = {
    "topic": "string",
    "lang": "string",
    "platform": "string",
    "personal_data": "string",
    "template": "string",
    "chars": "int64",
    "max_chars": "Int64",
    "passes_voice": "boolean",
    "violations": "string",
}
#: Columns of :func:`platform_volumes`, in order.
VOLUME_COLUMNS: dict[str, str] = {
    "platform": "string",
    "lang": "string",
    "mentions": "int64",
    "share": "float64",
}
#: Columns of :func:`content_calendar` (``content_calendar.csv``), in order.
CALENDAR_COLUMNS: tuple[str, ...] = (
    "date", "time", "platform", "topic", "lang", "kind", "format", "example", "rationale",
)  # fmt: skip

_SLOT_COLUMNS: dict[str, str] = {
    "weekday": "int64",
    "weekday_name": "string",
    "hour": "int64",
    "posts": "int64",
    "engagement_index": "float64",
    "mean_engagement": "float64",
    "median_engagement": "float64",
    "basis": "string",
}
#: Columns of :func:`best_slots`, in order.
BEST_SLOT_COLUMNS: dict[str, str] = {
    "weekday": "int64",
    "weekday_name": "string",
    "hour": "int64",
    "hours": "int64",
    "window": "string",
    "expected_index": "float64",
    "weekday_index": "float64",
    "weekday_posts": "int64",
    "window_index": "float64",
    "window_posts": "int64",
    "posts": "int64",
    "basis": "string",
}

_UNKNOWN_LANG = "und"  # BCP 47 "undetermined"
_LANG_NAMES = {"en": "English", "de": "German", _UNKNOWN_LANG: "other-language"}
_EDGE_HANDLES = r"^(?:[\s.]*@\w+[\s,:;]*)+|(?:\s+@\w+)+\s*$"
_EXAMPLE_SEPARATOR = " | "
# Member texts nearest the centroid that labels are spelled from.
_LABEL_TEXTS = 20
_WORD_RE = re.compile(r"[^\W\d_][\w'’\-]*")
_SENTENCE_START = ".!?:\"„“”»«(["

# Cells of one block x leaders similarity matrix, and the largest block.
_BLOCK_CELLS = 2_000_000
_MAX_BLOCK = 1024
# Rounds of merging clusters by their centroids.
_MERGE_ROUNDS = 1


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise ``ValueError`` naming the columns ``what`` needs that ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs the column(s) {', '.join(missing)}; pass the scored mention table "
            "of step 3 (canonical columns plus intent)."
        )


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    """An empty frame with these columns and dtypes."""
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def _customer(frame: pd.DataFrame) -> pd.Series:
    """True for customer posts: ``is_brand`` false, else ``is_customer`` true, else all."""
    if "is_brand" in frame.columns:
        return ~frame["is_brand"].astype("boolean").fillna(False).astype(bool)
    if "is_customer" in frame.columns:
        return frame["is_customer"].astype("boolean").fillna(False).astype(bool)
    return pd.Series(True, index=frame.index)


def _brand(frame: pd.DataFrame) -> pd.Series:
    """True for the brand's own posts (``is_brand``; NA counts as false)."""
    return frame["is_brand"].astype("boolean").fillna(False).astype(bool)


def _strip_handles(text: pd.Series) -> pd.Series:
    """Texts for display: leading and trailing ``@handles`` removed (those inside a sentence
    are part of it), whitespace collapsed, leading punctuation removed."""
    return (
        text.astype("string")
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(_EDGE_HANDLES, "", regex=True)
        .str.replace(r"^[\s.,:;\-–]+", "", regex=True)
        .str.strip()
    )


_NOT_WORDS_RE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|[\W\d_]+")
_QUESTION_MARKS = "?？؟"
#: Words that open a question in English and German; a sentence starting with one asks even
#: without a question mark ("how do I change my seat").
QUESTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "what", "what's", "whats", "how", "how's", "where", "where's", "when", "why", "who",
        "whom", "whose", "which", "can", "could", "do", "does", "did", "is", "are", "was",
        "were", "will", "would", "should", "shall", "may", "might", "have", "has", "any",
        "anyone", "anybody", "isn't", "aren't", "don't", "doesn't", "can't", "won't",
    }),
    "de": frozenset({
        "was", "wie", "wo", "wohin", "woher", "wann", "warum", "wieso", "weshalb", "weswegen",
        "wer", "wen", "wem", "wessen", "welche", "welcher", "welches", "welchen", "welchem",
        "kann", "kannst", "können", "könnt", "könnte", "könntet", "gibt", "ist", "sind",
        "seid", "habt", "hat", "haben", "hast", "darf", "dürfen", "muss", "müssen", "soll",
        "sollte", "wird", "werden", "würde", "würdet", "bekomme", "bekommt", "geht",
        "funktioniert", "weiß", "wisst",
    }),
}  # fmt: skip
_QUESTION_START_RE = re.compile(r"[^\W\d_][\w'’]*")
#: Insults, swearing and rhetorical abuse (English and German): a "question" with one of
#: these ("are you kidding me?", "wollt ihr mich verarschen?") is no FAQ.
ABUSE_PATTERN: re.Pattern[str] = re.compile(
    r"(?<![\w-])(?:"
    # English insults and swearing
    r"idiot\w*|stupid\w*|dumb\w*|moron\w*|incompeten\w*|useless|pathetic|clowns?|liars?|"
    r"scam\w*|thieves|crooks|wtf|wth|ffs|smh|fuck\w*|f\*+k\w*|shit\w*|bullshit|crap\w*|"
    r"damn\w*|suck(?:s|ed)?|disgrace\w*|"
    r"the\s+(?:hell|heck|fuck)|a\s+(?:joke|scam)|"
    # English rhetorical abuse
    r"are\s+(?:you|y'?all|u)\s+(?:kidding|serious|joking|insane|crazy|nuts|for\s+real|"
    r"telling\s+me)|you\s+(?:kidding|serious)|"
    r"what(?:'s|’s|\s+is)\s+wrong\s+with\s+(?:you|y'?all|u|your)|"
    r"how\s+(?:hard|difficult)\s+(?:is|can)\s+it|how\s+dare|how\s+many\s+times|"
    r"who\s+(?:cares|does\s+that)|is\s+(?:this|that|it)\s+(?:a\s+joke|for\s+real)|"
    r"why\s+(?:do|would|should)\s+(?:i|we|anyone)\s+(?:even\s+)?bother|"
    r"isn'?t\s+(?:this|that|it)\s+the\s+\w+est|"
    # German insults and swearing
    r"idiot\w*|vollidiot\w*|dumm\w*|blöd\w*|bescheuert\w*|behindert\w*|deppen?|"
    r"verarsch\w*|scheiß\w*|scheiss\w*|kacke|mist|arsch\w*|unfähig\w*|lächerlich\w*|"
    r"abzock\w*|betrüger\w*|frechheit|"
    # German rhetorical abuse
    r"geht'?s\s+noch|soll\s+das|(?:ein|der)\s+witz|seid\s+ihr\s+(?:noch|irre|wahnsinnig|"
    r"verrückt)|wie\s+(?:dumm|blöd|unfähig)|ist\s+das\s+(?:euer|ihr)\s+ernst"
    r")(?![\w-])",
    re.IGNORECASE,
)


def _is_question_sentence(sentence: str, lang: str) -> bool:
    """A question mark, or (English and German) a question word as the first word.

    Examples:
        >>> _is_question_sentence("how do I change my seat", "en")
        True
        >>> _is_question_sentence("Wann öffnet die Filiale", "de")
        True
        >>> _is_question_sentence("What a day.", "en"), _is_question_sentence("Ok.", "pt")
        (False, False)
    """
    if any(mark in sentence for mark in _QUESTION_MARKS):
        return True
    key = lang_key(lang)
    words = [m.group().lower() for m in _QUESTION_START_RE.finditer(sentence)]
    if not key or len(words) < 3 or sentence.rstrip().endswith("!"):
        return False
    if key == "en" and words[0] in {"what", "how"} and words[1] in {"a", "an", "so"}:
        return False  # "What a day", "how so"
    return words[0] in QUESTION_WORDS[key]


def _questions_asked(
    text: str, exclude: re.Pattern[str] | None, lang: str = ""
) -> list[str]:
    """The real question sentences of a text: what it asks, without abuse or only names.

    Sentences end at ``. ! ?`` followed by a space (not inside "12.50" or "acme.com"). A
    question sentence holds a question mark or, in English and German, starts with a
    question word (:data:`QUESTION_WORDS`). Left out: question sentences made only of
    excluded terms (the brand's names, people's names), @handles, #hashtags, links, emoji and
    punctuation, which ask nothing ("ACME Air? I thought that was a vacuum cleaner brand"), and
    those with an insult or rhetorical abuse (:data:`ABUSE_PATTERN`: "are you kidding me?").

    Examples:
        >>> brand = _term_pattern(["ACME Air", "@acmeair"])
        >>> _questions_asked("acme air? I thought that was a vacuum cleaner brand", brand)
        []
        >>> _questions_asked("Hi @AcmeAir! Is there wifi on board? And power?", brand)
        ['Is there wifi on board?', 'And power?']
        >>> _questions_asked("Why is the bag fee 12.50? acmeair.com says 9.90", brand)
        ['Why is the bag fee 12.50?']
        >>> _questions_asked("I need my booking number", brand)
        []
        >>> _questions_asked("Are you kidding me? Where is my bag", brand, "en")
        ['Where is my bag']
    """
    asked = []
    for sentence in _SENTENCE_END.split(text):
        if not _is_question_sentence(sentence, lang) or ABUSE_PATTERN.search(sentence):
            continue
        rest = exclude.sub(" ", sentence) if exclude is not None else sentence
        if _NOT_WORDS_RE.sub("", rest):
            asked.append(sentence.strip())
    return asked


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for whole-word terms (``#``/``@`` prefixes ignored)."""
    words = sorted({t.strip().lstrip("#@").lower() for t in terms} - {""}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)", re.I)


_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+"
# A capitalised word after a greeting or thanks: "Hi Becky", "thanks Anna", "Danke, Jonas".
_NAME_AFTER_GREETING_RE = re.compile(
    r"(?<![\w'])(?i:hi|hey|hello|hiya|heya|dear|thanks|thank\s+you|thx|ty|cheers|danke|"
    r"dankeschön|hallo|servus|moin|liebe|lieber)[\s,]+(" + _CAP + r")(?![\w'])"
)
# A brand reply's sign-off: "-Becky", "– Becky", "~Anna", "^Jo", "Best, Lukas", "VG Katrin".
_SIGN_OFF_NAME_RE = re.compile(
    r"(?:[-–—~^*/]\s*|(?i:best|cheers|regards|thanks|grüße|gruß|vg|lg)[,.]?\s+)(" + _CAP
    + r")[\s.!🙂😊❤️]*$"
)  # fmt: skip
# Capitalised words after a greeting that are not names.
_NOT_NAMES: frozenset[str] = frozenset(
    {"team", "there", "guys", "all", "everyone", "everybody", "folks", "friends", "support",
     "again", "so", "much", "lot", "for", "you", "leute", "zusammen", "ihr", "euch", "allerseits",
     "service", "help", "customer", "care"}
)  # fmt: skip


def person_names(scored: pd.DataFrame) -> list[str]:
    """Names of people in a mention table: they must never name an FAQ group or topic.

    Found in three places: the words of ``author_name`` (customers' and agents' display
    names); the name an agent signs a brand reply with (``-Becky``, ``^Jo``, ``Best, Lukas``
    at the end of a post with ``is_brand``); a capitalised word after a greeting or thanks in
    any post (``Hi Becky``, ``thanks Anna``, ``Danke, Jonas``; "Hi team" is no name).
    @handles need no list: the tokenizer drops them. Words of three letters or fewer and stop
    words are left out (they never reach a label anyway).

    Args:
        scored: Mentions with ``text_redacted`` or ``text``; ``author_name`` and ``is_brand``
            are used when present.

    Returns:
        Lower-case names, sorted.

    Examples:
        >>> df = pd.DataFrame({
        ...     "text": ["Hey Becky, is the app down?", "Sorry about that! -Becky",
        ...              "Thanks team, and thanks Jonas", "Best, Lukas"],
        ...     "is_brand": [False, True, False, True],
        ...     "author_name": ["Sam Miller", "Chipotle", None, "ACME"]})
        >>> person_names(df)
        ['acme', 'becky', 'chipotle', 'jonas', 'lukas', 'miller']
    """
    names: set[str] = set()
    text = text_of(scored).astype("string").fillna("")
    for found in text.str.findall(_NAME_AFTER_GREETING_RE):
        names.update(found)
    if "is_brand" in scored.columns:
        signed = text[_brand(scored).to_numpy()].str.strip()
        names.update(signed.str.extract(_SIGN_OFF_NAME_RE, expand=False).dropna())
    if "author_name" in scored.columns:
        for value in scored["author_name"].dropna().astype(str):
            names.update(_WORD_RE.findall(value))
    stops = stop_words("en") | stop_words("de")
    return sorted(
        {n.lower() for n in names if len(n) > 3}
        - stops - _NOT_NAMES
    )


def _lang_name(lang: str) -> str:
    """``"English"``, ``"German"``, else the code."""
    return _LANG_NAMES.get(lang, lang)


# --------------------------------------------------------------------------------------------
# TF-IDF on numpy: a CSR matrix and a sparse product through an inverted index
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Csr:
    """Rows of L2-normalised TF-IDF vectors in CSR form (``scipy.sparse.csr_matrix`` layout)."""

    indptr: np.ndarray  # int64, n_rows + 1
    indices: np.ndarray  # int64, term ids
    data: np.ndarray  # float64
    terms: np.ndarray  # object, term of each id

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return len(self.indptr) - 1

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zeros of ``rows`` as (position in ``rows``, term, value)."""
        starts = self.indptr[rows]
        lengths = self.indptr[rows + 1] - starts
        local = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
        offsets = np.arange(lengths.sum(), dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        at = np.repeat(starts, lengths) + offsets
        return local, self.indices[at], self.data[at]


@dataclass(frozen=True)
class _Postings:
    """An inverted index: for each term the (column, weight) pairs that contain it."""

    ptr: np.ndarray  # int64, n_terms + 1
    columns: np.ndarray  # int64
    weights: np.ndarray  # float64

    @classmethod
    def build(
        cls, columns: np.ndarray, terms: np.ndarray, weights: np.ndarray, n_terms: int
    ) -> _Postings:
        """Index the non-zeros ``(column, term, weight)`` by term."""
        order = np.argsort(terms, kind="stable")
        ptr = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=n_terms), out=ptr[1:])
        return cls(ptr, columns[order], weights[order])


def _sparse_product(
    rows: np.ndarray, terms: np.ndarray, values: np.ndarray, n_rows: int,
    index: _Postings, n_columns: int,
) -> np.ndarray:  # fmt: skip
    """Dense ``n_rows x n_columns`` product of sparse rows with the indexed columns.

    Every non-zero ``(row, term, value)`` meets the postings of its term; the products are
    summed per (row, column) with one ``bincount``. Work: the number of such meetings.
    """
    starts = index.ptr[terms]
    lengths = index.ptr[terms + 1] - starts
    total = int(lengths.sum())
    if total == 0 or n_columns == 0:
        return np.zeros((n_rows, n_columns))
    which = np.repeat(np.arange(len(terms), dtype=np.int64), lengths)
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    at = starts[which] + offsets
    cells = rows[which] * n_columns + index.columns[at]
    products = values[which] * index.weights[at]
    sums = np.bincount(cells, weights=products, minlength=n_rows * n_columns)
    return sums.reshape(n_rows, n_columns)


def _features(clauses: list[list[str]]) -> list[str]:
    """Words and within-clause pairs of adjacent words (repeats kept: they are the tf)."""
    features: list[str] = []
    for clause in clauses:
        features += clause
        features += [f"{a} {b}" for a, b in zip(clause, clause[1:], strict=False)]
    return features


def _tfidf(
    docs: Sequence[list[str]], counts: np.ndarray, min_df: int, *, damped: bool = False
) -> _Csr:
    """L2-normalised TF-IDF rows; ``counts`` weighs each distinct text (times asked).

    With ``damped``, the idf is ``1 + ln(idf)`` (see the module docstring).
    """
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    flat = [term for doc in docs for term in doc]
    codes, vocabulary = pd.factorize(pd.Series(flat, dtype=object), sort=True)
    n_terms = len(vocabulary)
    # Alphabetical term ids (factorize sorts): deterministic, and the tie-break of labels.
    keys = np.repeat(np.arange(len(docs), dtype=np.int64), lengths) * max(n_terms, 1) + codes
    cells, tf = np.unique(keys, return_counts=True)
    row, col = cells // max(n_terms, 1), cells % max(n_terms, 1)
    weight = counts.astype(np.float64)
    df = np.bincount(col, weights=weight[row], minlength=n_terms)
    keep_term = df >= min_df
    new_id = np.cumsum(keep_term) - 1
    keep = keep_term[col]
    row, col, tf = row[keep], new_id[col[keep]], tf[keep].astype(np.float64)
    idf = np.log((1.0 + weight.sum()) / (1.0 + df[keep_term])) + 1.0
    if damped:
        idf = 1.0 + np.log(idf)
    data = (1.0 + np.log(tf)) * idf[col]
    norms = np.sqrt(np.bincount(row, weights=data * data, minlength=len(docs)))
    data = data / norms[row]
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=len(docs)), out=indptr[1:])
    terms = np.asarray(vocabulary, dtype=object)[keep_term]
    return _Csr(indptr, col, data, terms)  # cells are sorted by row, then term


def _density_order(matrix: _Csr, counts: np.ndarray) -> np.ndarray:
    """Rows by density (sum of cosines to every mention) desc, times asked desc, row number.

    ``density_i = v_i . sum_j(count_j v_j)``: one pass over the non-zeros, no n x n matrix.
    """
    rows = np.repeat(np.arange(matrix.n_rows, dtype=np.int64), np.diff(matrix.indptr))
    total = np.bincount(
        matrix.indices, weights=matrix.data * counts[rows], minlength=len(matrix.terms)
    )
    density = np.bincount(
        rows, weights=matrix.data * total[matrix.indices], minlength=matrix.n_rows
    )
    return np.lexsort((np.arange(matrix.n_rows), -counts, -np.round(density, 9)))


def _leader_clusters(
    matrix: _Csr, order: np.ndarray, threshold: float, max_leaders: int
) -> np.ndarray:
    """Greedy leader clustering in ``order``; returns each row's leader number (-1: none).

    See the module docstring. Leaders are numbered in the order they are found.
    """
    n_terms = len(matrix.terms)
    labels = np.full(matrix.n_rows, -1, dtype=np.int64)
    lead_terms: list[np.ndarray] = []
    lead_ids: list[np.ndarray] = []
    lead_values: list[np.ndarray] = []
    index = _Postings.build(*(np.zeros(0, np.int64),) * 2, np.zeros(0), n_terms)
    n_leaders = 0
    start = 0
    has_terms = np.diff(matrix.indptr) > 0
    while start < len(order):
        size = int(min(_MAX_BLOCK, max(64, _BLOCK_CELLS // max(n_leaders, 1))))
        block = order[start : start + size]
        start += len(block)
        block = block[has_terms[block]]  # texts without a kept term stay unclustered
        if not len(block):
            continue
        local, terms, values = matrix.gather(block)
        sims = _sparse_product(local, terms, values, len(block), index, n_leaders)
        if n_leaders:
            best_old = sims.argmax(axis=1)
            sim_old = sims[np.arange(len(block)), best_old]
        else:
            best_old = np.full(len(block), -1, dtype=np.int64)
            sim_old = np.full(len(block), -np.inf)
        joins = sim_old >= threshold
        labels[block[joins]] = best_old[joins]
        candidates = np.flatnonzero(~joins)
        if not len(candidates) or n_leaders >= max_leaders:
            continue
        # Texts without a leader: handled one at a time against the leaders found in this
        # block so far (their similarities in one product), as the sequential algorithm does.
        cand_local, cand_terms, cand_values = matrix.gather(block[candidates])
        cand_index = _Postings.build(cand_local, cand_terms, cand_values, n_terms)
        within = _sparse_product(local, terms, values, len(block), cand_index, len(candidates))
        new_at: list[int] = []  # candidate numbers that became leaders
        for j, pos in enumerate(candidates):
            if new_at:
                row = within[pos, new_at]
                best = int(row.argmax())
                if row[best] >= threshold:
                    labels[block[pos]] = labels[block[candidates[new_at[best]]]]
                    continue
            if n_leaders + len(new_at) < max_leaders:
                labels[block[pos]] = n_leaders + len(new_at)
                new_at.append(j)
        if not new_at:
            continue
        # Texts that joined an old leader may prefer a new leader found before them.
        new_pos = candidates[new_at]
        to_new = within[:, new_at].copy()
        to_new[np.arange(len(block))[:, None] <= new_pos[None, :]] = -np.inf
        best_new = to_new.argmax(axis=1)
        sim_new = to_new[np.arange(len(block)), best_new]
        switch = joins & (sim_new > sim_old) & (sim_new >= threshold)
        labels[block[switch]] = n_leaders + best_new[switch]
        # Index the new leaders.
        new_rows = block[new_pos]
        leader_local, leader_terms, leader_values = matrix.gather(new_rows)
        lead_terms.append(leader_terms)
        lead_ids.append(leader_local + n_leaders)
        lead_values.append(leader_values)
        n_leaders += len(new_at)
        index = _Postings.build(
            np.concatenate(lead_ids), np.concatenate(lead_terms), np.concatenate(lead_values),
            n_terms,
        )  # fmt: skip
    return labels


@dataclass(frozen=True)
class _Centroids:
    """Cluster centroids as sums of count-weighted member vectors, one cell per (cluster, term).

    ``inverse`` maps each non-zero of a clustered row (``matrix.data[member]``) to its cell.
    """

    cluster: np.ndarray
    term: np.ndarray
    value: np.ndarray
    norm: np.ndarray  # per cluster
    rows: np.ndarray  # row of every non-zero of the matrix
    member: np.ndarray  # non-zeros of clustered rows
    inverse: np.ndarray

    @classmethod
    def of(cls, matrix: _Csr, labels: np.ndarray, counts: np.ndarray) -> _Centroids:
        """The centroids of the clusters ``labels`` (-1: no cluster) of ``matrix`` rows."""
        n_terms = max(len(matrix.terms), 1)
        n_clusters = int(labels.max()) + 1 if len(labels) else 0
        rows = np.repeat(np.arange(matrix.n_rows, dtype=np.int64), np.diff(matrix.indptr))
        member = labels[rows] >= 0
        keys = labels[rows[member]] * n_terms + matrix.indices[member]
        cells, inverse = np.unique(keys, return_inverse=True)
        value = np.bincount(
            inverse, weights=matrix.data[member] * counts[rows[member]], minlength=len(cells)
        )
        cluster = cells // n_terms
        norm = np.sqrt(np.bincount(cluster, weights=value**2, minlength=n_clusters))
        return cls(cluster, cells % n_terms, value, norm, rows, member, inverse.ravel())

    def matrix(self, terms: np.ndarray) -> _Csr:
        """The normalised centroids as rows (cells are sorted by cluster, then term)."""
        indptr = np.zeros(len(self.norm) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.cluster, minlength=len(self.norm)), out=indptr[1:])
        return _Csr(indptr, self.term, self.value / self.norm[self.cluster], terms)


def _merge_clusters(
    matrix: _Csr, labels: np.ndarray, counts: np.ndarray, threshold: float
) -> np.ndarray:
    """Merge clusters whose centroids are similar: leader clustering of the centroids.

    See step 5 of the module docstring. One round (:data:`_MERGE_ROUNDS`): a merged
    centroid is a blend of its parts, and clustering blends again lets boilerplate win.
    """
    for _ in range(_MERGE_ROUNDS):
        n_clusters = int(labels.max()) + 1 if len(labels) else 0
        if n_clusters < 2:
            break
        clustered = labels >= 0
        sizes = np.bincount(labels[clustered], weights=counts[clustered], minlength=n_clusters)
        centroids = _Centroids.of(matrix, labels, counts).matrix(matrix.terms)
        order = _density_order(centroids, sizes)
        merged = _leader_clusters(centroids, order, threshold, n_clusters)
        if int(merged.max()) + 1 == n_clusters:
            break
        labels = np.where(clustered, merged[np.maximum(labels, 0)], -1)
    return labels


def _assign_leftovers(
    matrix: _Csr, labels: np.ndarray, counts: np.ndarray, threshold: float
) -> np.ndarray:
    """Texts no leader took (after ``max_leaders``) join the nearest centroid at ``threshold``.

    Centroids are closer to a cluster's wordings than its leader, so this also recovers
    texts of big topics that came after the leaders ran out.
    """
    n_clusters = int(labels.max()) + 1 if len(labels) else 0
    left = np.flatnonzero((labels < 0) & (np.diff(matrix.indptr) > 0))
    if not n_clusters or not len(left):
        return labels
    centroids = _Centroids.of(matrix, labels, counts).matrix(matrix.terms)
    rows = np.repeat(np.arange(n_clusters, dtype=np.int64), np.diff(centroids.indptr))
    index = _Postings.build(rows, centroids.indices, centroids.data, len(matrix.terms))
    out = labels.copy()
    size = int(min(_MAX_BLOCK * 8, max(64, _BLOCK_CELLS // n_clusters)))
    for start in range(0, len(left), size):
        block = left[start : start + size]
        local, terms, values = matrix.gather(block)
        sims = _sparse_product(local, terms, values, len(block), index, n_clusters)
        best = sims.argmax(axis=1)
        ok = sims[np.arange(len(block)), best] >= threshold
        out[block[ok]] = best[ok]
    return out


# --------------------------------------------------------------------------------------------
# Describing clusters
# --------------------------------------------------------------------------------------------


def _capitalised(texts: Iterable[str]) -> dict[str, str]:
    """Words written with a capital inside a sentence, lower case -> most common spelling.

    In German these are the nouns (and names), in English names ("Dubai", "ACME"). The first
    word of a sentence (at the start, after ``. ! ? :``, quotes or brackets) does not count.

    Examples:
        >>> _capitalised(["Mein Koffer ist weg. Wo ist er?", "Koffer verloren, IT-Störung"])
        {'koffer': 'Koffer', 'it-störung': 'IT-Störung'}
    """
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        for match in _WORD_RE.finditer(text):
            word = match.group()
            before = text[: match.start()].rstrip()
            if word[0].isupper() and before and before[-1] not in _SENTENCE_START:
                spellings.setdefault(word.lower(), Counter())[word] += 1
    return {word: counts.most_common(1)[0][0] for word, counts in spellings.items()}


def _label_phrases(
    terms: Sequence[str], weights: Sequence[float], nouns: Iterable[str] | None, k: int = 3
) -> list[str]:
    """Up to ``k`` label phrases from a centroid's top terms.

    Terms are taken heaviest first (with ``nouns``, for German, terms without a noun count
    half: verbs and adverbs make poor labels; ties: two-word phrases first, then
    alphabetically). A word that a two-word phrase among ``terms`` contains, weighing at
    least half as much, is replaced by that phrase ("wifi" -> "wifi board"). A phrase that
    continues a chosen one and weighs at least three quarters of it is chained to it
    ("frequent flyer" + "flyer status" -> "frequent flyer status", at most three words); one
    that contains a word chosen alone takes its place ("fahrrad" -> "fahrrad mitnehmen"). A
    new phrase must weigh at least 30 % of the heaviest term; one whose words are all chosen
    already is skipped.

    Examples:
        >>> _label_phrases(["flyer status", "frequent flyer", "lounge", "status", "dubai"],
        ...                [1.0, 1.0, 0.9, 0.8, 0.1], None)
        ['frequent flyer status', 'lounge']
        >>> _label_phrases(["wifi", "free", "board", "wifi board"], [1.6, 1.3, 1.1, 1.1], None)
        ['wifi board', 'free']
    """
    noun_set = None if nouns is None else set(nouns)

    def score(term: str, weight: float) -> float:
        """The weight to rank by: halved for German terms without a noun."""
        if noun_set is not None and not any(w in noun_set for w in term.split()):
            return weight * 0.5
        return weight

    pairs = sorted(
        ((t, score(t, w)) for t, w in zip(terms, weights, strict=True)),
        key=lambda tw: (-tw[1], " " not in tw[0], tw[0]),
    )
    if not pairs:
        return []
    floor = 0.3 * pairs[0][1]
    bigrams = [(t, w) for t, w in pairs if " " in t]
    phrases: list[tuple[list[str], float]] = []

    def take(words: list[str], weight: float, rank_weight: float) -> None:
        """Chain ``words`` to a chosen phrase, or add them as a new one if they qualify."""
        covered = {w for phrase, _ in phrases for w in phrase}
        if len(words) == 2:
            first, last = words
            for phrase, _ in phrases:  # "fahrrad" + "fahrrad mitnehmen"
                if len(phrase) == 1 and phrase[0] in words and rank_weight >= floor:
                    phrase[:] = words
                    return
            for phrase, head in phrases:
                if len(phrase) >= 3 or weight < 0.75 * head:
                    continue
                if phrase[-1] == first and last not in phrase:
                    phrase.append(last)
                    return
                if phrase[0] == last and first not in phrase:
                    phrase.insert(0, first)
                    return
        if set(words) <= covered or rank_weight < floor or len(phrases) >= k:
            return
        phrases.append((words, rank_weight))

    for term, weight in pairs:
        if " " in term:
            take(term.split(), weight, weight)
            continue
        wider = [(b, bw) for b, bw in bigrams if term in b.split() and bw >= 0.5 * weight]
        if wider:  # the heaviest phrase with the word stands in for it, at its rank
            take(wider[0][0].split(), wider[0][1], weight)
        else:
            take([term], weight, weight)
    return [" ".join(phrase) for phrase, _ in phrases]


def _surface(phrase: str, texts: Sequence[str], capitalised: dict[str, str]) -> str:
    """A label as customers write it inside a sentence.

    A word mostly written in capitals (``IT``, ``WLAN``) is in capitals; a word written with
    a capital inside a sentence (German nouns, names) is spelled so; others are lower case.

    Examples:
        >>> _surface("koffer verloren", ["Koffer verloren!"], {"koffer": "Koffer"})
        'Koffer verloren'
        >>> _surface("it outage", ["IT outage again", "the IT outage"], {})
        'IT outage'
    """
    out = []
    for word in phrase.split():
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        spellings = Counter(m.group() for text in texts for m in pattern.finditer(text))
        upper = sum(n for s, n in spellings.items() if len(s) > 1 and s.isupper())
        if spellings and upper * 2 > sum(spellings.values()):
            out.append(word.upper())
        else:
            out.append(capitalised.get(word, word))
    return " ".join(out)


def _cluster_intent(
    scored: pd.DataFrame,
    intent: str,
    count_column: str,
    *,
    n: int,
    exclude_terms: Iterable[str],
    threshold: float,
    merge_threshold: float,
    min_df: int,
    min_size: int,
    max_leaders: int,
    n_examples: int,
    names: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Cluster the customer mentions of one intent per language (see the module docstring)."""
    columns = [c.format(count=count_column) for c in _CLUSTER_COLUMNS]
    dtypes = {c.format(count=count_column): d for c, d in _CLUSTER_DTYPES.items()}
    _require_columns(scored, ("mention_id", "intent"), f"clustering {intent}s")
    if n < 0 or n_examples < 0:
        raise ValueError(f"n and n_examples must be >= 0, got {n} and {n_examples}.")
    if not (0.0 < threshold <= 1.0 and 0.0 < merge_threshold <= 1.0):
        raise ValueError(
            f"threshold and merge_threshold must be in (0, 1], got {threshold} and "
            f"{merge_threshold}."
        )
    if min_df < 1 or min_size < 1 or max_leaders < 1:
        raise ValueError("min_df, min_size and max_leaders must be at least 1.")
    mask = _customer(scored) & has_intent(scored, intent)
    if intent == "question":  # a problem asked as a question is a complaint, not a FAQ
        mask &= ~has_intent(scored, "complaint")
    rows = scored.loc[mask.to_numpy(dtype=bool)]
    if rows.empty:
        logger.info("clustering %ss: none among %d mentions", intent, len(scored))
        return _empty(dtypes)[columns]
    display = _strip_handles(text_of(rows)).fillna("")
    names = person_names(scored) if names is None else list(names)
    exclude = tuple(dict.fromkeys([*exclude_terms, *names, *sorted(NOT_TOPIC_WORDS)]))
    langs = (
        normalize_lang(rows["lang"]).fillna(_UNKNOWN_LANG)
        if "lang" in rows.columns
        else pd.Series(_UNKNOWN_LANG, index=rows.index, dtype="string")
    )
    words_text = display
    if intent == "question":
        # Only what is asked counts: the real question sentences (a "?" or a question word),
        # not the story around them, not abuse, not a sentence naming only the brand or a
        # person ("ACME Air? I thought that was a vacuum cleaner brand").
        brand = _term_pattern(exclude)
        asked = [
            " ".join(_questions_asked(t, brand, str(lang)))
            for t, lang in zip(display, langs, strict=True)
        ]
        words_text = pd.Series(asked, index=display.index, dtype="string")
        asks = (words_text != "").to_numpy()
        if not asks.all():
            logger.info(
                "clustering questions: %d of %d ask nothing (no question sentence, only abuse "
                "or only a name)", int((~asks).sum()), len(asks),
            )  # fmt: skip
            rows, display, langs, words_text = (
                rows[asks], display[asks], langs[asks], words_text[asks]
            )
    frame = pd.DataFrame(
        {
            "mention_id": rows["mention_id"].astype("string").to_numpy(),
            "lang": langs.to_numpy(),
            "display": display.to_numpy(),
            "words_text": words_text.to_numpy(),
            "key": display.str.lower().str.replace(r"[\W_]+", " ", regex=True).str.strip(),
        }
    )
    totals = frame.groupby("lang").size()
    frame = frame[frame["key"] != ""].sort_values(["lang", "key", "mention_id"], kind="stable")
    distinct = (
        frame.groupby(["lang", "key"], sort=True)
        .agg(count=("mention_id", "size"), mention_id=("mention_id", "first"),
             display=("display", "first"), words_text=("words_text", "first"))
        .reset_index()
    )  # fmt: skip
    found: list[pd.DataFrame] = []
    for lang, group in distinct.groupby("lang", sort=True):
        found.append(
            _clusters_of_language(
                group.reset_index(drop=True), str(lang), int(totals[lang]), exclude,
                threshold=threshold, merge_threshold=merge_threshold, min_df=min_df,
                min_size=min_size, max_leaders=max_leaders, n=n, n_examples=n_examples,
            )  # fmt: skip
        )
    out = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
    if out.empty:
        return _empty(dtypes)[columns]
    out = out.rename(columns={"size": count_column})
    out = out.sort_values(
        [count_column, "lang", "topic"], ascending=[False, True, True], kind="stable"
    )
    return out[columns].astype(dtypes).reset_index(drop=True)


def _clusters_of_language(
    distinct: pd.DataFrame,
    lang: str,
    total: int,
    exclude: tuple[str, ...],
    *,
    threshold: float,
    merge_threshold: float,
    min_df: int,
    min_size: int,
    max_leaders: int,
    n: int,
    n_examples: int,
) -> pd.DataFrame:
    """The top ``n`` clusters of the distinct texts of one language.

    Words come from ``words_text`` (for questions: the question sentences only, so "Is there
    a student discount? Want to go home for the semester break." is about a student
    discount); examples show ``display``. Any language works: one without stop words or
    rules is tokenized with the English and German lists together.
    """
    texts = distinct["words_text"].str.replace(PLACEHOLDER_RE.pattern, " ", regex=True).tolist()
    clauses = [tokenize_clauses(text, lang, exclude) for text in texts]
    counts = distinct["count"].to_numpy(dtype=np.float64)
    # Similarity on words (damped idf); labels from words and phrases (see the module doc).
    matrix = _tfidf([[w for c in cl for w in c] for cl in clauses], counts, min_df, damped=True)
    # distinct is sorted by text, so the row number is the last tie-break of the order.
    labels = _leader_clusters(matrix, _density_order(matrix, counts), threshold, max_leaders)
    leaders = int(labels.max()) + 1
    labels = _merge_clusters(matrix, labels, counts, merge_threshold)
    merged = int(labels.max()) + 1
    labels = _assign_leftovers(matrix, labels, counts, threshold)
    clustered = labels >= 0
    logger.info(
        "clustering (%s): %d distinct texts, %d leaders merged into %d clusters, "
        "%d texts unclustered",
        lang,
        len(distinct),
        leaders,
        merged,
        int((~clustered).sum()),
    )
    if not clustered.any() or n == 0:
        return pd.DataFrame()
    n_clusters = int(labels.max()) + 1
    size = np.bincount(labels[clustered], weights=counts[clustered], minlength=n_clusters)
    distinct_n = np.bincount(labels[clustered], minlength=n_clusters)

    # Each member's cosine to its cluster's centroid.
    cent = _Centroids.of(matrix, labels, counts)
    rows, member = cent.rows, cent.member
    dot = np.bincount(
        rows[member], weights=matrix.data[member] * cent.value[cent.inverse],
        minlength=matrix.n_rows,
    )  # fmt: skip
    cosine = np.where(clustered, dot / np.where(clustered, cent.norm[labels], 1.0), np.nan)
    docs = [_features(cl) for cl in clauses]
    phrases = _tfidf(docs, counts, min_df)
    label_cent = _Centroids.of(phrases, labels, counts)
    centroid, cell_cluster, cell_term = label_cent.value, label_cent.cluster, label_cent.term

    kept = np.flatnonzero(size >= min_size)
    if not len(kept):
        return pd.DataFrame()
    # Candidates for the top n: every cluster at least as big as the n-th biggest (ties).
    cut = np.sort(size[kept])[::-1][min(n, len(kept)) - 1]
    kept = kept[size[kept] >= cut]

    members = pd.DataFrame(
        {
            "cluster": labels,
            "cosine": np.round(cosine, 9),
            "count": counts,
            "length": distinct["display"].str.len().to_numpy(),
            "key": distinct["key"].to_numpy(),
            "display": distinct["display"].to_numpy(),
            "mention_id": distinct["mention_id"].to_numpy(),
            # Texts with the same words (only the brand's name or @handles differ) are one
            # example.
            "words": [" ".join(sorted({w for c in cl for w in c})) for cl in clauses],
        }
    )
    members = members[members["cluster"].isin(kept)].sort_values(
        ["cluster", "cosine", "count", "length", "key"],
        ascending=[True, False, False, True, True],
        kind="stable",
    )
    nearest = members.groupby("cluster", sort=False).head(_LABEL_TEXTS)
    shown = members.drop_duplicates(["cluster", "words"]).groupby("cluster", sort=False)
    shown = shown.head(1 + n_examples)

    cell_order = np.lexsort((phrases.terms[cell_term].astype(str), -centroid, cell_cluster))
    top_cells = pd.DataFrame(
        {"cluster": cell_cluster[cell_order], "term": phrases.terms[cell_term[cell_order]],
         "weight": centroid[cell_order]}
    )  # fmt: skip
    top_cells = top_cells[top_cells["cluster"].isin(kept)].groupby("cluster").head(12)
    # A cluster whose label words all fall below min_df (clustered on the words of the whole
    # texts, labelled from the question sentences only) is labelled from its similarity
    # centroid instead: every kept cluster gets a label, in any language.
    unlabelled = np.setdiff1d(kept, top_cells["cluster"].unique())
    if len(unlabelled):
        fallback = pd.DataFrame(
            {"cluster": cent.cluster, "term": matrix.terms[cent.term], "weight": cent.value}
        )
        fallback = fallback[fallback["cluster"].isin(unlabelled)].sort_values(
            ["cluster", "weight", "term"], ascending=[True, False, True], kind="stable"
        )
        top_cells = pd.concat([top_cells, fallback.groupby("cluster").head(12)])

    records = []
    for cluster, terms in top_cells.groupby("cluster", sort=False):
        near = nearest.loc[nearest["cluster"] == cluster, "display"].tolist()
        capitalised = _capitalised(near)
        nouns = capitalised if lang == "de" else None
        chosen = _label_phrases(terms["term"].tolist(), terms["weight"].tolist(), nouns)
        chosen = chosen or terms["term"].tolist()[:1]
        examples = shown[shown["cluster"] == cluster]
        texts = examples["display"].tolist()
        records.append(
            {
                "cluster": cluster,
                "label": [_surface(t, near, capitalised) for t in chosen],
                "terms": ", ".join(chosen),
                "lang": lang,
                "size": int(round(size[cluster])),
                "share": size[cluster] / total,
                "distinct": int(distinct_n[cluster]),
                "example": texts[0],
                "example_id": examples["mention_id"].iloc[0],
                "more_examples": _EXAMPLE_SEPARATOR.join(texts[1:]),
            }
        )
    out = pd.DataFrame(records)
    if out.empty:
        return out
    # One word says little ("Flughafen"): the next label term joins it ("Flughafen, früh").
    out["topic"] = [
        ", ".join(label[:2]) if " " not in label[0] else label[0] for label in out["label"]
    ]
    clash = out["topic"].duplicated(keep=False)
    out.loc[clash, "topic"] = [" / ".join(label[:2]) for label in out.loc[clash, "label"]]
    out = out.sort_values(["size", "topic"], ascending=[False, True], kind="stable")
    return out.head(n).drop(columns=["cluster", "label"])


def language_note(scored: pd.DataFrame, default_lang: str = "en") -> str:
    """Name the languages of customer posts that step 6 has no rules for, or ``""``.

    Step 6 has question words, stop words and reply wording for English and German. Posts in
    any other language (and undetermined ones, ``und``) are carried through the parts that
    need no rules: grouped by their own words (stop words of English and German together)
    and by question marks, counted on platforms and in slots; their reply templates are
    written in ``default_lang``.

    Args:
        scored: Mentions with ``lang`` (missing: all undetermined) and ``is_brand``.
        default_lang: The playbook's ``language``.

    Returns:
        One sentence, or ``""`` when every customer post is English or German.

    Examples:
        >>> df = pd.DataFrame({"lang": ["en", "pt", "pt", None, "de-AT"], "is_brand": False})
        >>> print(language_note(df))
        No language rules for pt (2 posts), und (1 post): their questions and complaints are \
grouped by their own words and question marks only, and their reply templates are in English.
    """
    posts = scored.loc[_customer(scored).to_numpy(dtype=bool)]
    langs = (
        normalize_lang(posts["lang"]).fillna(_UNKNOWN_LANG)
        if "lang" in posts.columns
        else pd.Series(_UNKNOWN_LANG, index=posts.index)
    )
    other = langs[[lang_key(lang) == "" for lang in langs]].value_counts()
    if other.empty:
        return ""
    ordered = sorted(other.items(), key=lambda item: (-item[1], item[0]))
    listed = ", ".join(f"{lang} ({n} post{'s' if n != 1 else ''})" for lang, n in ordered)
    wording = _lang_name(default_lang if default_lang in _WORDING else "en")
    return (
        f"No language rules for {listed}: their questions and complaints are grouped by their "
        f"own words and question marks only, and their reply templates are in {wording}."
    )


def faq_candidates(
    scored: pd.DataFrame,
    n: int = 10,
    exclude_terms: Iterable[str] = (),
    *,
    names: Iterable[str] | None = None,
    threshold: float = 0.4,
    merge_threshold: float = 0.5,
    min_df: int = 2,
    min_size: int = 2,
    max_leaders: int = 2000,
    n_examples: int = 3,
) -> pd.DataFrame:
    """What customers ask most: clusters of similar questions per language (``faq.csv``).

    Questions are the customer mentions (``is_brand`` false, or ``is_customer`` true) that
    ask something and are no complaint: ``is_question & ~is_complaint`` (frames without the
    flags: ``intent == "question"``), so "why does the update keep failing?" is a complaint
    topic, not a FAQ; their text is ``text_redacted`` (else ``text``). They are
    clustered per language with TF-IDF, cosine similarity and greedy leader clustering, as
    the module docstring describes.

    Args:
        scored: Scored mentions with ``mention_id``, ``intent``, ``text_redacted`` or
            ``text``, and ``lang`` (missing or empty: ``"und"``) and ``is_brand``.
        n: Clusters per language (the biggest).
        exclude_terms: Terms that must not make questions similar, typically the brand's and
            competitors' names and handles (see :func:`~socialcrm_utils.nlp.tokens.tokenize`).
        threshold: Minimum cosine similarity of a question to its cluster's leader (and of
            a question left over to a cluster's centroid).
        merge_threshold: Minimum cosine similarity of two clusters' centroids to merge them;
            higher than ``threshold`` because centroids average the wordings out, so
            different topics with the same boilerplate ("is there ... at the airport?") are
            more alike as centroids than as single questions.
        min_df: Terms in fewer questions are ignored.
        min_size: Clusters with fewer questions are not reported.
        max_leaders: At most this many clusters per language; later questions that fit none
            stay unclustered (they still count in ``share``).
        n_examples: Further examples besides the representative question.

    Returns:
        One row per cluster, columns :data:`FAQ_COLUMNS`: ``topic`` (the label's first term
        as customers spell it, the second joined to a single word with ", "; two terms where
        two clusters would share it), ``lang``,
        ``questions`` (mentions in the cluster, repeats included), ``share`` (of all questions
        in that language), ``distinct`` (distinct texts), ``terms`` (up to three label terms),
        ``example`` (the question closest to the centroid, @handles removed), ``example_id``
        (its first ``mention_id``) and ``more_examples`` (the next closest, joined by
        ``" | "``). Sorted by ``questions`` descending, then language and topic; empty with
        these columns when there are no questions.

    Raises:
        ValueError: If ``mention_id`` or ``intent`` is missing or a parameter is out of range.
        KeyError: If the frame has neither ``text_redacted`` nor ``text``.

    Examples:
        >>> df = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3", "4", "5"], "lang": "en", "is_brand": False,
        ...     "intent": "question",
        ...     "text": ["@AcmeAir can I change my seat?", "How to change seat online?",
        ...              "Can I change my seat after check-in?", "Is wifi free?",
        ...              "is WIFI free"]})
        >>> faq_candidates(df)[["topic", "questions", "share", "distinct", "example"]]
                 topic  questions  share  distinct                example
        0  change seat          3    0.6         3  can I change my seat?
        1    wifi free          2    0.4         1          Is wifi free?
    """
    return _cluster_intent(
        scored, "question", "questions", n=n, exclude_terms=exclude_terms,
        threshold=threshold, merge_threshold=merge_threshold, min_df=min_df,
        min_size=min_size, max_leaders=max_leaders, n_examples=n_examples, names=names,
    )  # fmt: skip


def complaint_topics(
    scored: pd.DataFrame,
    n: int = 10,
    exclude_terms: Iterable[str] = (),
    *,
    names: Iterable[str] | None = None,
    threshold: float = 0.4,
    merge_threshold: float = 0.5,
    min_df: int = 2,
    min_size: int = 2,
    max_leaders: int = 2000,
    n_examples: int = 3,
) -> pd.DataFrame:
    """What customers complain about most: clusters of similar complaints per language.

    The same clustering as :func:`faq_candidates` on the customer mentions that are
    complaints, ``is_complaint`` (frames without the flag: ``intent == "complaint"``), a
    complaint asked as a question included. The input of :func:`reply_templates` and, with
    :func:`faq_candidates`, of :func:`content_calendar`.

    Args:
        scored: As for :func:`faq_candidates`.
        n: Clusters per language.
        exclude_terms: Terms that must not make complaints similar (the brand's names).
        threshold: As for :func:`faq_candidates`.
        merge_threshold: As for :func:`faq_candidates`.
        min_df: As for :func:`faq_candidates`.
        min_size: Clusters with fewer complaints are not reported.
        max_leaders: As for :func:`faq_candidates`.
        n_examples: Further examples besides the representative complaint.

    Returns:
        Columns :data:`COMPLAINT_COLUMNS`: those of :func:`faq_candidates` with
        ``complaints`` instead of ``questions``; ``share`` is of all complaints in the
        language.

    Raises:
        ValueError: If ``mention_id`` or ``intent`` is missing or a parameter is out of range.

    Examples:
        >>> df = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3"], "lang": "de", "is_brand": False,
        ...     "intent": "complaint",
        ...     "text": ["Koffer verloren!", "Mein Koffer ist verloren", "Essen kalt"]})
        >>> complaint_topics(df)[["topic", "lang", "complaints", "terms"]]
                     topic lang  complaints            terms
        0  Koffer verloren   de           2  koffer verloren
    """
    return _cluster_intent(
        scored, "complaint", "complaints", n=n, exclude_terms=exclude_terms,
        threshold=threshold, merge_threshold=merge_threshold, min_df=min_df,
        min_size=min_size, max_leaders=max_leaders, n_examples=n_examples, names=names,
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Reply templates
# --------------------------------------------------------------------------------------------

#: What a complaint topic is about, for the wording of its reply: kind -> word stems (English
#: and German; a topic term starting with a stem, or from five letters on containing it,
#: matches). Checked after :data:`PERSONAL_DATA_TOPICS`, in this order; a topic that matches
#: none gets the ``general`` wording. Industry-neutral on purpose.
TEMPLATE_KINDS: dict[str, tuple[str, ...]] = {
    "digital": (
        "app", "website", "site", "online", "login", "log-in", "password", "error", "crash",
        "bug", "update", "link", "webseite", "internetseite", "fehler", "absturz", "abgestürzt",
        "stürzt", "anmeld",
    ),
    "staff": (
        "rude", "staff", "employee", "manager", "cashier", "attitude", "unfriendly", "impolite",
        "mitarbeiter", "personal", "unfreundlich", "unhöflich", "verkäufer", "angestellte",
    ),
    "waiting": (
        "wait", "delay", "late", "slow", "queue", "line", "hold", "hours", "warte", "verspät",
        "spät", "langsam", "schlange", "dauert", "stunden",
    ),
    "quality": (
        "quality", "cold", "broken", "damaged", "dirty", "wrong", "missing", "stale", "taste",
        "portion", "small", "fresh", "qualität", "kalt", "kaputt", "beschädigt", "schmutzig",
        "dreckig", "falsch", "fehlt", "klein", "frisch",
    ),
    "price": ("price", "expensive", "cost", "fee", "preis", "teuer", "kosten", "gebühr"),
}  # fmt: skip

# Plain words for what a digital topic is about (first stem found wins).
_DIGITAL_THINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("update", "the latest update"), ("app", "the app"), ("site", "our website"),
           ("web", "our website"),
           ("log", "logging in"), ("anmeld", "logging in"), ("password", "logging in")),
    "de": (("update", "das letzte Update"), ("app", "die App"), ("site", "unsere Website"),
           ("seite", "unsere Website"),
           ("log", "die Anmeldung"), ("anmeld", "die Anmeldung"), ("passw", "die Anmeldung")),
}  # fmt: skip
_DIGITAL_DEFAULT = {"en": "our app or website", "de": "unsere App oder Website"}
_PERSONAL_WORDS = {
    "en": {"booking": "your booking", "payment": "your payment", "account": "your account",
           "order": "your order"},
    "de": {"booking": "deiner Buchung", "payment": "deiner Zahlung", "account": "deinem Konto",
           "order": "deiner Bestellung"},
}  # fmt: skip

# The sentences of a reply, per language and kind: ``ack`` (acknowledge, with and without an
# apology: a playbook may ban "sorry"), ``next`` (what happens next, public). Topics with
# personal data end with the private channel of nlp/pii.py instead of ``next``. "du" as in
# nlp/pii.py. Mild wording on purpose: an apology full of negative words can fall below
# voice.min_sentiment. Nothing here asks for personal data in public.
_WORDING: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "digital": {
            "ack": ("Sorry that {thing} isn't working as it should for you.",
                    "Thanks for telling us that {thing} isn't working as it should."),
            "next": ("Could you tell us which device and version you're using and what you see? "
                     "We'll help you get it working.",
                     "We're on it and will let you know here when it works again."),
        },
        "staff": {
            "ack": ("We're sorry about how you were treated; that's not the service we want "
                    "you to get.",
                    "Thanks for telling us how you were treated; that's not the service we "
                    "want you to get."),
            "next": ("Could you tell us where and when it happened? We'll follow it up with "
                     "the team.",
                     "We'll follow it up with the team."),
        },
        "waiting": {
            "ack": ("Sorry for the wait; we know your time matters.",
                    "Thanks for your patience; we know your time matters."),
            "next": ("We're checking what's holding things up and will update you here as soon "
                     "as we know more.",
                     "We'll update you here as soon as we know more."),
        },
        "quality": {
            "ack": ("Sorry that this wasn't up to our standards.",
                    "Thanks for telling us; this isn't up to our standards."),
            "next": ("Could you tell us where and when this was? We'll look into it and make "
                     "it right.",
                     "We'll look into it and make it right."),
        },
        "price": {
            "ack": ("Thanks for your feedback on our prices.",
                    "Thanks for your feedback on our prices."),
            "next": ("We'll pass it on to the team, and we're happy to explain what's included.",
                     "We'll pass it on to the team."),
        },
        "personal": {
            "ack": ("Sorry for the trouble with {thing}.",
                    "Thanks for reaching out about {thing}."),
            "next": (),
        },
        "general": {
            "ack": ("Thanks for telling us, and sorry this didn't go as it should.",
                    "Thanks for telling us about this."),
            "next": ("We're looking into it and will get back to you here as soon as we can.",
                     "We'll get back to you here as soon as we can."),
        },
    },
    "de": {
        "digital": {
            "ack": ("Tut uns leid, dass {thing} bei dir nicht richtig funktioniert.",
                    "Danke für deinen Hinweis, dass {thing} nicht richtig funktioniert."),
            "next": ("Magst du uns sagen, welches Gerät und welche Version du nutzt und was du "
                     "siehst? Wir helfen dir gern weiter.",
                     "Wir kümmern uns darum und melden uns hier, sobald es wieder geht."),
        },
        "staff": {
            "ack": ("Es tut uns leid, wie du behandelt wurdest; so soll es bei uns nicht sein.",
                    "Danke, dass du uns davon erzählst; so soll es bei uns nicht sein."),
            "next": ("Magst du uns sagen, wo und wann das war? Wir klären das mit dem Team.",
                     "Wir klären das mit dem Team."),
        },
        "waiting": {
            "ack": ("Tut uns leid, dass du warten musstest.",
                    "Danke für deine Geduld."),
            "next": ("Wir prüfen, woran es hakt, und melden uns hier, sobald wir mehr wissen.",
                     "Wir melden uns hier, sobald wir mehr wissen."),
        },
        "quality": {
            "ack": ("Tut uns leid, das entspricht nicht unserem Anspruch.",
                    "Danke für deinen Hinweis, das entspricht nicht unserem Anspruch."),
            "next": ("Magst du uns sagen, wo und wann das war? Wir gehen dem nach.",
                     "Wir gehen dem nach."),
        },
        "price": {
            "ack": ("Danke für dein Feedback zu unseren Preisen.",
                    "Danke für dein Feedback zu unseren Preisen."),
            "next": ("Wir geben es ans Team weiter und erklären dir gern, was alles "
                     "enthalten ist.",
                     "Wir geben es ans Team weiter."),
        },
        "personal": {
            "ack": ("Tut uns leid, dass es mit {thing} Probleme gibt.",
                    "Danke für deine Nachricht zu {thing}."),
            "next": (),
        },
        "general": {
            "ack": ("Danke für deinen Hinweis, das tut uns leid.",
                    "Danke für deinen Hinweis."),
            "next": ("Wir kümmern uns darum und melden uns hier so schnell wie möglich.",
                     "Wir melden uns hier so schnell wie möglich."),
        },
    },
}
_DEFAULT_GREETINGS: dict[str, tuple[str, ...]] = {
    "en": ("Hi there", "Hello", "Hi"),
    "de": ("Hallo", "Hi", "Moin"),
}
#: Sign-offs tried when the playbook's ``voice.sign_off`` rule is a regex: initials and name
#: placeholders in the usual forms (``^XX``, ``-Name``, ``Best, NAME`` ...); the first that the
#: regex accepts is used. When none is accepted, a string the regex itself generates
#: (``rstr``) is tried.
# Marks with initials or a name, the same in every language.
_SIGN_OFF_MARKS: tuple[str, ...] = (
    f"^{AGENT_INITIALS}", f"-{AGENT_NAME}", f"- {AGENT_NAME}", f"-{AGENT_NAME.title()}",
    f"- {AGENT_NAME.title()}", f"–{AGENT_NAME.title()}", f"~{AGENT_NAME.title()}",
    f"^{AGENT_NAME.title()}", f"*{AGENT_INITIALS}", f"/{AGENT_INITIALS}",
)
_SIGN_OFF_FORMS: dict[str, tuple[str, ...]] = {
    "en": (*_SIGN_OFF_MARKS,
           f"Best, {AGENT_NAME}", f"Cheers, {AGENT_NAME}", f"Kind regards, {AGENT_NAME}",
           f"Best, {AGENT_NAME.title()}", f"Cheers, {AGENT_NAME.title()}", AGENT_NAME.title(),
           AGENT_NAME),
    "de": (*_SIGN_OFF_MARKS,
           f"Viele Grüße, {AGENT_NAME}", f"Liebe Grüße, {AGENT_NAME}", f"Beste Grüße, {AGENT_NAME}",
           f"Viele Grüße, {AGENT_NAME.title()}", f"LG {AGENT_NAME.title()}", AGENT_NAME.title(),
           AGENT_NAME),
}  # fmt: skip
# First words that mark a greeting or sign-off phrase of the playbook as English or German.
_CUE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"hi", "hello", "hey", "dear", "good", "best", "cheers", "regards", "kind",
                     "warm", "thanks", "thank", "sincerely", "your", "yours"}),
    "de": frozenset({"hallo", "hi", "hey", "moin", "servus", "guten", "liebe", "lieber",
                     "viele", "beste", "herzliche", "grüße", "gruß", "dein", "euer"}),
}  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_MAX_GREETINGS = 4
_GLOBAL_FLAGS_RE = re.compile(r"\A\(\?[aiLmsux]+\)")


def _stem_match(words: Iterable[str], stems: Iterable[str]) -> str:
    """The first stem that starts a word (or, from five letters on, is inside one), or ``""``."""
    lowered = [w.lower() for w in words]
    for stem in stems:
        for word in lowered:
            if word.startswith(stem) or (len(stem) >= 5 and stem in word):
                return stem
    return ""


def _personal_data_kind(words: Iterable[str]) -> str:
    """The :data:`PERSONAL_DATA_TOPICS` kind the words point to, or ``""``."""
    listed = list(words)
    for kind, (_, stems) in PERSONAL_DATA_TOPICS.items():
        if _stem_match(listed, stems):
            return kind
    return ""


def _template_kind(words: Iterable[str]) -> tuple[str, str]:
    """The :data:`TEMPLATE_KINDS` kind of a topic and the stem that decided it.

    Examples:
        >>> _template_kind(["app"]), _template_kind(["Verspätung"]), _template_kind(["tacos"])
        (('digital', 'app'), ('waiting', 'verspät'), ('general', ''))
    """
    listed = list(words)
    for kind, stems in TEMPLATE_KINDS.items():
        stem = _stem_match(listed, stems)
        if stem:
            return kind, stem
    return "general", ""


def _topic_kinds(topic: list[str], terms: list[str]) -> tuple[str, str, str]:
    """The personal-data kind, the template kind and its stem of a topic.

    The topic's own words decide first (personal data, then :data:`TEMPLATE_KINDS`); the
    further label terms only when the topic's words name no kind: "hold hours" with the
    term "rebook" is about waiting, "change" with "booking" about a booking.

    Examples:
        >>> _topic_kinds(["hold", "hours"], ["hold hours", "rebook"])
        ('', 'waiting', 'hold')
        >>> _topic_kinds(["change"], ["change", "booking"])
        ('booking', 'general', '')
    """
    for words in (topic, [*topic, *terms]):
        personal = _personal_data_kind(words)
        kind, stem = _template_kind(words)
        if personal or kind != "general":
            return personal, kind, stem
    return "", "general", ""


def _applies(cue: VoiceCue, platform: str) -> bool:
    """Whether a greeting or sign-off cue counts on ``platform`` (lower case)."""
    return not cue.platforms or platform in {p.strip().lower() for p in cue.platforms}


def _by_language(phrases: Iterable[str], lang: str) -> list[str]:
    """Phrases whose first word belongs to ``lang`` first, otherwise in the playbook's order."""
    words = _CUE_WORDS.get(lang, frozenset())
    listed = list(dict.fromkeys(phrases))
    return sorted(listed, key=lambda p: (p.split() or [""])[0].lower().strip(",.!") not in words)


def _cue_regex(regex: str, where: str) -> re.Pattern[str]:
    """A regex cue anchored as :mod:`~socialcrm_utils.voice` reads it: at the start of the
    opening (``where="start"``) or at the very end (trailing spaces ignored)."""
    flags = _GLOBAL_FLAGS_RE.match(regex)
    head, body = (flags.group(), regex[flags.end():]) if flags else ("", regex)
    if where == "start":
        return re.compile(f"{head}\\A(?:{body})")
    return re.compile(f"{head}(?:{body})\\s*\\Z")


def _generated(regex: str) -> str | None:
    """A string the regex generates (``rstr.xeger`` with a fixed seed), or None without rstr."""
    try:
        import random

        import rstr
    except ImportError:  # pragma: no cover - rstr is a dependency; kept for old environments
        logger.warning("reply_templates: rstr is not installed; cannot fill the regex %r", regex)
        return None
    try:
        text = rstr.Rstr(random.Random(0)).xeger(regex)
    except Exception:  # noqa: BLE001 - any regex rstr cannot expand: no candidate
        return None
    return " ".join(text.split()) or None


def _accepted(candidates: Sequence[str], cues: Sequence[VoiceCue], where: str) -> list[str]:
    """The candidates one of the cues accepts, else strings the cues' regexes generate.

    A phrase cue accepts a candidate that starts with the phrase (a sign-off may add the
    agent's name); a regex cue one it matches where :mod:`~socialcrm_utils.voice` looks
    (:func:`_cue_regex`). With no cue every candidate is returned; when none is accepted and
    no regex can generate one, too (``check_voice`` then names the rule broken).
    """
    if not cues:
        return list(candidates)
    phrases = [c.phrase.strip().lower() for c in cues if c.phrase]
    patterns = [_cue_regex(c.regex, where) for c in cues if c.regex]

    def ok(text: str) -> bool:
        """Whether a cue accepts ``text``."""
        return any(text.lower().startswith(p) for p in phrases) or any(
            p.search(text) for p in patterns
        )

    fitting = [c for c in candidates if ok(c)]
    if fitting:
        return fitting
    generated = [g for g in (_generated(c.regex) for c in cues if c.regex) if g]
    return [g for g in generated if ok(g)] or list(candidates)


def _greetings(voice: Voice, lang: str, platform: str) -> list[str]:
    """Greetings to try: the playbook's phrases for the platform, then the defaults."""
    cues = [c for c in voice.greeting if _applies(c, platform)]
    phrases = [c.phrase for c in cues if c.phrase]
    ordered = _by_language((p.strip().rstrip(",!") for p in phrases), lang)
    candidates = list(dict.fromkeys([*ordered, *_DEFAULT_GREETINGS[lang]]))
    return _accepted(candidates, cues, "start")[:_MAX_GREETINGS]


def _sign_offs(voice: Voice, lang: str, platform: str) -> list[str]:
    """Sign-offs to try; ``[""]`` (none) when no sign-off rule applies on the platform."""
    cues = [c for c in voice.sign_off if _applies(c, platform)]
    if not cues:
        return [""]
    endings: list[str] = []
    for phrase in _by_language((c.phrase.strip() for c in cues if c.phrase), lang):
        glue = " " if phrase[-1:] in ",:-–" else ", "
        endings += [f"{phrase}{glue}{AGENT_NAME}", phrase]
    candidates = list(dict.fromkeys([*endings, *_SIGN_OFF_FORMS[lang]]))
    return _accepted(candidates, cues, "end")


def _bodies(kind: str, stem: str, personal: str, lang: str, platform: str) -> list[str]:
    """Reply bodies to try, fullest first: acknowledgement and next step, then shorter ones."""
    if personal:
        wording = _WORDING[lang]["personal"]
        thing = _PERSONAL_WORDS[lang][personal]
        pii_types = PERSONAL_DATA_TOPICS[personal][0]
        # nlp/pii.py's private-channel reply ends with the platform's channel sentence.
        channel = _SENTENCE_END.split(private_channel_reply(pii_types, lang, platform))[-1]
        acks = [a.format(thing=thing) for a in wording["ack"]]
        return [*(f"{a} {channel}" for a in acks), channel]
    wording = _WORDING[lang][kind]
    thing = next(
        (words for s, words in _DIGITAL_THINGS[lang] if stem.startswith(s) or s in stem),
        _DIGITAL_DEFAULT[lang],
    )
    acks = [a.format(thing=thing) for a in wording["ack"]]
    nexts = list(wording["next"])
    bodies = [f"{a} {n}" for n in nexts for a in acks]
    return list(dict.fromkeys([*bodies, *acks]))


def _compose(greeting: str, body: str, sign_off: str) -> str:
    """``"<greeting>, <body, first letter lower case> <sign-off>"`` ("I" and "We're" kept).

    Examples:
        >>> _compose("Hi", "Sorry for the wait.", "^XX")
        'Hi, sorry for the wait. ^XX'
    """
    first = body.split(" ", 1)[0]
    keep = first in {"I", "I'm", "I'll"} or (first[:1].isupper() and first[1:2].isupper())
    text = f"{greeting}, {body if keep else body[:1].lower() + body[1:]}"
    return f"{text} {sign_off}" if sign_off else text


def reply_templates(
    topics: pd.DataFrame,
    voice: Voice,
    platforms: Sequence[str] = ("twitter",),
    *,
    default_lang: str = "en",
) -> pd.DataFrame:
    """A reply template per complaint topic, language and platform, in the brand's voice.

    Every template is a full reply an agent can send after filling in :data:`AGENT_NAME` or
    :data:`AGENT_INITIALS`: a greeting, an acknowledgement of what the topic is about and what
    happens next, and a sign-off. What the topic is about decides the wording (English or
    German, "du" in German), never the topic's keywords pasted into a sentence:

    * a topic that involves personal data (:data:`PERSONAL_DATA_TOPICS`: bookings, payments,
      accounts, orders) names it ("Sorry for the trouble with your order.") and moves the
      customer to the platform's private channel with the last sentence of
      :func:`~socialcrm_utils.nlp.pii.private_channel_reply` (a DM on twitter, a private
      message on facebook, e-mail or the contact form on review sites);
    * otherwise the topic's words select a kind of :data:`TEMPLATE_KINDS` (app or website,
      staff, waiting, quality, price) with its own acknowledgement and next step (asking
      where and when it happened, which device, or promising an update), else a general one.

    The voice rules come from the playbook: greetings from ``voice.greeting`` (those of the
    topic's language first), else "Hi there" / "Hallo"; sign-offs from ``voice.sign_off`` where
    a rule applies on the platform: a phrase with :data:`AGENT_NAME` after it, or for a regex
    the first of the usual placeholder forms it accepts (``^XX``, ``-Name``, ``Best, NAME``
    ...), else a string the regex generates. Every combination of greeting, body (fullest
    first) and sign-off is checked with :func:`~socialcrm_utils.voice.check_voice` as a brand
    reply on the platform (every rule of ``voice`` except ``max_canned_reuse``: a template is
    meant to be reused; ``max_length`` per platform included); the first that breaks no rule is
    kept. If none passes, the first is kept with ``passes_voice`` false and its violations, so
    a template never silently breaks the client's rules.

    Args:
        topics: Output of :func:`complaint_topics` (``topic``, ``lang``; ``terms`` is used as
            well when present).
        voice: The playbook's ``voice`` section.
        platforms: Platforms to write templates for (e.g. where most complaints are posted).
        default_lang: Language of topics whose ``lang`` is neither ``"en"`` nor ``"de"`` (the
            playbook's ``language``); the row keeps its own ``lang``.

    Returns:
        One row per topic, language and platform, columns :data:`TEMPLATE_COLUMNS`:
        ``topic``, ``lang``, ``platform``, ``personal_data`` (the kind, ``""`` for none),
        ``template``, ``chars``, ``max_chars`` (the platform's ``max_length``, NA if none),
        ``passes_voice`` and ``violations`` (the details joined by ``"; "``, ``""`` if none).
        In the order of ``topics``, then ``platforms``. Empty with these columns when there
        are no topics.

    Raises:
        ValueError: If ``topic`` or ``lang`` is missing, or ``platforms`` is empty while there
            are topics.
        ResourceMissingError: If ``voice.min_sentiment`` is set and the VADER lexicon is
            missing (the templates' sentiment must be scored).

    Examples:
        >>> topics = pd.DataFrame({"topic": ["app", "Buchung"], "lang": ["en", "de"],
        ...                        "terms": ["app", "buchung"]})
        >>> voice = Voice(max_length={"twitter": 280}, banned_phrases=["calm down"],
        ...               sign_off=[{"regex": "\\\\^[A-Z]{2}", "platforms": ["twitter"]}])
        >>> out = reply_templates(topics, voice, ["twitter"])
        >>> import textwrap
        >>> print(textwrap.fill(out.loc[0, "template"], 88))
        Hi there, sorry that the app isn't working as it should for you. Could you tell us which
        device and version you're using and what you see? We'll help you get it working. ^XX
        >>> print(textwrap.fill(out.loc[1, "template"], 88))
        Hallo, tut uns leid, dass es mit deiner Buchung Probleme gibt. Schreib uns einfach eine
        Direktnachricht (DM), dann kümmern wir uns sofort darum. ^XX
        >>> out.loc[1, "personal_data"], bool(out.loc[1, "passes_voice"])
        ('booking', True)
    """
    _require_columns(topics, ("topic", "lang"), "reply_templates")
    if topics.empty:  # no complaint topics (and then no complaint platforms either)
        return _empty(TEMPLATE_COLUMNS)
    if not platforms:
        raise ValueError("platforms must name at least one platform, e.g. ('twitter',).")
    fallback = default_lang if default_lang in _WORDING else "en"
    candidates: list[dict[str, object]] = []
    for group, row in enumerate(topics.itertuples(index=False)):
        lang_code = str(row.lang) if not pd.isna(row.lang) else ""
        lang = lang_code.split("-")[0].lower()
        wording = lang if lang in _WORDING else fallback
        terms = str(getattr(row, "terms", "") or "")
        personal, kind, stem = _topic_kinds(
            str(row.topic).replace(",", " ").split(), terms.replace(",", " ").split()
        )
        for platform_no, platform in enumerate(platforms):
            plat = str(platform).strip().lower()
            combos = [
                _compose(g, b, s)
                for b in _bodies(kind, stem, personal, wording, plat)
                for g in _greetings(voice, wording, plat)
                for s in _sign_offs(voice, wording, plat)
            ]
            for rank, text in enumerate(dict.fromkeys(combos)):
                candidates.append(
                    {"group": (group, platform_no), "rank": rank, "topic": row.topic,
                     "lang": lang_code or wording, "wording": wording, "platform": plat,
                     "personal_data": personal, "template": text}
                )  # fmt: skip
    frame = pd.DataFrame(candidates)
    frame["mention_id"] = [f"template-{i}" for i in range(len(frame))]
    replies = pd.DataFrame(
        {
            "mention_id": frame["mention_id"],
            "platform": frame["platform"],
            "author_id": "brand",
            "text_redacted": frame["template"],
            "lang": frame["wording"],
            "is_brand": True,
            "in_reply_to_id": "customer-post",
        }
    )
    rules = voice.model_copy(update={"max_canned_reuse": None})
    violations = check_voice(replies, rules, default_lang=fallback)
    details = violations.groupby("mention_id", sort=False)["detail"].agg("; ".join).to_dict()
    frame["violations"] = [details.get(m, "") for m in frame["mention_id"]]
    frame["passes_voice"] = frame["violations"] == ""
    # Per group: the first candidate that passes, else the first candidate.
    frame = frame.sort_values(
        ["group", "passes_voice", "rank"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("group")
    limits = {k.strip().lower(): v for k, v in voice.max_length.items()}
    frame["chars"] = count_length(frame["template"], frame["platform"])  # as the voice check
    frame["max_chars"] = frame["platform"].map(limits).astype("Int64")
    logger.info(
        "reply_templates: %d templates, %d pass the voice rules",
        len(frame),
        int(frame["passes_voice"].sum()),
    )
    return frame[list(TEMPLATE_COLUMNS)].astype(TEMPLATE_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Where customers talk
# --------------------------------------------------------------------------------------------


def platform_volumes(scored: pd.DataFrame) -> pd.DataFrame:
    """Customer posts per platform and language: where customers talk.

    Args:
        scored: Mentions with ``platform`` and optionally ``lang`` (missing: ``"und"``) and
            ``is_brand`` (brand posts are not counted).

    Returns:
        One row per platform and language, columns :data:`VOLUME_COLUMNS`: ``platform``
        (lower case), ``lang``, ``mentions`` and ``share`` (of the customer posts in that
        language); sorted by language, then ``mentions`` descending, then platform.

    Raises:
        ValueError: If ``platform`` is missing.

    Examples:
        >>> df = pd.DataFrame({"platform": ["Twitter", "twitter", "facebook", "twitter"],
        ...                    "lang": ["en", "en", "en", "de"],
        ...                    "is_brand": [False, False, False, True]})
        >>> platform_volumes(df)
           platform lang  mentions     share
        0   twitter   en         2  0.666667
        1  facebook   en         1  0.333333
    """
    _require_columns(scored, ("platform",), "platform_volumes")
    posts = scored.loc[_customer(scored).to_numpy(dtype=bool)]
    frame = pd.DataFrame(
        {
            "platform": posts["platform"].astype("string").str.strip().str.lower(),
            "lang": (
                normalize_lang(posts["lang"]).fillna(_UNKNOWN_LANG)
                if "lang" in posts.columns
                else _UNKNOWN_LANG
            ),
        }
    ).dropna(subset=["platform"])
    if frame.empty:
        return _empty(VOLUME_COLUMNS)
    out = frame.groupby(["platform", "lang"]).size().rename("mentions").reset_index()
    out["share"] = out["mentions"] / out.groupby("lang")["mentions"].transform("sum")
    out = out.sort_values(
        ["lang", "mentions", "platform"], ascending=[True, False, True], kind="stable"
    )
    return out[list(VOLUME_COLUMNS)].astype(VOLUME_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Posting slots
# --------------------------------------------------------------------------------------------


def _engagement_index(
    engagement: pd.Series, platform: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Engagement relative to the platform's average post, and which posts are not outliers.

    A post's ratio to its platform's median engagement (mean where the median is 0) is
    compared on a log scale (``ln(1 + ratio)``): above ``Q3 + 3 * IQR`` (the IQR at least
    ``ln 2``, so that many equal posts do not make every other one an outlier) it is an
    outlier, left out with fewer than :data:`_MIN_OUTLIER_POSTS` posts never. The index of a
    kept post is its engagement divided by the mean engagement of the kept posts on its
    platform (1.0 where all of them have none).

    Returns:
        ``(index, kept)``: float index (NaN for outliers) and a boolean mask, both aligned
        with ``engagement``.
    """
    by_platform = engagement.groupby(platform)
    median = by_platform.transform("median")
    scale = median.where(median > 0, by_platform.transform("mean"))
    ratio = (engagement / scale.where(scale > 0)).fillna(0.0)
    kept = pd.Series(True, index=engagement.index)
    if len(ratio) >= _MIN_OUTLIER_POSTS:
        log = np.log1p(ratio)
        q1, q3 = log.quantile([0.25, 0.75])
        kept = log <= q3 + 3 * max(q3 - q1, np.log(2))
    mean = engagement[kept].groupby(platform[kept]).transform("mean")
    index = (engagement[kept] / mean.where(mean > 0)).fillna(1.0)
    return index.reindex(engagement.index), kept


def engagement_by_slot(
    scored: pd.DataFrame,
    timezone: str,
    brand_only: bool = True,
    *,
    min_brand_posts: int = MIN_BRAND_POSTS,
) -> pd.DataFrame:
    """Engagement of posts by local weekday and hour.

    Engagement of a post = ``likes + shares + replies`` (missing counts as 0). With
    ``brand_only`` the basis is the brand's proactive content: posts with ``is_brand`` True
    that are not replies (``in_reply_to_id`` missing or blank). When there are fewer than
    ``min_brand_posts`` of them (a brand that hardly posts, or none at all), or with
    ``brand_only=False``, all posts are used, customers' included: when the audience is
    active is the next best guess; the ``basis`` column and ``attrs["basis"]`` say which
    (``"brand_proactive"`` or ``"all_posts"``). Weekday and hour are local time in
    ``timezone``, daylight saving time included (a post at 09:30 UTC is 11 in Berlin in June,
    10 in December).

    Platforms differ more than hours do (a brand post on instagram may get ten times the
    likes of one on twitter), so each post also gets an *engagement index*: its engagement
    divided by the mean of the basis posts on the same platform (1.0 = an average post
    there; no ``platform`` column: one platform). Posts far above their platform's usual
    engagement (a crisis statement, a post that went viral; see :func:`_engagement_index`)
    say little about the hour they were posted in and are left out; ``attrs["outliers"]``
    counts them, ``attrs["posts"]`` counts the posts used. With all posts, days with more
    than :data:`SPIKE_DAY_FACTOR` times the median posts per day (an outage, a shitstorm; at
    least :data:`_MIN_SPIKE_DAYS` days needed to tell) are left out too
    (``attrs["spike_days"]``). An empty table (no posts, or none with a date) gives an empty
    result with the same columns.

    Args:
        scored: Mention table with ``created_at`` (tz-aware, or naive UTC), ``likes``,
            ``shares``, ``replies``, ``is_brand``, ``in_reply_to_id`` and optionally
            ``platform``.
        timezone: IANA time zone of the audience, e.g. the playbook's ``"Europe/Berlin"``.
        brand_only: Use the brand's proactive posts where there are enough of them.
        min_brand_posts: Fewer proactive brand posts than this and all posts are used.

    Returns:
        One row per (weekday, hour) with at least one post: ``weekday`` (0 = Monday),
        ``weekday_name`` (``"Mon"`` ... ``"Sun"``), ``hour`` (0-23, local), ``posts``,
        ``engagement_index`` (mean index of the slot's posts), ``mean_engagement``,
        ``median_engagement`` and ``basis``; sorted by weekday and hour.

    Raises:
        ValueError: If a needed column is missing.

    Examples:
        >>> df = pd.DataFrame({
        ...     "created_at": pd.to_datetime(["2026-06-02 09:30", "2026-06-09 09:10",
        ...                                   "2026-06-10 16:00"], utc=True),
        ...     "likes": [10, 4, 6], "shares": [2, None, 0], "replies": [0, 2, 0],
        ...     "is_brand": [True, True, True], "in_reply_to_id": [None, None, None]})
        >>> engagement_by_slot(df, "Europe/Berlin", min_brand_posts=1)[
        ...     ["weekday_name", "hour", "posts", "engagement_index", "mean_engagement"]]
          weekday_name  hour  posts  engagement_index  mean_engagement
        0          Tue    11      2             1.125              9.0
        1          Wed    18      1             0.750              6.0
    """
    needed = ["created_at", "likes", "shares", "replies"]
    if brand_only:
        needed += ["is_brand", "in_reply_to_id"]
    _require_columns(scored, needed, "engagement_by_slot")
    basis = "all_posts"
    posts = scored
    n_proactive = 0
    if brand_only:
        not_reply = scored["in_reply_to_id"].astype("string").str.strip().fillna("").eq("")
        proactive = _brand(scored) & not_reply
        n_proactive = int(proactive.sum())
        if n_proactive >= min_brand_posts:
            basis = "brand_proactive"
            posts = scored[proactive]
        else:
            logger.warning(
                "engagement_by_slot: only %d proactive brand posts (< %d); using all %d posts",
                n_proactive,
                min_brand_posts,
                len(scored),
            )
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(timezone)
    posts, local = posts[local.notna()], local[local.notna()]
    spike_days = spikes_kept = 0
    if basis == "all_posts":  # an incident day says when things broke, not when people read
        day = local.dt.normalize()
        per_day = day.value_counts()
        if len(per_day) >= _MIN_SPIKE_DAYS:
            spikes = per_day.index[per_day > SPIKE_DAY_FACTOR * per_day.median()]
            if per_day[spikes].sum() > SPIKE_DAY_MAX_SHARE * per_day.sum():
                # An export of one or two busy days: the "incidents" are the data itself.
                spikes_kept = len(spikes)
                logger.warning(
                    "engagement_by_slot: %d busy days hold %d of %d posts; kept (too many "
                    "to leave out as incidents)", spikes_kept, int(per_day[spikes].sum()),
                    len(posts),
                )  # fmt: skip
            else:
                spike_days = len(spikes)
                posts, local = posts[~day.isin(spikes)], local[~day.isin(spikes)]
    engagement = sum(
        (pd.to_numeric(posts[c], errors="coerce").fillna(0).astype("float64"))
        for c in ("likes", "shares", "replies")
    )
    platform = (
        posts["platform"].astype("string").str.strip().str.lower().fillna("")
        if "platform" in posts.columns
        else pd.Series("", index=posts.index)
    )
    index, kept = _engagement_index(engagement, platform)
    frame = pd.DataFrame(
        {
            "weekday": local[kept].dt.day_of_week.astype("int64"),
            "hour": local[kept].dt.hour.astype("int64"),
            "index": index[kept],
            "engagement": engagement[kept],
        }
    )
    if frame.empty:
        out = _empty(_SLOT_COLUMNS)
    else:
        out = (
            frame.groupby(["weekday", "hour"])
            .agg(
                posts=("engagement", "size"),
                engagement_index=("index", "mean"),
                mean_engagement=("engagement", "mean"),
                median_engagement=("engagement", "median"),
            )
            .reset_index()
        )
        out["weekday_name"] = out["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
        out["basis"] = basis
        out = out[list(_SLOT_COLUMNS)].astype(_SLOT_COLUMNS)
    out.attrs.update(
        basis=basis, posts=len(frame), outliers=int((~kept).sum()), spike_days=spike_days,
        spike_days_kept=spikes_kept, brand_posts=n_proactive,
    )
    logger.info(
        "engagement_by_slot: %d posts in %d slots (%s), %d outliers left out",
        len(frame), len(out), basis, out.attrs["outliers"],
    )  # fmt: skip
    return out


def _window_hours(by_slot: pd.DataFrame, min_posts: int) -> int:
    """The narrowest of :data:`SLOT_HOURS` at which windows with ``min_posts`` posts hold 80 %
    of the posts (the widest when none does)."""
    total = by_slot["posts"].sum()
    for hours in SLOT_HOURS:
        per_window = by_slot.groupby(by_slot["hour"] // hours)["posts"].sum()
        if per_window[per_window >= min_posts].sum() >= 0.8 * total:
            return hours
    return SLOT_HOURS[-1]


def best_slots(
    by_slot: pd.DataFrame, n: int = 5, min_posts: int = MIN_SLOT_POSTS, hours: int | None = None
) -> pd.DataFrame:
    """The ``n`` posting slots (weekday and time window) with the highest expected engagement.

    A brand posts a few times a week, so most weekday-hour slots hold one or two posts, and
    the best-looking slot is mostly luck. The expected engagement index of a slot is
    therefore the product of two better-founded figures: the mean engagement index
    (:func:`engagement_by_slot`) of all posts on that *weekday* and that of all posts in that
    *time window* (``hours`` wide, e.g. 18-20), each 1.0 for an average post. Only weekdays
    and windows with at least ``min_posts`` posts are ranked. That Tuesday noon might be
    better than Tuesday and noon each suggest is not modelled: it cannot be told from noise
    with this few posts.

    When ``by_slot`` rests on all posts (``attrs["basis"] == "all_posts"``: the brand hardly
    posts), the engagement of customers' posts says little about when the brand should
    publish; the indices then measure *activity*, when the audience posts: a weekday's posts
    divided by the mean posts per weekday, a window's by the mean posts per window of the day.

    Args:
        by_slot: Output of :func:`engagement_by_slot`.
        n: Slots to return.
        min_posts: Minimum posts on a weekday and in a time window for them to be ranked.
        hours: Width of the time windows (one of :data:`SLOT_HOURS`); None: the narrowest at
            which windows with ``min_posts`` posts hold 80 % of the posts.

    Returns:
        Columns :data:`BEST_SLOT_COLUMNS`: ``weekday``, ``weekday_name``, ``hour`` (window
        start, local), ``hours`` (window width), ``window`` (``"18-20"``),
        ``expected_index``, ``weekday_index``, ``weekday_posts``, ``window_index``,
        ``window_posts``, ``posts`` (posts in exactly this slot, often 0) and ``basis``;
        sorted by ``expected_index`` descending (ties: earlier weekday and hour); ``attrs``
        of ``by_slot`` kept, plus ``hours`` and ``min_posts``.

    Raises:
        ValueError: If ``n`` is negative, ``hours`` not in :data:`SLOT_HOURS` or a needed
            column is missing.

    Examples:
        >>> by_slot = pd.DataFrame({"weekday": [1, 1, 2, 2], "hour": [9, 18, 9, 18],
        ...                         "posts": [4, 4, 4, 4],
        ...                         "engagement_index": [0.5, 1.5, 0.7, 1.3]})
        >>> best_slots(by_slot, n=3, min_posts=8, hours=3)[
        ...     ["weekday_name", "window", "expected_index", "weekday_index", "window_index"]]
          weekday_name window  expected_index  weekday_index  window_index
        0          Tue  18-21             1.4            1.0           1.4
        1          Wed  18-21             1.4            1.0           1.4
        2          Tue  09-12             0.6            1.0           0.6
    """
    _require_columns(by_slot, ("weekday", "hour", "posts", "engagement_index"), "best_slots")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    if hours is not None and hours not in SLOT_HOURS:
        raise ValueError(f"hours must be one of {SLOT_HOURS}, got {hours}.")
    width = hours or (_window_hours(by_slot, min_posts) if len(by_slot) else SLOT_HOURS[0])
    cells = pd.DataFrame(
        {
            "weekday": by_slot["weekday"].astype("int64"),
            "hour": (by_slot["hour"] // width * width).astype("int64"),
            "posts": by_slot["posts"].astype("int64"),
            "weighted": by_slot["engagement_index"] * by_slot["posts"],
        }
    )

    activity = by_slot.attrs.get("basis") == "all_posts"

    def effect(key: str, prefix: str, groups: int) -> pd.DataFrame:
        """Posts and index per weekday or per window (of ``groups``), those with ``min_posts``."""
        sums = cells.groupby(key)[["posts", "weighted"]].sum()
        index = (
            sums["posts"] / (sums["posts"].sum() / groups)
            if activity
            else sums["weighted"] / sums["posts"]
        )
        eligible = sums["posts"] >= min_posts
        return pd.DataFrame(
            {f"{prefix}_index": index[eligible], f"{prefix}_posts": sums["posts"][eligible]}
        ).reset_index()

    wanted = min_posts
    grid = effect("weekday", "weekday", 7).merge(effect("hour", "window", 24 // width), how="cross")
    if grid.empty and min_posts > 1 and len(cells):
        # Nothing reaches min_posts: rank what there is rather than plan nothing (the note
        # and attrs["min_posts_wanted"] say so).
        min_posts = 1
        grid = effect("weekday", "weekday", 7).merge(
            effect("hour", "window", 24 // width), how="cross"
        )
        logger.warning(
            "best_slots: no weekday and %d-hour window have %d posts; ranked with fewer",
            width, wanted,
        )  # fmt: skip
    in_slot = cells.groupby(["weekday", "hour"], as_index=False)["posts"].sum()
    grid = grid.merge(in_slot, on=["weekday", "hour"], how="left").fillna({"posts": 0})
    grid["expected_index"] = grid["weekday_index"] * grid["window_index"]
    grid["weekday_name"] = grid["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
    grid["hours"] = width
    grid["window"] = [f"{h:02d}-{h + width:02d}" for h in grid["hour"]]
    grid["basis"] = by_slot.attrs.get("basis", pd.NA)
    out = grid.sort_values(
        ["expected_index", "weekday", "hour"], ascending=[False, True, True], kind="stable"
    ).head(n)
    out = out[list(BEST_SLOT_COLUMNS)].astype(BEST_SLOT_COLUMNS).reset_index(drop=True)
    out.attrs = {
        **by_slot.attrs, "hours": width, "min_posts": min_posts, "min_posts_wanted": wanted
    }
    if out.empty and n:
        logger.warning(
            "best_slots: no weekday and %d-hour window both have %d posts", width, min_posts
        )
    return out


def slot_note(by_slot: pd.DataFrame, slots: pd.DataFrame) -> str:
    """One paragraph for the notebook and report: what the best slots rest on.

    Args:
        by_slot: Output of :func:`engagement_by_slot`.
        slots: Output of :func:`best_slots` for it.

    Returns:
        Plain text (Markdown-safe) naming the posts used, the outliers left out, the window
        width and minimum, and what to do with the result.

    Examples:
        >>> by_slot = pd.DataFrame({"weekday": [1, 2], "hour": [9, 18], "posts": [9, 9],
        ...                         "engagement_index": [0.8, 1.2]})
        >>> by_slot.attrs = {"basis": "brand_proactive", "posts": 18, "outliers": 2}
        >>> print(slot_note(by_slot, best_slots(by_slot, min_posts=8, hours=3)))
        Based on 18 proactive brand posts; left out: 2 posts far above their platform's usual \
engagement (such as crisis statements). A slot's score is its weekday's engagement index \
times its 3-hour window's (1.0 = an average post on the same platform); weekdays and windows \
with fewer than 8 posts are not ranked. Treat the best slots as a starting point: post there \
for a few weeks and compare.
    """
    attrs = by_slot.attrs
    posts = attrs.get("posts", int(by_slot["posts"].sum()))
    activity = attrs.get("basis") == "all_posts"
    if activity:
        used = (
            f"Too few proactive brand posts to judge engagement, so these are the hours when "
            f"the audience is most active, from {posts} posts of all authors"
        )
    else:
        used = f"Based on {posts} proactive brand posts"
    left_out = []
    if attrs.get("outliers"):
        left_out.append(
            f"{attrs['outliers']} posts far above their platform's usual engagement (such as "
            "crisis statements)"
        )
    if attrs.get("spike_days"):
        days = attrs["spike_days"]
        left_out.append(
            f"the posts of {days} incident day{'s' if days != 1 else ''} (more than "
            f"{SPIKE_DAY_FACTOR:g}x the usual posts per day)"
        )
    if left_out:
        used += f"; left out: {' and '.join(left_out)}"
    if attrs.get("spike_days_kept"):
        days = attrs["spike_days_kept"]
        used += (
            f"; {days} busy day{'s' if days != 1 else ''} kept although above "
            f"{SPIKE_DAY_FACTOR:g}x the usual posts per day: they hold most of the export"
        )
    hours, min_posts = slots.attrs.get("hours", 1), slots.attrs.get("min_posts", MIN_SLOT_POSTS)
    wanted = slots.attrs.get("min_posts_wanted", min_posts)
    measure = (
        "activity index times its {h}-hour window's (1.0 = an average weekday or window)"
        if activity
        else "engagement index times its {h}-hour window's (1.0 = an average post on the same "
        "platform)"
    ).format(h=hours)
    method = (
        f"A slot's score is its weekday's {measure}; weekdays and windows with fewer than "
        f"{min_posts} posts are not ranked."
    )
    if wanted > min_posts:
        method = (
            f"A slot's score is its weekday's {measure}. No weekday and window had {wanted} "
            f"posts, so every one with a post is ranked: the figures rest on very few posts."
        )
    if slots.empty:
        verdict = "No slot can be ranked yet: publish more, or plan with the audience's hours."
    else:
        verdict = (
            "Treat the best slots as a starting point: post there for a few weeks and compare."
        )
    return f"{used}. {method} {verdict}"


# --------------------------------------------------------------------------------------------
# Content calendar
# --------------------------------------------------------------------------------------------


def _ordinal(rank: int) -> str:
    """``"highest"`` for 1, ``"2nd-highest"`` for 2, ..."""
    if rank == 1:
        return "highest"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}-highest"



#: Which kind of topic follows which in the calendar: two FAQ posts, then one post that
#: heads off a complaint topic.
_KIND_PATTERN: tuple[str, ...] = ("question", "complaint", "question")
# Formats per kind and platform, used in turn on each platform; others: the default.
_FORMATS: dict[str, dict[str, tuple[str, ...]]] = {
    "question": {
        "twitter": ("FAQ post", "FAQ thread"), "x": ("FAQ post", "FAQ thread"),
        "mastodon": ("FAQ post",), "bluesky": ("FAQ post",), "threads": ("FAQ post",),
        "facebook": ("FAQ post", "how-to video"), "linkedin": ("FAQ post",),
        "instagram": ("carousel", "how-to video"), "tiktok": ("how-to video",),
        "youtube": ("how-to video",), "reddit": ("FAQ thread",), "forum": ("FAQ thread",),
    },
    "complaint": {
        "twitter": ("status update", "how-to thread"), "x": ("status update", "how-to thread"),
        "facebook": ("how-to video", "status update"), "instagram": ("carousel", "how-to video"),
        "tiktok": ("how-to video",), "youtube": ("how-to video",), "reddit": ("help thread",),
        "forum": ("help article",),
    },
}  # fmt: skip
_DEFAULT_FORMATS: dict[str, tuple[str, ...]] = {
    "question": ("FAQ post",),
    "complaint": ("status update",),
}


def _percent(share: float) -> str:
    """``"12%"``; below 1 % with one decimal (``"0.4%"``)."""
    return f"{share:.1%}" if share < 0.01 else f"{share:.0%}"


def _topic_queue(table: pd.DataFrame | None, kind: str, count: str) -> list[dict[str, object]]:
    """The topics of one kind in table order, as dicts with the figures a rationale needs."""
    if table is None or table.empty:
        return []
    _require_columns(table, ("topic", "lang", count, "share"), f"content_calendar ({kind}s)")
    examples = table["example"] if "example" in table.columns else pd.Series(pd.NA, table.index)
    return [
        {"kind": kind, "topic": r.topic, "lang": r.lang, "count": int(getattr(r, count)),
         "share": float(r.share), "example": example}
        for r, example in zip(table.itertuples(index=False), examples, strict=True)
    ]  # fmt: skip


class _Rotation:
    """Smooth weighted round robin (as in nginx): platforms in turn, each as often as its
    weight says, interleaved rather than in runs; deterministic."""

    def __init__(self, platforms: Sequence[str], weights: Sequence[float]) -> None:
        """Platforms and their weights (e.g. customer posts), in tie-break order."""
        self.platforms = list(platforms)
        self.weights = [float(w) for w in weights]
        self.current = [0.0] * len(self.platforms)

    def next(self) -> str:
        """The next platform: the one furthest behind its share."""
        total = sum(self.weights)
        for i, weight in enumerate(self.weights):
            self.current[i] += weight
        best = max(range(len(self.platforms)), key=lambda i: (self.current[i], -i))
        self.current[best] -= total
        return self.platforms[best]


def _closed_days(
    holidays: Holidays | str | None, closed_dates: Iterable[date], first: date, last: date
) -> dict[date, str]:
    """Days from ``first`` to ``last`` to keep free -> why (the holiday's name or "closed").

    Examples:
        >>> days = _closed_days("DE-BE", [date(2026, 12, 24)], date(2026, 12, 21),
        ...                     date(2027, 1, 3))
        >>> [d.isoformat() for d in sorted(days)], days[date(2026, 12, 24)]
        (['2026-12-24', '2026-12-25', '2026-12-26', '2027-01-01'], 'closed')
    """
    closed = {d: "closed" for d in closed_dates if first <= d <= last}
    if holidays is None:
        return closed
    if isinstance(holidays, str):
        country, _, subdivision = holidays.partition("-")
    else:
        country, subdivision = holidays.country, holidays.subdivision or ""
    import holidays as holidays_lib

    public = holidays_lib.country_holidays(
        country, subdiv=subdivision or None, years=range(first.year, last.year + 1)
    )
    for day, name in public.items():
        if first <= day <= last:
            closed.setdefault(day, str(name))
    return closed


def _calendar_note(slots: pd.DataFrame, skipped: list[tuple[date, str]], planned: int) -> str:
    """One paragraph: what the plan's slots rest on and which days were kept free."""
    attrs = slots.attrs
    if (slots.get("basis") == "all_posts").any() if "basis" in slots else False:
        brand = attrs.get("brand_posts")
        few = (
            "too few proactive brand posts" if brand is None
            else "no proactive brand posts" if brand == 0
            else f"only {brand} proactive brand post{'s' if brand != 1 else ''}"
        )  # fmt: skip
        parts = [
            f"{planned} posts planned in the hours when the audience is most active: there "
            f"are {few} to judge engagement by."
        ]
    else:
        parts = [f"{planned} posts planned in the slots with the best brand engagement."]
    if attrs.get("min_posts_wanted", 0) > attrs.get("min_posts", 0):
        parts.append("The slots rest on very few posts; revisit them as data comes in.")
    if skipped:
        days = ", ".join(f"{d.isoformat()} ({why})" for d, why in sorted(set(skipped)))
        parts.append(f"No post on holidays or closed dates: {days}.")
    return " ".join(parts)


def content_calendar(
    faq: pd.DataFrame,
    complaints: pd.DataFrame | None,
    slots: pd.DataFrame,
    volumes: pd.DataFrame,
    start: date,
    weeks: int = 4,
    *,
    posts_per_week: int = 3,
    max_platforms: int = 3,
    holidays: Holidays | str | None = None,
    closed_dates: Iterable[date] = (),
) -> pd.DataFrame:
    """Plan proactive posts: what people ask and complain about, in the best slots.

    Week ``w`` covers the seven days from ``start + 7w``; each week gets one post in each of
    the first ``posts_per_week`` rows of ``slots`` (best first). Posts are numbered week by
    week, best slot first, and take their kind from the pattern question, complaint,
    question (two FAQ posts, then one that answers a complaint topic before customers
    complain); each kind takes its topics in table order (most mentioned first) and starts
    over when they run out. Without complaint topics every post is a FAQ post, and the other
    way round.

    The platform of a post comes from the customer posts in the topic's language
    (:func:`platform_volumes`): the ``max_platforms`` platforms with the most posts, review
    sites and app stores left out (:data:`NON_PUBLISHING_PLATFORMS`), in turn by smooth
    weighted round robin, so a platform with twice the posts gets twice the posts, spread
    out. A language without volumes uses the volumes of all languages. The format depends on
    the kind and platform (a FAQ post or thread on twitter, a carousel or how-to video on
    instagram, a status update or how-to thread for a complaint topic on twitter ...) and
    changes each time the same kind comes back to a platform.

    Args:
        faq: Output of :func:`faq_candidates` (``topic``, ``lang``, ``questions``, ``share``).
        complaints: Output of :func:`complaint_topics` (``complaints`` instead of
            ``questions``), or None.
        slots: Output of :func:`best_slots` (``weekday``, ``hour``, ``expected_index``,
            optionally ``basis``: ``"all_posts"`` says the index is audience activity).
        volumes: Output of :func:`platform_volumes`.
        start: First day of the plan (any weekday; no post is dated before it).
        weeks: Number of weeks to plan.
        posts_per_week: Maximum posts per week (the best slots are used).
        max_platforms: Platforms to publish on per language.
        holidays: Public holidays to keep free (the playbook's
            ``sla.business_hours.holidays``: a :class:`~socialcrm_utils.playbook.Holidays` or
            ``"DE-BE"``), via the ``holidays`` package; None: none.
        closed_dates: Further days to keep free (``sla.business_hours.closed_dates``).

    A slot that falls on a holiday or closed date is left out that week and the next best
    slot of the week takes its place (so 25 Dec and 1 Jan get no post where the country has
    them); ``attrs["skipped"]`` lists the days left out, ``attrs["note"]`` says in one
    paragraph what the plan rests on (brand engagement or audience activity, holidays kept
    free) or, when it is empty, why.

    Returns:
        One row per post, columns :data:`CALENDAR_COLUMNS`: ``date`` (local
        ``datetime.date``), ``time`` (``"HH:00"``), ``platform``, ``topic``, ``lang``,
        ``kind`` (``"question"`` or ``"complaint"``), ``format``, ``example`` (the topic's
        representative mention, what the post should answer; NA if the topic table has no
        ``example``) and ``rationale`` (one line with the figures). Sorted by date and time.
        Empty with these columns when there are no topics, no slots or no platform to publish
        on.

    Raises:
        ValueError: If ``weeks``, ``posts_per_week`` or ``max_platforms`` is out of range or
            a needed column is missing.

    Examples:
        >>> faq = pd.DataFrame({"topic": ["change seat"], "lang": ["en"], "questions": [42],
        ...                     "share": [0.12]})
        >>> slots = pd.DataFrame({"weekday": [1], "hour": [11], "expected_index": [1.46]})
        >>> volumes = pd.DataFrame({"platform": ["twitter"], "lang": ["en"], "mentions": [90],
        ...                         "share": [0.6]})
        >>> plan = content_calendar(faq, None, slots, volumes, date(2026, 6, 1), weeks=1)
        >>> plan.loc[0, "date"], plan.loc[0, "time"], plan.loc[0, "platform"], plan.loc[0, "format"]
        (datetime.date(2026, 6, 2), '11:00', 'twitter', 'FAQ post')
        >>> print(plan.loc[0, "rationale"].replace("; ", ";\\n"))
        FAQ: 42 English questions (12%) ask this;
        Tue 11:00 has the highest expected engagement (1.5x an average post);
        twitter has 60% of English customer posts.
    """
    if weeks < 0 or posts_per_week < 0 or max_platforms < 1:
        raise ValueError(
            "weeks and posts_per_week must be >= 0 and max_platforms >= 1, got "
            f"{weeks}, {posts_per_week} and {max_platforms}."
        )
    _require_columns(slots, ("weekday", "hour", "expected_index"), "content_calendar (slots)")
    _require_columns(volumes, ("platform", "lang", "mentions", "share"), "content_calendar")
    queues = {
        "question": _topic_queue(faq, "question", "questions"),
        "complaint": _topic_queue(complaints, "complaint", "complaints"),
    }
    pattern = [kind for kind in _KIND_PATTERN if queues[kind]]
    publishing = volumes[
        ~volumes["platform"].astype("string").str.lower().isin(NON_PUBLISHING_PLATFORMS)
        & (volumes["mentions"] > 0)
    ]
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in CALENDAR_COLUMNS})
    if not pattern or slots.empty or publishing.empty:
        missing = [
            what for what, none in (
                ("no FAQ or complaint topic to post about", not pattern),
                ("no posting slot could be ranked", slots.empty),
                ("no platform where customers talk and the brand can publish",
                 publishing.empty),
            ) if none
        ]  # fmt: skip
        empty.attrs = {"skipped": [], "note": "No posts planned: " + "; ".join(missing) + "."}
        logger.warning("content_calendar: %s", empty.attrs["note"])
        return empty
    last_day = start + timedelta(days=7 * max(weeks, 1) - 1)
    closed = _closed_days(holidays, closed_dates, start, last_day)

    def top(frame: pd.DataFrame) -> pd.DataFrame:
        """The ``max_platforms`` platforms with the most customer posts."""
        return frame.sort_values(
            ["mentions", "platform"], ascending=[False, True], kind="stable"
        ).head(max_platforms)

    overall = publishing.groupby("platform", as_index=False)["mentions"].sum()
    overall["share"] = overall["mentions"] / volumes["mentions"].sum()
    targets: dict[str, pd.DataFrame] = {"": top(overall)}
    for lang, group in publishing.groupby("lang"):
        targets[str(lang)] = top(group)
    rotations = {
        k: _Rotation(t["platform"].tolist(), t["mentions"].tolist()) for k, t in targets.items()
    }
    shares = {k: dict(zip(t["platform"], t["share"], strict=True)) for k, t in targets.items()}

    ranked = slots.reset_index(drop=True)
    cursor = dict.fromkeys(queues, 0)
    format_turn: Counter[tuple[str, str]] = Counter()
    rows: list[dict[str, object]] = []
    skipped: list[tuple[date, str]] = []
    k = 0
    for week in range(weeks):
        week_start = start + timedelta(days=7 * week)
        taken = 0
        for rank, slot in enumerate(ranked.itertuples(index=False), start=1):
            if taken >= posts_per_week:
                break
            weekday, hour = int(slot.weekday), int(slot.hour)
            day = week_start + timedelta(days=(weekday - week_start.weekday()) % 7)
            if day in closed:
                skipped.append((day, closed[day]))
                continue
            taken += 1
            kind = pattern[k % len(pattern)]
            k += 1
            item = queues[kind][cursor[kind] % len(queues[kind])]
            cursor[kind] += 1
            lang = str(item["lang"])
            key = lang if lang in rotations else ""
            platform = rotations[key].next()
            formats = _FORMATS[kind].get(platform, _DEFAULT_FORMATS[kind])
            fmt = formats[format_turn[(platform, kind)] % len(formats)]
            format_turn[(platform, kind)] += 1
            language = _lang_name(lang)
            audience = f"{language} customer posts" if key else "customer posts"
            what = (
                f"FAQ: {item['count']} {language} questions ({_percent(item['share'])}) ask this"
                if kind == "question"
                else f"Proactive: {item['count']} {language} complaints "
                f"({_percent(item['share'])}) are about this"
            )
            rationale = (
                f"{what}; {WEEKDAY_NAMES[weekday]} {hour:02d}:00 has the {_ordinal(rank)} "
                + (
                    f"audience activity ({float(slot.expected_index):.1f}x an average slot); "
                    if str(getattr(slot, "basis", "")) == "all_posts"
                    else f"expected engagement ({float(slot.expected_index):.1f}x an average "
                    "post); "
                )
                + f"{platform} has "
                f"{_percent(shares[key][platform])} of {audience}."
            )
            rows.append(
                {
                    "date": day,
                    "time": f"{hour:02d}:00",
                    "platform": platform,
                    "topic": item["topic"],
                    "lang": lang,
                    "kind": kind,
                    "format": fmt,
                    "example": item["example"],
                    "rationale": rationale,
                }
            )
    note = _calendar_note(slots, skipped, len(rows))
    if not rows:
        empty.attrs = {"skipped": skipped, "note": note}
        return empty
    plan = pd.DataFrame(rows, columns=list(CALENDAR_COLUMNS))
    plan = plan.sort_values(["date", "time"], kind="stable").reset_index(drop=True)
    plan.attrs = {"skipped": skipped, "note": note}
    logger.info("content_calendar: %d posts over %d weeks from %s", len(plan), weeks, start)
    return plan
