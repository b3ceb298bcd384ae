"""German scorer: its speed paths (one-pass tokens, per-token facts, trigger tests)."""

from __future__ import annotations

import math

from socialcrm_utils.nlp import german
from socialcrm_utils.nlp.german import german_analyzer


def _time_lost() -> float:
    """The score of a one-sentence text whose only valence is "time lost" (-1.5)."""
    return round(-1.5 / math.sqrt(1.5 * 1.5 + 15), 4)


def test_split_text_numbers_clauses_and_sentences():
    # "," breaks a clause, "!" and "?" end sentences; a URL and an @handle are no words.
    assert german._split_text("Gut, danke! Und du? @db_bahn https://x.de/a.b") == (
        ["Gut", "danke", "Und", "du"],
        [0, 1, 2, 2],
        [0, 0, 1, 1],
        {0: 1, 1: 0},
        {1},
    )
    # An ordinal's dot ends no sentence; ":)" is a word-like token, "2." is skipped.
    assert german._split_text("In der 2. Klasse :) ok") == (
        ["In", "der", "Klasse", ":)", "ok"],
        [0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0],
        {},
        set(),
    )
    assert german._split_text("") == ([], [], [], {}, set())
    assert german._word_starts("Gut, danke! https://x.de Und") == [0, 5, 25]


def test_word_facts_per_distinct_token():
    analyzer = german_analyzer()
    lowered, capital, alphabetic, scored = analyzer._word_facts(["Gut", "#GUT", "und", "SEHR"])
    assert lowered == ("gut", "gut", "und", "sehr")
    assert capital == (False, False, False, True)  # "#GUT" is not alphabetic
    assert alphabetic == (True, False, True, True)
    assert scored == (True, True, False, False)  # "sehr" counts through the next word only


def test_word_facts_cache_is_bounded(monkeypatch):
    analyzer = german.GermanSentimentAnalyzer(german._default_lexicon())
    monkeypatch.setattr(german, "_CACHE_SIZE", 3)
    assert analyzer.compound("Das ist gut") == 0.3818  # 1.6 / sqrt(1.6**2 + 15)
    assert analyzer.compound("Das ist nicht gut") < 0  # a full cache is cleared, not wrong
    assert len(analyzer._words) <= 4
    assert analyzer.compound("Das ist gut") == 0.3818


def test_rule_matches_after_skipped_urls_find_their_word():
    # The formula "Gute Reise" zeroes "Gute": the word's offset is found after a skipped URL.
    assert german_analyzer().compound("Bitte lesen: https://x.de/gut.html Gute Reise!") == 0.0
    assert german_analyzer().compound("Gute Reise!") == 0.0


def test_further_trigger_groups_are_tested_case_folded():
    # "time lost" needs a waiting word (its second trigger group): "ſtehen" (long s) is
    # matched by the case-insensitive rule, so its trigger is looked for in the folded text.
    analyzer = german_analyzer()
    assert analyzer.compound("Seit 30 Minuten stehen wir hier") == _time_lost()
    assert analyzer.compound("Seit 30 Minuten ſtehen wir hier") == _time_lost()
    assert analyzer.compound("Seit 30 Minuten sind wir hier") == 0.0  # no waiting word
