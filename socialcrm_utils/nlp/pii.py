"""Personal data in mentions (step 3): find it, redact it, and suggest a private-channel reply.

The suite never writes a customer's original text with personal data to an artifact: step 3
replaces every match by a typed placeholder (``[EMAIL]``, ``[PHONE]``, ``[IBAN]``, ``[CARD]``,
or the upper-cased name of a playbook pattern such as ``[BOOKING]``) and keeps only
``text_redacted``.

What counts as personal data, and how each kind is confirmed:

* **e-mail addresses**: a regular expression for ``local@domain.tld`` (dot-atom local part,
  domain labels, a top-level domain of letters);
* **phone numbers**: :class:`phonenumbers.PhoneNumberMatcher` with leniency ``VALID`` for each
  region of the playbook (``listening.phone_regions``), which governs only numbers written
  without a country code. A number in international format (``+44 20 7946 0958``,
  ``0044 20 7946 0958``, ``011 44 20 7946 0958`` dialled from North America) is found whatever
  the regions are. Because libphonenumber rejects them, the two UK ranges
  Ofcom reserves for drama and examples (``07700 900000``-``900999`` and
  ``01632 960000``-``960999``) are accepted explicitly: sample and test data use them;
* **IBANs**: candidates such as ``DE89 3704 0044 0532 0130 00`` (groups separated by single
  spaces or none), confirmed with the ISO 7064 checksum and per-country length of
  :func:`stdnum.iban.is_valid`;
* **payment card numbers**: 13 to 19 digits, optionally grouped by single spaces or dashes,
  confirmed with the Luhn checksum (:func:`stdnum.luhn.is_valid`), not starting with 0, and
  neither within a phone number found nor within an IBAN-shaped run of characters (the digits
  of a mistyped IBAN are not a card number);
* **playbook patterns** (``listening.pii_patterns``): each regular expression's matches, of the
  kind named by its key (e.g. ``booking: "ACM-[A-Z0-9]{6}"``).

Overlapping matches are resolved by priority, ``iban > card > email > pattern > phone``, then by
the longer span, then by the earlier start.

**Nothing inside a link is redacted**: a candidate that overlaps a URL is dropped, so links
stay intact (``https://example.com/order/4111111111111111`` is a link, not a card number). A
URL is what twitter-text finds (:func:`twitter_text.extract_urls_with_indices`: ``https://...``,
``www....``, ``t.co/...``, ``example.com/path``; not the domain of an e-mail address) plus any
``http(s)://`` or ``ftp://`` run up to the next space (``http://localhost:8080/...``). An
e-mail address is redacted where it stands on its own or after ``mailto:``; one inside a
link's path or query stays, with the link.

:func:`redact_texts` is built for millions of rows: one vectorised ``str.contains`` per regular
expression picks the texts that *could* contain personal data (:data:`PREFILTER_PATTERN` and
each playbook pattern) and the per-text search runs only on those candidates, once per distinct
text.

**Where the phone matcher runs.** phonenumbers' matcher is most of the cost (on real tweets
the candidates are flight numbers, handles such as ``@115712``, dates, times, prices), so each
region's national pass (leniency ``VALID``) runs only where it can find something; the result
is the same as running it on the whole text (checked against the unfiltered matcher on the
21,950 distinct real texts in five regions, and against the whole-text code on 100,388 texts
built from ``example_number_for_type`` of every region and number type, in every format, with
extensions, full-width and Arabic-Indic digits, in seven region sets):

* A *piece* is a maximal run of characters a match can contain: digits, the matcher's
  punctuation (including the letter x), leading ``(``/``[``/``+``, and what an extension adds
  (separators, ``;ext=``, ``#``, ``~``, the letters of ``ext``/``extension``/``anexo``/``int``/
  ``доб``; case-insensitive). Every match lies in one piece, and the matcher judges a
  candidate only by the candidate and the characters right before and after it (a ``:`` after
  it, for times, is itself a piece character). So the matcher on each piece with one
  character of context on either side finds exactly the whole text's matches, cached per
  distinct piece, while its budget of 65,535 failed attempts cannot run out on the whole text
  (at most 13 per character of the pieces: texts whose pieces exceed
  :data:`_PIECEWISE_MAX_CHARS` are searched whole).
* A piece is searched only if it may hold a number
  (:func:`~socialcrm_utils.nlp.prefilter.phone_piece_may_hold`). A number parsed
  without ``+`` starts at a digit block and ends at one (blocks of up to
  ``MAX_PLAIN_BLOCK`` (9) digits: a longer block, where an extension may stop inside it, is
  always searched), and its digits are those of consecutive blocks, unless three ASCII
  letters between the first and last digit, one of them an x or part of ``nt``, may become
  digits (vanity numbers, extension labels): then the piece is searched. For the digits ``d``
  of any run of consecutive blocks the piece is searched if ``d`` starts with the region's
  international call prefix (any country then), or ``d`` or ``d`` without the region's country
  code, with or without a national prefix (``national_prefix_for_parsing`` of the region and
  of the code's main region; any if a transform rule may add digits), has a possible length
  and fully matches a number-type pattern (fixed line, mobile, toll-free, ...) of a region of
  the calling code: ``is_valid_number`` requires that of every number it accepts. A handle
  such as ``115712`` fits no German pattern, a date ``14.10.2026`` no US one.

The checks read only phonenumbers' public metadata (``PhoneMetadata``, ``normalize_digits_only``),
so they follow the metadata of the installed version. Likewise e-mail and card search skip a
text without a character before an ``@`` and a letter or digit after it, or with fewer than 13
digits. Real texts (22,224, the example playbook's settings): 1.08 -> 0.47-0.49 s CPU for
:func:`redact_texts`.
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import pandas as pd
import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn

from . import parallel
from .prefilter import clear_phone_caches, phone_piece_may_hold, phone_pieces
from .sentiment import normalize_lang
from .twitter import extract_urls_with_indices

__all__ = [
    "PiiMatch",
    "BUILTIN_KINDS",
    "PRIORITY",
    "PREFILTER_PATTERN",
    "PLACEHOLDER_RE",
    "REDACTION_COLUMNS",
    "PLATFORM_CHANNELS",
    "MAX_REPLY_LENGTH",
    "placeholder",
    "find_pii",
    "redact_texts",
    "private_channel",
    "private_channel_reply",
    "suggest_private_replies",
]

logger = logging.getLogger(__name__)

#: Kinds the module finds by itself; playbook patterns add their own names.
BUILTIN_KINDS: tuple[str, ...] = ("iban", "card", "email", "phone")

#: Overlap priority, highest first; ``"pattern"`` stands for every playbook pattern.
PRIORITY: tuple[str, ...] = ("iban", "card", "email", "pattern", "phone")

#: Columns of :func:`redact_texts`, in order.
REDACTION_COLUMNS: tuple[str, ...] = ("text_redacted", "pii_types", "pii_count")

#: A placeholder written by :func:`redact_texts` (``[EMAIL]``, ``[BOOKING]``, ...).
PLACEHOLDER_RE: re.Pattern[str] = re.compile(r"\[[A-Z][A-Z0-9_]*\]")

# Character classes of the pre-filter, spelled out instead of \d, \w, \s and \b: pandas runs
# a pattern with those on non-ASCII text through Python's re (about 20 times slower) instead of
# pyarrow's RE2. Characters are literal (no \u escapes) for the same reason.
_PF_DIGIT = "0-9\uff10-\uff19\u0660-\u0669\u06f0-\u06f9"  # ASCII, fullwidth, Arabic-Indic
_PF_WORD = "A-Za-z0-9\u00c0-\uffff"  # ASCII letters and digits, any non-ASCII letter or mark
_PF_SEPARATOR = " \t\n\u00a0./()\u2010-\u2015\u2212\\-"  # incl. Unicode dashes and minus

#: Cheap test for "could contain personal data", run vectorised on every text: an ``@`` with a
#: word character before and after it (an e-mail, not an ``@handle``), 6 or more digits with at
#: most 3 separators between two of them (phone, card, IBAN), or an IBAN-like word start (two
#: letters, two digits, four letters or digits). Runs on RE2 (pyarrow) and Python's ``re``.
PREFILTER_PATTERN: str = (
    f"[{_PF_WORD}_!#$%&*+=?^{{|}}~.\\-]@[{_PF_WORD}\\-]"
    f"|[{_PF_DIGIT}](?:[{_PF_SEPARATOR}]{{0,3}}[{_PF_DIGIT}]){{5,}}"
    "|(?:^|[^A-Za-z0-9_])[A-Za-z]{2}[0-9]{2} ?[A-Za-z0-9]{4}"
)

_EMAIL_RE = re.compile(
    r"(?<![\w.!#$%&*+=?^{|}~\-])"  # not in the middle of a longer token
    r"[\w!#$%&*+=?^{|}~\-]+(?:\.[\w!#$%&*+=?^{|}~\-]+)*"  # local part: dot-atoms
    r"@"
    r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+"  # domain labels
    r"[^\W\d_]{2,63}(?![\w\-])"  # top-level domain: letters
)
# What every address has around its "@" (an @handle after a space has not): a cheap first test.
_EMAIL_HINT_RE = re.compile(r"[\w!#$%&*+=?^{|}~\-]@[^\W_]")
# IBAN: a start (country code, check digits) and the longest run of letters and digits after
# it, with single spaces between groups; the valid IBAN is the longest prefix of the run that
# ends at a group boundary and passes stdnum's checks.
_IBAN_START_RE = re.compile(r"\b[A-Za-z]{2}\d{2}")
_IBAN_MIN, _IBAN_MAX = 15, 34  # shortest (Norway) and longest IBAN, without spaces
_IBAN_RUN_RE = re.compile(r"[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){0,30}+")
# Card: maximal runs of digit groups separated by one space or dash, not inside a word.
_DIGIT_RUN_RE = re.compile(r"(?<![\w+])\d++(?:[ \u00a0\-]\d++)*+(?![\w])")
_DIGIT_GROUP_RE = re.compile(r"\d+")
_CARD_MIN, _CARD_MAX = 13, 19
# UK numbers Ofcom reserves for drama; libphonenumber treats them as invalid.
_FICTIONAL_GB_PREFIXES: tuple[str, ...] = ("7700900", "1632960")
_DIGIT_RE = re.compile(r"\d")
_FICTIONAL_HINT_RE = re.compile(r"7\D?7\D?0\D?0|1\D?6\D?3\D?2")
# International format: "+" or an international call prefix ("00" in most of the world,
# "011" from North America) before a country code. Each prefix is read by a region that dials
# it; a match counts only if it is written with that prefix.
_INTERNATIONAL_HINT_RE = re.compile(r"(?:[+\uff0b]|(?<!\d)0(?:0|11))[\s(]*[1-9]")
_INTERNATIONAL_PASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DE", ("+", "\uff0b", "00")),
    ("US", ("011",)),
)
# Texts whose pieces are up to this long together are searched piece by piece: the matcher
# gives up after 65,535 failed attempts, and makes at most 13 per character of the pieces.
_PIECEWISE_MAX_CHARS = 5000
# Links: scheme URLs up to the next space (twitter-text needs a known top-level domain and
# leaves out e.g. http://localhost:8080/...), without trailing punctuation.
_SCHEME_URL_RE = re.compile(r"(?i)\b(?:https?|ftp)://[^\s<>\"]+")
_URL_TRAILING = ".,;:!?)]}'\"\u2019\u201d"


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data in a text.

    Attributes:
        kind: ``"email"``, ``"phone"``, ``"iban"``, ``"card"`` or a playbook pattern's name.
        start: Offset of the first character in the text.
        end: Offset after the last character (``text[start:end] == value``).
        value: The matched text as written.
    """

    kind: str
    start: int
    end: int
    value: str


def placeholder(kind: str) -> str:
    """Return the placeholder that replaces personal data of ``kind``.

    Examples:
        >>> placeholder("email"), placeholder("booking"), placeholder("order-ref")
        ('[EMAIL]', '[BOOKING]', '[ORDER_REF]')
    """
    name = re.sub(r"[^A-Z0-9]+", "_", kind.upper()).strip("_") or "PII"
    return f"[{name if name[0].isalpha() else 'PII_' + name}]"


# --------------------------------------------------------------------------------------------
# Finding
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _check_regions(regions: tuple[str, ...]) -> tuple[str, ...]:
    """Upper-cased, de-duplicated regions; ``ValueError`` for an unknown one."""
    out: list[str] = []
    for region in regions:
        code = str(region).upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"'{region}' is not a phone region (allowed: ISO 3166 codes such as DE, GB, US)."
            )
        if code not in out:
            out.append(code)
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _compile_patterns(
    items: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Compile playbook patterns once; ``ValueError`` naming the pattern if one is invalid."""
    compiled = []
    for name, pattern in items:
        try:
            compiled.append((str(name), re.compile(pattern)))
        except re.error as exc:
            raise ValueError(
                f"pii pattern '{name}': {pattern!r} is not a regular expression ({exc}); fix "
                "listening.pii_patterns in the playbook."
            ) from None
    return tuple(compiled)


def _urls(text: str) -> list[tuple[int, int]]:
    """Spans of links: twitter-text's URLs and any scheme URL (see the module docstring)."""
    spans = [(u["indices"][0], u["indices"][1]) for u in extract_urls_with_indices(text)]
    for m in _SCHEME_URL_RE.finditer(text):
        end = m.start() + len(m.group().rstrip(_URL_TRAILING))
        spans.append((m.start(), end))
    return spans


def _emails(text: str) -> Iterable[tuple[int, int]]:
    if _EMAIL_HINT_RE.search(text) is None:
        return  # no local-part character right before an "@" and a letter or digit after it
    for m in _EMAIL_RE.finditer(text):
        yield m.start(), m.end()


def _ibans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Spans of valid IBANs, and of every IBAN-shaped run (valid or not, for the card check)."""
    valid: list[tuple[int, int]] = []
    shaped: list[tuple[int, int]] = []
    for start_match in _IBAN_START_RE.finditer(text):
        start = start_match.start()
        if valid and start < valid[-1][1]:
            continue
        run = _IBAN_RUN_RE.match(text, start)
        if run is None:  # pragma: no cover - the start pattern guarantees a run
            continue
        chunk = run.group()
        if len(chunk) >= _IBAN_MIN:
            shaped.append((start, run.end()))
        # Candidate ends: before each separator, and at the end of the run if a word ends
        # there; longest first.
        ends = [i for i, ch in enumerate(chunk) if ch in " \u00a0"]
        if not text[run.end() : run.end() + 1].isalnum():
            ends.append(len(chunk))
        for end in reversed(ends):
            compact = chunk[:end].replace(" ", "").replace("\u00a0", "")
            if len(compact) < _IBAN_MIN:
                break
            if len(compact) <= _IBAN_MAX and stdnum_iban.is_valid(compact):
                valid.append((start, start + end))
                break
    return valid, shaped


def _cards(text: str) -> Iterable[tuple[int, int]]:
    """Spans of Luhn-valid card numbers: per digit run, the longest window of whole groups."""
    if len(_DIGIT_RE.findall(text)) < _CARD_MIN:
        return
    for run in _DIGIT_RUN_RE.finditer(text):
        groups = list(_DIGIT_GROUP_RE.finditer(run.group()))
        digits = "".join(g.group() for g in groups)
        cut = [0]  # offset in ``digits`` where each group starts, and the total
        for g in groups:
            cut.append(cut[-1] + g.end() - g.start())
        best: tuple[int, int] | None = None  # (start, end) in the text
        best_digits = 0
        for i in range(len(groups)):
            if digits[cut[i]] == "0":
                continue
            for j in range(i, len(groups)):
                count = cut[j + 1] - cut[i]
                if count > _CARD_MAX:
                    break
                if (
                    count >= _CARD_MIN
                    and count > best_digits
                    and stdnum_luhn.is_valid(digits[cut[i] : cut[j + 1]])
                ):
                    best = (run.start() + groups[i].start(), run.start() + groups[j].end())
                    best_digits = count
        if best is not None:
            yield best


@functools.cache
def _min_national_digits(region: str) -> int:
    """The fewest digits a valid number of ``region``'s calling code has (1 if unknown).

    From phonenumbers' public metadata (``general_desc.possible_length`` of every region that
    shares the calling code: GB with GG, JE, IM). A number written without ``+`` or a call
    prefix is a national number of the pass's region, whose digits all stand in the text, so
    a text with fewer digits holds none: its pass is skipped (US: 10, GB: 7, DE: 4).
    """
    code = phonenumbers.country_code_for_region(region)
    lengths = [
        length
        for shared in phonenumbers.region_codes_for_country_code(code)
        if (metadata := phonenumbers.PhoneMetadata.metadata_for_region(shared)) is not None
        for length in metadata.general_desc.possible_length
        if length > 0
    ]
    return min(lengths, default=1)


@functools.lru_cache(maxsize=1 << 16)
def _piece_matches(context: str, left: int, region: str) -> tuple[tuple[int, int], ...]:
    """Spans (relative to the piece) of ``region``'s matches in a piece with its context.

    ``context`` is the piece with the character before it (``left`` = 1; 0 at the start of
    the text) and the one after it (if any).
    """
    return tuple(
        (m.start - left, m.end - left)
        for m in phonenumbers.PhoneNumberMatcher(
            context, region, leniency=phonenumbers.Leniency.VALID
        )
    )


def _national_matches(
    text: str, region: str, pieces: list[tuple[int, int]]
) -> Iterable[tuple[int, int]]:
    """Spans of ``region``'s matcher (leniency VALID) in ``text``, piece by piece.

    Only the pieces :func:`~socialcrm_utils.nlp.prefilter.phone_piece_may_hold` accepts are
    searched, each with one character of context on either side (cached per distinct piece and
    context); a text whose pieces are longer than :data:`_PIECEWISE_MAX_CHARS` together is
    searched whole if any piece is accepted.
    """
    held = [(a, b) for a, b in pieces if phone_piece_may_hold(text[a:b], region)]
    if not held:
        return
    if sum(b - a for a, b in pieces) > _PIECEWISE_MAX_CHARS:
        for m in phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.VALID
        ):
            yield m.start, m.end
        return
    for a, b in held:
        left = 1 if a > 0 else 0
        for start, end in _piece_matches(text[a - left : b + 1], left, region):
            yield a + start, a + end


def _phones(text: str, regions: tuple[str, ...]) -> set[tuple[int, int]]:
    """Spans of valid phone numbers in any of ``regions`` or in international format, plus
    Ofcom's drama numbers."""
    spans: set[tuple[int, int]] = set()
    international = _INTERNATIONAL_HINT_RE.search(text) is not None
    digits = len(_DIGIT_RE.findall(text))
    pieces: list[tuple[int, int]] | None = None
    for region in regions:
        if not international and digits < _min_national_digits(region):
            continue  # too few digits for any number of the region (and none dialled abroad)
        if pieces is None:
            pieces = phone_pieces(text)
        spans.update(_national_matches(text, region, pieces))
    if international:
        for region, prefixes in _INTERNATIONAL_PASSES:
            for m in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            ):
                if m.raw_string.lstrip("( ").startswith(prefixes):
                    spans.add((m.start, m.end))
    if _FICTIONAL_HINT_RE.search(text):
        for m in phonenumbers.PhoneNumberMatcher(
            text, "GB", leniency=phonenumbers.Leniency.POSSIBLE
        ):
            national = str(m.number.national_number)
            if (
                m.number.country_code == 44
                and len(national) == 10
                and national.startswith(_FICTIONAL_GB_PREFIXES)
            ):
                spans.add((m.start, m.end))
    return spans


def find_pii(
    text: str,
    *,
    regions: Sequence[str] = ("DE", "GB", "US"),
    patterns: Mapping[str, str] = MappingProxyType({}),
) -> list[PiiMatch]:
    """Find e-mail addresses, phone numbers, IBANs, card numbers and playbook patterns in a text.

    See the module docstring for how each kind is confirmed. Overlapping candidates are
    resolved by :data:`PRIORITY` (``iban > card > email > pattern > phone``), then by the
    longer span, then by the earlier start. A Luhn-valid digit string that lies within a phone
    number found is a phone number, not a card. Nothing that overlaps a link is a match.

    Args:
        text: Any text; anything that is not a non-empty string gives ``[]``.
        regions: ISO 3166 regions whose national phone formats are recognised (the playbook's
            ``listening.phone_regions``). Numbers in international format (``+44 ...``,
            ``0044 ...``, ``011 44 ...``) are found whatever the regions.
        patterns: Playbook patterns, name -> regular expression (``listening.pii_patterns``);
            the name is the match's kind.

    Returns:
        The matches, non-overlapping, in text order.

    Raises:
        ValueError: If a region is unknown or a pattern is not a regular expression.

    Examples:
        >>> text = "Mail anna@example.com, call +44 20 7946 0123, booking ACM-7H2K9P"
        >>> for m in find_pii(text, patterns={"booking": r"ACM-[A-Z0-9]{6}"}):
        ...     print(m.kind, m.start, m.end, m.value)
        email 5 21 anna@example.com
        phone 28 44 +44 20 7946 0123
        booking 54 64 ACM-7H2K9P
        >>> find_pii("Flight AC 1234 on 2026-10-14 at 12:30, only € 189")
        []
        >>> find_pii("Order: https://shop.example/o/4111111111111111 or 0044 20 7946 0958",
        ...          regions=["US"])  # the link stays; an international number is found
        [PiiMatch(kind='phone', start=50, end=67, value='0044 20 7946 0958')]
    """
    if not isinstance(text, str) or not text:
        return []
    region_codes = _check_regions(tuple(regions))
    compiled = _compile_patterns(tuple(patterns.items()))
    rank = {kind: i for i, kind in enumerate(PRIORITY)}

    # (priority rank, kind, start, end)
    candidates: list[tuple[int, str, int, int]] = []
    ibans, iban_shaped = _ibans(text)
    candidates.extend((rank["iban"], "iban", s, e) for s, e in ibans)
    candidates.extend((rank["email"], "email", s, e) for s, e in _emails(text))
    for name, rx in compiled:
        candidates.extend(
            (rank["pattern"], name, m.start(), m.end())
            for m in rx.finditer(text)
            if m.end() > m.start()
        )
    phones = _phones(text, region_codes)
    candidates.extend(
        (rank["card"], "card", s, e)
        for s, e in _cards(text)
        if not any(a <= s and e <= b for a, b in phones)
        and not any(a <= s and e <= b for a, b in iban_shaped)
    )
    candidates.extend((rank["phone"], "phone", s, e) for s, e in phones)

    links = _urls(text) if candidates else []
    chosen: list[tuple[str, int, int]] = [("url", s, e) for s, e in links]
    # Highest priority first, then the longer span, then the earlier start.
    for _rank, kind, start, end in sorted(set(candidates), key=lambda c: (c[0], c[2] - c[3], c[2])):
        if all(end <= s or start >= e for _, s, e in chosen):
            chosen.append((kind, start, end))
    chosen = sorted(chosen[len(links) :], key=lambda c: c[1])
    return [PiiMatch(kind, start, end, text[start:end]) for kind, start, end in chosen]


# --------------------------------------------------------------------------------------------
# Redacting
# --------------------------------------------------------------------------------------------


def _redact_one(
    text: str, regions: tuple[str, ...], patterns: Mapping[str, str]
) -> tuple[str, str, int]:
    """``(text_redacted, pii_types, pii_count)`` of one text."""
    matches = find_pii(text, regions=regions, patterns=patterns)
    if not matches:
        return text, "", 0
    parts: list[str] = []
    position = 0
    for m in matches:
        parts.append(text[position : m.start])
        parts.append(placeholder(m.kind))
        position = m.end
    parts.append(text[position:])
    return "".join(parts), ",".join(sorted({m.kind for m in matches})), len(matches)


def _redact_chunk(
    regions: tuple[str, ...], patterns: tuple[tuple[str, str], ...], texts: list[str]
) -> list[tuple[str, str, int]]:
    """:func:`_redact_one` of each text (a worker's chunk; ``patterns`` as ``(name, regex)``)."""
    mapping = dict(patterns)
    return [_redact_one(text, regions, mapping) for text in texts]


def warm_redaction(regions: Sequence[str], patterns: Mapping[str, str]) -> None:
    """Load what redaction needs (phone metadata of ``regions``, the playbook's patterns).

    Run once in a worker pool's host before it forks
    (:meth:`~socialcrm_utils.nlp.parallel.WorkerPool.start`), so the workers share it.
    """
    codes = _check_regions(tuple(regions))
    for code in codes:  # each region's metadata is loaded on its first number
        example = phonenumbers.example_number(code)
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        _redact_one(f"mail me at jo@example.org or call {number}", codes, patterns)


def _could_contain(texts: pd.Series, patterns: Mapping[str, str]) -> pd.Series:
    """Vectorised pre-filter: True where a text may contain personal data."""
    mask = texts.str.contains(PREFILTER_PATTERN, regex=True, na=False)
    with warnings.catch_warnings():
        # A playbook pattern may contain capture groups; they do not matter for a yes/no test.
        warnings.filterwarnings("ignore", message=".*match groups.*", category=UserWarning)
        for _name, rx in _compile_patterns(tuple(patterns.items())):
            mask |= texts.str.contains(rx.pattern, regex=True, na=False)
    return mask.astype(bool)


def redact_texts(
    texts: pd.Series,
    *,
    regions: Sequence[str] = ("DE", "GB", "US"),
    patterns: Mapping[str, str] = MappingProxyType({}),
    pool: parallel.WorkerPool | None = None,
) -> pd.DataFrame:
    """Replace personal data in every text by a typed placeholder.

    Each match of :func:`find_pii` is replaced by :func:`placeholder` of its kind
    (``[EMAIL]``, ``[PHONE]``, ``[IBAN]``, ``[CARD]``, ``[BOOKING]`` for a pattern named
    ``booking``). Fast on millions of rows: a vectorised pre-filter (:data:`PREFILTER_PATTERN`
    and every playbook pattern, one ``str.contains`` each) selects candidate texts, and
    :func:`find_pii` runs once per distinct candidate. The input is not modified.

    Args:
        texts: The texts (e.g. the ``text`` column of the mention table); NA stays NA.
        regions: Phone regions, as in :func:`find_pii`.
        patterns: Playbook patterns, as in :func:`find_pii`.
        pool: Running workers to search the candidates in (step 1's, started with the
            playbook); default: this process. The result is the same.

    Returns:
        A frame on the index of ``texts`` with :data:`REDACTION_COLUMNS`: ``text_redacted``
        (``string``), ``pii_types`` (the kinds found, sorted and comma-joined, ``""`` when
        none) and ``pii_count`` (``int64``, number of matches).

    Raises:
        ValueError: If a region is unknown or a pattern is not a regular expression.

    Examples:
        >>> out = redact_texts(pd.Series(["DM me: jo@example.org or 0151 23456789", "Thanks!"]))
        >>> out["text_redacted"].tolist()
        ['DM me: [EMAIL] or [PHONE]', 'Thanks!']
        >>> out["pii_types"].tolist(), out["pii_count"].tolist()
        (['email,phone', ''], [2, 0])
    """
    region_codes = _check_regions(tuple(regions))
    _compile_patterns(tuple(patterns.items()))  # fail early on a bad pattern
    strings = texts.astype("string")
    candidate = _could_contain(strings, patterns)
    # The piece caches serve one call: earlier calls' texts do not make this one look faster.
    clear_phone_caches()
    _piece_matches.cache_clear()

    redacted = strings.copy()
    types = pd.Series("", index=texts.index, dtype="string")
    counts = pd.Series(0, index=texts.index, dtype="int64")
    n_candidates = int(candidate.sum())
    if n_candidates:
        codes, uniques = pd.factorize(strings[candidate])
        results = parallel.submit_chunks(  # in this process unless ``pool`` runs
            functools.partial(_redact_chunk, region_codes, tuple(patterns.items())),
            [str(t) for t in uniques],
            weight=len,
            pool=pool if pool is not None else parallel.WorkerPool(1),
            chunks_per_worker=8,  # small chunks: the workers finish together, then score
        ).result()
        red_u = pd.array([r[0] for r in results], dtype="string")
        types_u = pd.array([r[1] for r in results], dtype="string")
        counts_u = pd.array([r[2] for r in results], dtype="int64")
        redacted[candidate] = red_u.take(codes)
        types[candidate] = types_u.take(codes)
        counts[candidate] = counts_u.take(codes)
        logger.info(
            "redact_texts: %d texts, %d candidates (%d distinct), %d with personal data",
            len(texts),
            n_candidates,
            len(uniques),
            int((counts > 0).sum()),
        )
    else:
        logger.info("redact_texts: %d texts, no candidates", len(texts))
    return pd.DataFrame(
        {"text_redacted": redacted, "pii_types": types, "pii_count": counts}, index=texts.index
    )


# --------------------------------------------------------------------------------------------
# Private-channel replies
# --------------------------------------------------------------------------------------------

# How a kind is named in a reply (English, German), in the order they are listed. Playbook
# pattern names are recognised by a keyword; other names are not spelled out.
_KIND_WORDS: tuple[tuple[str, str, str], ...] = (
    ("phone", "phone number", "Telefonnummer"),
    ("email", "e-mail address", "E-Mail-Adresse"),
    ("iban", "bank details (IBAN)", "Bankverbindung"),
    ("card", "card number", "Kartennummer"),
    ("booking", "booking reference", "Buchungsnummer"),
    ("pnr", "booking reference", "Buchungsnummer"),
    ("order", "order number", "Bestellnummer"),
    ("customer", "customer number", "Kundennummer"),
    ("ticket", "ticket number", "Ticketnummer"),
)

#: Platform -> private channel kind: ``"dm"``, ``"pm"`` (private message) or ``"contact"``
#: (e-mail or contact form, for review sites where nobody can be messaged). Others: ``"pm"``.
PLATFORM_CHANNELS: dict[str, str] = {
    "twitter": "dm", "x": "dm", "instagram": "dm", "tiktok": "dm", "mastodon": "dm",
    "threads": "dm", "bluesky": "dm",
    "facebook": "pm", "messenger": "pm", "reddit": "pm", "forum": "pm", "linkedin": "pm",
    "trustpilot": "contact", "google": "contact", "google_reviews": "contact",
    "tripadvisor": "contact", "yelp": "contact", "reviews": "contact", "kununu": "contact",
    "appstore": "contact", "playstore": "contact",
}  # fmt: skip

#: Replies are kept within this many characters (a tweet).
MAX_REPLY_LENGTH: int = 280

_CHANNEL_TEXT: dict[tuple[str, str], str] = {
    ("en", "dm"): "Please send us a DM and we'll take care of it right away.",
    ("en", "pm"): "Please send us a private message and we'll take care of it right away.",
    ("en", "contact"): (
        "Please contact us by e-mail or through the contact form on our website and we'll take "
        "care of it right away."
    ),
    ("de", "dm"): (
        "Schreib uns einfach eine Direktnachricht (DM), dann kümmern wir uns sofort darum."
    ),
    ("de", "pm"): "Schreib uns einfach eine private Nachricht, dann kümmern wir uns sofort darum.",
    ("de", "contact"): (
        "Schreib uns einfach per E-Mail oder über das Kontaktformular auf unserer Website, dann "
        "kümmern wir uns sofort darum."
    ),
}


def private_channel(platform: object) -> str:
    """Return the private channel for a platform: ``"dm"``, ``"pm"`` or ``"contact"``.

    Examples:
        >>> private_channel("Twitter"), private_channel("reddit"), private_channel("trustpilot")
        ('dm', 'pm', 'contact')
    """
    key = str(platform).strip().lower() if isinstance(platform, str) else ""
    return PLATFORM_CHANNELS.get(key, "pm")


def _kind_words(pii_types: str, lang: str) -> list[str]:
    """Plain words for the kinds in ``pii_types`` in :data:`_KIND_WORDS` order, unique."""
    kinds = [k.strip().lower() for k in str(pii_types).split(",") if k.strip()]
    column = 1 if lang == "en" else 2
    words: list[str] = []
    for entry in _KIND_WORDS:
        keyword = entry[0]
        if any(keyword in kind for kind in kinds):
            word = entry[column]
            if word not in words:
                words.append(word)
    return words


def _lang_code(lang: object) -> str:
    """Primary language subtag, lower-cased (``"de-AT"`` -> ``"de"``); ``""`` if unknown."""
    if not isinstance(lang, str):
        return ""
    return lang.strip().lower().replace("_", "-").split("-")[0]


def _join(words: list[str], conjunction: str) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def private_channel_reply(pii_types: str, lang: str, platform: str) -> str:
    """Suggest a public reply to a post with personal data: don't share it, use a private channel.

    The reply thanks the customer, names the kind of data in plain words (e.g. "phone number",
    "bank details (IBAN)" / "Telefonnummer", "Bankverbindung"; playbook pattern names
    containing ``booking``, ``order``, ``customer``, ``ticket`` as "booking reference" etc.),
    asks to remove it from the post and offers the platform's private channel
    (:func:`private_channel`): a DM on twitter and instagram, a private message on facebook,
    reddit and forums, e-mail or the contact form on review sites such as trustpilot. It never
    repeats the data itself and stays within :data:`MAX_REPLY_LENGTH` (280) characters: if
    needed, the request to remove the data is left out, then only three kinds are named.

    Args:
        pii_types: Kinds found, comma-joined (the ``pii_types`` column of :func:`redact_texts`).
        lang: ``"de"`` (also ``"de-AT"`` etc.) for German; anything else gives English.
        platform: The mention's platform.

    Returns:
        The reply text.

    Examples:
        >>> import textwrap
        >>> print(textwrap.fill(private_channel_reply("booking,phone", "en", "twitter"), 88))
        Thanks for reaching out! For your security, please don't share personal details like
        your phone number and booking reference publicly; if you can, remove them from your
        post. Please send us a DM and we'll take care of it right away.
        >>> print(textwrap.fill(private_channel_reply("iban", "de", "facebook"), 88))
        Danke für deine Nachricht! Bitte teile persönliche Daten wie deine Bankverbindung nicht
        öffentlich und entferne sie am besten aus deinem Beitrag. Schreib uns einfach eine
        private Nachricht, dann kümmern wir uns sofort darum.
    """
    language = "de" if _lang_code(lang) == "de" else "en"
    channel = private_channel(platform)
    words = _kind_words(pii_types, language)
    # Longest first: name every kind and ask to remove them; then without the request to
    # remove; then naming only the first three kinds (they are examples: "like your ...").
    for named, ask_removal in ((words, True), (words, False), (words[:3], False)):
        reply = _compose_reply(language, channel, named, ask_removal)
        if len(reply) <= MAX_REPLY_LENGTH:
            break
    return reply


def _compose_reply(language: str, channel: str, words: list[str], ask_removal: bool) -> str:
    review = channel == "contact"
    if language == "en":
        what = f" like your {_join(words, 'and')}" if words else ""
        pronoun = "them" if len(words) != 1 else "it"
        where = "review" if review else "post"
        removal = f"; if you can, remove {pronoun} from your {where}" if ask_removal else ""
        first = (
            f"Thanks for reaching out! For your security, please don't share personal details"
            f"{what} publicly{removal}."
        )
    else:
        what = f" wie deine {_join(words, 'und')}" if words else ""
        where = "deiner Bewertung" if review else "deinem Beitrag"
        removal = f" und entferne sie am besten aus {where}" if ask_removal else ""
        first = (
            f"Danke für deine Nachricht! Bitte teile persönliche Daten{what} nicht öffentlich"
            f"{removal}."
        )
    return f"{first} {_CHANNEL_TEXT[(language, channel)]}"


def suggest_private_replies(frame: pd.DataFrame) -> pd.Series:
    """Suggest a private-channel reply for every row with personal data.

    Args:
        frame: Rows with ``pii_types`` and ``pii_count`` (from :func:`redact_texts`) and
            optionally ``lang`` and ``platform`` (missing: English, a private message).

    Returns:
        A ``string`` Series named ``private_reply`` on the frame's index: the reply of
        :func:`private_channel_reply` where ``pii_count > 0``, NA elsewhere. Each distinct
        (kinds, language, platform) is composed once.

    Raises:
        ValueError: If ``pii_types`` or ``pii_count`` is missing.

    Examples:
        >>> frame = pd.DataFrame({"pii_types": ["email", ""], "pii_count": [1, 0],
        ...                       "lang": ["de", "en"], "platform": ["instagram", "twitter"]})
        >>> replies = suggest_private_replies(frame)
        >>> "E-Mail-Adresse" in replies[0] and "Direktnachricht" in replies[0], replies[1]
        (True, <NA>)
    """
    missing = [c for c in ("pii_types", "pii_count") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"suggest_private_replies needs the column(s) {', '.join(missing)}; add them with "
            "redact_texts(frame['text'], ...)."
        )
    out = pd.Series(pd.NA, index=frame.index, dtype="string", name="private_reply")
    has_pii = pd.to_numeric(frame["pii_count"], errors="coerce").fillna(0).gt(0).to_numpy()
    if not has_pii.any():
        return out
    rows = frame.loc[has_pii]
    keys = pd.DataFrame(
        {
            "pii_types": rows["pii_types"].astype("string").fillna(""),
            "lang": normalize_lang(rows["lang"]).fillna("en") if "lang" in rows.columns else "en",
            "platform": rows["platform"].astype("string").str.strip().str.lower().fillna("")
            if "platform" in rows.columns
            else "",
        },
        index=rows.index,
    )
    distinct = keys.drop_duplicates()
    replies = {
        (t, g, p): private_channel_reply(t, g, p)
        for t, g, p in distinct.itertuples(index=False, name=None)
    }
    out.loc[has_pii] = [replies[k] for k in keys.itertuples(index=False, name=None)]
    return out
