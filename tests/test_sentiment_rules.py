"""English extension: rules prefiltered by one RE2 pass per rule give the same scores."""

from __future__ import annotations

import re

import pytest

from socialcrm_utils.nlp import cs_lexicon
from socialcrm_utils.nlp import sentiment as sentiment_module
from socialcrm_utils.nlp.packs import available_packs
from socialcrm_utils.nlp.prefilter import candidates, candidates_each
from socialcrm_utils.sample import generate_mentions

from .test_sentiment import COMPLAINTS, PRAISE, VADER_SENTENCES

# Letters RE2's (?i) does not fold as re.IGNORECASE does (ı, İ, ſ), whitespace runs, a lone
# surrogate (no Arrow string), texts without any rule.
ODD_TEXTS = [
    "it didn't ſhow up",
    "İt isn't\tloading",
    "THX \n for nothing",
    "Thankſ for nothing",
    "waıting 3 hours for a refund",
    "nobody ſupports me, no \u0130nfo",
    "Great,  yet another delay",
    "Great, another delay \ud800",
    "lovely crew",
    "",
]


def _extended(texts: list[str], packs: tuple[str, ...], candidates: bool) -> list:
    plain = sentiment_module._fast_vader(False)
    extension = sentiment_module._fast_vader(True, packs)
    found = extension.rule_candidates(texts) if candidates else [None] * len(texts)
    out = []
    for text, rules in zip(texts, found, strict=True):
        read = plain.read(text)
        out.append(extension.extended(read, plain.valences(read), text, rules))
    return out


def test_candidates_each_is_candidates_per_pattern():
    texts = ["On HOLD for 3 hours", "fine", "wait...", "(a)"]
    patterns = [re.compile(r"\bhold\b", re.I), re.compile(r"wait(?!\w)"), re.compile(r"(a)\1")]
    masks = candidates_each(texts, patterns)
    assert masks.tolist() == [[True, False, False, False], [False, False, True, False], [True] * 4]
    import pandas as pd

    for row, pattern in zip(masks, patterns, strict=True):
        assert row.tolist() == candidates(pd.Series(texts), pattern).tolist()
    # A lone surrogate cannot become an Arrow string: every text is a candidate.
    assert candidates_each(["x", "\ud800"], patterns[:1]).tolist() == [[True, True]]
    assert candidates_each([], patterns).shape == (3, 0)


def test_rule_candidates_known_answers():
    extension = sentiment_module._fast_vader(True, ())
    rules = extension._rules
    found = extension.rule_candidates(["thanks for nothing", "lovely crew", "thankſ for nothing"])
    names = [name for name, *_ in cs_lexicon.FORMULA_RULES + cs_lexicon.SARCASM_RULES]
    names += [name for name, *_ in cs_lexicon.PHRASE_RULES]
    # "thanks before a question" is there too: RE2 drops its look-ahead (a superset).
    assert [names[k] for k in found[0]] == [
        "thanks before a question",
        "thanks for the failure",
        "nothing",
    ]
    assert all(
        k in found[0] for k, rule in enumerate(rules) if rule[3].search("thanks for nothing")
    )
    assert found[1] == ()  # no rule can match
    assert found[2] is None  # ſ: not fold-safe, every rule by its triggers


@pytest.mark.parametrize("packs", [(), ("airline",), tuple(available_packs())])
def test_prefiltered_rules_give_the_same_valences(packs):
    texts = COMPLAINTS + PRAISE + VADER_SENTENCES + ODD_TEXTS
    texts += generate_mentions(2_000, seed=3)["text"].dropna().tolist()
    assert _extended(texts, packs, True) == _extended(texts, packs, False)


def test_odd_texts_keep_their_known_scores():
    # Plain VADER's "Great, another delay." is 0.4215; sarcasm negates "great" (doctest).
    assert sentiment_module.english_compound(["Great, another delay."]) == [-0.6802]
    # ſ is not fold-safe: the text takes every rule by its triggers, as before.
    plain, extended = (
        sentiment_module.english_compound(["Thankſ for nothing"], extension=on)
        for on in (False, True)
    )
    assert plain == [0.0] and extended[0] < 0
    surrogate = sentiment_module.english_compound(["Great, another delay \ud800"])
    assert surrogate == sentiment_module.english_compound(["Great, another delay"])
