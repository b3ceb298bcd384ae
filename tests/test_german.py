"""German scorer: its speed paths (one-pass tokens, per-token facts, trigger tests)."""

from __future__ import annotations

import math

from socialcrm_utils.nlp import cs_lexicon, german
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


# Texts that each German rule matches, in several spellings (capitals, ASCII umlauts, spaces).
RULE_SAMPLES = [
    "Seit 30 Minuten stehen wir hier",
    "Wir warten seit 2 Stunden",
    "3h Verspätung",
    "Ich warte immer noch",
    "Immer noch keine Antwort",
    "Schon  wieder Verspätung",
    "zum dritten Mal",
    "JEDES MAL",
    "Niemand geht ran",
    "Kein WLAN im Zug",
    "ohne jede Info",
    "Der Zug fällt heute aus",
    "Wieder zu spaet",
    "Warum geht das nicht",
    "Wenigstens pünktlich",
    "Der Betrieb wurde eingestellt",
    "Ausser Betrieb",
    "Wo bleibt der Bus",
    "Hat nichts gebracht",
    "Seit Stunden",
    "schon einer Ewigkeit",
    "nicht erreichbar",
    "nicht mehr zu gebrauchen",
    "nicht moeglich",
    "So ein Sch...",
    "Schei**",
    "f*** it",
    "Störung behoben",
    "Ende der Störung",
    "Aufhebung der Sperrung",
    "Das Problem ist jetzt endlich beseitigt",
    "Läuft wieder",
    "funktioniert jetzt wieder",
    "Nie wieder mit euch",
    "nie mehr buchen",
    "Geht's noch?",
    "Was soll das",
    "Das kann doch nicht wahr sein",
    "Oh toll",
    "Super, schon wieder",
    "Danke für nichts",
    "Na toll wieder",
    "Guten Morgen",
    "Liebe Grüße",
    "Liebe Frau Müller",
    "Mach's gut",
    "Alles Gute",
    "Danke? Wann kommt er?",
    "Wann kommt er? Danke",
    "Schönes Wochenende",
    "Viel Spaß",
    "Dank der Bahn",
    "Mit freundlichen Grüßen",
    "Gute Reise",
    "na gut",
]


def test_german_rule_triggers_are_necessary_for_their_regex():
    """A rule runs only where one trigger of each group occurs: a match without would be lost."""
    analyzer = german_analyzer(packs=["rail", "airline"])
    rules = [*analyzer._phrases, *german._SARCASM, *analyzer._formulas]
    for text in RULE_SAMPLES:
        normalised = " ".join(text.lower().split())
        matched = [groups for groups, pattern, *_ in rules if pattern.search(text)]
        assert matched, text  # every sample exercises a rule
        for groups in matched:
            assert cs_lexicon.triggers_present(groups, normalised), (groups[-1][:3], text)


def test_rules_with_a_second_trigger_group():
    analyzer = german_analyzer()
    # "for ages" (-1.2) needs "seit"/"schon" right before the span: "seit" alone is not enough.
    assert analyzer.compound("Seit Stunden") == round(-1.2 / math.sqrt(1.2 * 1.2 + 15), 4)
    assert analyzer.compound("Seit gestern") == 0.0
    # "thanks in a question" needs a "dank": a question alone runs no formula.
    assert analyzer.compound("Danke? Wann kommt er?") == 0.0
    assert analyzer.compound("Wann kommt er?") == 0.0


def test_rules_run_as_case_sensitive_twins_on_fold_safe_texts():
    analyzer = german_analyzer()
    matchers = {id(applied[0]): applied[0] for *_, applied in analyzer._checks}.values()
    # Every rule but "salutation by name" (case-sensitive inline part) has an exact twin.
    assert sum(m.twin is None for m in matchers) == 1
    # "danke" (0.3 x 4 = 1.2) negated by "thanks for nothing": -0.888 / sqrt(0.888**2 + 15).
    expected = round(-0.888 / math.sqrt(0.888**2 + 15), 4)
    assert analyzer.compound("Danke für nichts") == expected  # twin on the lower case
    assert analyzer.compound("DANKE FÜR NICHTS") == expected  # all capitals: no emphasis
    # A dotless ı is not fold-safe: the text keeps the case-insensitive pattern, same score.
    assert analyzer.compound("Danke für nichts, Yıldız") == expected
