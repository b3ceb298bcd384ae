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
"""

from __future__ import annotations

import functools
import logging
import re

import numpy as np
import pandas as pd

__all__ = ["loosen", "candidates"]

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
    present = texts.notna().to_numpy()
    loose = loosen(pattern.pattern)
    if loose is None:
        return present
    flags = (
        ("i" if pattern.flags & re.IGNORECASE else "")
        + ("m" if pattern.flags & re.MULTILINE else "")
        + ("s" if pattern.flags & re.DOTALL else "")
    )
    if flags:
        loose = f"(?{flags}){loose}"
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        values = pa.array(
            texts.astype(object).where(texts.notna(), None).tolist(), type=pa.large_string()
        )
        hits = pc.match_substring_regex(values, loose)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        logger.debug("no RE2 prefilter for a pattern (%s): scanning every text", exc)
        return present
    return hits.fill_null(False).to_numpy(zero_copy_only=False) & present
