"""Case-insensitive regexes run case-sensitively on lower-cased texts: same matches, faster.

Python's ``re`` compares each literal of a case-insensitive pattern through a case-folding
opcode, and the quick skip of an alternative whose first character does not fit (``BRANCH``
looks at a plain first literal before it enters the alternative) only works for case-sensitive
literals. The intent cue patterns are alternations of hundreds of lower-case words, so the
same pattern compiled without ``re.IGNORECASE`` and run on ``text.lower()`` scans about four
times faster (English complaint cues on the real public texts: 4.4 s -> 1.2 s for 22,224
texts, every cue the same).

It gives the same matches at the same positions when

- the pattern's literals are all lower case and plain (:func:`case_sensitive_twin` checks the
  source: no upper-case letter, no escape that could spell one, no inline flags, no
  ``re.ASCII``), and
- the text lower-cases character by character the way ``re`` folds case (:func:`fold_safe`):
  every cased character lowers to one character, and its upper case lowers back to that same
  character. That excludes the few letters ``re`` folds together with another letter they do
  not lower to (dotless ``ı`` and ``i``, long ``ſ`` and ``s``, the Kelvin sign, ``µ`` and
  ``μ``, final ``ς``; ``İ``, which lowers to two characters; ``Σ``, which lowers by context).
  ``ß`` is allowed (``re`` folds it only with ``ẞ``, which is excluded). German umlauts,
  accented Latin letters, emoji and CJK are all safe.

Texts outside that keep the original pattern. ``tests/test_casefree.py`` checks every code
point against ``re``'s own folding.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

__all__ = ["case_sensitive_twin", "fold_safe", "fold_safe_char", "fold_safe_text"]

#: The highest cased code point (Adlam); no character above it changes with case.
_LAST_CASED = 0x1E943
#: Cased letters that are safe although their upper case is two letters (``"ß".upper()`` is
#: ``"SS"``): ``re`` folds ``ß`` only with ``ẞ``, and ``ẞ`` is not safe.
_SAFE_SPECIAL = frozenset("ß")
#: Letters ``str.lower`` lowers by context (final sigma).
_CONTEXTUAL = frozenset("Σ")
# Escapes that may spell a letter (\N{...}, \x.., \u...., \U........, octal, backreferences).
_LETTER_ESCAPE = re.compile(r"\\(?:[NxuU0-9])")
_ANY_ESCAPE = re.compile(r"\\.", re.DOTALL)
# Inline flag groups such as (?i), (?-i:...), (?a); (?:, (?=, (?!, (?<, (?P, (?# are fine.
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]")


def fold_safe_char(char: str) -> bool:
    """Whether lower-casing ``char`` is what ``re.IGNORECASE`` does with it (see module doc).

    Examples:
        >>> [fold_safe_char(c) for c in "aÄßé😀"]
        [True, True, True, True, True]
        >>> [fold_safe_char(c) for c in "ıſΣİ\u212a"]  # \u212a: the Kelvin sign
        [False, False, False, False, False]
    """
    lower, upper = char.lower(), char.upper()
    if lower == char == upper or char in _SAFE_SPECIAL:
        return True
    return (
        char not in _CONTEXTUAL
        and len(lower) == 1
        and len(upper) == 1
        and upper.lower() == lower
        and lower.upper() == upper
    )


@functools.cache
def _unsafe_class() -> re.Pattern[str]:
    """One character class of every character :func:`fold_safe_char` rejects (built once)."""
    unsafe = [chr(code) for code in range(0x80, _LAST_CASED + 1) if not fold_safe_char(chr(code))]
    return re.compile("[" + "".join(re.escape(c) for c in unsafe) + "]")


def fold_safe_text(text: str) -> bool:
    """Whether every character of ``text`` is fold-safe (:func:`fold_safe_char`): one text.

    Examples:
        >>> fold_safe_text("Zug fällt aus, Straße gesperrt"), fold_safe_text("ſo")
        (True, False)
    """
    return _unsafe_class().search(text) is None


def fold_safe(texts: pd.Series) -> np.ndarray:
    """Mask of the texts whose lower case matches a twin exactly as the original pattern.

    Args:
        texts: Strings (NA counts as safe: it matches nothing either way).

    Returns:
        A bool array on ``texts``' positions.

    Examples:
        >>> fold_safe(pd.Series(["Über den Fluß", "DIYARBAKIR ıs", "ok 😀"])).tolist()
        [True, False, True]
    """
    unsafe = texts.str.contains(_unsafe_class(), regex=True, na=False)
    return ~np.asarray(unsafe, dtype=bool)


@functools.lru_cache(maxsize=256)
def case_sensitive_twin(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """``pattern`` compiled without ``re.IGNORECASE``, for lower-cased texts; None if not exact.

    Args:
        pattern: A compiled ``str`` pattern with ``re.IGNORECASE``.

    Returns:
        The twin, or None when the pattern is not case-insensitive, uses ``re.ASCII`` or inline
        flags, has an escape that may spell a letter, or a literal letter that is upper case
        or not fold-safe (:func:`fold_safe_char`).

    Examples:
        >>> twin = case_sensitive_twin(re.compile(r"(?<!\\w)(refund|not working)", re.I))
        >>> twin.search("still NOT working".lower()).group(1)
        'not working'
        >>> case_sensitive_twin(re.compile("DM us", re.I)) is None
        True
    """
    flags = pattern.flags
    if not flags & re.IGNORECASE or flags & re.ASCII or not isinstance(pattern.pattern, str):
        return None
    source = pattern.pattern
    if _LETTER_ESCAPE.search(source) or _INLINE_FLAGS.search(source):
        return None
    literal = _ANY_ESCAPE.sub("", source)
    if any(c != c.lower() or not fold_safe_char(c) for c in set(literal)):
        return None
    return re.compile(source, flags & ~re.IGNORECASE)
