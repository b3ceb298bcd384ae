"""Case-sensitive twins of case-insensitive patterns on lower-cased texts (nlp/casefree.py)."""

from __future__ import annotations

import re
import sys

import pandas as pd
import pytest

from socialcrm_utils.nlp import intent
from socialcrm_utils.nlp.casefree import (
    _unsafe_class,
    case_sensitive_twin,
    fold_safe,
    fold_safe_char,
)
from socialcrm_utils.nlp.packs import available_packs
from socialcrm_utils.sample import generate_mentions

from .conftest import HAS_SHARED_DATA, SHARED_DATA, real_public_texts

ALL_PACKS = available_packs()
_WORD = re.compile(r"\w")


def _code_points():
    return (chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def _letters_of_patterns() -> set[str]:
    """Every cased character written in a cue pattern (default and with every pack)."""
    letters = set()
    for packs in ((), ALL_PACKS):
        for pattern in intent._patterns(packs).values():
            source = re.sub(r"\\.", "", pattern.pattern)  # escapes such as \\W are no letters
            letters.update(c for c in source if c.lower() != c.upper())
    return letters | set("abcdefghijklmnopqrstuvwxyzäöüß")


def test_every_fold_safe_character_folds_as_its_lower_case_does():
    # For each code point the module calls safe, re.IGNORECASE matches it against a pattern
    # letter exactly when its lower case is that letter, and lowering keeps it a word
    # character or not. Uncased safe characters fold to no letter at all.
    letters = sorted(_letters_of_patterns())
    assert all(fold_safe_char(c) and c == c.lower() for c in letters)
    folds = {letter: re.compile(re.escape(letter), re.IGNORECASE) for letter in letters}
    any_letter = re.compile("[" + "".join(letters) + "]", re.IGNORECASE)
    checked = 0
    for char in _code_points():
        if not fold_safe_char(char):
            continue
        lower = char.lower()
        assert len(lower) == 1, char
        assert bool(_WORD.match(char)) == bool(_WORD.match(lower)), char
        if lower == char.upper() == char:  # uncased
            assert any_letter.fullmatch(char) is None or char in folds, hex(ord(char))
            continue
        for letter, fold in folds.items():
            assert (fold.fullmatch(char) is not None) == (lower == letter), (char, letter)
        checked += 1
    assert checked > 2_000  # the cased letters of every script


def test_unsafe_class_is_exactly_the_unsafe_characters():
    unsafe = _unsafe_class()
    wrong = [c for c in _code_points() if (unsafe.fullmatch(c) is None) != fold_safe_char(c)]
    assert wrong == []
    assert [fold_safe_char(c) for c in "ıſΣςİ\u212aµẞ"] == [False] * 8
    assert all(fold_safe_char(c) for c in "aZäÄöÖüÜßéÉçñøÅ😀中€")


def test_fold_safe_marks_texts_with_an_unsafe_character():
    texts = pd.Series(["Lost my BAG", "Zug fällt aus, Straße gesperrt", "İstanbul", "ſo", pd.NA])
    assert fold_safe(texts.astype("string")).tolist() == [True, True, False, False, True]


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("DM us", re.I),  # an upper-case letter would never match a lower-cased text
        (r"\N{LATIN CAPITAL LETTER A}", re.I),
        (r"\x41", re.I),
        (r"(?-i:dm) us", re.I),
        ("dm us", 0),  # not case-insensitive: lower-casing would change its matches
        ("dm us", re.I | re.ASCII),  # ASCII folding leaves Ä and ä apart
        ("ſo", re.I),
    ],
)
def test_patterns_without_an_exact_twin_keep_their_own(source, flags):
    assert case_sensitive_twin(re.compile(source, flags)) is None


def test_twin_finds_the_same_cue_at_the_same_place():
    pattern = re.compile(r"(?<!\w)(nicht\s+angekommen|refund|kaputt)(?!\w)|(\?!)", re.I)
    twin = case_sensitive_twin(pattern)
    for text in ["Paket NICHT angekommen?!", "REFUNDS please", "Alles KAPUTT", "Refund?!"]:
        mine, theirs = twin.search(text.lower()), pattern.search(text)
        assert (mine is None) == (theirs is None)
        if mine:
            assert mine.span() == theirs.span() and mine.group(0) == theirs.group(0).lower()


def _intents_with_and_without_twins(texts, langs, packs, monkeypatch):
    fast = intent.classify_intent(texts, langs, packs=packs)
    with monkeypatch.context() as patched:
        patched.setattr(intent, "case_sensitive_twin", lambda pattern: None)
        slow = intent.classify_intent(texts, langs, packs=packs)
    return fast, slow


@pytest.mark.parametrize("packs", [(), ALL_PACKS])
def test_intents_of_the_sample_are_the_same_with_twins(packs, monkeypatch):
    sample = generate_mentions(6_000, seed=11)
    fast, slow = _intents_with_and_without_twins(sample["text"], sample["lang"], packs, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["is_complaint"].sum() > 1_000


@pytest.mark.realdata
@pytest.mark.skipif(not HAS_SHARED_DATA, reason=f"no data at {SHARED_DATA}")
@pytest.mark.parametrize("packs", [(), ALL_PACKS])
def test_intents_of_every_real_text_are_the_same_with_twins(packs, monkeypatch):
    real = real_public_texts()
    fast, slow = _intents_with_and_without_twins(real["text"], real["lang"], packs, monkeypatch)
    pd.testing.assert_frame_equal(fast, slow)
    assert (~fold_safe(real["text"].astype("string"))).sum() > 0  # both paths were taken
