"""German sentiment: a VADER-like lexicon scorer with German negation, intensifiers and "aber".

The scorer follows VADER's design (Hutto & Gilbert, 2014) with German rules:

- **Lexicon**: word valences in [-1, 1] (SentiWS's scale), times :data:`DE_VALENCE_SCALE` to
  reach VADER's scale. Lookup is case-insensitive, accepts ASCII spellings (``Verspaetung``,
  ``Strasse``), strips adjective and comparative endings (``schlechteren`` -> ``schlecht``)
  and reads a compound by its last part, as German compounds are right-headed
  (``Zugverspätung`` -> ``Verspätung``, ``Service-Katastrophe`` -> ``Katastrophe``), also
  when written in lower case (``zugausfall``); hashtags are read as nouns (``#bahnchaos``).
  First parts that carry sentiment themselves (:data:`COMPOUND_MODIFIERS`: ``Chaos-``,
  ``Horror-``, ``Drecks-``, ``Traum-`` ...) score a capitalised compound with a neutral head.
  Praise words that are also nouns (:data:`NOUN_HOMOGRAPHS`: ``Klasse``, ``Spitze``) carry
  no sentiment when capitalised inside a sentence ("in der 2. Klasse").
- **Negation** (:data:`NEGATIONS`: nicht, kein/keine/keinen ..., nie, niemals, ohne, ...):
  a negation up to three words before a sentiment word in the same clause multiplies its
  valence by VADER's -0.74 ("nicht gut", "keine Probleme"); a verb is also negated by a
  "nicht"/"nie" after it in its clause ("Das gefällt mir nicht"), though not across a
  conjunction ("Die App stürzt ab und ist nicht zu gebrauchen"). Emoticons and emoji are
  never negated. A "nicht" standing alone after praise takes the praise back ("Freundlich
  und kompetent - NICHT!").
- **Intensifiers** (:data:`INTENSIFIERS`: sehr, total, extrem, echt, wirklich, absolut ...)
  add VADER's 0.293 to the magnitude of the next sentiment word (less when further away);
  :data:`DAMPENERS` (etwas, eher, ziemlich ...) subtract it. Words written in capitals while
  others are not add VADER's 0.733, exclamation marks add 0.292 each (up to four).
- **Contrast**: in a sentence with "aber" or "jedoch" (:data:`CONTRASTS`), words before it
  count half and words after it one and a half times, as VADER does with "but" (per sentence
  here, not per text).
- **Service phrases** (:data:`PHRASE_RULES`): lost time ("seit 40 Minuten in der
  Warteschleife", "+25 Minuten"), "schon wieder", "niemand antwortet", "keine Info", "fällt
  aus", "zu spät", "außer Betrieb", "seit Stunden", "nicht erreichbar", censored swearing
  ("Sch..."), and resolved failures ("Störung behoben", "Problem gelöst", "Ende der
  Störung", positive; the failure words inside such a phrase no longer count as negative).
  A duration after "in"/"vor" is a time, not time lost ("in 10 Minuten"). **Sarcasm**
  (:data:`SARCASM_RULES`: "Toll, schon wieder ...", "Danke für nichts") negates the praise
  word; an irony marker (:data:`IRONY_MARKERS`: "#ironie", "Ironie off") negates all praise
  in the text. **Formulas** ("Guten Morgen", "Liebe Grüße", "Liebe Frau Müller", "Mach's gut",
  "Mit freundlichen Grüßen", "Schönes Wochenende", "danke" in a question) do not count as
  praise (:data:`FORMULA_RULES`).
- **Domain packs** (``listening.domain_packs``, :mod:`~socialcrm_utils.nlp.packs`): the rules
  above hold in any industry; one industry's words are an optional pack's lexicon entries,
  phrase and formula rules (rail: "Streik beendet", "Liebe Bahn", "2. Klasse", "kein
  Lokführer", "+25 Minuten"), passed as ``german_analyzer(packs=...)``.
- **Wishes and questions**: praise in a clause with a subjunctive (:data:`IRREALIS`: "wäre",
  "würde", "sollte", "hoffentlich" ...) is a wish or a condition, not an experience, and
  counts 0 ("Wäre schön", "wenn der Zug mal pünktlich wäre"). Questions count half
  (:data:`QUESTION_WEIGHT`).

Score: each sentence's valence sum is normalised as VADER does, ``s / sqrt(s*s + 15)``, and
the text's score is the mean over its sentences (VADER's authors' advice for texts longer than
a sentence; a one-sentence text gets VADER's own normalisation), in [-1, 1]. Labels use
:data:`DE_NEGATIVE_THRESHOLD` and :data:`DE_POSITIVE_THRESHOLD`.

Rules are matched case- and umlaut-insensitively, and each only in texts that hold one of its
trigger strings (a fast pre-check), so long texts stay cheap.

Lexicon and licences
    The default lexicon, ``data/de_cs_lexicon.txt`` (:data:`DE_LEXICON_VERSION`), was written
    by hand for this project: about 650 general and customer-service words, emoticons and
    emoji, MIT like the project. Politeness routines ("danke", "vielen Dank") and laughter
    (":D", "xD") are weak (0.3, like ":)"): alone they are phatic or ironic, not praise; with
    emphasis or another praise word they still make a text positive. It is in SentiWS's
    format, and :func:`load_sentiws` reads any file in that format. SentiWS itself (Remus,
    Quasthoff & Heyer, 2010; Leipzig University) has about 3,500 lemmas and 34,000 word forms
    but is licensed CC BY-NC-SA, so this MIT project does not ship it: a user who may use it
    downloads it and names the file (or the folder holding ``SentiWS_v2.0_Positive.txt`` and
    ``..._Negative.txt``) in the playbook as ``listening.german_lexicon``; its entries are
    merged over the default lexicon. Packages on PyPI were checked: ``gersent`` (labelled
    MIT) bundles SentiWS's word lists, whose non-commercial licence an MIT label cannot lift,
    so it is not used; ``textblob-de`` (MIT) ships a German polarity lexicon that declares
    itself Apache-2.0 and could be merged in, but it lists mainly uninflected forms with
    coarse polarities (+-1, +-0.7), and merged under the shipped lexicon (version 1.0) it
    lowered accuracy on the GermEval 2017 development set (micro-F1 0.72 -> 0.70 at the same
    thresholds), so it is not a dependency.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import logging
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress
from pathlib import Path

from ..exceptions import ResourceMissingError
from .casefree import case_sensitive_twin, fold_safe_text
from .cs_lexicon import FoldedOnce, trigger_groups
from .german_rules import (
    DAMPENERS,
    FORMULA_RULES,
    INTENSIFIERS,
    IRREALIS,
    NEGATIONS,
    PHRASE_RULES,
    SARCASM_RULES,
)

__all__ = [
    "COMPOUND_MODIFIERS",
    "CONTRASTS",
    "DAMPENERS",
    "DE_LEXICON_VERSION",
    "DE_NEGATIVE_THRESHOLD",
    "DE_POSITIVE_THRESHOLD",
    "DE_VALENCE_SCALE",
    "FORMULA_RULES",
    "GermanSentimentAnalyzer",
    "INTENSIFIERS",
    "IRONY_MARKERS",
    "IRREALIS",
    "LexiconEntry",
    "NEGATIONS",
    "NOUN_HOMOGRAPHS",
    "PHRASE_RULES",
    "QUESTION_WEIGHT",
    "SARCASM_RULES",
    "german_analyzer",
    "load_sentiws",
]

logger = logging.getLogger(__name__)

#: Version of the shipped German lexicon and of the rules in this module.
DE_LEXICON_VERSION = "1.2"
#: ``compound <= DE_NEGATIVE_THRESHOLD`` is negative: a little wider than VADER's -0.05, so a
#: mild word ("leider") in a neutral notice is not enough. Chosen on the tune half of the
#: GermEval 2017 development set (``benchmarks/accuracy.py --grid``; ``benchmarks/README.md``).
DE_NEGATIVE_THRESHOLD = -0.1
#: ``compound >= DE_POSITIVE_THRESHOLD`` is positive: much wider than VADER's 0.05, because
#: praise words are common in German posts that are not praise (greetings, offers, news) and
#: positive posts are rare. Chosen on the GermEval 2017 tune half, like the negative one.
DE_POSITIVE_THRESHOLD = 0.3
#: Lexicon values (SentiWS scale, [-1, 1]) are multiplied by this to reach VADER's scale:
#: ``gut`` (0.4) becomes 1.6, VADER's ``good`` is 1.9.
DE_VALENCE_SCALE = 4.0

#: Negations that also negate a verb before them in the clause ("gefällt mir nicht").
_TRAILING_NEGATIONS = frozenset({"nicht", "nie", "niemals", "kaum"})
#: Conjunctions that start a new verb phrase: a trailing negation does not reach back across
#: them ("Die App stürzt ab und ist nicht zu gebrauchen").
_CONJUNCTIONS = frozenset({"und", "oder", "aber", "sondern", "denn", "weil", "dass", "wenn"})
#: First parts of compounds that carry sentiment themselves ("Fehlplanung", "Chaostage",
#: "Horrortrip", "Traumstrecke"); used for capitalised words that are not in the lexicon.
COMPOUND_MODIFIERS: dict[str, float] = {
    "fehl": -0.4,
    "miss": -0.4,
    "chaos": -0.7,
    "katastrophen": -0.8,
    "horror": -0.7,
    "skandal": -0.7,
    "scheiß": -0.8,
    "scheiss": -0.8,
    "mist": -0.6,
    "schrott": -0.6,
    "pannen": -0.5,
    "problem": -0.4,
    "stör": -0.4,
    "traum": 0.6,
    "spitzen": 0.6,
    "lieblings": 0.5,
    "schnäppchen": 0.5,
    "leidens": -0.6,
    "dreck": -0.7,
    "drecks": -0.8,
    "kack": -0.8,
    "stink": -0.6,
    "wucher": -0.7,
    "abzock": -0.8,
    "lügen": -0.6,
    "murks": -0.7,
    "pfusch": -0.7,
    "ekel": -0.7,
    "frust": -0.6,
    "ärger": -0.5,
}
#: Praise words that are also common nouns ("Klasse" class, "Spitze" tip or lead): written with
#: a capital inside a sentence, they are the nouns and carry no sentiment.
NOUN_HOMOGRAPHS: frozenset[str] = frozenset({"klasse", "spitze", "spitzen"})
#: Irony markers ("#ironie", "Ironie off", "#not"): the text's praise is meant the other way.
IRONY_MARKERS = r"#(?:ironie|sarkasmus|not|irony|sarcasm)\b|\bironie\s*(?:off|aus)\b|/ironie\b"
#: Weight of a question's valences: a question asks rather than asserts ("Ist der Zug heute
#: pünktlich?"); complaints phrased as questions carry phrase cues ("Warum ... schon wieder").
QUESTION_WEIGHT = 0.5
#: Contrast words: the part of the sentence after them weighs more, like VADER's "but".
CONTRASTS: frozenset[str] = frozenset({"aber", "jedoch"})

# VADER's constants.
_N_SCALAR = -0.74
_B_INCR = 0.293
_C_INCR = 0.733
_EP_INCR = 0.292
_ALPHA = 15.0

_UMLAUTS = {"ä": "(?:ä|ae)", "ö": "(?:ö|oe)", "ü": "(?:ü|ue)", "ß": "(?:ß|ss)"}


def umlaut_aware(fragment: str) -> str:
    """Let ä/ö/ü/ß in a regex fragment also match their ASCII spellings ae/oe/ue/ss."""
    return "".join(_UMLAUTS.get(char, char) for char in fragment)


_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _compile(fragment: str) -> re.Pattern[str]:
    return re.compile(umlaut_aware(fragment), re.IGNORECASE)


# Each rule: (its triggers as groups, see cs_lexicon.trigger_groups), pattern[, valence]).
_PHRASES = tuple(
    (trigger_groups(t), _compile(regex), valence) for _, t, regex, valence in PHRASE_RULES
)
_SARCASM = tuple((trigger_groups(t), _compile(regex)) for _, t, regex in SARCASM_RULES)
_FORMULAS = tuple((trigger_groups(t), _compile(regex)) for _, t, regex in FORMULA_RULES)
_IRONY_PATTERN = _compile(IRONY_MARKERS)
_IRONY_TRIGGERS = ("ironie", "sarkas", "#not", "irony", "sarcasm")
_UNSEEN = object()  # a token not looked up yet
_CACHE_SIZE = 200_000  # distinct tokens kept per analyzer

# Tokens, in three groups (``findall`` gives one tuple per piece): emoticons, words (with #,
# hyphens, apostrophes) and emoji; sentence ends; clause breaks. URLs, @handles and ordinal
# dots are skipped (no group). Every alternative starts with a literal or a character class
# (look-behinds come after the first character), so ``re`` rejects a position quickly.
_TOKENS = re.compile(
    # An ordinal's dot ("2. Klasse", "am 3. Mai") ends no sentence.
    r"(?:https?://\S+|www\.\S+|@\w+|\.(?<=\d\.)(?=[ \t]*[^\W\d_]))"
    r"|([:;=](?<![\w:;=][:;=])-?[)(\]\[DP/@](?![\w)(\]\[])"
    r"|#[^\W\d_]+(?:['’-][^\W\d_]+)*"
    r"|[^\W\d_]+(?:['’-][^\W\d_]+)*"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50])"
    r"|([.!?;][.!?;]*|\n)"
    r"|([,:()\[\]\"„“”–—]|\s-\s)"
)
#: Words that begin like a compound modifier but are not compounds of it ("Trauma",
#: "Leidenschaft", "Mission", "Störche").
_NOT_MODIFIERS = ("trauma", "leidenschaft", "missi", "störch")
_FUNCTION_WORDS = (
    INTENSIFIERS
    | DAMPENERS
    | {
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "ganz",
        "mehr",
    }
)
_ENDINGS = ("sten", "ste", "em", "en", "er", "es", "e", "n", "s")
_MIN_STEM = 3
_MIN_HEAD = 5


@dataclass(frozen=True)
class LexiconEntry:
    """One lexicon entry: valence in [-1, 1] (SentiWS's scale) and part of speech."""

    value: float
    pos: str = ""


def _forms(head: str, inflections: str) -> list[str]:
    return [head, *(f.strip() for f in inflections.split(",") if f.strip())]


def _read_sentiws(path: Path) -> dict[str, LexiconEntry]:
    entries: dict[str, LexiconEntry] = {}
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ResourceMissingError(
            f"cannot read the German lexicon {path}: {exc}; name a SentiWS-format file "
            "(UTF-8) in the playbook's listening.german_lexicon"
        ) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r\n").split("\t")
        head, _, pos = fields[0].strip().partition("|")
        try:
            value = float(fields[1])
        except (IndexError, ValueError):
            raise ResourceMissingError(
                f"{path}, line {number}: expected SentiWS format 'Wort|POS<TAB>value"
                f"<TAB>Form1,Form2,...', got {line[:60]!r}"
            ) from None
        entry = LexiconEntry(max(-1.0, min(1.0, value)), pos.strip())
        for form in _forms(head, fields[2] if len(fields) > 2 else ""):
            entries[form.lower()] = entry
    return entries


def load_sentiws(path: Path | str) -> dict[str, LexiconEntry]:
    """Read a lexicon in SentiWS's format: one file, or every ``*.txt`` file in a folder.

    Each line is ``Wort|POS<TAB>value<TAB>Form1,Form2,...`` (POS and forms optional); blank
    lines and lines starting with ``#`` are skipped. Every form, lower-cased, gets the entry's
    value (clipped to [-1, 1]) and POS; later lines win.

    Args:
        path: A file, or a folder such as SentiWS's download with its ``_Positive`` and
            ``_Negative`` files.

    Returns:
        Lower-cased word forms mapped to their entries.

    Raises:
        ResourceMissingError: If the path does not exist, cannot be read, holds no ``*.txt``
            file, or a line is not in the format.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     file = Path(tmp) / "lex.txt"
        ...     _ = file.write_text("Freude|NN\\t0.65\\tFreuden\\n", encoding="utf-8")
        ...     sorted(load_sentiws(file))
        ['freude', 'freuden']
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise ResourceMissingError(
                f"the German lexicon folder {path} holds no *.txt file; name a SentiWS-format "
                "file or its folder in the playbook's listening.german_lexicon"
            )
    elif path.is_file():
        files = [path]
    else:
        raise ResourceMissingError(
            f"the German lexicon {path} does not exist; fix listening.german_lexicon in the "
            "playbook or remove it to use the shipped lexicon"
        )
    entries: dict[str, LexiconEntry] = {}
    for file in files:
        entries.update(_read_sentiws(file))
    return entries


@functools.cache
def _default_lexicon() -> dict[str, LexiconEntry]:
    resource = importlib.resources.files("socialcrm_utils.nlp").joinpath("data/de_cs_lexicon.txt")
    with importlib.resources.as_file(resource) as path:
        return load_sentiws(path)


def _split_text(text: str) -> tuple[list[str], list[int], list[int], dict[int, int], set[int]]:
    """A text's words with their clause and sentence numbers, and per sentence the exclamation
    marks that end it and whether a question mark does (one ``findall``).

    Examples:
        >>> _split_text("Gut, danke! Und du?")
        (['Gut', 'danke', 'Und', 'du'], [0, 1, 2, 2], [0, 0, 1, 1], {0: 1, 1: 0}, {1})
    """
    words: list[str] = []
    clause: list[int] = []
    sentence: list[int] = []
    exclamations: dict[int, int] = {}
    questions: set[int] = set()
    clause_id = sentence_id = 0
    for word, stop, pause in _TOKENS.findall(text):
        if word:
            words.append(word)
            clause.append(clause_id)
            sentence.append(sentence_id)
        elif stop:
            exclamations[sentence_id] = stop.count("!")
            if "?" in stop:
                questions.add(sentence_id)
            clause_id += 1
            sentence_id += 1
        elif pause:
            clause_id += 1
    return words, clause, sentence, exclamations, questions


class _Cased:
    """A text, and its lower case if that matches case-sensitive twins exactly (made once, on
    first need; :func:`~socialcrm_utils.nlp.casefree.fold_safe_text`)."""

    __slots__ = ("_lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._lower: str | None = None

    def lower(self) -> str:
        """The lower-cased text, or "" if it is not fold-safe."""
        if self._lower is None:
            self._lower = self.text.lower() if fold_safe_text(self.text) else ""
        return self._lower


class _Matcher:
    """A case-insensitive rule pattern that runs as its case-sensitive twin (casefree: the
    same matches at the same offsets, several times faster) on lower-cased fold-safe texts."""

    __slots__ = ("pattern", "twin")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.twin = case_sensitive_twin(pattern)

    def finditer(self, cased: _Cased) -> Iterator[re.Match[str]]:
        """The pattern's matches in ``cased.text``."""
        if self.twin is not None:
            lower = cased.lower()
            if lower:
                return self.twin.finditer(lower)
        return self.pattern.finditer(cased.text)


_IRONY = _Matcher(_IRONY_PATTERN)


def _word_starts(text: str) -> list[int]:
    """The start offsets of :func:`_split_text`'s words (needed only when a rule matches)."""
    return [match.start(1) for match in _TOKENS.finditer(text) if match.start(1) >= 0]


class GermanSentimentAnalyzer:
    """Score German texts on VADER's scale; see the module docstring for the rules.

    Args:
        lexicon: Lower-cased word forms mapped to entries (values in [-1, 1]).
        phrases: Extra phrase rules (a domain pack's), in :data:`PHRASE_RULES`' form.
        formulas: Extra formula rules (a domain pack's), in :data:`FORMULA_RULES`' form.

    Examples:
        >>> analyzer = german_analyzer()
        >>> analyzer.compound("Der Service ist gut") > 0 > analyzer.compound("nicht gut")
        True
    """

    def __init__(
        self,
        lexicon: dict[str, LexiconEntry],
        phrases: Iterable[tuple[str, tuple[str, ...], str, float]] = (),
        formulas: Iterable[tuple[str, tuple[str, ...], str]] = (),
    ) -> None:
        self._phrases = _PHRASES + tuple(
            (trigger_groups(t), _compile(regex), valence) for _, t, regex, valence in phrases
        )
        self._formulas = _FORMULAS + tuple(
            (trigger_groups(t), _compile(regex)) for _, t, regex in formulas
        )
        self.lexicon = dict(lexicon)
        for form, entry in lexicon.items():
            self.lexicon.setdefault(form.translate(_ASCII), entry)
        self._noun_heads = {
            form: entry
            for form, entry in self.lexicon.items()
            if entry.pos.startswith("N") and len(form) >= _MIN_HEAD
        }
        self._longest_head = max(map(len, self._noun_heads), default=0)
        self._cache: dict[tuple[str, bool], LexiconEntry | None] = {}
        self._modifier_prefixes = tuple(COMPOUND_MODIFIERS)
        self._tokens: dict[str, LexiconEntry | None] = {}  # token as written -> its entry
        # Token as written -> (lower case without "#", all capitals, alphabetic, has valence).
        self._words: dict[str, tuple[str, bool, bool, bool]] = {}
        # Per rule, in order: its kind (formula, sarcasm, phrase), first trigger group, further
        # groups, and what applying it needs: its pattern, the pattern's case-sensitive twin
        # for lower-cased fold-safe texts (casefree; None if not exact), and a phrase's valence.
        self._checks = tuple(
            (kind, frozenset(groups[0]), groups[1:], (_Matcher(pattern), *rest))
            for kind, rules in enumerate((self._formulas, _SARCASM, self._phrases))
            for groups, pattern, *rest in rules
        )
        # Every first-group trigger: each is looked for once per text, not once per rule.
        self._triggers = tuple(
            sorted({t for _, first, _, _ in self._checks for t in first} | set(_IRONY_TRIGGERS))
        )

    def lookup(self, token: str) -> LexiconEntry | None:
        """The entry of a token: exact form, then without an ending, then a compound's parts.

        Noun endings and compound modifiers are tried only for capitalised tokens and
        hashtags, as German writes nouns with a capital (``Gefahren`` "dangers" is a noun,
        ``gefahren`` "driven" is not); a compound's noun head is found in any token, as social
        media posts often write nouns in lower case (``zugausfall`` -> ``Ausfall``).

        Args:
            token: A word as written (a leading ``#`` marks a hashtag, read as a noun).

        Returns:
            The entry, or None.

        Examples:
            >>> german_analyzer().lookup("Zugverspätungen").value
            -0.5
        """
        known = self._tokens.get(token, _UNSEEN)
        if known is not _UNSEEN:
            return known
        word = token.lstrip("#")
        key = (word.lower(), word[:1].isupper() or token.startswith("#"))
        if key in self._cache:
            return self._remember(token, self._cache[key])
        entry = self._find(*key)
        if entry is None and "-" in word:
            last = word.rsplit("-", 1)[1]
            entry = self._find(last.lower(), last[:1].isupper() or key[1])
        if len(self._cache) < 200_000:
            self._cache[key] = entry
        return self._remember(token, entry)

    def _remember(self, token: str, entry: LexiconEntry | None) -> LexiconEntry | None:
        """``entry``, kept as ``token``'s (the entry depends on the token alone; bounded)."""
        if len(self._tokens) < 200_000:
            self._tokens[token] = entry
        return entry

    def _find(self, word: str, noun: bool) -> LexiconEntry | None:
        """Exact form or stem; then a compound's noun head; then, for nouns, its modifier."""
        entry = self._stem(word, noun)
        if entry is not None:
            return entry
        heads = self._noun_heads  # compound heads: the longest noun the word ends with
        for start in range(
            max(_MIN_STEM, len(word) - self._longest_head), len(word) - _MIN_HEAD + 1
        ):
            entry = heads.get(word[start:])
            if entry is not None:
                return entry
        if not noun or not word.startswith(self._modifier_prefixes):  # one test for all
            return None
        for prefix, value in COMPOUND_MODIFIERS.items():  # compound modifiers
            if (
                word.startswith(prefix)
                and len(word) - len(prefix) >= 4
                and not word.startswith(_NOT_MODIFIERS)
            ):
                return LexiconEntry(value, "NN")
        return None

    def _stem(self, word: str, noun: bool) -> LexiconEntry | None:
        entry = self.lexicon.get(word)
        if entry is not None:
            return entry
        allowed = ("ADJX", "ADJD", "ADJA", "", *(("NN",) if noun else ()))
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
                stem = word[: -len(ending)]
                entry = self.lexicon.get(stem)
                if entry is None and stem.endswith("er") and len(stem) - 2 >= _MIN_STEM:
                    entry = self.lexicon.get(stem[:-2])  # comparative: schlechteren
                if entry is not None and entry.pos in allowed:
                    return entry
        return None

    def compound(self, text: str) -> float:
        """The compound score of a text in [-1, 1] (0.0 without sentiment words).

        Each sentence's valence sum (after the contrast rule, plus VADER's 0.292 per
        exclamation mark that ends it, up to four) is normalised as VADER does,
        ``s / sqrt(s*s + 15)``; the text's score is the mean over its sentences, as VADER's
        authors recommend for texts longer than one sentence. A one-sentence text gets exactly
        the normalised sum.

        Args:
            text: Any text; URLs and @handles are ignored.

        Returns:
            The score, rounded to 4 decimals like VADER.
        """
        words, clause, sentence, exclamations, questions = _split_text(text)
        if not words:
            return 0.0
        lowered, capital, alphabetic, scored = self._word_facts(words)
        cap_differential = 0 < sum(capital) < sum(alphabetic)
        # Only a word with a non-zero entry has a valence (the rules scale it, never create it).
        valences = [0.0] * len(words)
        for i in compress(range(len(words)), scored):
            valences[i] = self._valence(i, words, lowered, clause, cap_differential)
        if not NOUN_HOMOGRAPHS.isdisjoint(lowered):
            self._homographs(words, lowered, sentence, valences)
        starts: list[int] = []

        def at(offset: int) -> int:
            if not starts:
                starts.extend(_word_starts(text))
            return max(bisect.bisect_right(starts, offset) - 1, 0)

        def group_start(match: re.Match[str]) -> int:
            return next(
                match.start(g) for g in range(1, len(match.groups()) + 1) if match.start(g) >= 0
            )

        (formulas, sarcasm, phrases), irony = self._present(" ".join(text.lower().split()))
        cased = _Cased(text)
        for (matcher,) in formulas:
            for match in matcher.finditer(cased):
                i = at(group_start(match))
                if valences[i] > 0:
                    valences[i] = 0.0
        if not IRREALIS.isdisjoint(lowered):
            self._wish(lowered, clause, valences)
        if "nicht" in lowered:
            self._retract(lowered, clause, sentence, valences)
        if irony and next(_IRONY.finditer(cased), None):
            # "#ironie": every praise word of the text is meant the other way.
            valences = [v * _N_SCALAR if v > 0 else v for v in valences]
        for (matcher,) in sarcasm:
            for match in matcher.finditer(cased):
                i = at(group_start(match))
                if valences[i] > 0:
                    valences[i] *= _N_SCALAR
        for matcher, valence in phrases:
            for match in matcher.finditer(cased):
                if valence > 0:  # a resolved failure: its failure words do not count
                    for k in range(at(match.start()), at(match.end() - 1) + 1):
                        valences[k] = max(valences[k], 0.0)
                valences[at(match.start())] += valence
        if not CONTRASTS.isdisjoint(lowered):
            valences = self._contrast(lowered, sentence, valences)
        # Every sentence with a word counts; adding a zero valence would change no sum.
        sums = dict.fromkeys(sentence, 0.0)
        for sid, valence in compress(zip(sentence, valences, strict=True), valences):
            sums[sid] += valence
        scores = []
        for sid, total in sums.items():
            if sid in questions:
                total *= QUESTION_WEIGHT
            emphasis = min(exclamations.get(sid, 0), 4) * _EP_INCR
            total += emphasis if total > 0 else -emphasis if total < 0 else 0.0
            scores.append(total / math.sqrt(total * total + _ALPHA))
        return round(sum(scores) / len(scores), 4)

    def _present(self, normalised: str) -> tuple[tuple[list, list, list], bool]:
        """The formulas, sarcasm and phrase rules whose triggers the text holds, and whether it
        may hold an irony marker (cs_lexicon.triggers_present's test: one trigger of the first
        group as written, one of every further group case-folded).

        Args:
            normalised: The text lower-cased, whitespace runs as single spaces.

        Examples:
            >>> (formulas, sarcasm, phrases), irony = german_analyzer()._present("danke? ja")
            >>> len(formulas), len(sarcasm), len(phrases), irony
            (1, 0, 0, False)
        """
        present: tuple[list, list, list] = ([], [], [])
        found = set(compress(self._triggers, map(normalised.__contains__, self._triggers)))
        if not found:  # no trigger anywhere: no rule can match
            return present, False
        folded = FoldedOnce(normalised)  # folded for the first rule with further groups
        for kind, first, further, applied in self._checks:
            if not found.isdisjoint(first) and folded.holds_all(further):
                present[kind].append(applied)
        return present, not found.isdisjoint(_IRONY_TRIGGERS)

    def _word_facts(
        self, words: list[str]
    ) -> tuple[tuple[str, ...], tuple[bool, ...], tuple[bool, ...], tuple[bool, ...]]:
        """Per word: lower case without "#", all capitals (2+ letters), alphabetic, and whether
        its entry has a valence; worked out once per distinct token (cache cleared when full).

        Examples:
            >>> german_analyzer()._word_facts(["Gut", "#GUT", "und"])
            (('gut', 'gut', 'und'), (False, False, False), (True, False, True), (True, True, False))
        """
        facts = self._words
        new = set(words).difference(facts)
        if new:
            if len(facts) + len(new) > _CACHE_SIZE:
                facts.clear()
                new = set(words)
            for word in new:
                entry = self.lookup(word)
                alphabetic = word.isalpha()
                facts[word] = (
                    word.lower().lstrip("#"),
                    alphabetic and len(word) > 1 and word.isupper(),
                    alphabetic,
                    entry is not None and entry.value != 0,
                )
        return tuple(zip(*map(facts.__getitem__, words), strict=True))

    def _valence(
        self, i: int, words: list[str], lowered: Sequence[str], clause: list[int], cap_diff: bool
    ) -> float:
        word = lowered[i]
        if word in INTENSIFIERS or word in DAMPENERS:
            # Degree words count through the next word only; "super" on its own is praise.
            alone = i + 1 >= len(words) or clause[i + 1] != clause[i]
            if word != "super" or not (alone or self.lookup(words[i + 1]) is None):
                return 0.0
        entry = self.lookup(words[i])
        if entry is None or entry.value == 0:
            return 0.0
        valence = entry.value * DE_VALENCE_SCALE
        if cap_diff and words[i].isupper() and len(words[i]) > 1:
            valence += _C_INCR if valence > 0 else -_C_INCR
        negated = False
        for distance in (1, 2, 3):
            j = i - distance
            if j < 0 or clause[j] != clause[i]:
                break
            before = lowered[j]
            if before in INTENSIFIERS or before in DAMPENERS:
                scalar = _B_INCR if before in INTENSIFIERS else -_B_INCR
                scalar *= (1.0, 0.95, 0.9)[distance - 1]
                valence += scalar if valence > 0 else -scalar
            elif (
                before in NEGATIONS
                and entry.pos != "EMO"  # emoticons and emoji are not negated
                and not (j + 1 < len(lowered) and lowered[j + 1] == "nur")  # nicht nur
                # Three words back only across degree words, articles and nouns ("ohne eine
                # Sekunde Verspätung"), not across verbs ("nicht enden wollendes Chaos").
                and (
                    distance < 3
                    or all(
                        w in _FUNCTION_WORDS or words[k][:1].isupper() or w.isdigit()
                        for k, w in enumerate(lowered[j + 1 : i], start=j + 1)
                    )
                )
            ):
                valence *= _N_SCALAR
                negated = True
        if not negated and entry.pos.startswith("V"):
            for j in range(i + 1, min(i + 5, len(words))):
                if clause[j] != clause[i] or lowered[j] in _CONJUNCTIONS:
                    break
                if lowered[j] in _TRAILING_NEGATIONS:
                    valence *= _N_SCALAR
                    break
                if self.lookup(words[j]) is not None:
                    break
        return valence

    @staticmethod
    def _homographs(
        words: list[str], lowered: Sequence[str], sentence: list[int], valences: list[float]
    ) -> None:
        """Capitalised inside a sentence, a word of :data:`NOUN_HOMOGRAPHS` is the noun.

        German writes nouns with a capital and adjectives without, so "in der 2. Klasse" or
        "an der Spitze" carry no sentiment, while "Klasse!" at the start of a sentence and
        "echt klasse" stay praise. Their valences become 0, in place.
        """
        for i, word in enumerate(lowered):
            if (
                word in NOUN_HOMOGRAPHS
                and i > 0
                and sentence[i - 1] == sentence[i]
                and words[i][:1].isupper()
                and not words[i].isupper()
            ):
                valences[i] = 0.0

    @staticmethod
    def _wish(lowered: Sequence[str], clause: list[int], valences: list[float]) -> None:
        """Praise in a clause with a subjunctive is a wish or a condition, not an experience.

        "Wäre schön", "wenn der Zug mal pünktlich wäre", "Die S-Bahn sollte pünktlich sein":
        the positive valences of every clause that holds a word of :data:`IRREALIS` become 0,
        in place (as the English extension's irrealis rule does); negative ones stay.
        """
        wish = {clause[i] for i, word in enumerate(lowered) if word in IRREALIS}
        for j, clause_id in enumerate(clause):
            if clause_id in wish:
                valences[j] = min(valences[j], 0.0)

    @staticmethod
    def _retract(
        lowered: Sequence[str], clause: list[int], sentence: list[int], valences: list[float]
    ) -> None:
        """A "nicht" standing alone after praise takes it back ("Super Service ... NICHT!").

        The positive valences of the sentence before it (and of its own sentence) are
        negated, in place.
        """
        for i, word in enumerate(lowered):
            if (
                word == "nicht"
                and i > 0
                and clause[i - 1] != clause[i]
                and (i + 1 == len(lowered) or clause[i + 1] != clause[i])
            ):
                for j in range(i - 1, -1, -1):
                    if sentence[j] < sentence[i] - 1:
                        break
                    if valences[j] > 0:
                        valences[j] *= _N_SCALAR

    @staticmethod
    def _contrast(
        lowered: Sequence[str], sentence: list[int], valences: list[float]
    ) -> list[float]:
        out = list(valences)
        contrast_at: dict[int, int] = {}
        for i, word in enumerate(lowered):
            if word in CONTRASTS:
                contrast_at.setdefault(sentence[i], i)
        for i, valence in enumerate(valences):
            j = contrast_at.get(sentence[i])
            if j is not None and i != j:
                out[i] = valence * (0.5 if i < j else 1.5)
        return out


def _lexicon_key(path: Path | None) -> tuple[str, int, int] | None:
    if path is None:
        return None
    path = Path(path).expanduser().resolve()
    try:
        stat = path.stat()
    except OSError:
        return (str(path), -1, -1)
    return (str(path), stat.st_mtime_ns, stat.st_size)


def german_analyzer(
    lexicon: Path | str | None = None, packs: Iterable[str] = ()
) -> GermanSentimentAnalyzer:
    """The German analyzer on the shipped lexicon, with a SentiWS-format lexicon merged over it.

    Cached per lexicon file (and its modification time) and packs, so repeated calls are free.

    Args:
        lexicon: A SentiWS-format file or folder (the playbook's ``listening.german_lexicon``),
            whose entries win over the shipped ones; None for the shipped lexicon alone.
        packs: Domain packs (``listening.domain_packs``) whose German lexicon entries, phrase
            and formula rules are added (:mod:`~socialcrm_utils.nlp.packs`); the user's
            lexicon still wins.

    Returns:
        The analyzer.

    Raises:
        ResourceMissingError: If the lexicon file cannot be read or is malformed.

    Examples:
        >>> german_analyzer().compound("Das Essen war gut, aber der Flug war eine Katastrophe")
        -0.765
        >>> german_analyzer().compound("Streik beendet")  # no rail words by default
        0.0
        >>> german_analyzer(packs=["rail"]).compound("Streik beendet") > 0
        True
    """
    from .packs import check_packs

    return _cached_analyzer(
        _lexicon_key(None if lexicon is None else Path(lexicon)), check_packs(packs)
    )


@functools.lru_cache(maxsize=8)
def _cached_analyzer(
    key: tuple[str, int, int] | None, packs: tuple[str, ...] = ()
) -> GermanSentimentAnalyzer:
    from .packs import pack_sentiment

    entries = dict(_default_lexicon())
    for head, value, inflections in pack_sentiment(packs, "de", "lexicon"):
        word, _, pos = str(head).partition("|")
        entry = LexiconEntry(max(-1.0, min(1.0, float(value))), pos.strip())
        entries.update({form.lower(): entry for form in _forms(word, inflections or "")})
    if key is not None:
        extra = load_sentiws(Path(key[0]))
        logger.info("merged %d German lexicon forms from %s", len(extra), key[0])
        entries.update(extra)
    return GermanSentimentAnalyzer(
        entries, pack_sentiment(packs, "de", "phrases"), pack_sentiment(packs, "de", "formulas")
    )
