"""Sentiment: exact VADER, the customer-service extension, German, SentiWS files, speed paths."""

from __future__ import annotations

import importlib.util
import os
import random
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from nltk.sentiment.vader import SentimentIntensityAnalyzer, SentiText

from socialcrm_utils import config
from socialcrm_utils.exceptions import ResourceMissingError
from socialcrm_utils.nlp import cs_lexicon, german, score_sentiment, vader_analyzer
from socialcrm_utils.nlp import sentiment as sentiment_module
from socialcrm_utils.nlp.german import german_analyzer, load_sentiws
from socialcrm_utils.nlp.sentiment import CS_EXTENSION_VERSION, english_compound
from socialcrm_utils.nlp.vader import tokenize_vader
from socialcrm_utils.sample import generate_mentions

from .conftest import HAS_SHARED_DATA, real_public_texts

SHARED_DATA = Path(config.PROJECT_ROOT).parent / "shared" / "data"

# Sentences that exercise VADER's rules: negation, boosters, capitals, "but", "kind of",
# idioms, punctuation emphasis, emoticons, repeated words, contractions, odd whitespace.
VADER_SENTENCES = [
    "The flight was great!",
    "The flight was not great.",
    "The flight was GREAT, the food was not.",
    "The crew was very friendly but the seat was kind of uncomfortable",
    "I am at the gate.",
    "Worst. Airline. Ever!!!",
    "Thanks for the upgrade :) :-)",
    "Lost my bag :( again",
    "I don't hate it, but I don't love it either",
    "Never so good, never this bad",
    "At least the staff was nice",
    "The food was at least edible",
    "good good good bad",
    "It's the bomb!! Totally the bomb!!",
    "cut me some slack",
    "Why is the app down??? Help!!!",
    "Please help, my flight was cancelled",
    "",
    "   ",
    "!!!",
    "a",
    "Meh. It was okay-ish, sort of fine.",
    "NOT happy, NOT AT ALL",
    "wasn't bad, isn't great, ain't horrible",
    "Service:\tsuperb\nFood:\tawful",
    "\"Great\" service... 'lovely' delays...",
    "😡😡😡 delayed again",
    "Flight delayed 3 hours and nobody tells us anything",
    "Still waiting for my refund",
    "Great, another delay.",
    "thanks for nothing",
    "Can you move my seat? Thanks!",
]


@pytest.fixture(scope="module")
def nltk_vader() -> SentimentIntensityAnalyzer:
    vader_analyzer()  # installs the lexicon and puts the project folder on nltk.data.path
    return SentimentIntensityAnalyzer()


# --- English: extension off is plain VADER ---------------------------------------------------


def test_extension_off_equals_nltk_vader_exactly(nltk_vader):
    texts = [t for t in VADER_SENTENCES if t.strip()]
    expected = [nltk_vader.polarity_scores(t)["compound"] for t in texts]
    assert english_compound(texts, extension=False) == expected
    out = score_sentiment(
        pd.Series(texts), pd.Series("en", index=range(len(texts))), extension=False
    )
    assert out["sentiment"].tolist() == expected


def test_linear_tokenizer_gives_nltk_tokens_on_random_text(nltk_vader):
    rng = random.Random(7)
    alphabet = list("abcXYZ ") + [
        "  ",
        "\t",
        "\n",
        "'",
        '"',
        "!",
        "?",
        ".",
        ",",
        ";",
        ":",
        "-",
        "(",
        ")",
        "#",
        "@",
        ":)",
        ":(",
        "n't",
        "😡",
        "é",
    ]
    constants = nltk_vader.constants
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        theirs = SentiText(text, constants.PUNC_LIST, constants.REGEX_REMOVE_PUNCTUATION)
        assert tokenize_vader(text) == theirs.words_and_emoticons, text
        if text.strip():
            assert english_compound([text], extension=False) == [
                nltk_vader.polarity_scores(text)["compound"]
            ], text


def test_extension_version_is_recorded():
    assert CS_EXTENSION_VERSION == cs_lexicon.CS_EXTENSION_VERSION == "1.1"
    assert sentiment_module.CS_EXTENSION_VERSION == "1.1"


# --- English: the customer-service extension ------------------------------------------------

COMPLAINTS = [
    "Flight delayed 3 hours and nobody tells us anything",
    "still waiting for my refund",
    "great, another delay",
    "Great, another delay.",
    "thanks for nothing",
    "On hold for 2 hours, please help",
    "My flight was delayed",
    "Please help, you lost my luggage",
    "No one answers the phone",
    "Been waiting at the gate for 45 minutes, no update",
    "Why is my bag still not here?",
    "I was told I'd get a call back. Nothing.",
    "Stranded in Denver overnight",
    "Your website is down again #fail",
    "Can you help? My flight got cancelled and I need a refund",
]
PRAISE = [
    "Thank you for the great service!",
    "The crew was amazing, best flight ever",
    "Love the new seats, well done",
    "Thanks for rebooking me so quickly after the cancellation, great job!",
    "Great flight, landed early :)",
]


@pytest.mark.parametrize("text", COMPLAINTS)
def test_extension_makes_complaints_negative(text):
    out = score_sentiment(pd.Series([text]), pd.Series(["en"]))
    assert out.loc[0, "sentiment_label"] == "negative", out.loc[0, "sentiment"]


@pytest.mark.parametrize("text", PRAISE)
def test_extension_leaves_praise_positive(text):
    out = score_sentiment(pd.Series([text]), pd.Series(["en"]))
    assert out.loc[0, "sentiment_label"] == "positive", out.loc[0, "sentiment"]


def test_extension_can_be_switched_off():
    texts = pd.Series(["great, another delay", "still waiting for my refund"])
    on = score_sentiment(texts, pd.Series(["en", "en"]))
    off = score_sentiment(texts, pd.Series(["en", "en"]), extension=False)
    assert on["sentiment_label"].tolist() == ["negative", "negative"]
    assert off["sentiment_label"].tolist() == ["positive", "neutral"]


def test_extension_never_raises_a_score_and_keeps_vader_negatives(nltk_vader):
    texts = [t for t in VADER_SENTENCES + COMPLAINTS + PRAISE if t.strip()]
    for text, score in zip(texts, english_compound(texts), strict=True):
        plain = nltk_vader.polarity_scores(text)["compound"]
        assert score <= plain, text
        if plain <= sentiment_module.NEGATIVE_THRESHOLD:
            assert score == plain, text


def test_extension_sarcasm_negates_the_praise_word():
    sarcastic, sincere = english_compound(["Great, another delay", "Great crew"])
    assert sarcastic < 0 < sincere


def test_rule_triggers_are_necessary_for_their_regex():
    """A rule runs only where a trigger occurs, so a regex match without one would be lost."""
    samples = (
        COMPLAINTS
        + PRAISE
        + VADER_SENTENCES
        + [
            "nobody   picked up",
            "no  one helped",
            "3h delay",
            "2hrs late",
            "half an hour on the tarmac",
            "can't get through",
            "they hung up on me",
            "bags never arrived",
            "missed my connection",
            "Never flying with you again",
            "you don't even care",
            "are you kidding me",
            "what's going on",
            "mechanical issues",
            "yeah right",
            "lovely #not",
            "#EpicFail",
            "why is it late",
            "I paid for wifi",
            "was supposed to leave at 5",
            "tried calling twice",
            "won't let me check in",
            "app down",
            "really?",
            "TIA!",
            "thanks in advance",
            "Is it on time? Thank you",
            "thank you. Any update?",
            # letters re.IGNORECASE matches to i and s, and whitespace runs, in further groups
            "it didn't ſhow up",
            "İt isn't\tloading",
            "cannot  reach anyone",
            "nobody ſupports me, no \u0130nfo",
            "Great,  yet another delay",
            "THX \n for nothing",
            "yea   right",
            "#SoDisappointed",
            "seriously ?",
            "they hangſ up on me",
        ]
    )
    _assert_triggers_necessary(samples)


def _assert_triggers_necessary(samples: list[str]) -> None:
    rules = [(t, r) for _, t, r, _ in cs_lexicon.PHRASE_RULES]
    rules += [(t, r) for _, t, r in cs_lexicon.SARCASM_RULES + cs_lexicon.FORMULA_RULES]
    for triggers, regex in rules:
        pattern = re.compile(regex, re.IGNORECASE)
        for text in samples:
            if pattern.search(text):
                normalised = " ".join(text.lower().split())
                assert cs_lexicon.triggers_present(triggers, normalised), (regex[:40], text)


def test_rule_triggers_are_necessary_on_generated_texts():
    _assert_triggers_necessary(generate_mentions(3_000, seed=5)["text"].dropna().tolist())


@pytest.mark.realdata
def test_rule_triggers_are_necessary_on_every_real_text():
    if not HAS_SHARED_DATA:
        pytest.skip(f"no data at {SHARED_DATA}")
    _assert_triggers_necessary(real_public_texts()["text"].tolist())


def test_further_trigger_groups_skip_texts_the_regex_cannot_match():
    rules = {r[0]: r[1] for r in cs_lexicon.PHRASE_RULES}
    # "can" alone (no negation, no service verb) no longer runs "service fails" / "can't reach"
    assert not cs_lexicon.triggers_present(rules["service fails"], "can you help me?")
    assert not cs_lexicon.triggers_present(rules["can't reach"], "can you help me?")
    assert cs_lexicon.triggers_present(rules["can't reach"], "can't get through")
    assert cs_lexicon.triggers_present(rules["service fails"], "it didn't ſhow up")
    assert not cs_lexicon.triggers_present(rules["on hold"], "hold my bag")
    assert cs_lexicon.triggers_present(rules["on hold"], "on hold")


def test_trigger_groups_need_one_string_of_each_group():
    # "time lost" needs a duration and a wait word: a digit alone no longer runs its regex.
    rule = next(r for r in cs_lexicon.PHRASE_RULES if r[0] == "time lost")
    assert len(cs_lexicon.trigger_groups(rule[1])) == 2
    assert cs_lexicon.triggers_present(rule[1], "on hold for 3 hours")
    assert not cs_lexicon.triggers_present(rule[1], "flight 1234 to denver")
    # re.IGNORECASE matches "ı" and "ſ" to i and s; the second group sees them folded.
    assert re.search(rule[2], "waıting 3 hours", re.IGNORECASE)
    assert cs_lexicon.triggers_present(rule[1], "waıting 3 hours")
    assert cs_lexicon.triggers_present(("x",), "x") and not cs_lexicon.triggers_present(("x",), "y")


# --- German ---------------------------------------------------------------------------------


def _de(*texts: str, **kwargs) -> list[float]:
    out = score_sentiment(pd.Series(list(texts)), pd.Series(["de"] * len(texts)), **kwargs)
    return out["sentiment"].tolist()


def test_german_negation_flips():
    good, not_good = _de("Der Service ist gut", "Der Service ist nicht gut")
    assert good > 0 > not_good
    assert _de("gut")[0] > 0
    assert _de("Das gefällt mir nicht")[0] < 0 < _de("Das gefällt mir")[0]
    assert _de("Keine Probleme mit der Buchung")[0] > 0 > _de("Probleme mit der Buchung")[0]
    assert _de("Kein guter Service")[0] < 0
    assert _de("Das Essen war niemals schlecht")[0] > 0
    assert _de("Der Zug ist nie pünktlich")[0] < 0 < _de("Der Zug ist pünktlich")[0]
    assert _de("Ohne Verspätung angekommen")[0] > 0


@pytest.mark.parametrize("word", ["sehr", "total", "extrem", "echt", "wirklich", "absolut"])
def test_german_intensifiers_raise_the_magnitude(word):
    plain_good, plain_bad = _de("Der Service war gut", "Der Service war schlecht")
    good, bad = _de(f"Der Service war {word} gut", f"Der Service war {word} schlecht")
    assert good > plain_good > 0
    assert bad < plain_bad < 0


def test_german_aber_weighs_the_second_clause_more():
    (contrast,) = _de("Das Essen war gut, aber der Flug war eine Katastrophe")
    assert contrast < 0
    (reverse,) = _de("Der Flug war eine Katastrophe, aber das Essen war gut")
    assert reverse > contrast
    assert "aber" in german.CONTRASTS


def test_german_service_language_and_sarcasm():
    assert _de("Toll, schon wieder Verspätung!")[0] < 0
    assert _de("Seit 40 Minuten in der Warteschleife")[0] < 0
    assert _de("Flug verspaetet, Frechheit")[0] < 0  # ASCII umlauts
    assert _de("Zugverspätung in Köln")[0] < 0  # compound head
    assert _de("Bin mit dem Auto gefahren")[0] == 0  # "gefahren" (driven), not "Gefahren"
    assert _de("Liebe Grüße, Anna")[0] == 0  # a formula, not praise
    # A resolved strike is rail vocabulary: the rail domain pack (issue 15), not a default.
    assert german_analyzer(packs=["rail"]).compound("Der Streik ist beendet") > 0


def _de_labels(*texts: str) -> list[str]:
    out = score_sentiment(pd.Series(list(texts)), pd.Series(["de"] * len(texts)))
    return out["sentiment_label"].tolist()


def test_german_compounds_in_lower_case_and_hashtags():
    analyzer = german_analyzer()
    assert analyzer.lookup("zugausfall").value < 0  # head "Ausfall", written in lower case
    assert analyzer.lookup("#bahnchaos").value < 0  # a hashtag is read as a noun
    assert analyzer.lookup("gefahren") is None  # still no noun ending on a lower-case verb
    assert _de("Heute wieder zugausfall")[0] < 0
    assert analyzer.lookup("Dreckszug").value < 0  # new evaluative first parts
    assert analyzer.lookup("Stinkewagen").value < 0
    # Words that begin like a modifier but are not compounds of it.
    assert analyzer.lookup("Traumatisierte") is None
    assert analyzer.lookup("Leidenschaft") is None


def test_german_noun_homographs_of_praise_words():
    assert "klasse" in german.NOUN_HOMOGRAPHS
    assert _de("Ich fahre in der 2. Klasse nach Berlin", "Erste Klasse ist ausgebucht") == [0, 0]
    assert _de("Ich stehe an der Spitze des Zuges")[0] == 0
    assert _de_labels("Klasse Service!", "Der Service war echt klasse") == ["positive"] * 2


def test_german_emoticons_are_not_negated():
    assert _de("Ich weiß es nicht :(")[0] == _de("Ich weiß es :(")[0] < 0


def test_german_lone_nicht_takes_praise_back():
    assert _de("Freundlich und kompetent - NICHT!")[0] < 0 < _de("Freundlich und kompetent!")[0]
    assert _de("Der Service war super... NICHT!")[0] < 0


def test_german_trailing_negation_stops_at_a_conjunction():
    assert _de("Die App stürzt ab und ist nicht zu gebrauchen")[0] < 0
    assert _de("Das gefällt mir nicht")[0] < 0  # the rule itself still holds


def test_german_irony_markers_turn_praise():
    assert _de("Super Service heute #ironie")[0] < 0 < _de("Super Service heute")[0]
    assert _de("Toller Service. Ironie off")[0] < 0


def test_german_wishes_are_not_praise():
    wishes = (
        "Wäre schön, wenn der Zug mal pünktlich wäre",
        "Der Zug sollte pünktlich sein",
        "Hoffentlich ist der Zug pünktlich",
    )
    assert _de(*wishes) == [0, 0, 0]
    assert _de("Der Zug war pünktlich")[0] > 0
    # Only praise is discounted: a complaint in a wish still counts.
    assert _de("Es wäre eine Frechheit")[0] < 0


def test_german_formulas_farewells_and_salutations():
    assert _de("Macht es gut!", "Alles Gute!", "Mach's gut", "Na gut") == [0, 0, 0, 0]
    assert _de("Liebe Frau Schmidt", "Liebes DB-Team") == [0, 0]
    assert _de("Ich liebe die Bahn")[0] > 0  # the verb, not a salutation
    assert _de("Liebe Frau Schmidt, mein Zug fällt aus")[0] < 0


def test_german_new_service_phrases():
    assert _de("Ich warte seit Stunden auf eine Antwort")[0] < 0
    assert _de("Die Hotline ist nicht erreichbar")[0] < 0 == _de("Die Hotline ist erreichbar")[0]
    assert _de("So eine Sch...")[0] < 0
    # "in 10 Minuten" is a time, not time lost; "seit 40 Minuten" is.
    assert _de("Der Zug fährt in 10 Minuten, ich stehe schon am Gleis")[0] == 0
    assert _de("Ich stehe seit 40 Minuten am Gleis")[0] < 0


def test_german_resolved_failures_do_not_count_as_failures():
    rail = german_analyzer(packs=["rail"])  # strikes and trains running: the rail pack
    assert rail.compound("Ende des Streiks: die Züge fahren wieder") > 0
    assert _de("Die Störung ist behoben")[0] > 0 > _de("Die Störung dauert an")[0]


def test_german_thanks_and_laughter_are_weak():
    assert _de_labels("Danke", "Vielen Dank", ":D", "xD") == ["neutral"] * 4
    assert _de_labels("Danke, super Service!", "Vielen Dank!", "Danke :)") == ["positive"] * 3


def test_german_lexicon_1_1_words():
    assert german.DE_LEXICON_VERSION == "1.2"
    assert (
        _de_labels("Die App ist unbrauchbar", "Das war ein Reinfall", "Die Züge fallen ständig aus")
        == ["negative"] * 3
    )
    assert _de_labels("Sehr kulant und unbürokratisch", "Tadellos, danke") == ["positive"] * 2


def test_german_labels_use_the_german_thresholds():
    assert sentiment_module.LABEL_THRESHOLDS["de"] == (
        german.DE_NEGATIVE_THRESHOLD,
        german.DE_POSITIVE_THRESHOLD,
    )
    assert german.DE_NEGATIVE_THRESHOLD < 0 < german.DE_POSITIVE_THRESHOLD
    texts = pd.Series(["Der Flug war super!", "Mein Zug ist heute pünktlich?", "Katastrophe"])
    out = score_sentiment(texts, pd.Series(["de", "de-DE", "de_AT"]))
    assert out["sentiment_label"].tolist() == ["positive", "neutral", "negative"]


def test_german_emoji_only_and_empty_texts():
    out = score_sentiment(
        pd.Series(["😡😡", "👍", "🚆", "", "   ", None, ":-("]), pd.Series(["de"] * 7)
    )
    assert out["sentiment_label"].tolist() == [
        "negative",
        "positive",
        "neutral",
        "unscored",
        "unscored",
        "unscored",
        "negative",
    ]
    assert german_analyzer().compound("") == 0.0
    assert german_analyzer().compound("... !!! ???") == 0.0


def test_german_long_text_is_scored_quickly():
    text = (
        "Der Zug hatte wieder 20 Minuten Verspätung, aber das Personal war sehr freundlich. " * 700
    )[:50_000]
    start = time.perf_counter()
    (score,) = _de(text)
    assert time.perf_counter() - start < 5
    assert -1 <= score <= 1


# --- SentiWS-format lexicons ----------------------------------------------------------------

SENTIWS_POSITIVE = (
    "Sahnehäubchen|NN\t0.6\tSahnehäubchens\nfabelhaft|ADJX\t0.7\tfabelhafte,fabelhaften\n"
)
SENTIWS_NEGATIVE = "grottig|ADJX\t-0.8\tgrottige,grottigen,grottiger\nGurke|NN\t-0.3\tGurken\n"


def test_sentiws_file_is_loaded_and_used(tmp_path):
    path = tmp_path / "SentiWS_v2.0_Negative.txt"
    path.write_text(SENTIWS_NEGATIVE, encoding="utf-8")
    entries = load_sentiws(path)
    assert entries["grottigen"] == german.LexiconEntry(-0.8, "ADJX")
    assert set(entries) == {"grottig", "grottige", "grottigen", "grottiger", "gurke", "gurken"}
    assert _de("Das Essen war grottig")[0] == 0  # not in the shipped lexicon
    assert _de("Das Essen war grottig", german_lexicon=path)[0] < 0
    assert _de("Ein grottiger Service", german_lexicon=path)[0] < 0
    assert _de("Der Service ist gut", german_lexicon=path)[0] > 0  # shipped entries stay


def test_sentiws_folder_is_loaded(tmp_path):
    (tmp_path / "SentiWS_v2.0_Positive.txt").write_text(SENTIWS_POSITIVE, encoding="utf-8")
    (tmp_path / "SentiWS_v2.0_Negative.txt").write_text(SENTIWS_NEGATIVE, encoding="utf-8")
    analyzer = german_analyzer(tmp_path)
    assert analyzer.compound("Einfach fabelhaft") > 0 > analyzer.compound("Einfach grottig")


def test_sentiws_errors_name_the_file_and_line(tmp_path):
    with pytest.raises(ResourceMissingError, match="does not exist"):
        load_sentiws(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("gut|ADJX\t0.4\nkaputt|ADJX\tsehr\n", encoding="utf-8")
    with pytest.raises(ResourceMissingError, match=r"bad.txt, line 2"):
        load_sentiws(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ResourceMissingError, match=r"no \*\.txt"):
        load_sentiws(empty)


def test_shipped_lexicon_is_in_sentiws_format():
    entries = german._default_lexicon()
    assert len(entries) > 300
    assert all(-1 <= e.value <= 1 for e in entries.values())
    assert entries["verspätung"].value < 0 < entries["pünktlich"].value


# --- parallel scoring -----------------------------------------------------------------------


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_parallel_scoring_equals_serial(monkeypatch):
    rng = random.Random(3)
    words_en = ["great", "delay", "still", "waiting", "thanks", "nothing", "refund", "flight"]
    words_de = ["gut", "nicht", "Verspätung", "aber", "sehr", "Katastrophe", "der", "Zug"]
    texts = [" ".join(rng.choice(words_en) for _ in range(6)) + f" {i}" for i in range(150)]
    texts += [" ".join(rng.choice(words_de) for _ in range(6)) + f" {i}" for i in range(150)]
    langs = pd.Series(["en"] * 150 + ["de"] * 150)
    serial = score_sentiment(pd.Series(texts), langs)
    monkeypatch.setattr(sentiment_module, "PARALLEL_MIN_TEXTS", 100)
    parallel = score_sentiment(pd.Series(texts), langs)
    pd.testing.assert_frame_equal(parallel, serial)


# --- domain packs (issue 15) ----------------------------------------------------------------

# (text, lang, pack, score without the pack, score with it), by VADER's and the German
# analyzer's formulas: "Streik" is in the rail pack's German lexicon and "Streik beendet" is its
# "strike resolved" phrase (+2.5); "never flying again" is the airline pack's English phrase. A
# pack of the other domain changes nothing.
PACK_CASES = [
    ("Streik beendet", "de", "rail", 0.0, 0.5423),
    ("Wir haben mal wieder Streik", "de", "rail", -0.2023, -0.4588),
    ("Streik beendet", "de", "airline", 0.0, 0.0),
    ("never flying again with you", "en", "airline", 0.0, -0.4588),
    ("never flying again with you", "en", "rail", 0.0, 0.0),
]


@pytest.mark.parametrize(
    ("text", "lang", "pack", "without", "with_pack"),
    PACK_CASES,
    ids=[f"{c[2]}-{c[0]}" for c in PACK_CASES],
)
def test_domain_pack_changes_a_score_only_with_the_pack(text, lang, pack, without, with_pack):
    texts, langs = pd.Series([text]), pd.Series([lang])
    assert score_sentiment(texts, langs)["sentiment"].tolist() == [without]
    scored = score_sentiment(texts, langs, domain_packs=(pack,))
    assert scored["sentiment"].tolist() == [with_pack]


def test_no_pack_scores_exactly_as_the_default_extension():
    assert cs_lexicon.extension_rules(()) == (cs_lexicon.LEXICON, cs_lexicon.PHRASE_RULES)
    texts = pd.Series([*COMPLAINTS, *PRAISE, "Der Streik ist beendet", "Zug fällt aus :("])
    langs = pd.Series(["en"] * (len(COMPLAINTS) + len(PRAISE)) + ["de", "de"])
    default = score_sentiment(texts, langs)
    pd.testing.assert_frame_equal(score_sentiment(texts, langs, domain_packs=()), default)
    assert default["sentiment"].tolist()[:-2] == english_compound(list(texts[:-2]))
    assert default["sentiment"].tolist()[-2:] == [german_analyzer().compound(t) for t in texts[-2:]]


def test_unknown_pack_is_an_error_naming_it():
    with pytest.raises(ValueError, match="ferry"):
        score_sentiment(pd.Series(["x"]), pd.Series(["de"]), domain_packs=("ferry",))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores")
def test_packs_reach_the_workers(monkeypatch):
    texts = pd.Series([f"Streik beendet {i}" for i in range(120)])
    langs = pd.Series(["de"] * 120)
    serial = score_sentiment(texts, langs, domain_packs=("rail",))
    monkeypatch.setattr(sentiment_module, "PARALLEL_MIN_TEXTS", 100)
    pd.testing.assert_frame_equal(score_sentiment(texts, langs, domain_packs=("rail",)), serial)
    assert (serial["sentiment"] > 0).all()


# --- accuracy on real data ------------------------------------------------------------------


def _accuracy_module():
    path = Path(config.PROJECT_ROOT) / "benchmarks" / "accuracy.py"
    spec = importlib.util.spec_from_file_location("benchmark_accuracy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def accuracy_table():
    if not (SHARED_DATA / "airline" / "Tweets.csv").is_file():
        pytest.skip(f"no labelled data at {SHARED_DATA}")
    module = _accuracy_module()
    return module, module.evaluate(SHARED_DATA)


_MISSED: dict[tuple[str, str, str], str] = {
    # targets this version does not reach yet: strict, so reaching one fails loudly
}


@pytest.mark.realdata
@pytest.mark.parametrize(
    "target",
    [
        pytest.param(key, marks=pytest.mark.xfail(strict=True, reason=_MISSED[key]))
        if key in _MISSED
        else key
        for key in _accuracy_module().TARGETS
    ],
    ids=lambda key: "-".join(key),
)
def test_accuracy_targets_on_real_data(accuracy_table, target):
    module, table = accuracy_table
    dataset, method, metric = target
    row = table[(table["dataset"] == dataset) & (table["method"] == method)]
    assert float(row[metric].iloc[0]) >= module.TARGETS[target]


@pytest.mark.realdata
def test_accuracy_beats_the_baselines_on_real_data(accuracy_table):
    _, table = accuracy_table
    metric = table.set_index(["dataset", "method"])
    airline, germeval = "airline (en)", "GermEval 2017 dev (de)"
    assert (
        metric.loc[(airline, "ours"), "macro_f1"] > metric.loc[(airline, "plain VADER"), "macro_f1"]
    )
    assert (
        metric.loc[(airline, "ours"), "negative_f1"]
        > metric.loc[(airline, "plain VADER"), "negative_f1"]
    )
    assert (
        metric.loc[(germeval, "ours"), "micro_f1"]
        > metric.loc[(germeval, "always neutral"), "micro_f1"]
    )
