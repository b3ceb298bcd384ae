"""What customers ask, and who they are: question sentences, abuse, feelings and people's names.

The rules that decide which sentences of a post are real questions (:data:`QUESTION_WORDS`,
:data:`ABUSE_PATTERN`), which words never group or name a topic (:data:`NOT_TOPIC_WORDS`) and
which words are people's names (:func:`person_names`). English and German have rules; every
other language is carried by its question marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from ...nlp.casefree import fold_safe_text
from ...nlp.prefilter import candidates
from ...nlp.tokens import lang_key, stop_words
from ...schema import text_of
from .text import SENTENCE_END, WORD_RE, brand_posts, term_words, words_pattern

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


def questions_asked(
    text: str,
    exclude: re.Pattern[str] | ExcludedTerms | None,
    lang: str = "",
    vocabulary: frozenset[str] | None = None,
) -> list[str]:
    """The real question sentences of a text: what it asks, without abuse or only names.

    Sentences end at ``. ! ?`` followed by a space (not inside "12.50" or "acme.com"). A
    question sentence holds a question mark or, in English and German, starts with a
    question word (:data:`QUESTION_WORDS`). Left out: question sentences made only of
    excluded terms (the brand's names, people's names), @handles, #hashtags, links, emoji and
    punctuation, which ask nothing ("ACME Air? I thought that was a vacuum cleaner brand"), and
    those with an insult or rhetorical abuse (:data:`ABUSE_PATTERN`: "are you kidding me?").

    Examples:
        >>> from socialcrm_utils.steps.content.text import term_pattern
        >>> brand = term_pattern(["ACME Air", "@acmeair"])
        >>> questions_asked("acme air? I thought that was a vacuum cleaner brand", brand)
        []
        >>> questions_asked("Hi @AcmeAir! Is there wifi on board? And power?", brand)
        ['Is there wifi on board?', 'And power?']
        >>> questions_asked("Why is the bag fee 12.50? acmeair.com says 9.90", brand)
        ['Why is the bag fee 12.50?']
        >>> questions_asked("I need my booking number", brand)
        []
        >>> questions_asked("Are you kidding me? Where is my bag", brand, "en")
        ['Where is my bag']

    ``vocabulary`` (:func:`term_vocabulary` of the same terms) is a shortcut with the same
    result: a sentence with a word outside it cannot be made only of excluded terms, so the
    pattern (slow with thousands of names) runs only on the sentences it could empty.
    ``exclude`` may be :class:`ExcludedTerms` of the terms instead of their pattern (same
    result; its ``vocabulary`` is the shortcut's): it never compiles the pattern of thousands
    of names for a sentence that only a few of them can match.
    """
    if vocabulary is None and isinstance(exclude, ExcludedTerms):
        vocabulary = exclude.vocabulary
    asked = []
    for sentence in SENTENCE_END.split(text):
        if not _is_question_sentence(sentence, lang) or ABUSE_PATTERN.search(sentence):
            continue
        if vocabulary is not None and _has_other_word(sentence, vocabulary):
            asked.append(sentence.strip())
            continue
        rest = exclude.sub(" ", sentence) if exclude is not None else sentence
        if _NOT_WORDS_RE.sub("", rest):
            asked.append(sentence.strip())
    return asked


_LINKS_AND_TAGS_RE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+")
_LETTER_RUN_RE = re.compile(r"[^\W\d_]+")


def term_vocabulary(terms: Iterable[str]) -> frozenset[str]:
    """The lower-case letter runs of excluded terms (as :func:`text.term_pattern` reads them).

    Examples:
        >>> sorted(term_vocabulary(["ACME Air", "@acmeair", "Jo-Anne"]))
        ['acme', 'acmeair', 'air', 'anne', 'jo']
    """
    return frozenset(
        run.lower() for term in terms for run in _LETTER_RUN_RE.findall(term.strip().lstrip("#@"))
    )


def _has_other_word(sentence: str, vocabulary: frozenset[str]) -> bool:
    """Whether a letter run of the sentence (links, @handles and #hashtags aside) lies outside
    ``vocabulary``: an excluded term's whole-word match only ever covers runs of the term, so
    such a run survives the exclusion and the sentence asks something."""
    runs = _LETTER_RUN_RE.findall(_LINKS_AND_TAGS_RE.sub(" ", sentence))
    return any(run.lower() not in vocabulary for run in runs)


class ExcludedTerms:
    """Excluded terms prepared once for :func:`questions_asked`: the same ``sub`` as
    :func:`text.term_pattern` of them, without compiling one pattern of thousands of names.

    ``sub`` builds (and keeps) a pattern of only the terms that can match the text: a term
    matches a text only where each of its letter runs is a whole letter run of the lower-cased
    text, so the other terms never match and leaving them out changes nothing. That holds for
    texts :func:`~socialcrm_utils.nlp.casefree.fold_safe_text` accepts
    (``re.IGNORECASE`` compares them as lower-cased); other texts, and terms with no letter or
    with a character that is not fold-safe, take every term (the whole pattern is compiled on
    first need). :attr:`vocabulary` is :func:`term_vocabulary` of the terms.

    Examples:
        >>> terms = ExcludedTerms(["ACME Air", "@acmeair", "Anna", "a320"])
        >>> terms.sub("_", "Anna, is ACME AIR late on the a320?")
        '_, is _ late on the _?'
        >>> terms.patterns_built  # one pattern of three terms, not four
        1
    """

    def __init__(self, terms: Iterable[str]) -> None:
        terms = list(terms)
        self.vocabulary: frozenset[str] = term_vocabulary(terms)
        self._words = term_words(terms)  # longest first
        self._always: list[str] = []  # no letter run, or not fold-safe: always tried
        self._by_run: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for word in self._words:
            runs = _LETTER_RUN_RE.findall(word)
            # A term re.IGNORECASE may not compare as its lower case is always tried.
            if not runs or word != word.lower() or not fold_safe_text(word):
                self._always.append(word)
            else:
                self._by_run.setdefault(runs[0], []).append((word, frozenset(runs)))
        self._patterns: dict[tuple[str, ...], re.Pattern[str] | None] = {}
        self.patterns_built = 0

    def _pattern(self, words: tuple[str, ...]) -> re.Pattern[str] | None:
        pattern = self._patterns.get(words, _UNSET)
        if pattern is _UNSET:
            if len(self._patterns) > 4096:  # texts with unusual name mixes: keep memory flat
                self._patterns.clear()
            pattern = self._patterns[words] = words_pattern(words)
            self.patterns_built += 1
        return pattern

    def sub(self, repl: str, text: str) -> str:
        """``text`` with every excluded term replaced by ``repl``, as ``term_pattern`` does."""
        if not fold_safe_text(text):
            pattern = self._pattern(tuple(self._words))
        else:
            runs = set(_LETTER_RUN_RE.findall(text.lower()))
            found = set(self._always)
            for run in runs:
                found.update(w for w, need in self._by_run.get(run, ()) if need <= runs)
            pattern = self._pattern(tuple(sorted(found, key=lambda w: (-len(w), w))))
        return pattern.sub(repl, text) if pattern is not None else text


_UNSET = object()


def _distinct_candidates(texts: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """The distinct texts that may match ``pattern``, by RE2
    (:func:`~socialcrm_utils.nlp.prefilter.candidates`)."""
    distinct = pd.Series(pd.unique(texts), dtype="string")
    return distinct[candidates(distinct, pattern)]


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
    # Each pattern runs once per distinct text, and only on the texts RE2 finds it may match
    # in (a million mentions repeat many texts; few greet or sign): the set is the same.
    text = text_of(scored).astype("string").fillna("")
    greeted = _distinct_candidates(text, _NAME_AFTER_GREETING_RE)
    for found in greeted.str.findall(_NAME_AFTER_GREETING_RE):
        names.update(found)
    if "is_brand" in scored.columns:
        signed = pd.Series(pd.unique(text[brand_posts(scored).to_numpy()]), dtype="string")
        signed = _distinct_candidates(signed.str.strip(), _SIGN_OFF_NAME_RE)
        names.update(signed.str.extract(_SIGN_OFF_NAME_RE, expand=False).dropna())
    if "author_name" in scored.columns:
        for value in pd.unique(scored["author_name"].dropna().astype(str)):
            names.update(WORD_RE.findall(value))
    stops = stop_words("en") | stop_words("de")
    return sorted({n.lower() for n in names if len(n) > 3} - stops - _NOT_NAMES)
