"""The RE2 prefilter never drops a text the exact Python pattern matches."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.nlp import intent
from socialcrm_utils.nlp.prefilter import candidates, candidates_each, loosen

# Texts that stress the places where RE2 and Python differ: Unicode letters and digits around
# cues, non-ASCII spaces (no-break, thin, ideographic), case folding, emoji, URLs, line breaks.
TRICKY = [
    "Der Drucker\u00a0geht nicht",
    "still\u2009waiting since Monday",
    "STILL\u3000WAITING",
    "Störung seit Tagen!",
    "STÖRUNG",
    "stoerung",
    "never müde again",
    "KAPUTT😡",
    "Ärger über Ärger",
    "funktioniert nicht mehr",
    "Zug fällt aus",
    "wtf is this",
    "Flight delayed 3h",
    "sorry for the delay",
    "https://example.com/help?id=1",
    "Why was my card charged twice?",
    "Gibt es WLAN?",
    "Wie kann ich\numbuchen",
    "١٢٣ hours on hold",
    "ⅫⅫ still waiting",
    "",
    "nur ein ganz normaler Satz",
    "Danke, super Service!",
    "looking for a flight to Rome",
    "ſtill waiting",  # long s folds to s in both engines
]


@pytest.mark.parametrize("key", sorted(intent._PATTERNS), ids="-".join)
def test_candidates_contain_every_exact_match(key):
    pattern = intent._PATTERNS[key]
    texts = pd.Series(TRICKY, dtype="string")
    exact = texts.map(lambda t: pattern.search(t) is not None).to_numpy(bool)
    maybe = candidates(texts, pattern)
    assert not (exact & ~maybe).any(), texts[exact & ~maybe].tolist()


def test_classify_intent_is_the_same_with_and_without_the_prefilter(monkeypatch):
    texts = pd.Series(TRICKY)
    langs = pd.Series(
        [
            "de",
            "en",
            "en",
            "de",
            "de",
            "de",
            "en",
            "de",
            "de",
            "de",
            "de",
            "en",
            "en",
            "en",
            "en",
            "en",
            "de",
            "de",
            "en",
            "en",
            "en",
            "de",
            "de",
            "en",
            "en",
        ]
    )
    fast = intent.classify_intent(texts, langs)
    monkeypatch.setattr(  # no prefilter: every present text is a candidate of every part
        intent,
        "candidates_each",
        lambda text, patterns: np.tile(text.notna().to_numpy(), (len(patterns), 1)),
    )
    slow = intent.classify_intent(texts, langs)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.loc[0, "intent"] == "complaint" and fast.loc[16, "intent"] == "question"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?<!\w)(kaputt)(?!\w)", "(kaputt)"),
        (r"(?<!sorry\sfor\sthe\s)delay", "delay"),
        (r"\bok\b", "ok"),
        (r"[^\w]x", r"[^\w]x"),  # negated: RE2's ASCII \w excludes less, still a superset
        (r"(a)\1", None),  # back-reference
        (r"[\W]", None),
        (r"(?P<x>a)(?P=x)", None),
    ],
)
def test_loosen(pattern, expected):
    assert loosen(pattern) == expected


def test_na_is_never_a_candidate_and_unsupported_patterns_scan_everything():
    texts = pd.Series(["aa", None, "b"], dtype="string")
    assert candidates(texts, re.compile(r"(a)\1")).tolist() == [True, False, True]


def test_end_anchor_also_before_a_last_newline_as_in_python():
    # Python's $ matches at the end and before a last "\n"; RE2's only at the very end, so the
    # loosened pattern must allow the newline or it would drop texts Python matches.
    pattern = re.compile(r"-\s*([A-Z][a-z]+)$")
    texts = pd.Series(["Sorry! -Jo\n", "Sorry! -Jo", "-Jo is here", "Sorry! -Jo\n\n"])
    expected = [pattern.search(t) is not None for t in texts]
    assert expected == [True, True, False, False]
    assert candidates(texts, pattern).tolist()[:3] == expected[:3]
    multiline = re.compile(r"-Jo$", re.MULTILINE)
    assert candidates(pd.Series(["-Jo\nnext line"]), multiline).tolist() == [True]


def test_brand_tags_are_the_same_with_and_without_the_prefilter(monkeypatch):
    from socialcrm_utils.nlp import brands
    from socialcrm_utils.playbook import Brand

    brand = Brand(
        handles=["@AcmeAir"],
        terms=["acme air", "Ärger-Bahn"],
        competitors={"Globex": ["globex"], "Initech": []},
    )
    texts = pd.Series(
        [
            "ACME\nAir's lounge",  # whitespace inside a term: any whitespace
            "acmeairline",  # touches a letter
            "@AcmeAirHelp hi",
            "Velo: @acmeair!",
            "Acme Airの自転車",  # letters of unspaced scripts may touch a term
            "ÄRGER-BAHN schon wieder",
            "initech and GLOBEX",  # the first competitor in playbook order wins
            None,
        ]
    )
    frame = pd.DataFrame({"text": texts})
    fast = brands.tag_brands(frame, brand)
    monkeypatch.setattr(brands, "candidates", lambda text, pattern: text.notna().to_numpy())
    slow = brands.tag_brands(frame, brand)
    pd.testing.assert_frame_equal(fast, slow)
    assert fast["mentions_brand"].tolist() == [True, False, False, True, True, True, False, False]
    assert fast["competitor"].tolist()[6] == "Globex"


def test_candidates_is_candidates_each_of_one_pattern_and_na_is_never_one():
    texts = pd.Series(["Der Drucker ist kaputt", None, "alles gut", "KAPUTT"])
    patterns = [re.compile(r"kaputt", re.I), re.compile(r"(a)\1"), re.compile(r"gut$")]
    each = candidates_each(texts, patterns)
    assert each.tolist() == [
        [True, False, False, True],
        [True, False, True, True],  # cannot be loosened: every present text
        [False, False, True, False],
    ]
    for row, pattern in enumerate(patterns):
        assert candidates(texts, pattern).tolist() == each[row].tolist()
