"""Step 6, generate content: FAQ candidates, best posting slots and a content calendar.

What should the brand publish, and when? Three answers from the scored mention table (the
canonical columns of :mod:`socialcrm_utils.schema` plus ``intent``, ``sentiment`` and
``sentiment_label`` from step 3):

* :func:`top_questions`: what customers ask most, grouped into topics by a key phrase
  (the FAQ candidates, ``faq.csv``);
* :func:`engagement_by_slot` and :func:`best_slots`: when the brand's own posts get the most
  likes, shares and replies, by local weekday and hour;
* :func:`content_calendar`: a plan that puts the top topics as FAQ posts into the best slots
  (``content_calendar.csv``).

:func:`tokenize` is the offline word tokenizer behind the topics: a regular expression and the
English and German stop-word lists of the ``stop_words`` package (no NLTK corpora needed).

All functions are pure: they return new frames and never modify their inputs.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import pandas as pd
from stop_words import get_stop_words

from .schema import text_of

__all__ = [
    "DOMAIN_STOP_WORDS",
    "KEEP_WORDS",
    "MIN_BRAND_POSTS",
    "WEEKDAY_NAMES",
    "tokenize",
    "top_questions",
    "engagement_by_slot",
    "best_slots",
    "content_calendar",
]

logger = logging.getLogger(__name__)

#: Social-media chatter and greetings that the ``stop_words`` lists miss; removed in every
#: language because they never name what a customer asks about.
DOMAIN_STOP_WORDS: frozenset[str] = frozenset(
    {
        # English
        "amp", "anybody", "dear", "guys", "hey", "lol", "pls", "plz", "thx", "via",
        # German greetings and chatter
        "bitte", "dank", "danke", "grüße", "gruß", "hallo", "jemand", "leute", "liebe",
        "lieber", "moin", "vielen",
        # German function words the short (Snowball) list of stop_words lacks
        "beim", "bereits", "bzw", "dabei", "dafür", "danach", "daran", "darauf", "davon",
        "denke", "eben", "echt", "eigentlich", "einfach", "erst", "etwa", "finde", "ganz", "gar",
        "gehen", "geht", "gerade", "gerne", "gibt", "glaube", "gut", "habt", "halt", "hätte",
        "heute", "immer", "kommen", "kommt", "könnten", "lassen", "lässt", "macht", "mal",
        "mehr", "nie", "nix", "oft", "okay", "sagen", "sagt", "schon", "sei", "seit", "sogar",
        "sollten", "usw", "viele", "wäre", "wegen", "weiß", "wirklich", "wohl",
        "worden", "wurde", "wurden",
        # German modal verbs (questions open with them: "Darf ich ...?", "Kann man ...?")
        "darf", "darfst", "dürfen", "kann", "kannst", "können", "muss", "musst", "müssen",
        "soll", "sollen", "will", "willst", "wollen", "möchte", "möchten",
    }
)  # fmt: skip

#: Content words of customer service that the (broad) English list of ``stop_words`` contains
#: and that are nevertheless kept, because customers ask about them ("where is my order?",
#: "can I change the name on my booking?", "is wifi free?").
KEEP_WORDS: frozenset[str] = frozenset(
    {
        "case", "cases", "changes", "date", "dates", "free", "group", "groups", "member",
        "members", "name", "number", "numbers", "order", "ordered", "orders", "page", "pages",
        "point", "points", "room", "rooms", "system",
    }
)  # fmt: skip

#: Fewer proactive brand posts than this and :func:`engagement_by_slot` uses all posts.
MIN_BRAND_POSTS: int = 20

#: Weekday names by ``Timestamp.weekday()`` number (0 = Monday).
WEEKDAY_NAMES: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Minimum number of questions a bigram must occur in to become a topic.
MIN_BIGRAM_DF: int = 2

_LANGS: tuple[str, ...] = ("en", "de")
_UNKNOWN_LANG = "und"  # BCP 47 "undetermined": label of questions without a language

_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w@])@\w+")
# Clause boundaries: bigrams never span them.
_CLAUSE_RE = re.compile(r"[.,!?;:()\[\]{}\"\n\r\t]+|\s[-–—/|]+\s")
# A word: letters and digits (so "a320", "müller", "straße"), with inner apostrophes or hyphens
# ("don't", "check-in").
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_LETTER_RE = re.compile(r"[^\W\d_]")
_MIN_TOKEN_LEN = 3

_FAQ_COLUMNS: dict[str, str] = {
    "topic": "string",
    "lang": "string",
    "questions": "int64",
    "share": "float64",
    "example": "string",
    "example_id": "string",
}
_SLOT_COLUMNS: dict[str, str] = {
    "weekday": "int64",
    "weekday_name": "string",
    "hour": "int64",
    "posts": "int64",
    "mean_engagement": "float64",
    "median_engagement": "float64",
    "basis": "string",
}
_CALENDAR_COLUMNS: tuple[str, ...] = (
    "date",
    "time",
    "platform",
    "topic",
    "lang",
    "format",
    "rationale",
)


# --------------------------------------------------------------------------------------------
# Tokenizer
# --------------------------------------------------------------------------------------------


def _lang_key(lang: object) -> str:
    """Return ``"en"``, ``"de"`` or ``""`` (unknown) for a language tag such as ``"de-AT"``."""
    if not isinstance(lang, str):
        return ""
    key = lang.strip().lower().replace("_", "-").split("-")[0]
    return key if key in _LANGS else ""


@functools.cache
def _stop_words(lang_key: str) -> frozenset[str]:
    """Stop words of one language ("" = English and German), domain words added, keep words out."""
    langs = (lang_key,) if lang_key else _LANGS
    words: set[str] = set()
    for code in langs:
        words.update(w.lower().replace("’", "'") for w in get_stop_words(code))
    return frozenset((words | DOMAIN_STOP_WORDS) - KEEP_WORDS)


def _normalise_terms(terms: Iterable[str]) -> tuple[frozenset[str], re.Pattern[str] | None]:
    """Split excluded terms into single tokens and a regex for multi-word phrases."""
    singles: set[str] = set()
    phrases: list[str] = []
    for term in terms:
        words = _TOKEN_RE.findall(unicodedata.normalize("NFC", str(term)).lower())
        if len(words) == 1:
            singles.add(words[0].replace("’", "'"))
        elif len(words) > 1:
            phrases.append(r"\W+".join(re.escape(w) for w in words))
    if not phrases:
        return frozenset(singles), None
    # Longest first, so that "acme air help" wins over "acme air".
    phrases.sort(key=len, reverse=True)
    return frozenset(singles), re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)")


def _clauses(
    text: object, lang_key: str, singles: frozenset[str], phrase_re: re.Pattern[str] | None
) -> list[list[str]]:
    """Tokens of ``text`` per clause, after all filters (see :func:`tokenize`)."""
    if not isinstance(text, str) or not text:
        return []
    stops = _stop_words(lang_key)
    cleaned = unicodedata.normalize("NFC", text).lower()
    cleaned = _HANDLE_RE.sub(" ", _URL_RE.sub(" ", cleaned))
    if phrase_re is not None:
        cleaned = phrase_re.sub(" , ", cleaned)  # an excluded phrase also ends a clause
    clauses: list[list[str]] = []
    for clause in _CLAUSE_RE.split(cleaned):
        tokens: list[str] = []
        for raw in _TOKEN_RE.findall(clause):
            token = raw.replace("’", "'")
            if token in stops:
                continue
            if token.endswith("'s"):
                token = token[:-2]
            if (
                len(token) < _MIN_TOKEN_LEN
                or token in stops
                or token in singles
                or not _LETTER_RE.search(token)
            ):
                continue
            tokens.append(token)
        if tokens:
            clauses.append(tokens)
    return clauses


def tokenize(text: str, lang: str | None, exclude_terms: Iterable[str] = ()) -> list[str]:
    """Split a mention into lower-case content words.

    Steps: Unicode NFC and lower case; URLs and ``@handles`` removed; words are runs of
    letters and digits (umlauts and ß included, digits allowed inside a word such as
    ``a320``), optionally joined by an inner apostrophe or hyphen (``check-in``). Then removed:
    stop words of ``lang`` (``stop_words`` package; the English and German lists together
    when the language is neither), :data:`DOMAIN_STOP_WORDS`, ``exclude_terms``, words shorter
    than 3 characters and words without a letter (``2024``). :data:`KEEP_WORDS` are never stop
    words. A possessive ``'s`` is dropped (``acme's`` -> ``acme``).

    Args:
        text: The mention text; anything that is not a string gives ``[]``.
        lang: Language tag, ``"en"`` or ``"de"`` (regional variants such as ``"de-AT"`` too);
            anything else uses both stop lists.
        exclude_terms: Further terms to drop, e.g. the brand's names from the playbook
            (``brand.terms``). Case, ``#`` and ``@`` are ignored; a multi-word term
            (``"acme air"``) is removed only as the whole phrase.

    Returns:
        The remaining words in text order.

    Examples:
        >>> tokenize("@AcmeAir How do I change my seat on the A320? https://t.co/x", "en")
        ['change', 'seat', 'a320']
        >>> tokenize("Wie viel Gepäck darf ich bei der Buchung über Straßenbahn mitnehmen?", "de")
        ['gepäck', 'buchung', 'straßenbahn', 'mitnehmen']
        >>> tokenize("Is the ACME Air lounge open?", "en", exclude_terms=["acme air"])
        ['lounge']
    """
    singles, phrase_re = _normalise_terms(exclude_terms)
    return [t for clause in _clauses(text, _lang_key(lang), singles, phrase_re) for t in clause]


# --------------------------------------------------------------------------------------------
# FAQ candidates
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
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in columns.items()})


def _strip_handles(text: pd.Series) -> pd.Series:
    """Texts without ``@handles``, whitespace collapsed, leading punctuation removed."""
    return (
        text.astype("string")
        .str.replace(_HANDLE_RE.pattern, " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.replace(r"^[\s.,:;\-–]+", "", regex=True)
        .str.strip()
    )


def top_questions(
    scored: pd.DataFrame,
    n: int = 10,
    exclude_terms: Iterable[str] = (),
    *,
    min_bigram_df: int = MIN_BIGRAM_DF,
) -> pd.DataFrame:
    """Group what customers ask into topics and return the most asked ones per language.

    Questions are the customer mentions (``is_brand`` False) with ``intent == "question"``.
    Each is reduced to its key phrases: the distinct words of :func:`tokenize` (unigrams) and
    pairs of adjacent words within a clause (bigrams, e.g. ``"change seat"`` from "change my
    seat"). Per language:

    * ``df`` of a phrase = the number of questions that contain it;
    * a question's candidates are its unigrams and its bigrams with ``df >= min_bigram_df``;
    * ``score = df * words in the phrase``, so a bigram beats a word when it covers at least
      half as many questions ("baggage allowance" in 6 questions beats "baggage" in 10);
    * the question joins the topic of its best candidate; ties go to the bigram, then to the
      alphabetically first phrase, so the result does not depend on row order.

    Questions with no word left (e.g. only "how?") count in ``share``'s denominator but join no
    topic. Words that are common in every question of a client (e.g. ``"flight"`` for an
    airline) make broad topics: pass them in ``exclude_terms`` together with the brand names.
    Work is linear in the number of words of the questions.

    Args:
        scored: Scored mention table with at least ``mention_id``, ``text``, ``lang``,
            ``is_brand`` and ``intent``.
        n: Topics to return per language.
        exclude_terms: Terms that must not become topics, typically the playbook's
            ``brand.terms`` and ``brand.handles`` (see :func:`tokenize`).
        min_bigram_df: Questions a bigram must occur in to be a candidate.

    Returns:
        One row per topic: ``topic`` (the phrase), ``lang`` (``"und"`` where unknown),
        ``questions`` (count), ``share`` (of all questions in that language), ``example`` (the
        shortest question of the topic, ``@handles`` removed; ties by ``mention_id``) and
        ``example_id``; sorted by ``questions`` descending, then ``topic`` and ``lang``.

    Raises:
        ValueError: If a needed column is missing or ``n`` is negative.

    Examples:
        >>> df = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3"], "lang": ["en"] * 3,
        ...     "is_brand": [False] * 3, "intent": ["question"] * 3,
        ...     "text": ["@AcmeAir can I change my seat?", "How to change seat online?",
        ...              "Do you have wifi?"]})
        >>> top_questions(df)[["topic", "questions", "share", "example"]]
                 topic  questions     share                example
        0  change seat          2  0.666667  can I change my seat?
        1         wifi          1  0.333333      Do you have wifi?
    """
    _require_columns(scored, ("mention_id", "lang", "is_brand", "intent"), "top_questions")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    mask = (~scored["is_brand"].fillna(False).astype(bool)) & (
        scored["intent"].astype("string") == "question"
    ).fillna(False)
    questions = pd.DataFrame(
        {
            "mention_id": scored.loc[mask, "mention_id"].astype("string").to_numpy(),
            "text": text_of(scored)[mask].astype("string").to_numpy(),
            "lang": scored.loc[mask, "lang"].astype("string").to_numpy(),
        }
    )
    if questions.empty:
        logger.info("top_questions: no customer questions in %d mentions", len(scored))
        return _empty(_FAQ_COLUMNS)
    keys = questions["lang"].map(_lang_key, na_action=None)
    questions["lang"] = questions["lang"].fillna(_UNKNOWN_LANG).str.strip()
    questions.loc[questions["lang"] == "", "lang"] = _UNKNOWN_LANG

    singles, phrase_re = _normalise_terms(exclude_terms)
    texts = questions["text"].to_numpy(dtype=object, na_value=None)
    rows_doc: list[int] = []
    rows_phrase: list[str] = []
    rows_words: list[int] = []
    for doc, (text, key) in enumerate(zip(texts, keys.to_numpy(), strict=True)):
        clauses = _clauses(text, key, singles, phrase_re)
        phrases: dict[str, int] = {}
        for clause in clauses:
            for i, token in enumerate(clause):
                phrases.setdefault(token, 1)
                if i:
                    phrases.setdefault(f"{clause[i - 1]} {token}", 2)
        rows_doc.extend([doc] * len(phrases))
        rows_phrase.extend(phrases)
        rows_words.extend(phrases.values())

    totals = questions.groupby("lang").size()
    candidates = pd.DataFrame({"doc": rows_doc, "phrase": rows_phrase, "words": rows_words})
    if candidates.empty:
        logger.info("top_questions: no question had a content word left")
        return _empty(_FAQ_COLUMNS)
    candidates["lang"] = questions["lang"].to_numpy()[candidates["doc"].to_numpy()]
    candidates["df"] = candidates.groupby(["lang", "phrase"])["doc"].transform("size")
    candidates = candidates[(candidates["words"] == 1) | (candidates["df"] >= min_bigram_df)]
    candidates = candidates.assign(score=candidates["df"] * candidates["words"])
    best = candidates.sort_values(
        ["doc", "score", "words", "phrase"], ascending=[True, False, False, True], kind="stable"
    ).drop_duplicates("doc")
    unassigned = len(questions) - len(best)
    if unassigned:
        logger.info("top_questions: %d question(s) had no content word left", unassigned)

    assigned = questions.iloc[best["doc"].to_numpy()].assign(topic=best["phrase"].to_numpy())
    assigned["example"] = _strip_handles(assigned["text"])
    assigned["example_len"] = assigned["example"].str.len()
    examples = assigned.sort_values(
        ["lang", "topic", "example_len", "mention_id"], kind="stable"
    ).drop_duplicates(["lang", "topic"])
    counts = assigned.groupby(["lang", "topic"]).size().rename("questions")
    faq = examples.join(counts, on=["lang", "topic"]).rename(columns={"mention_id": "example_id"})
    faq["share"] = faq["questions"] / faq["lang"].map(totals)
    faq = faq.sort_values(
        ["questions", "topic", "lang"], ascending=[False, True, True], kind="stable"
    )
    faq = faq.groupby("lang", sort=False).head(n)
    logger.info(
        "top_questions: %d questions, %d topics, %d returned",
        len(questions),
        len(counts),
        len(faq),
    )
    return faq[list(_FAQ_COLUMNS)].astype(_FAQ_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Posting slots
# --------------------------------------------------------------------------------------------


def engagement_by_slot(
    scored: pd.DataFrame, timezone: str, brand_only: bool = True
) -> pd.DataFrame:
    """Engagement of posts by local weekday and hour.

    Engagement of a post = ``likes + shares + replies`` (missing counts as 0). With
    ``brand_only`` the basis is the brand's proactive content: posts with ``is_brand`` True
    that are not replies (``in_reply_to_id`` missing). When there are fewer than
    :data:`MIN_BRAND_POSTS` of them, or with ``brand_only=False``, all posts are used; the
    ``basis`` column and ``attrs["basis"]`` say which (``"brand_proactive"`` or
    ``"all_posts"``).

    Args:
        scored: Mention table with ``created_at`` (tz-aware, or naive UTC), ``likes``,
            ``shares``, ``replies``, ``is_brand`` and ``in_reply_to_id``.
        timezone: IANA time zone of the audience, e.g. the playbook's ``"Europe/Berlin"``.
        brand_only: Use the brand's proactive posts where there are enough of them.

    Returns:
        One row per (weekday, hour) with at least one post: ``weekday`` (0 = Monday),
        ``weekday_name`` (``"Mon"`` ... ``"Sun"``), ``hour`` (0-23, local), ``posts``,
        ``mean_engagement``, ``median_engagement`` and ``basis``; sorted by weekday and hour.

    Raises:
        ValueError: If a needed column is missing.

    Examples:
        >>> df = pd.DataFrame({
        ...     "created_at": pd.to_datetime(["2026-06-02 09:30", "2026-06-09 09:10"], utc=True),
        ...     "likes": [10, 4], "shares": [2, None], "replies": [0, 2],
        ...     "is_brand": [True, True], "in_reply_to_id": [None, None]})
        >>> engagement_by_slot(df, "Europe/Berlin")[["weekday_name", "hour", "posts",
        ...                                          "mean_engagement"]]
          weekday_name  hour  posts  mean_engagement
        0          Tue    11      2              9.0
    """
    needed = ["created_at", "likes", "shares", "replies"]
    if brand_only:
        needed += ["is_brand", "in_reply_to_id"]
    _require_columns(scored, needed, "engagement_by_slot")
    basis = "all_posts"
    posts = scored
    if brand_only:
        proactive = scored["is_brand"].fillna(False).astype(bool) & scored["in_reply_to_id"].isna()
        n_proactive = int(proactive.sum())
        if n_proactive >= MIN_BRAND_POSTS:
            basis = "brand_proactive"
            posts = scored[proactive]
        else:
            logger.warning(
                "engagement_by_slot: only %d proactive brand posts (< %d); using all %d posts",
                n_proactive,
                MIN_BRAND_POSTS,
                len(scored),
            )
    engagement = sum(
        (pd.to_numeric(posts[c], errors="coerce").fillna(0).astype("float64"))
        for c in ("likes", "shares", "replies")
    )
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(timezone)
    dated = local.notna()
    frame = pd.DataFrame(
        {
            "weekday": local[dated].dt.day_of_week.astype("int64"),
            "hour": local[dated].dt.hour.astype("int64"),
            "engagement": engagement[dated],
        }
    )
    if frame.empty:
        out = _empty(_SLOT_COLUMNS)
    else:
        out = (
            frame.groupby(["weekday", "hour"])["engagement"]
            .agg(posts="size", mean_engagement="mean", median_engagement="median")
            .reset_index()
        )
        out["weekday_name"] = out["weekday"].map(dict(enumerate(WEEKDAY_NAMES)))
        out["basis"] = basis
        out = out[list(_SLOT_COLUMNS)].astype(_SLOT_COLUMNS)
    out.attrs["basis"] = basis
    logger.info("engagement_by_slot: %d posts in %d slots (%s)", len(frame), len(out), basis)
    return out


def best_slots(by_slot: pd.DataFrame, n: int = 5, min_posts: int = 3) -> pd.DataFrame:
    """The ``n`` slots with the highest mean engagement among those with enough posts.

    Args:
        by_slot: Output of :func:`engagement_by_slot`.
        n: Slots to return.
        min_posts: Minimum posts in a slot, so that one lucky post does not make a best slot.

    Returns:
        The rows of ``by_slot`` with ``posts >= min_posts``, sorted by ``mean_engagement``
        descending (ties: more posts, then earlier weekday and hour), first ``n``, with a new
        index; ``attrs`` are kept.

    Raises:
        ValueError: If ``n`` is negative or a needed column is missing.

    Examples:
        >>> slots = pd.DataFrame({"weekday": [0, 1, 2], "hour": [9, 11, 15],
        ...                       "posts": [5, 2, 4], "mean_engagement": [3.0, 50.0, 7.5]})
        >>> best_slots(slots, n=2)[["weekday", "hour"]].to_numpy().tolist()
        [[2, 15], [0, 9]]
    """
    _require_columns(by_slot, ("weekday", "hour", "posts", "mean_engagement"), "best_slots")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}.")
    eligible = by_slot[by_slot["posts"] >= min_posts]
    out = eligible.sort_values(
        ["mean_engagement", "posts", "weekday", "hour"],
        ascending=[False, False, True, True],
        kind="stable",
    ).head(n)
    out = out.reset_index(drop=True)
    out.attrs = dict(by_slot.attrs)
    if out.empty:
        logger.warning("best_slots: no slot has at least %d posts", min_posts)
    return out


# --------------------------------------------------------------------------------------------
# Content calendar
# --------------------------------------------------------------------------------------------


def _ordinal(rank: int) -> str:
    """``"highest"`` for 1, ``"2nd-highest"`` for 2, ..."""
    if rank == 1:
        return "highest"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}-highest"


def content_calendar(
    questions: pd.DataFrame,
    slots: pd.DataFrame,
    start: date,
    weeks: int = 4,
    platforms: Sequence[str] = ("twitter", "facebook", "instagram"),
    *,
    posts_per_week: int = 3,
) -> pd.DataFrame:
    """Plan FAQ posts on the most asked topics into the best slots.

    Week ``w`` covers the seven days from ``start + 7w``. Each week gets one post in each of
    the first ``posts_per_week`` slots (in the order of ``slots``, i.e. best first). Posts are
    numbered k = 0, 1, ... week by week and, within a week, best slot first; post k gets topic
    ``k mod T`` of ``questions`` (in its order, most asked first) and platform ``k mod P``. So
    the most asked topic goes into the best slot of the first week. The result is sorted by
    date and time.

    Args:
        questions: Output of :func:`top_questions` (``topic``, ``lang``, ``questions``).
        slots: Output of :func:`best_slots` (``weekday``, ``hour``, ``mean_engagement``).
        start: First day of the plan (any weekday; a slot's date is never before it).
        weeks: Number of weeks to plan.
        platforms: Platforms to cycle through.
        posts_per_week: Maximum posts per week (the best slots are used).

    Returns:
        One row per post: ``date`` (local ``datetime.date``), ``time`` (``"HH:00"``),
        ``platform``, ``topic``, ``lang`` (the topic's language, i.e. the post's),
        ``format`` (``"faq-post"``) and ``rationale`` (one sentence with the figures).
        Empty when there are no topics or no slots.

    Raises:
        ValueError: If ``weeks`` or ``posts_per_week`` is negative, ``platforms`` is empty or a
            needed column is missing.

    Examples:
        >>> q = pd.DataFrame({"topic": ["change seat"], "lang": ["en"], "questions": [42]})
        >>> s = pd.DataFrame({"weekday": [1], "hour": [11], "mean_engagement": [38.21]})
        >>> plan = content_calendar(q, s, date(2026, 6, 1), weeks=1)
        >>> plan.loc[0, "date"], plan.loc[0, "time"], plan.loc[0, "platform"]
        (datetime.date(2026, 6, 2), '11:00', 'twitter')
        >>> print(plan.loc[0, "rationale"])
        Asked 42 times in the period; Tue 11:00 has the highest mean engagement (38.2).
    """
    _require_columns(questions, ("topic", "questions"), "content_calendar (questions)")
    _require_columns(slots, ("weekday", "hour", "mean_engagement"), "content_calendar (slots)")
    if weeks < 0 or posts_per_week < 0:
        raise ValueError(f"weeks and posts_per_week must be >= 0, got {weeks}, {posts_per_week}.")
    if not platforms:
        raise ValueError("platforms must name at least one platform, e.g. ('twitter',).")
    if questions.empty or slots.empty:
        logger.warning(
            "content_calendar: %d topics and %d slots; nothing to plan",
            len(questions),
            len(slots),
        )
        return pd.DataFrame({c: pd.Series(dtype="object") for c in _CALENDAR_COLUMNS})

    topics = questions.reset_index(drop=True)
    langs = topics["lang"] if "lang" in topics.columns else pd.Series(pd.NA, index=topics.index)
    used = slots.head(posts_per_week).reset_index(drop=True)
    rows: list[dict[str, object]] = []
    k = 0
    for week in range(weeks):
        week_start = start + timedelta(days=7 * week)
        for rank, slot in enumerate(used.itertuples(index=False), start=1):
            weekday, hour = int(slot.weekday), int(slot.hour)
            topic_i = k % len(topics)
            asked = int(topics.at[topic_i, "questions"])
            times = "time" if asked == 1 else "times"
            rationale = (
                f"Asked {asked} {times} in the period; {WEEKDAY_NAMES[weekday]} {hour:02d}:00 "
                f"has the {_ordinal(rank)} mean engagement ({float(slot.mean_engagement):.1f})."
            )
            rows.append(
                {
                    "date": week_start + timedelta(days=(weekday - week_start.weekday()) % 7),
                    "time": f"{hour:02d}:00",
                    "platform": platforms[k % len(platforms)],
                    "topic": topics.at[topic_i, "topic"],
                    "lang": langs.iat[topic_i],
                    "format": "faq-post",
                    "rationale": rationale,
                }
            )
            k += 1
    plan = pd.DataFrame(rows, columns=list(_CALENDAR_COLUMNS))
    plan = plan.sort_values(["date", "time"], kind="stable").reset_index(drop=True)
    logger.info("content_calendar: %d posts over %d weeks from %s", len(plan), weeks, start)
    return plan
