"""Offline word tokenizer for mentions in any language: content words, clause by clause.

Used by the weekly topics of step 3 (:mod:`socialcrm_utils.nlp.topics`) and the FAQ and
complaint clusters of step 6 (:mod:`socialcrm_utils.content`). A regular expression and the
stop-word lists of the ``stop_words`` package (English and German, and the 30 other languages
it has a list for, :data:`STOP_WORD_LANGUAGES`): no NLTK corpus, nothing downloaded at run
time. Scripts without spaces (Japanese, Chinese) are not segmented: a run of such characters
is one word (see ``docs/languages.md``).

:func:`tokenize` returns the content words of a text; :func:`tokenize_clauses` returns them
per clause (split at punctuation), so that callers can form two-word phrases that never span
a sentence or comma boundary ("change seat" from "change my seat", but nothing across
"seat. Online").
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from stop_words import LANGUAGE_MAPPING, get_stop_words

__all__ = [
    "DOMAIN_STOP_WORDS",
    "KEEP_WORDS",
    "Exclusions",
    "MIN_TOKEN_LEN",
    "STOP_WORD_LANGUAGES",
    "exclusions",
    "lang_key",
    "stop_words",
    "tokenize",
    "tokenize_clauses",
]

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

#: Words shorter than this are dropped.
MIN_TOKEN_LEN: int = 3

_LANGS: tuple[str, ...] = ("en", "de")
#: Languages (ISO 639-1) with a stop-word list of their own in the ``stop_words`` package; a
#: text in any other language (or ``und``) is filtered with the English and German lists.
STOP_WORD_LANGUAGES: frozenset[str] = frozenset(LANGUAGE_MAPPING)

_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE_RE = re.compile(r"(?<![\w@])@\w+")
# Clause boundaries: phrases never span them.
_CLAUSE_RE = re.compile(r"[.,!?;:()\[\]{}\"\n\r\t]+|\s[-–—/|]+\s")
# A word: letters and digits (so "a320", "müller", "straße"), with inner apostrophes or hyphens
# ("don't", "check-in").
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
_LETTER_RE = re.compile(r"[^\W\d_]")
# A clause boundary or a word, in text order: the same words and boundaries as splitting at
# _CLAUSE_RE and finding words in each part (no word character starts a boundary, and a word
# holds none of a boundary's first characters), in one scan. A word starts with a letter or
# digit, a boundary never does.
_CLAUSE_OR_TOKEN_RE = re.compile(_CLAUSE_RE.pattern + "|" + _TOKEN_RE.pattern)
# Memo size per stop-word list above which an Exclusions forgets the words it has judged.
_MAX_JUDGED = 500_000
_WORD_RUN_RE = re.compile(r"\w+")


def lang_key(lang: object) -> str:
    """Return ``"en"``, ``"de"`` or ``""`` (neither, or unknown) for a language tag.

    Examples:
        >>> lang_key("de-AT"), lang_key("EN_us"), lang_key("fr"), lang_key(None)
        ('de', 'en', '', '')
    """
    if not isinstance(lang, str):
        return ""
    key = lang.strip().lower().replace("_", "-").split("-")[0]
    return key if key in _LANGS else ""


@functools.cache
def stop_words(lang: str) -> frozenset[str]:
    """Stop words of a language, :data:`DOMAIN_STOP_WORDS` added, :data:`KEEP_WORDS` taken out.

    Args:
        lang: A language tag; its primary subtag picks the list (``pt-BR``: Portuguese). A
            language without a list of its own (:data:`STOP_WORD_LANGUAGES`), ``und`` or
            ``""`` gives the English and German lists together.

    Returns:
        Lower-case words (typographic apostrophes as ``'``).

    Examples:
        >>> "the" in stop_words("en"), "und" in stop_words("en"), "und" in stop_words("de")
        (True, False, True)
        >>> "order" in stop_words("en"), "und" in stop_words("")
        (False, True)
        >>> "para" in stop_words("pt-BR"), "the" in stop_words("pt"), "the" in stop_words("und")
        (True, False, True)
    """
    key = lang.strip().lower().replace("_", "-").split("-")[0] if isinstance(lang, str) else ""
    words: set[str] = set()
    for code in (key,) if key in STOP_WORD_LANGUAGES else _LANGS:
        words.update(w.lower().replace("’", "'") for w in get_stop_words(code))
    return frozenset((words | DOMAIN_STOP_WORDS) - KEEP_WORDS)


class Exclusions:
    """Excluded terms prepared once: single tokens, and multi-word phrases to cut out.

    Build it with :func:`exclusions` and hand it to :func:`tokenize` or
    :func:`tokenize_clauses` in a loop over many texts: preparing thousands of terms (people's
    names from a large export) per text would cost more than the tokenizing.

    A phrase is matched as a whole (``(?<!\\w)acme\\W+air(?!\\w)``), longest first. Only
    phrases whose first word occurs in a text are tried on it (a phrase cannot match where its
    first run of word characters is not a whole word of the text), so the cost per text
    does not grow with the number of phrases; the result is the same as one pattern of all
    of them.

    Examples:
        >>> prepared = exclusions(["ACME Air", "#acme", "Meilensammler_HAM10"])
        >>> sorted(prepared.singles), len(prepared.phrases)
        (['acme'], 2)
        >>> prepared.cut_phrases("fly acme air or meilensammler ham10 today")
        'fly  ,  or  ,  today'
    """

    def __init__(self, terms: Iterable[str]) -> None:
        singles: set[str] = set()
        phrases: list[tuple[str, str]] = []  # (first word run, pattern)
        for term in terms:
            words = _TOKEN_RE.findall(unicodedata.normalize("NFC", str(term)).lower())
            if len(words) == 1:
                singles.add(words[0].replace("’", "'"))
            elif len(words) > 1:
                first = _WORD_RUN_RE.match(words[0])
                pattern = r"\W+".join(re.escape(w) for w in words)
                phrases.append((first.group() if first else words[0], pattern))
        # Longest first, so that "acme air help" wins over "acme air".
        phrases.sort(key=lambda phrase: len(phrase[1]), reverse=True)
        self.singles: frozenset[str] = frozenset(singles)
        self.phrases: tuple[tuple[str, str], ...] = tuple(phrases)
        self._first_runs = frozenset(first for first, _ in phrases)
        self._patterns: dict[frozenset[str], re.Pattern[str]] = {}
        self._judged: dict[frozenset[str], dict[str, str]] = {}

    def content_words(self, stops: frozenset[str]) -> dict[str, str]:
        """Memo of :func:`tokenize_clauses`' verdicts with these stop words: a found word ->
        the content word it gives, ``""`` when it is dropped (words repeat across texts)."""
        judged = self._judged.get(stops)
        if judged is None or len(judged) > _MAX_JUDGED:
            judged = self._judged[stops] = {}
        return judged

    def cut_phrases(self, cleaned: str) -> str:
        """``cleaned`` (lower case, NFC) with every excluded phrase replaced by ``" , "``."""
        if not self._first_runs:
            return cleaned
        present = self._first_runs.intersection(_WORD_RUN_RE.findall(cleaned))
        if not present:
            return cleaned
        key = frozenset(present)
        pattern = self._patterns.get(key)
        if pattern is None:
            if len(self._patterns) > 4096:  # texts with unusual name mixes: keep memory flat
                self._patterns.clear()
            chosen = [p for first, p in self.phrases if first in key]  # longest first
            pattern = re.compile(r"(?<!\w)(?:" + "|".join(chosen) + r")(?!\w)")
            self._patterns[key] = pattern
        return pattern.sub(" , ", cleaned)


@functools.lru_cache(maxsize=64)
def _cached_exclusions(terms: tuple[str, ...]) -> Exclusions:
    return Exclusions(terms)


def exclusions(terms: Iterable[str] | Exclusions = ()) -> Exclusions:
    """Prepared :class:`Exclusions` for ``terms`` (cached; an ``Exclusions`` is returned as is)."""
    if isinstance(terms, Exclusions):
        return terms
    return _cached_exclusions(tuple(terms))


def tokenize_clauses(
    text: object, lang: str | None, exclude_terms: Iterable[str] | Exclusions = ()
) -> list[list[str]]:
    """The content words of a text per clause, as :func:`tokenize` finds them.

    A clause ends at ``. , ! ? ; : ( ) [ ] { } "``, a line break or tab, a dash, slash or bar
    between spaces, and where an excluded multi-word term stood. Clauses without a content
    word are left out.

    Args:
        text: The text; anything that is not a string gives ``[]``.
        lang: Language tag (see :func:`tokenize`).
        exclude_terms: Terms to drop (see :func:`tokenize`), or :func:`exclusions` of them
            (prepare them once for many texts).

    Returns:
        One list of words per clause, in text order.

    Examples:
        >>> tokenize_clauses("Can I change my seat? Online, or at the airport?", "en")
        [['change', 'seat'], ['online'], ['airport']]
    """
    if not isinstance(text, str) or not text:
        return []
    excluded = exclusions(exclude_terms)
    stops = stop_words(lang or "")
    judged = excluded.content_words(stops)
    cleaned = unicodedata.normalize("NFC", text).lower()
    cleaned = _HANDLE_RE.sub(" ", _URL_RE.sub(" ", cleaned))
    cleaned = excluded.cut_phrases(cleaned)  # an excluded phrase also ends a clause
    clauses: list[list[str]] = []
    tokens: list[str] = []
    for found in _CLAUSE_OR_TOKEN_RE.findall(cleaned):
        if not found[0].isalnum():  # a clause boundary
            if tokens:
                clauses.append(tokens)
                tokens = []
            continue
        token = judged.get(found)
        if token is None:
            token = judged[found] = _content_word(found, stops, excluded.singles)
        if token:
            tokens.append(token)
    if tokens:
        clauses.append(tokens)
    return clauses


def _content_word(raw: str, stops: frozenset[str], singles: frozenset[str]) -> str:
    """The content word a found word gives, or ``""`` (a stop word, excluded, too short, no
    letter)."""
    token = raw.replace("’", "'")
    if token in stops:
        return ""
    if token.endswith("'s"):
        token = token[:-2]
    if (
        len(token) < MIN_TOKEN_LEN
        or token in stops
        or token in singles
        or not _LETTER_RE.search(token)
    ):
        return ""
    return token


def tokenize(
    text: object, lang: str | None, exclude_terms: Iterable[str] | Exclusions = ()
) -> list[str]:
    """Split a mention into lower-case content words.

    Steps: Unicode NFC and lower case; URLs and ``@handles`` removed; words are runs of
    letters and digits (umlauts and ß included, digits allowed inside a word such as
    ``a320``), optionally joined by an inner apostrophe or hyphen (``check-in``). Then removed:
    stop words of ``lang`` (``stop_words`` package; the English and German lists together
    when it has no list for the language), :data:`DOMAIN_STOP_WORDS`, ``exclude_terms``,
    words shorter than 3 characters and words without a letter (``2024``). :data:`KEEP_WORDS`
    are never stop words. A possessive ``'s`` is dropped (``acme's`` -> ``acme``).

    Args:
        text: The mention text; anything that is not a string gives ``[]``.
        lang: Language tag (``"en"``, ``"de-AT"``, ``"pt"`` ...): its stop-word list
            (:func:`stop_words`); a language without one uses the English and German lists.
        exclude_terms: Further terms to drop, e.g. the brand's names from the playbook
            (``brand.terms``). Case, ``#`` and ``@`` are ignored; a multi-word term
            (``"acme air"``) is removed only as the whole phrase.

    Returns:
        The remaining words in text order.

    Examples:
        >>> tokenize("@AcmeAir How do I change my seat on the A320? https://t.co/x", "en")
        ['change', 'seat', 'a320']
        >>> text = "Wie viel Gepäck darf ich bei der Buchung über Straßenbahn mitnehmen?"
        >>> tokenize(text, "de")
        ['gepäck', 'buchung', 'straßenbahn', 'mitnehmen']
        >>> tokenize("Is the ACME Air lounge open?", "en", exclude_terms=["acme air"])
        ['lounge']
    """
    return [t for clause in tokenize_clauses(text, lang, exclude_terms) for t in clause]
