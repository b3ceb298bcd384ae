"""A fast first pass for big Python regexes: which texts can match at all?

Python's ``re`` tries every alternative of a long alternation at every position of a text;
the intent cue patterns have hundreds of alternatives, so scanning a text costs about 0.15 ms.
RE2 (inside pyarrow) scans in linear time with a DFA, but lacks look-arounds, and its ``\\w``,
``\\s``, ``\\d`` and ``\\b`` are ASCII only. :func:`loosen` rewrites a Python pattern into an
RE2 pattern that matches **at least** every text the original matches (a superset):

- look-arounds (``(?<!\\w)``, ``(?!\\w)``, ``(?=...)``) are dropped, which only widens the match;
- ``\\w`` and ``\\d`` also accept any non-ASCII character, ``\\s`` every character
  ``str.isspace`` accepts, and ``\\b`` is dropped (RE2's ASCII ``\\W``, ``\\S`` and ``\\D``
  are already supersets of Python's Unicode ones);
- anything RE2 cannot express the same way (back-references, negated shorthands inside a
  class) makes :func:`loosen` give up and return None.

:func:`candidates` runs the loosened pattern over a column with pyarrow and returns a mask;
the exact Python pattern then only runs on the candidates. On the generated sample the
complaint cues flag about a fifth of the texts, and the whole pass costs a few percent of
scanning everything with ``re``.

:func:`phone_pieces` and :func:`phone_piece_may_hold` do the same for phonenumbers' matcher:
the runs of characters a phone number can be written with, and whether one of them may hold a
number of a region, from the library's public metadata (the reasoning is in
:mod:`socialcrm_utils.nlp.pii`, "Where the phone matcher runs").
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import phonenumbers

__all__ = [
    "loosen",
    "candidates",
    "candidates_each",
    "phone_pieces",
    "phone_piece_may_hold",
    "clear_phone_caches",
]

logger = logging.getLogger(__name__)

_LOOKAROUND_OPENERS = ("(?<!", "(?<=", "(?!", "(?=")
# Supersets of Python's Unicode shorthands that keep RE2 on its fast DFA. Unicode classes such
# as \p{L} make the automaton of a long alternation blow up (100x slower), so a word character
# is "an ASCII word character or any non-ASCII character", and whitespace is the explicit list
# of what str.isspace accepts. RE2's own \W, \S and \D are ASCII, which already makes them
# supersets of Python's Unicode ones, so they stay as they are.
_NON_ASCII = r"\x{80}-\x{10FFFF}"
_SPACE = (
    r"\t\n\v\f\r \x1c-\x1f\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}"
)
_OUTSIDE = {"w": rf"[\w{_NON_ASCII}]", "s": f"[{_SPACE}]", "d": rf"[0-9{_NON_ASCII}]", "Z": r"\z"}
_INSIDE = {"w": rf"\w{_NON_ASCII}", "s": _SPACE, "d": rf"0-9{_NON_ASCII}"}


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group that opens at ``start``."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern.startswith(("[]", "[^]"), i):  # a literal ] first in a class
                i += 2 if pattern[i + 1] == "]" else 3
                continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group at {start} in {pattern[:60]!r}")


@functools.lru_cache(maxsize=64)
def loosen(pattern: str) -> str | None:
    """An RE2 pattern matching every text ``pattern`` matches (and maybe more), or None.

    Args:
        pattern: A Python regular expression.

    Returns:
        The loosened pattern, or None when it cannot be expressed safely in RE2.

    Examples:
        >>> loosen(r"(?<!\\w)(Ärger|kaputt)(?!\\w)")
        '(Ärger|kaputt)'
        >>> loosen(r"geht\\w*")
        'geht[\\\\w\\\\x{80}-\\\\x{10FFFF}]*'
        >>> loosen(r"[^\\w\\s]")
        '[^\\\\w\\\\s]'
        >>> loosen(r"(a)\\1") is None
        True
        >>> loosen(r"-Jo$")  # Python's $ also matches "-Jo\\n"
        '-Jo(?:$|\\\\n?\\\\z)'
    """
    out: list[str] = []
    i, in_class, negated = 0, False, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped.isdigit() and escaped != "0":
                return None  # a back-reference
            if in_class:
                if escaped in ("W", "S", "D"):
                    return None
                # In [^...] the ASCII shorthand excludes less than Python's: still a superset.
                out.append(
                    pattern[i : i + 2] if negated else _INSIDE.get(escaped, pattern[i : i + 2])
                )
            elif escaped == "b":
                pass
            elif escaped == "B":
                return None
            else:
                out.append(_OUTSIDE.get(escaped, pattern[i : i + 2]))
            i += 2
            continue
        if in_class:
            out.append(char)
            in_class = char != "]"
            i += 1
            continue
        if char == "[":
            in_class, negated = True, pattern.startswith("[^", i)
            out.append(char)
            if negated:
                out.append("^")
                i += 1
            if pattern[i + 1 : i + 2] == "]":  # a literal ] first in a class
                out.append(r"\]")
                i += 1
            i += 1
            continue
        if pattern.startswith(_LOOKAROUND_OPENERS, i):
            i = _group_end(pattern, i) + 1
            continue
        if pattern.startswith("(?P=", i) or pattern.startswith("(?(", i):
            return None
        if char == "$":  # Python's $ also matches before a last newline, RE2's only at the end
            out.append(r"(?:$|\n?\z)")
            i += 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _re2_pattern(pattern: re.Pattern[str]) -> str | None:
    """:func:`loosen` of a compiled pattern with its flags inline, or None."""
    loose = loosen(pattern.pattern)
    if loose is None:
        return None
    flags = (
        ("i" if pattern.flags & re.IGNORECASE else "")
        + ("m" if pattern.flags & re.MULTILINE else "")
        + ("s" if pattern.flags & re.DOTALL else "")
    )
    return f"(?{flags}){loose}" if flags else loose


def candidates(texts: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    """Boolean mask of the texts that may match ``pattern`` (every actual match is in it).

    The loosened pattern runs on pyarrow's RE2; when the pattern cannot be loosened or RE2
    rejects it, every non-missing text is a candidate.

    Args:
        texts: Texts (NA is never a candidate).
        pattern: The compiled Python pattern (``IGNORECASE`` and ``MULTILINE`` are honoured).

    Examples:
        >>> texts = pd.Series(["Der Drucker ist kaputt", "alles gut", None])
        >>> candidates(texts, re.compile(r"(?<!\\w)kaputt(?!\\w)")).tolist()
        [True, False, False]
    """
    return candidates_each(texts, [pattern])[0]


def candidates_each(
    texts: pd.Series | Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> np.ndarray:
    """:func:`candidates` of several patterns over the same texts, made into Arrow once.

    Args:
        texts: A Series of texts (NA is never a candidate), or a sequence of strings.
        patterns: Compiled Python patterns.

    Returns:
        A bool array of shape ``(len(patterns), len(texts))``: row ``k`` is the candidate mask
        of ``patterns[k]``; every present text where a pattern cannot be loosened or RE2
        rejects it, and for every pattern when the texts cannot be made into Arrow strings
        (lone surrogates).

    Examples:
        >>> patterns = [re.compile(r"\\bhold\\b", re.I), re.compile(r"(a)\\1")]
        >>> candidates_each(["On HOLD", "fine"], patterns).tolist()
        [[True, False], [True, True]]
    """
    if isinstance(texts, pd.Series):
        present = texts.notna().to_numpy(bool)
        strings = texts.astype(object).where(texts.notna(), None).tolist()
    else:
        present = np.ones(len(texts), dtype=bool)
        strings = list(texts)
    masks = np.tile(present, (len(patterns), 1))
    loose = [_re2_pattern(pattern) for pattern in patterns]
    if all(pattern is None for pattern in loose):
        return masks
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pa.array(strings, type=pa.large_string())
    except (pa.ArrowException, UnicodeError) as exc:
        logger.debug("no RE2 prefilter for these texts (%s): scanning every text", exc)
        return masks
    for row, pattern in enumerate(loose):
        if pattern is None:
            continue
        try:
            hits = pc.match_substring_regex(values, pattern)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            logger.debug("no RE2 prefilter for a pattern (%s): scanning every text", exc)
            continue
        masks[row] = hits.fill_null(False).to_numpy(zero_copy_only=False) & present
    return masks


# --------------------------------------------------------------------------------------------
# Phone pieces: where phonenumbers' matcher may find a number (used by pii)
# --------------------------------------------------------------------------------------------

# Phone pieces (see pii's module docstring, "Where the phone matcher runs"): maximal runs of
# the characters a match of phonenumbers' matcher can contain: digits, its punctuation (with the
# letter x), the leading "(" / "[" / "+" (and full-width forms), and what an extension may add
# (separators, ";ext=", ":", "#", "~", the letters of its labels "ext", "extension", "anexo",
# "int", "доб" and their full-width forms). Case-insensitive, as phonenumbers matches.
_PHONE_PIECE_RE = re.compile(
    "[\\d"
    "\\-x\u2010-\u2015\u2212\u30fc\uff0d-\uff0f \u00a0\u00ad\u200b\u2060\u3000"
    "()\uff08\uff09\uff3b\uff3d.\\[\\]/~\u2053\u223c\uff5e+\uff0b"
    "\t,;=:\uff0e#\uff03aeinost\u00f3\u0301\uff45\uff58\uff54\uff4e\uff49"
    "\u0434\u043e\u0431]*",
    re.IGNORECASE,
)
_BLOCK_RE = re.compile(r"\d+")
_PLUS_RE = re.compile("[+\uff0b]")
_ASCII_LETTER_RE = re.compile("[A-Za-z]")
# Every ASCII letter a match can hold is an x or part of the labels "ext...", "anexo", "int".
_LABEL_HINT_RE = re.compile("[xX]|[nN][tT]")
_MAX_PLAIN_BLOCK = (
    9  # longest digit block a match surely starts and ends around (see pii's docstring)
)
_NUMBER_TYPES: tuple[str, ...] = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail", "fixed_line", "mobile",
)  # fmt: skip


@dataclass(frozen=True)
class _RegionRules:
    """What a number found by ``region``'s matcher without ``+`` must look like (metadata)."""

    country_code: str
    international_prefix: re.Pattern[str] | None
    national_prefixes: tuple[re.Pattern[str], ...]  # national_prefix_for_parsing
    transforms: bool  # a national_prefix_transform_rule may add digits
    lengths: frozenset[int]  # possible lengths of the national number (empty: any)
    types: re.Pattern[str]  # union of the number-type patterns of every region of the code

    def national_number_may_fit(self, digits: str) -> bool:
        """Whether ``digits``, as parsed (national prefix stripped or not), may be valid."""
        if self._fits(digits):
            return True
        for prefix in self.national_prefixes:
            found = prefix.match(digits)
            if found and (self.transforms or self._fits(digits[found.end() :])):
                return True
        return False

    def _fits(self, digits: str) -> bool:
        return (not self.lengths or len(digits) in self.lengths) and bool(
            self.types.fullmatch(digits)
        )

    def may_start(self, digits: str) -> bool:
        """Whether a number parsed from ``digits`` (a digit run of a piece) may be valid."""
        if self.international_prefix is not None and self.international_prefix.match(digits):
            return True  # dialled abroad: any country code
        code = self.country_code
        if digits.startswith(code) and self.national_number_may_fit(digits[len(code) :]):
            return True
        return self.national_number_may_fit(digits)


@functools.cache
def _region_rules(region: str) -> _RegionRules:
    """:class:`_RegionRules` of a region, from phonenumbers' public metadata."""
    code = phonenumbers.country_code_for_region(region)
    shared = [
        metadata
        for other in phonenumbers.region_codes_for_country_code(code)
        if (metadata := phonenumbers.PhoneMetadata.metadata_for_region(other)) is not None
    ]
    # parse() strips a national prefix with the metadata of the region it parses for and of the
    # main region of the calling code; validity is checked against any region of the code.
    parsing = [
        metadata
        for other in {region, phonenumbers.region_code_for_country_code(code)}
        if (metadata := phonenumbers.PhoneMetadata.metadata_for_region(other)) is not None
    ]
    own = phonenumbers.PhoneMetadata.metadata_for_region(region)
    patterns = [
        desc.national_number_pattern
        for metadata in shared
        for name in _NUMBER_TYPES
        if (desc := getattr(metadata, name, None)) is not None and desc.national_number_pattern
    ]
    general = [m.general_desc.possible_length for m in shared if m.general_desc is not None]
    lengths = (
        frozenset(n for found in general for n in found if n > 0)
        if general and all(len(found) for found in general)
        else frozenset()
    )
    return _RegionRules(
        country_code=str(code),
        international_prefix=re.compile(own.international_prefix)
        if own is not None and own.international_prefix
        else None,
        national_prefixes=tuple(
            re.compile(m.national_prefix_for_parsing)
            for m in parsing
            if m.national_prefix_for_parsing
        ),
        transforms=any(m.national_prefix_transform_rule for m in parsing),
        lengths=lengths,
        types=re.compile("|".join(f"(?:{p})" for p in patterns) if patterns else "(?!)"),
    )


@functools.lru_cache(maxsize=1 << 16)
def _piece_blocks(piece: str) -> tuple[str, ...] | None:
    """The digit blocks of a piece (ASCII digits), or None if no shortcut applies to it.

    None when the piece holds a ``+``, three ASCII letters between its first and last digit
    of which one is an x or part of an ``nt`` (letters of a vanity number or an extension
    label become digits), or a block of more than :data:`_MAX_PLAIN_BLOCK` digits.

    Examples:
        >>> _piece_blocks(" 14.10.2026, "), _piece_blocks("+49 30"), _piece_blocks("1 ext 2")
        (('14', '10', '2026'), None, None)
    """
    if _PLUS_RE.search(piece):
        return None
    found = list(_BLOCK_RE.finditer(piece))
    inner = piece[found[0].start() : found[-1].end()] if found else ""
    if _LABEL_HINT_RE.search(inner) and len(_ASCII_LETTER_RE.findall(inner)) >= 3:
        return None
    blocks = tuple(
        b if b.isascii() else phonenumbers.normalize_digits_only(b)
        for b in (m.group() for m in found)
    )
    if any(len(block) > _MAX_PLAIN_BLOCK for block in blocks):
        return None
    return blocks


@functools.lru_cache(maxsize=1 << 16)
def _blocks_may_hold(blocks: tuple[str, ...], region: str) -> bool:
    """Whether the digits of consecutive blocks may form a number of ``region``'s matcher."""
    rules = _region_rules(region)
    for first in range(len(blocks)):
        digits = ""
        for block in blocks[first:]:
            digits += block
            if rules.may_start(digits):
                return True
    return False


def phone_piece_may_hold(piece: str, region: str) -> bool:
    """False only if ``region``'s matcher (leniency VALID) surely finds no number in ``piece``.

    Examples:
        >>> phone_piece_may_hold("115712 ", "DE"), phone_piece_may_hold("030 12345678", "DE")
        (False, True)
        >>> phone_piece_may_hold("14.10.2026", "US"), phone_piece_may_hold("+1 ", "US")
        (False, True)
    """
    blocks = _piece_blocks(piece)
    return blocks is None or _blocks_may_hold(blocks, region)


def phone_pieces(text: str) -> list[tuple[int, int]]:
    """Spans of the pieces of a text that hold a digit (see the module docstring).

    Each digit block is widened to the run of piece characters around it (to the right with
    :data:`_PHONE_PIECE_RE`, to the left with it on the reversed text): linear in the text's length.

    Examples:
        >>> text = "@115712 Flight 12 at 10:30"
        >>> [text[a:b] for a, b in phone_pieces(text)]
        ['115712 ', 't 12 at 10:30']
    """
    spans: list[tuple[int, int]] = []
    reverse = ""
    for block in _BLOCK_RE.finditer(text):
        if spans and block.start() < spans[-1][1]:
            continue  # already inside the last piece
        reverse = reverse or text[::-1]
        start = len(text) - _PHONE_PIECE_RE.match(reverse, len(text) - block.start()).end()
        spans.append((start, _PHONE_PIECE_RE.match(text, block.end()).end()))
    return spans


def clear_phone_caches() -> None:
    """Empty the caches of :func:`phone_piece_may_hold` (per piece and per digit blocks)."""
    _piece_blocks.cache_clear()
    _blocks_may_hold.cache_clear()
