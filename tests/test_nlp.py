"""NLP: offline VADER lexicon, sentiment labels, rule-based intent in English and German."""

from __future__ import annotations

import importlib.resources
import inspect
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nltk
import pandas as pd
import pytest
from nltk.sentiment.vader import SentimentIntensityAnalyzer

from socialcrm_utils.exceptions import ResourceMissingError
from socialcrm_utils.nlp import (
    classify_intent,
    ensure_vader_lexicon,
    normalize_lang,
    resources,
    score_sentiment,
    use_project_nltk_data,
    vader_analyzer,
)
from socialcrm_utils.nlp import intent as intent_module
from socialcrm_utils.nlp import sentiment as sentiment_module
from socialcrm_utils.schema import INTENTS


@pytest.fixture
def nltk_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """nltk.data.path with every system location removed; caches cleared before and after."""
    path: list[str] = []
    monkeypatch.setattr(nltk.data, "path", path)
    nltk.data.clear_cache()
    vader_analyzer.cache_clear()
    yield path
    nltk.data.clear_cache()
    vader_analyzer.cache_clear()


def _lexicon_lines() -> list[str]:
    raw = (
        importlib.resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    )
    return raw.strip().splitlines()


# --- resources ------------------------------------------------------------------------------


def test_resource_name_is_nltks_default_lexicon_file():
    default = inspect.signature(SentimentIntensityAnalyzer.__init__).parameters["lexicon_file"]
    assert default.default == resources.VADER_RESOURCE
    assert f"{resources.VADER_ZIP.as_posix()}/{resources.VADER_MEMBER}" == resources.VADER_RESOURCE


def test_lexicon_zip_has_nltks_layout(tmp_path: Path):
    path = ensure_vader_lexicon(tmp_path)
    assert path == tmp_path / "sentiment" / "vader_lexicon.zip"
    with zipfile.ZipFile(path) as archive:
        assert "vader_lexicon/vader_lexicon.txt" in archive.namelist()
        text = archive.read("vader_lexicon/vader_lexicon.txt").decode("utf-8")
    assert text.splitlines() == _lexicon_lines()
    assert not text.endswith("\n")  # NLTK unpacks every line; a blank last one would break it
    assert [p.name for p in path.parent.iterdir()] == ["vader_lexicon.zip"]  # no temp file left


def test_nltk_finds_and_loads_the_lexicon_from_the_project_folder(tmp_path: Path, nltk_path):
    ensure_vader_lexicon(tmp_path)
    use_project_nltk_data(tmp_path)
    found = nltk.data.find(resources.VADER_RESOURCE)
    assert str(tmp_path) in str(found)
    analyzer = SentimentIntensityAnalyzer()
    words = {line.split("\t")[0] for line in _lexicon_lines()}  # a few words appear twice
    assert set(analyzer.lexicon) == words


def test_vader_analyzer_is_nltks_and_scores_like_it(tmp_path: Path, nltk_path):
    analyzer = vader_analyzer(tmp_path)
    assert type(analyzer) is SentimentIntensityAnalyzer
    assert nltk_path == [str(tmp_path)]  # no system nltk_data location was available
    scores = analyzer.polarity_scores("The flight was great!")
    assert scores == SentimentIntensityAnalyzer().polarity_scores("The flight was great!")
    assert scores["compound"] == pytest.approx(0.6588)
    assert scores["compound"] > 0.5
    assert vader_analyzer(tmp_path) is analyzer  # cached


def test_vader_scores_match_the_vadersentiment_reference(tmp_path: Path, nltk_path):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as Reference

    ours, reference = vader_analyzer(tmp_path), Reference()
    for text in ("The flight was great!", "Worst airline ever. Never again.", "ok"):
        assert ours.polarity_scores(text)["compound"] == reference.polarity_scores(text)["compound"]


def test_our_lexicon_and_constants_are_nltks_and_scoring_never_imports_nltk(tmp_path, nltk_path):
    from nltk.sentiment.vader import VaderConstants

    assert resources.vader_lexicon(tmp_path) == vader_analyzer(tmp_path).lexicon
    constants = resources.vader_constants(tmp_path)
    cached = resources.ensure_vader_constants(tmp_path)
    assert cached.parent == tmp_path / "socialcrm" and "nltk" in cached.name
    for name in resources.VADER_CONSTANT_NAMES:
        expected = getattr(VaderConstants, name)
        if name == "NEGATE":
            expected = frozenset(expected)
        elif name == "PUNC_LIST":
            expected = tuple(expected)
        assert constants[name] == expected, name
    # A scoring process (kernel or worker) reads the cached file and never imports NLTK
    # (which imports SciPy and scikit-learn: about 100 MB and a second per process).
    resources.ensure_vader_constants()  # `socialcrm setup` writes it for the default folder
    code = (
        "import sys\n"
        "from socialcrm_utils.nlp.sentiment import english_compound\n"
        "import socialcrm_utils.nlp.intent\n"
        "print(english_compound(['The flight was great!', 'Still waiting, 3 hours on hold.']))\n"
        "print(sorted(m for m in ('nltk', 'scipy', 'sklearn') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert out == ["[0.6588, -0.7783]", "[]"]


def test_ensure_is_idempotent_and_repairs_a_broken_zip(tmp_path: Path):
    path = ensure_vader_lexicon(tmp_path)
    first = path.stat().st_mtime_ns
    assert ensure_vader_lexicon(tmp_path) == path
    assert path.stat().st_mtime_ns == first
    path.write_bytes(b"not a zip")
    ensure_vader_lexicon(tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.read(resources.VADER_MEMBER).decode("utf-8").splitlines() == _lexicon_lines()


def test_use_project_nltk_data_puts_the_folder_first_once(tmp_path: Path, nltk_path):
    nltk_path.extend(["/elsewhere", str(tmp_path)])
    use_project_nltk_data(tmp_path)
    use_project_nltk_data(tmp_path)
    assert nltk_path == [str(tmp_path), "/elsewhere"]


def test_missing_vadersentiment_names_the_install_command(tmp_path, monkeypatch, nltk_path):
    monkeypatch.setitem(sys.modules, "vaderSentiment", None)
    with pytest.raises(ResourceMissingError, match="pip install vaderSentiment"):
        ensure_vader_lexicon(tmp_path)
    with pytest.raises(ResourceMissingError, match="socialcrm setup"):
        vader_analyzer(tmp_path)
    assert not (tmp_path / "sentiment").exists()


def test_installed_lexicon_works_without_vadersentiment(tmp_path, monkeypatch, nltk_path):
    ensure_vader_lexicon(tmp_path)
    monkeypatch.setitem(sys.modules, "vaderSentiment", None)
    assert vader_analyzer(tmp_path).polarity_scores("great")["compound"] > 0


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NLTK's own warning about the folder
def test_a_folder_other_accounts_can_write_names_the_chmod(tmp_path, nltk_path):
    folder = tmp_path / "nltk_data"
    ensure_vader_lexicon(folder)
    folder.chmod(0o777)
    with pytest.raises(ResourceMissingError, match="chmod go-w"):
        vader_analyzer(folder)


# --- sentiment ------------------------------------------------------------------------------


def test_normalize_lang():
    langs = pd.Series(["en", "EN-gb", "de_AT", "", None, " fr "])
    assert normalize_lang(langs).tolist() == ["en", "en", "de", pd.NA, pd.NA, "fr"]


def test_english_scores_equal_the_analyzer_and_labels_follow_vader():
    texts = pd.Series(
        [
            "The flight was great!",  # compound 0.6588
            "My flight was cancelled and nobody helps. Terrible.",
            "I am at the gate.",  # no lexicon word: 0.0
            "The flight was great!",  # repeated
        ],
        index=[10, 11, 12, 13],
    )
    out = score_sentiment(texts, pd.Series("en", index=texts.index))
    analyzer = vader_analyzer()  # NLTK's own, on the project's lexicon
    expected = [analyzer.polarity_scores(t)["compound"] for t in texts]
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["sentiment"].tolist() == expected
    assert expected[0] == pytest.approx(0.6588)
    assert expected[1] < -0.05
    assert expected[2] == 0.0
    assert out["sentiment_label"].tolist() == ["positive", "negative", "neutral", "positive"]


class _StubAnalyzer:
    def __init__(self, scores: dict[str, float]) -> None:
        self.scores, self.calls = scores, []

    def polarity_scores(self, text: str) -> dict[str, float]:
        self.calls.append(text)
        return {"compound": self.scores[text]}


def test_label_thresholds_are_vaders_and_unique_texts_are_scored_once(monkeypatch):
    stub = _StubAnalyzer({"a": -0.05, "b": -0.0499, "c": 0.0499, "d": 0.05, "e": -1.0})
    monkeypatch.setattr(
        sentiment_module,
        "english_compound",
        lambda texts, **_: [stub.polarity_scores(t)["compound"] for t in texts],
    )
    texts = pd.Series(["a", "b", "c", "d", "e", "a", "a"])
    out = score_sentiment(texts, pd.Series(["en"] * 7))
    assert out["sentiment_label"].tolist() == [
        "negative",  # -0.05 <= -0.05
        "neutral",
        "neutral",
        "positive",  # 0.05 >= 0.05
        "negative",
        "negative",
        "negative",
    ]
    assert sorted(stub.calls) == ["a", "b", "c", "d", "e"]
    assert sentiment_module.NEGATIVE_THRESHOLD == -0.05
    assert sentiment_module.POSITIVE_THRESHOLD == 0.05


def test_german_is_scored_other_languages_empty_and_unknown_are_unscored():
    texts = pd.Series(["Der Flug war super!", "Le vol était super", "", None, "great", "great"])
    langs = pd.Series(["de", "fr", "en", "en", None, "en-US"])
    out = score_sentiment(texts, langs)
    assert out["sentiment"].isna().tolist() == [False, True, True, True, True, False]
    assert out["sentiment_label"].tolist() == ["positive"] + ["unscored"] * 4 + ["positive"]
    assert str(out["sentiment"].dtype) == "float64"


def test_sentiment_needs_aligned_inputs():
    with pytest.raises(ValueError, match="same index"):
        score_sentiment(pd.Series(["x"], index=[1]), pd.Series(["en"], index=[2]))


# --- intent ---------------------------------------------------------------------------------

LABELLED = [
    # English complaints, precedence and sarcasm
    ("en", "@AcmeAir my flight LH123 was cancelled", "complaint", "cancelled"),
    ("en", "Flight canceled again, thanks for nothing", "complaint", "canceled"),
    ("en", "Why is my flight delayed?", "complaint", "delayed"),  # complaint > question
    ("en", "Great, another delay. Love it.", "complaint", "great, another delay"),  # sarcasm
    ("en", "You lost my luggage in Frankfurt", "complaint", "you lost my"),  # luggage: a pack
    ("en", "On hold for 2 hours now", "complaint", "on hold"),
    ("en", "Still waiting for my refund", "complaint", "still waiting"),
    ("en", "Worst airline. Never again. Thank you for nothing", "complaint", "worst"),
    # English questions, leads, praise, other
    ("en", "Can I bring my guitar on board", "question", "can i"),
    ("en", "@AcmeAir how do I change my seat", "question", "how do i"),
    ("en", "Is the lounge open at 5am?", "question", "?"),
    ("en", "What is the price for 12 seats to Rome?", "lead", "price for"),  # lead > question
    ("en", "Looking for a flight to Rome in May", "other", None),  # airline pack: lead
    ("en", "Looking to buy two tickets for the concert", "lead", "looking to buy"),
    ("en", "We want to book a group fare for our team", "lead", "want to book"),
    ("en", "Thank you for the great service today", "praise", "thank you"),
    ("en", "Love the new lounge", "praise", "love"),
    ("en", "Boarding now https://example.com/x?id=1", "other", None),  # URL query is not "?"
    # German
    ("de", "Mein Flug hat schon wieder Verspätung", "complaint", "schon wieder"),
    ("de", "Flug verspaetet, keine Info", "complaint", "verspaetet"),
    ("de", "Flug ausgefallen und niemand hilft", "complaint", "ausgefallen"),
    ("de", "Unser Flug wurde gestrichen", "complaint", "gestrichen"),
    ("de", "Mein Koffer wurde in München verloren", "complaint", "wurde in münchen verloren"),
    ("de", "Wann kommt endlich meine Erstattung?", "complaint", "wann kommt endlich"),
    ("de", "Seit 40 Minuten in der Warteschleife", "complaint", "warteschleife"),
    ("de", "Was für eine Frechheit", "complaint", "frechheit"),
    ("de", "Toll, schon wieder Verspätung!", "complaint", "toll, schon wieder verspätung"),
    ("de", "Nie wieder mit euch", "complaint", "nie wieder"),
    ("de", "Wie kann ich meinen Sitzplatz ändern", "question", "wie kann ich"),
    ("de", "@AcmeAir Darf ich zwei Koffer mitnehmen", "question", "darf ich"),
    ("de", "Gibt es WLAN an Bord", "question", "gibt es"),
    ("de", "Heute gibt es Sonne in Berlin", "other", None),  # "gibt es" only as an opening
    ("de", "Ich möchte eine Gruppenreise buchen", "lead", "gruppenreise"),
    ("de", "Habt ihr ein Angebot nach Rom", "lead", "angebot"),  # lead > question
    ("de", "Preis für 10 Personen nach Wien bitte", "lead", "preis für"),
    ("de", "Danke, super Service!", "praise", "danke"),
    ("de", "Klasse Crew heute", "praise", "klasse"),
]


@pytest.mark.parametrize(
    ("lang", "text", "intent", "cue"), LABELLED, ids=[t for _, t, *_ in LABELLED]
)
def test_intent_one_by_one(lang, text, intent, cue):
    out = classify_intent(pd.Series([text]), pd.Series([lang]))
    assert out.loc[0, "intent"] == intent
    assert (cue is None and pd.isna(out.loc[0, "intent_cue"])) or out.loc[0, "intent_cue"] == cue


def test_intent_over_a_column_keeps_the_index_and_dtypes():
    langs, texts, intents, cues = zip(*LABELLED, strict=True)
    index = pd.RangeIndex(100, 100 + len(texts))
    out = classify_intent(pd.Series(texts, index=index), pd.Series(langs, index=index))
    assert out.index.equals(index)
    assert out["intent"].tolist() == list(intents)
    assert out["intent_cue"].fillna("").tolist() == [c or "" for c in cues]
    assert str(out["intent"].dtype) == "string" and str(out["intent_cue"].dtype) == "string"
    assert set(out["intent"]) <= set(INTENTS)


def test_languages_use_their_own_cues_and_unknown_uses_both():
    texts = pd.Series(["Flug gestrichen", "Flug gestrichen", "Flug gestrichen", "Flight cancelled"])
    out = classify_intent(texts, pd.Series(["en", "de", None, "fr"]))
    assert out["intent"].tolist() == ["other", "complaint", "complaint", "complaint"]


def test_empty_and_missing_texts_are_other():
    out = classify_intent(pd.Series(["", None, "   "]), pd.Series(["en", "de", None]))
    assert out["intent"].tolist() == ["other"] * 3
    assert out["intent_cue"].isna().all()


def test_precedence_covers_every_intent():
    assert (*intent_module.PRECEDENCE, "other") == (
        "complaint",
        "lead",
        "question",
        "praise",
        "other",
    )
    assert set(intent_module.PRECEDENCE) | {"other"} == set(INTENTS)


# Complaint cue families beyond airlines, one hand-written case per language and cue:
# (family, lang, text, intent, cue). The cue is the leftmost match, lower-cased.
COMPLAINT_FAMILIES = [
    ("failure", "en", "My phone stopped working after the update", "complaint", "stopped working"),
    ("failure", "en", "The app keeps crashing on my tablet", "complaint", "keeps crashing"),
    ("failure", "en", "Wifi doesn't work in the living room", "complaint", "doesn't work"),
    ("failure", "en", "I can't log in to my account", "complaint", "can't log in"),
    ("failure", "en", "Screen arrived broken", "complaint", "arrived broken"),
    (
        "failure",
        "de",
        "Mein Internet funktioniert seit gestern nicht",
        "complaint",
        "funktioniert seit gestern nicht",
    ),
    ("failure", "de", "Die App geht nicht mehr", "complaint", "geht nicht mehr"),
    ("failure", "de", "Das Display ist kaputt", "complaint", "kaputt"),
    ("failure", "de", "Ich kann mich nicht einloggen", "complaint", "kann mich nicht einloggen"),
    ("failure", "de", "Die App stuerzt staendig ab", "complaint", "stuerzt staendig ab"),
    ("outage", "en", "No signal in the whole town since 8am", "complaint", "no signal"),
    ("outage", "en", "Is there an outage in Leeds?", "complaint", "outage"),  # > question
    ("outage", "en", "Internet down again!", "complaint", "down again"),
    ("outage", "de", "Schon den ganzen Abend Störung im Festnetz", "complaint", "störung"),
    ("outage", "de", "Kein Netz in ganz Köln", "complaint", "kein netz"),
    ("billing", "en", "You charged me twice for one order", "complaint", "charged me twice"),
    ("billing", "en", "I want a refund for this", "complaint", "refund"),
    ("billing", "en", "How do I get a refund?", "complaint", "refund"),  # > question
    ("billing", "de", "Ihr habt doppelt abgebucht", "complaint", "doppelt abgebucht"),
    ("billing", "de", "Wann bekomme ich die Erstattung?", "complaint", "erstattung"),
    ("delivery", "en", "Got the wrong order again, no fries", "complaint", "wrong order"),
    ("delivery", "en", "My parcel never arrived", "complaint", "never arrived"),
    ("delivery", "en", "Missing item from my delivery", "complaint", "missing item"),
    ("delivery", "en", "I still haven't received my package", "complaint", "still haven't"),
    ("delivery", "en", "Why is my order late?", "complaint", "order late"),  # > question
    ("delivery", "de", "Paket nie angekommen", "complaint", "nie angekommen"),
    ("delivery", "de", "Immer noch nicht geliefert!", "complaint", "immer noch nicht geliefert"),
    ("delivery", "de", "Es fehlt ein Artikel in meiner Lieferung", "complaint", "es fehlt"),
    ("delivery", "de", "Falscher Artikel geliefert", "complaint", "falscher artikel"),
    ("waiting", "en", "Been waiting 40 minutes for a reply", "complaint", "been waiting"),
    ("waiting", "en", "Nobody has replied to my email", "complaint", "nobody has replied"),
    ("waiting", "en", "Called you four times about this", "complaint", "called you four times"),
    ("waiting", "de", "Seit Tagen keine Antwort vom Support", "complaint", "seit tagen"),
    ("waiting", "de", "Keine Rückmeldung auf meine Mail", "complaint", "keine rückmeldung"),
    ("anger", "en", "This is ridiculous", "complaint", "ridiculous"),
    ("anger", "en", "Fed up with your customer service", "complaint", "fed up"),
    ("anger", "en", "Totally unacceptable", "complaint", "unacceptable"),
    ("anger", "de", "Unverschämt, wie ihr mit Kunden umgeht", "complaint", "unverschämt"),
    ("anger", "de", "Der Service ist eine Zumutung", "complaint", "zumutung"),
    # Precision: a question that is just a question stays one, and look-alikes are no cue
    ("question", "en", "What is your refund policy?", "question", "what is"),
    ("question", "en", "How do I change my email address?", "question", "how do i"),
    ("question", "en", "If I don't receive it by Friday what happens?", "question", "?"),
    ("question", "de", "Ist es zu spät, um heute noch zu bestellen?", "question", "?"),
    ("question", "de", "Was fehlt noch?", "question", "?"),
    ("not a cue", "en", "The update didn't crash this time, thanks!", "praise", "thanks"),
    ("not a cue", "en", "Sorry for the delay, here is my order number", "other", None),
    ("not a cue", "de", "Es geht nicht um den Preis", "other", None),
    ("not a cue", "de", "Mir geht es nicht gut heute", "other", None),
    ("not a cue", "de", "Störung behoben, danke!", "praise", "danke"),
    ("not a cue", "de", "Der Betrag betrug 20 Euro", "other", None),  # past of "betragen"
    ("not a cue", "de", "Das Update läuft fehlerfrei, super!", "praise", "super"),
]


@pytest.mark.parametrize(
    ("family", "lang", "text", "intent", "cue"),
    COMPLAINT_FAMILIES,
    ids=[f"{family}-{lang}-{text}" for family, lang, text, *_ in COMPLAINT_FAMILIES],
)
def test_complaint_cue_families(family, lang, text, intent, cue):
    out = classify_intent(pd.Series([text]), pd.Series([lang]))
    assert out.loc[0, "intent"] == intent
    assert (cue is None and pd.isna(out.loc[0, "intent_cue"])) or out.loc[0, "intent_cue"] == cue


def test_complaint_cue_families_over_a_column():
    _, langs, texts, intents, cues = zip(*COMPLAINT_FAMILIES, strict=True)
    out = classify_intent(pd.Series(texts), pd.Series(langs))
    assert out["intent"].tolist() == list(intents)
    assert out["intent_cue"].fillna("").tolist() == [c or "" for c in cues]
