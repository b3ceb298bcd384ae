"""Our VADER (:mod:`socialcrm_utils.nlp.vader`) gives exactly NLTK's scores.

Each rule of VADER has a hand-made case on a two-word lexicon (the valence sums are worked out
by hand in the comments; ``compound = s / sqrt(s * s + 15)``), checked against NLTK's public
``SentimentIntensityAnalyzer`` on the same lexicon file; random texts built from the words
the rules react to, and every text of the real data sets, are compared with NLTK on its own
lexicon, all four scores.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator

import nltk.data
import pytest
from nltk.sentiment.vader import SentimentIntensityAnalyzer

from socialcrm_utils.nlp import vader_analyzer
from socialcrm_utils.nlp.vader import VaderScorer, tokenize_vader, vader_scorer

from .conftest import HAS_SHARED_DATA, SHARED_DATA, real_public_texts

#: A lexicon small enough to work the valences out by hand.
TOY_LEXICON = {"good": 2.0, "bad": -2.0, "kind": 2.0, "bomb": -2.0, "right": 2.0}


def _compound(total: float) -> float:
    """VADER's normalisation of a valence sum (alpha 15), rounded as VADER rounds it."""
    return round(total / math.sqrt(total * total + 15), 4)


@pytest.fixture(scope="module")
def toy_nltk(tmp_path_factory) -> Iterator[SentimentIntensityAnalyzer]:
    """NLTK's analyzer on :data:`TOY_LEXICON`, loaded through its public ``lexicon_file``.

    NLTK reads only from its data folders, so the lexicon goes into one put on
    ``nltk.data.path`` for the duration.
    """
    folder = tmp_path_factory.mktemp("nltk_data")
    (folder / "sentiment").mkdir(mode=0o755)
    lexicon = folder / "sentiment" / "toy_lexicon.txt"
    lexicon.write_text("\n".join(f"{w}\t{v}\t0.5\t[]" for w, v in TOY_LEXICON.items()))
    nltk.data.path.insert(0, str(folder))
    try:
        yield SentimentIntensityAnalyzer(lexicon_file="sentiment/toy_lexicon.txt")
    finally:
        nltk.data.path.remove(str(folder))


@pytest.fixture(scope="module")
def nltk_vader() -> SentimentIntensityAnalyzer:
    vader_analyzer()  # installs the lexicon and puts the project folder on nltk.data.path
    return SentimentIntensityAnalyzer()


# (text, valence sum worked out by hand)
RULE_CASES = [
    ("good", 2.0),  # lexicon valence
    ("bad food", -2.0),
    ("very good", 2.0 + 0.293),  # booster just before
    ("very very good", 2.0 + 0.293 + 0.293 * 0.95),  # booster at distance two: x 0.95
    ("very it is good", 2.0 + 0.293 * 0.9),  # booster at distance three: x 0.9
    ("slightly good", 2.0 - 0.293),  # dampener
    ("very bad", -2.0 - 0.293),  # a booster pushes away from zero
    ("not good", 2.0 * -0.74),  # negation
    ("isn't good", 2.0 * -0.74),  # any "n't"
    ("not very good", (2.0 + 0.293) * -0.74),  # negation at distance two
    ("never so good", (2.0 + 0.293) * 1.5),  # "never so" intensifies
    ("never this good", 2.0 * 1.5),
    ("it is so good", (2.0 + 0.293) * 1.25),  # NLTK: "so" just before, at distance three
    ("GOOD food", 2.0 + 0.733),  # ALL CAPS among lower case
    ("GOOD", 2.0),  # every word in caps: no emphasis
    ("VERY good food", 2.0 + 0.293 + 0.733),  # a booster in caps
    ("NOT GOOD food", (2.0 + 0.733) * -0.74),
    ("good but bad", 2.0 * 0.5 - 2.0 * 1.5),  # before "but" halved, after x 1.5
    ("least good", 2.0 * -0.74),  # "least" negates
    ("the least good", 2.0 * -0.74),
    ("at least good", 2.0),  # ... except "at least"
    ("very least good", 2.0 + 0.293 * 0.95),  # ... and "very least" ("very" still boosts)
    ("kind people", 2.0),  # "kind" is a lexicon word
    ("kind of good", 2.0),  # "kind" before "of" counts 0
    ("it was kind of good", 2.0 - 0.293),  # "kind of" three words before dampens
    ("it is the bomb", 3.0),  # idiom replaces the valence
    ("oh well yeah right", -2.0),
    ("good!", 2.0 + 0.292),  # each "!" (up to four)
    ("good !!!!!", 2.0 + 4 * 0.292),
    ("bad!", -2.0 - 0.292),  # away from zero
    ("good??", 2.0 + 2 * 0.18),  # two or three "?"
    ("good ????", 2.0 + 0.96),  # more than three
    ("good!!!!!", 0.0),  # a run of marks not in PUNC_LIST stays glued: no word
    ("not good good", 2 * (2.0 * -0.74)),  # a repeated word is read at its first position
    ("good, bad; 'good'", 2.0 - 2.0),  # "'good'": marks on both sides stay glued
    ("a", 0.0),  # no token of two characters
]


@pytest.mark.parametrize(("text", "total"), RULE_CASES)
def test_each_rule_gives_the_hand_computed_score_and_nltks(text, total, toy_nltk):
    ours = VaderScorer(TOY_LEXICON)
    assert ours.compound(text) == pytest.approx(_compound(total), abs=1e-4)
    assert ours.compound(text) == toy_nltk.polarity_scores(text)["compound"]
    assert ours.polarity_scores(text) == toy_nltk.polarity_scores(text)


def test_tokens_map_marks_to_words():
    assert tokenize_vader("good!! ,bad :) x ?!?good 'ok' ok?") == [
        "good",
        "bad",
        ":)",
        "good",
        "'ok'",
        "ok",
    ]


# Words VADER's rules react to, in and out of capitals, with punctuation glued on.
_RULE_WORDS = [
    "good",
    "great",
    "bad",
    "awful",
    "kind",
    "of",
    "sort",
    "very",
    "so",
    "this",
    "never",
    "not",
    "isn't",
    "least",
    "at",
    "the",
    "but",
    "BUT",
    "shit",
    "bomb",
    "yeah",
    "right",
    "cut",
    "mustard",
    "kiss",
    "death",
    "hand",
    "to",
    "mouth",
    "just",
    "enough",
    "barely",
    "GREAT",
    "VERY",
    "Never",
    "without",
    "nope",
    ":)",
    ":(",
    "lol",
    "love",
    "hate",
    "it",
]
_MARKS = ["", "", "", "!", "?", ",", ".", "!!", "?!?", "'", "-", "!!!!!", "#"]


def test_random_rule_sentences_match_nltk(nltk_vader):
    ours = vader_scorer()
    rng = random.Random(16)
    for _ in range(5000):
        words = [
            rng.choice(_MARKS[:3] + ["'"]) * (rng.random() < 0.1)
            + rng.choice(_RULE_WORDS)
            + rng.choice(_MARKS)
            for _ in range(rng.randint(1, 14))
        ]
        text = rng.choice([" ", "  ", "\t"]).join(words)
        assert ours.polarity_scores(text) == nltk_vader.polarity_scores(text), text


@pytest.mark.skipif(not HAS_SHARED_DATA, reason=f"no data at {SHARED_DATA}")
def test_every_real_text_scores_as_nltk(nltk_vader):
    """All 22,224 texts (airline 14,640, twcs 5,000, GermEval 2,584): all four scores equal."""
    texts = real_public_texts()["text"].tolist()
    assert len(texts) == 22_224
    ours = vader_scorer()
    started = time.perf_counter()
    theirs = [nltk_vader.polarity_scores(t) for t in texts]
    nltk_seconds = time.perf_counter() - started
    started = time.perf_counter()
    mine = [ours.polarity_scores(t) for t in texts]
    our_seconds = time.perf_counter() - started
    different = [t for t, a, b in zip(texts, mine, theirs, strict=True) if a != b]
    assert not different, f"{len(different)} texts differ, e.g. {different[:3]}"
    assert [ours.compound(t) for t in texts] == [s["compound"] for s in theirs]
    assert our_seconds < nltk_seconds  # the point of our own scorer


def test_scorer_reads_the_project_lexicon(nltk_vader):
    assert vader_scorer().lexicon == nltk_vader.lexicon
    assert vader_scorer() is vader_scorer()
