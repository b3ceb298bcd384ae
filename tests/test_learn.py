"""Learning from the client's labels: label files, the per-client models, JSON, suggestions.

Every post below is invented for this test (no real data): 80 English and German posts of an
imaginary shop and app, with labels a consultant might give. The rule columns are set by hand
so that the rules' figures on the labelled rows are known: the rules flag as complaints only
the complaints that say "broken"/"kaputt" (20 of 40), and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from socialcrm_utils.exceptions import SocialCRMError
from socialcrm_utils.nlp import learn
from socialcrm_utils.nlp.labels import LabelFileError, hash_label_files, load_labels, read_labels
from socialcrm_utils.nlp.learn import (
    ClientClassifier,
    apply_classifier,
    classifier_card,
    learn_from_labels,
    load_classifier,
    measure,
    save_classifier,
    suggest_labels,
)
from socialcrm_utils.nlp.learn import persistence as learn_persistence

# --- an invented client -----------------------------------------------------------------------

_EN_THINGS = ["app", "order", "parcel", "card reader", "router"]
_DE_THINGS = ["App", "Bestellung", "Paket", "Kartenleser", "Router"]
_EN_BROKEN = [
    "my {} arrived broken",
    "the {} is broken again",
    "{} broken after one day",
    "why is the {} broken",
]
_EN_OTHER = [
    "still no answer about my {}",
    "the {} never showed up, waited two weeks",
    "third time the {} failed today",
    "nobody helps with my {}, unacceptable",
]
_DE_BROKEN = [
    "{} kam kaputt an",
    "die {} ist schon wieder kaputt",
    "{} nach einem Tag kaputt",
    "warum ist die {} kaputt",
]
_DE_OTHER = [
    "immer noch keine Antwort zu meiner {}",
    "{} nie angekommen, seit zwei Wochen",
    "zum dritten Mal Ärger mit der {} heute",
    "niemand hilft mit der {}, unmöglich",
]
_EN_QUESTION = [
    "do you ship the {} to Austria",
    "what colours does the {} come in",
    "is the {} on sale this week",
    "can I pick up the {} in store",
    "how big is the {}",
]
_EN_PRAISE = [
    "love the new {}, thank you",
    "the {} is fantastic, great team",
    "super happy with my {}",
    "thanks for the quick help with the {}",
    "the {} works like a charm",
]
_DE_QUESTION = [
    "liefert ihr die {} nach Österreich",
    "welche Farben gibt es für die {}",
    "ist die {} diese Woche im Angebot",
    "kann ich die {} im Laden abholen",
    "wie groß ist die {}",
]
_DE_PRAISE = [
    "danke, die neue {} ist toll",
    "die {} ist großartig, tolles Team",
    "sehr zufrieden mit der {}",
    "danke für die schnelle Hilfe mit der {}",
    "die {} läuft wunderbar",
]


def _posts() -> pd.DataFrame:
    """80 labelled posts: 40 complaints (20 say broken/kaputt), 20 questions, 20 praise."""
    rows = []
    for lang, things, broken, other, question, praise in (
        ("en", _EN_THINGS, _EN_BROKEN, _EN_OTHER, _EN_QUESTION, _EN_PRAISE),
        ("de", _DE_THINGS, _DE_BROKEN, _DE_OTHER, _DE_QUESTION, _DE_PRAISE),
    ):
        for i, thing in enumerate(things):
            for template in (broken[i % 4], broken[(i + 1) % 4]):
                rows.append((lang, template.format(thing), "complaint", True, "negative"))
            for template in (other[i % 4], other[(i + 2) % 4]):
                rows.append((lang, template.format(thing), "other", True, "negative"))
            rows.append((lang, question[i].format(thing) + "?", "question", False, "neutral"))
            rows.append(
                (lang, question[(i + 1) % 5].format(thing) + "?", "question", False, "neutral")
            )
            rows.append((lang, praise[i].format(thing), "praise", False, "positive"))
            rows.append((lang, praise[(i + 2) % 5].format(thing), "praise", False, "positive"))
    frame = pd.DataFrame(rows, columns=["lang", "text", "intent", "complaint", "sentiment"])
    frame.insert(0, "mention_id", [f"m{i:03d}" for i in range(len(frame))])
    frame["platform"] = np.where(frame.index % 3 == 0, "facebook", "twitter")
    return frame


def _scored(posts: pd.DataFrame) -> pd.DataFrame:
    """The listening step's columns, set by hand (see the module docstring)."""
    scored = posts[["mention_id", "platform", "lang", "text", "intent"]].copy()
    scored["text_redacted"] = scored["text"]
    scored["is_customer"] = True
    for name in ("complaint", "question", "praise", "lead"):
        scored[f"is_{name}"] = scored["intent"] == name
    scored["intent_cue"] = pd.Series(pd.NA, index=scored.index, dtype="string")
    scored["sentiment"] = 0.0
    scored["sentiment_label"] = "neutral"
    return scored


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    return _posts()


@pytest.fixture(scope="module")
def labels(posts: pd.DataFrame) -> pd.DataFrame:
    out = posts[["mention_id", "complaint", "sentiment"]].copy()
    out["complaint"] = out["complaint"].astype("boolean")
    out["sentiment"] = out["sentiment"].astype("string")
    out["lead"] = pd.array([True] * 3 + [False] * 5 + [pd.NA] * 72, dtype="boolean")
    return out


@pytest.fixture(scope="module")
def fitted(posts: pd.DataFrame, labels: pd.DataFrame) -> ClientClassifier:
    return ClientClassifier(n_bootstrap=200).fit(_scored(posts), labels)


def _unseen() -> pd.DataFrame:
    """Five new posts with the rules' output as in :func:`_scored` (broken/kaputt, thanks)."""
    rows = [
        ("u1", "en", "the router arrived broken, unacceptable", "complaint"),
        ("u2", "en", "thank you, the parcel is fantastic", "praise"),
        ("u3", "de", "Paket nie angekommen, immer noch keine Antwort", "other"),
        ("u4", "de", "danke, tolles Team und großartige App", "praise"),
        ("u5", "fr", "le colis est arrivé cassé", "other"),
    ]
    frame = pd.DataFrame(rows, columns=["mention_id", "lang", "text", "intent"])
    frame["platform"] = "twitter"
    frame["intent_cue"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    for name in ("complaint", "question", "praise", "lead"):
        frame[f"is_{name}"] = frame["intent"] == name
    frame["is_customer"] = True
    frame["sentiment"] = 0.0
    frame["sentiment_label"] = "neutral"
    return frame


# --- label files ------------------------------------------------------------------------------

_FLAG_HELP = "use yes/no, true/false, 1/0, ja/nein or leave it empty"
BAD_FILES = [
    (
        "empty",
        "",
        "{p}: the label file is empty; it needs a header row with mention_id and label "
        "columns (complaint, question, praise, lead, sentiment)",
    ),
    (
        "blank lines",
        "\n \n",
        "{p}: the label file is empty; it needs a header row with "
        "mention_id and label columns (complaint, question, praise, lead, sentiment)",
    ),
    (
        "no mention_id",
        "id,complaint\n1,yes\n",
        "{p}, row 1: no mention_id column (found: id, "
        "complaint); the first row must name the columns, one of them mention_id",
    ),
    (
        "unknown column",
        "mention_id,complain\nm1,yes\n",
        "{p}, row 1, column complain: unknown "
        "column; allowed: mention_id, complaint, question, praise, lead, sentiment (and platform, "
        "lang, text, text_redacted, created_at, author_name, url, note, which are ignored)",
    ),
    (
        "maybe",
        "mention_id,complaint\nm1,yes\nm2,maybe\n",
        "{p}, row 3, column complaint: 'maybe' is not a label; " + _FLAG_HELP,
    ),
    (
        "bad sentiment",
        "mention_id;sentiment\nm1;negative\nm2;angry\n",
        "{p}, row 3, column sentiment: 'angry' is not a sentiment; use negative, neutral or "
        "positive or leave it empty",
    ),
    (
        "conflicting duplicate",
        "mention_id,complaint\nm1,yes\nm2,no\nm1,no\n",
        "{p}, row 4, column complaint: mention_id 'm1' is labelled no here and yes in row 2; "
        "keep one",
    ),
    (
        "labelled row without id",
        "mention_id,praise\nm1,ja\n,nein\n",
        "{p}, row 3, column mention_id: empty; every labelled row needs the mention_id of its post",
    ),
    (
        "column twice",
        "mention_id,lead,lead\nm1,1,1\n",
        "{p}, row 1, column lead: the column appears twice",
    ),
]


@pytest.mark.parametrize(("case", "content", "message"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_label_file_is_one_line_naming_file_row_column(tmp_path, case, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelFileError) as info:
        read_labels(path)
    assert str(info.value) == message.format(p=path)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, SocialCRMError)


def test_missing_label_file(tmp_path):
    path = tmp_path / "nope.csv"
    with pytest.raises(LabelFileError) as info:
        read_labels(path)
    expected = f"{path}: label file not found; check listening.labels in the playbook"
    assert str(info.value) == expected


VALUES = [
    ("yes", True),
    ("No", False),
    ("TRUE", True),
    ("false", False),
    ("1", True),
    ("0", False),
    (" ja ", True),
    ("Nein", False),
    ("", pd.NA),
]


@pytest.mark.parametrize(("written", "read"), VALUES)
def test_flag_values(tmp_path, written, read):
    path = tmp_path / "l.csv"
    path.write_text(f"mention_id,complaint,sentiment\nm1,{written},neutral\n", encoding="utf-8")
    value = read_labels(path)["complaint"].iloc[0]
    assert (value is pd.NA) if read is pd.NA else (value == read)


def test_label_file_details(tmp_path):
    """BOM, ';', case of headers, context columns, agreeing duplicates merge, unlabelled rows."""
    path = tmp_path / "todo.csv"
    path.write_bytes(
        "\ufeffMention_ID;platform;Text_Redacted;complaint;question;sentiment\n"
        "a;x;hi;yes;;\nb;x;ho;;;\na;x;hi;;nein;Negativ\n".encode()
    )
    frame = read_labels(path)
    assert frame["mention_id"].tolist() == ["a"]
    assert frame.index.tolist() == [2]  # the row of the id's first line
    row = frame.iloc[0]
    assert (row["complaint"], row["question"], row["sentiment"]) == (True, False, "negative")
    assert row["praise"] is pd.NA


def test_load_labels_counts_unknown_ids_and_goes_on(tmp_path, posts):
    good = tmp_path / "good.csv"
    good.write_text("mention_id,complaint\nm000,yes\nm004,no\nzz1,yes\nzz2,no\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("mention_id,complaint\nm001,maybe\n", encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text("mention_id,complaint,sentiment\nm000,no,negative\n", encoding="utf-8")
    labels, report = load_labels([good, bad, other], posts)
    assert labels["mention_id"].tolist() == ["m000", "m004"]
    assert labels["complaint"].tolist() == [pd.NA, False]  # m000: the files disagree
    assert labels["sentiment"].tolist() == ["negative", pd.NA]
    assert (report.rows, report.labelled, report.unknown_ids) == (5, 2, 2)
    assert report.unknown_examples == ["zz1", "zz2"]
    assert report.errors == [
        f"{bad}, row 2, column complaint: 'maybe' is not a label; " + _FLAG_HELP,
        f"{other}, row 2, column complaint: mention_id 'm000' is labelled no here and yes in "
        f"{good}; neither is used",
    ]
    assert report.counts == {
        "complaint": {"yes": 0, "no": 1},
        "sentiment": {"negative": 1, "neutral": 0, "positive": 0},
    }


# --- training, measuring, predicting ----------------------------------------------------------


def test_measure_hand_computed():
    gold = np.array([True, True, True, False, False])
    predicted = np.array([True, True, False, True, False])
    figures = measure(gold, predicted, n_bootstrap=0)
    assert figures["precision"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["recall"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert figures["f1"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    macro = measure(np.array(["a", "b", "b"]), np.array(["a", "b", "a"]), ["a", "b"], 0)
    # a: P 1/2 R 1 F1 2/3; b: P 1 R 1/2 F1 2/3
    assert macro["f1"]["value"] == pytest.approx(2 / 3, abs=1e-4)
    assert macro["precision"]["value"] == pytest.approx(0.75)


def test_models_for_labels_with_enough_examples(fitted):
    assert sorted(fitted.models_) == ["complaint", "sentiment"]
    assert fitted.models_["complaint"].languages == ["de", "en"]
    lead = fitted.results_["lead"]
    assert lead["status"] == "rules"
    assert lead["counts"] == {"yes": 3, "no": 5}
    assert lead["needed"] == {"yes": 17, "no": 15}
    assert lead["message"] == (
        "lead: label 17 more 'yes' (have 3 of 20) and 15 more 'no' "
        "(have 5 of 20) to train a model; the rules stay until then"
    )


def test_cross_validated_metrics_beside_the_rules(fitted):
    result = fitted.results_["complaint"]
    assert (result["n"], result["counts"], result["folds"]) == (80, {"yes": 40, "no": 40}, 5)
    for source in ("model", "rules"):
        assert set(result[source]) == {"precision", "recall", "f1"}
        for figure in result[source].values():
            assert set(figure) == {"value", "low", "high"}
            assert 0 <= figure["low"] <= figure["value"] <= figure["high"] <= 1
    # rules: 20 of the 40 complaints flagged, no false alarm -> P 1, R 0.5, F1 2/3
    assert result["rules"]["precision"]["value"] == 1.0
    assert result["rules"]["recall"]["value"] == 0.5
    assert result["rules"]["f1"]["value"] == pytest.approx(0.6667)
    assert result["model"]["f1"]["value"] > result["rules"]["f1"]["value"]
    sentiment = fitted.results_["sentiment"]
    assert sentiment["counts"] == {"negative": 40, "neutral": 20, "positive": 20}
    # rules say neutral everywhere: macro F1 = (0 + 2*20/(2*20+60) + 0) / 3
    assert sentiment["rules"]["f1"]["value"] == pytest.approx(0.4 / 3, abs=1e-4)
    assert sentiment["model"]["f1"]["value"] > 0.8


def test_predictions_label_source_and_human_labels_win(fitted, posts, labels):
    unseen = _unseen()
    scored = pd.concat([_scored(posts), unseen], ignore_index=True)
    human = labels.copy()
    human.loc[0, "complaint"] = False  # a person overrules: m000 is not a complaint
    out = apply_classifier(scored, fitted, human)
    assert out["label_source"].tolist()[:80] == ["human"] * 80
    assert out["label_source"].tolist()[80:] == ["model"] * 4 + ["rules"]  # fr: no labels seen
    assert not out.loc[0, "is_complaint"]
    assert out["is_complaint"].iloc[1:80].tolist() == posts["complaint"].iloc[1:].tolist()
    assert out["sentiment_label"].iloc[:80].tolist() == posts["sentiment"].tolist()
    new = out.iloc[80:].set_index("mention_id")
    assert new["is_complaint"].to_dict() == {
        "u1": True,
        "u2": False,
        "u3": True,
        "u4": False,
        "u5": False,
    }
    assert new["sentiment_label"].to_dict() == {
        "u1": "negative",
        "u2": "positive",
        "u3": "negative",
        "u4": "positive",
        "u5": "neutral",
    }
    assert new.loc["u3", "intent"] == "complaint" and new.loc["u3", "intent_cue"] is pd.NA
    assert new.loc["u5", "intent"] == "other" and new.loc["u2", "intent"] == "praise"
    assert "label_source" not in scored.columns  # the input is not changed


def test_brand_posts_keep_the_rules(fitted):
    unseen = _unseen().assign(is_customer=[True, True, False, True, True])
    out = apply_classifier(unseen, fitted)
    assert not out.loc[2, "is_complaint"]  # a brand post: no intent from the model
    assert out.loc[2, "sentiment_label"] == "negative"  # sentiment is for every post
    assert out.loc[2, "label_source"] == "model"


def test_no_classifier_keeps_rules(posts):
    scored = _scored(posts).drop(columns=["is_complaint", "is_question", "is_praise", "is_lead"])
    before = scored.copy()
    out = apply_classifier(scored, None)
    pd.testing.assert_frame_equal(scored, before)  # a shallow copy, yet the input is unchanged
    assert (out["label_source"] == "rules").all()
    assert out["is_complaint"].tolist() == (scored["intent"] == "complaint").tolist()
    assert out["intent"].tolist() == scored["intent"].tolist()


# --- persistence ------------------------------------------------------------------------------


def test_json_round_trip_gives_identical_predictions(tmp_path, fitted, posts):
    path = save_classifier(fitted, tmp_path / "models", "sha256:x")
    files = list((tmp_path / "models").iterdir())
    assert files == [path]
    for file in files:  # plain JSON, no pickle
        raw = file.read_bytes()
        assert not raw.startswith(b"\x80")
        data = json.loads(raw)
        assert data["format"] == "socialcrm-classifier"
    assert data["label_hash"] == "sha256:x"
    loaded, meta = load_classifier(tmp_path / "models")
    assert meta["label_hash"] == "sha256:x"
    scored = pd.concat([_scored(posts), _unseen()], ignore_index=True)
    before, after = fitted.predict_proba(scored), loaded.predict_proba(scored)
    assert before.keys() == after.keys()
    for label in before:
        assert np.array_equal(before[label].to_numpy(), after[label].to_numpy())
    pd.testing.assert_frame_equal(
        apply_classifier(scored, fitted), apply_classifier(scored, loaded)
    )
    assert loaded.results_ == json.loads(json.dumps(fitted.results_))


def _write_labels(path: Path, posts: pd.DataFrame, rows: int = 80) -> None:
    frame = posts[["mention_id", "complaint", "sentiment"]].head(rows).copy()
    frame["complaint"] = np.where(frame["complaint"], "yes", "no")
    frame.to_csv(path, index=False)


def test_retrain_only_when_labels_or_versions_change(tmp_path, posts, monkeypatch):
    scored = _scored(posts)
    label_file = tmp_path / "labels.csv"
    _write_labels(label_file, posts)
    folder = tmp_path / "client"
    small = ClientClassifier(n_bootstrap=50)
    first = learn_from_labels(scored, [label_file], folder, classifier=small)
    assert first.retrained and first.model_path == folder / "classifier.json"
    assert first.card["label_hash"] == hash_label_files([label_file])
    assert first.card["models"] == ["complaint", "sentiment"]
    second = learn_from_labels(scored, [label_file], folder, classifier=small)
    assert not second.retrained
    pd.testing.assert_frame_equal(first.scored, second.scored)
    assert second.card["labels"] == first.card["labels"]
    with label_file.open("a", encoding="utf-8") as handle:
        handle.write("m079,yes,negative\n")  # the same id, a changed label
    with pytest.raises(LabelFileError):
        read_labels(label_file)
    _write_labels(label_file, posts)
    with label_file.open("a", encoding="utf-8") as handle:
        handle.write("\n")  # the same labels, other bytes: the hash changes
    assert learn_from_labels(scored, [label_file], folder, classifier=small).retrained
    assert not learn_from_labels(scored, [label_file], folder, classifier=small).retrained
    monkeypatch.setattr(
        learn_persistence,
        "_package_versions",
        lambda: {"socialcrm-utils": "9.9", "scikit-learn": "1.0"},
    )
    assert learn_from_labels(scored, [label_file], folder, classifier=small).retrained


def test_too_few_labels_keep_the_rules(tmp_path, posts):
    scored = _scored(posts)
    label_file = tmp_path / "labels.csv"
    # thing 0 (4 complaints, 2 questions, 2 praise) and 2 complaints about thing 1
    _write_labels(label_file, posts, rows=10)
    result = learn_from_labels(scored, [label_file], tmp_path / "client")
    assert result.classifier.models_ == {}
    card = result.card
    assert card["models"] == [] and card["rules_only"] == ["complaint", "sentiment"]
    assert card["needed"] == {
        "complaint": {"yes": 14, "no": 16},
        "sentiment": {"negative": 9, "neutral": 13, "positive": 13},
    }
    assert card["messages"][0] == (
        "complaint: label 14 more 'yes' (have 6 of 20) and 16 more "
        "'no' (have 4 of 20) to train a model; the rules stay until "
        "then"
    )
    out = result.scored
    assert out["label_source"].tolist() == ["human"] * 10 + ["rules"] * 70
    assert (
        out["is_complaint"].iloc[10:].tolist()
        == (scored["intent"] == "complaint").iloc[10:].tolist()
    )


def test_bad_label_file_goes_on_with_rules(tmp_path, posts):
    label_file = tmp_path / "labels.csv"
    label_file.write_text("mention_id,complaint\nm000,maybe\n", encoding="utf-8")
    result = learn_from_labels(_scored(posts), [label_file], tmp_path / "client")
    assert result.card["errors"] == [
        f"{label_file}, row 2, column complaint: 'maybe' is not a label; " + _FLAG_HELP
    ]
    assert (result.scored["label_source"] == "rules").all()


def test_no_label_files_at_all(posts):
    result = learn_from_labels(_scored(posts), [], None)
    assert result.classifier is None and result.model_path is None
    assert (result.scored["label_source"] == "rules").all()
    assert result.card["models"] == [] and result.card["labels"] == {}


def test_card_is_json(fitted):
    card = classifier_card(fitted, None, "sha256:abc")
    assert json.loads(json.dumps(card))["label_hash"] == "sha256:abc"
    assert set(card["versions"]) == {"socialcrm-utils", "scikit-learn"}
    assert card["minimums"] == {"yes": 20, "no": 20, "sentiment_per_class": 15}


# --- which posts to label next ----------------------------------------------------------------


def _pool() -> pd.DataFrame:
    """300 unlabelled posts: twitter/en is 85% of them, three small groups, copies, a brand."""
    rows = []
    groups = [
        ("twitter", "en", 255),
        ("facebook", "en", 20),
        ("twitter", "de", 15),
        ("instagram", "de", 10),
    ]
    for platform, lang, count in groups:
        things = _EN_THINGS if lang == "en" else _DE_THINGS
        templates = (
            _EN_OTHER + _EN_QUESTION + _EN_PRAISE
            if lang == "en"
            else _DE_OTHER + _DE_QUESTION + _DE_PRAISE
        )
        for i in range(count):
            text = templates[i % len(templates)].format(things[i % len(things)])
            text += f" #{platform}{i}"
            rows.append((f"{platform}-{lang}-{i}", platform, lang, text))
    frame = pd.DataFrame(rows, columns=["mention_id", "platform", "lang", "text"])
    frame.loc[1, "text"] = frame.loc[0, "text"].upper()  # a copy, other case
    frame["text_redacted"] = frame["text"]
    frame["is_customer"] = True
    frame.loc[2, "is_customer"] = False
    frame["intent"] = "other"
    frame["sentiment"] = 0.0
    frame["sentiment_label"] = "neutral"
    return frame


@pytest.mark.parametrize("with_model", [False, True])
def test_suggest_labels_diverse(fitted, with_model):
    pool = _pool()
    done = pd.DataFrame({"mention_id": ["twitter-en-3"]})
    todo = suggest_labels(pool, fitted if with_model else None, n=40, labels=done)
    assert list(todo.columns) == [
        "mention_id",
        "platform",
        "lang",
        "text_redacted",
        "complaint",
        "question",
        "praise",
        "lead",
        "sentiment",
    ]
    assert len(todo) == 40 and todo["mention_id"].is_unique
    assert (todo[["complaint", "question", "praise", "lead", "sentiment"]] == "").all().all()
    # square-root quotas of 40 over 252 (the copy, the brand post and the labelled one are
    # out), 20, 15, 10 posts: 40 * sqrt(size) / 27.38 = 23.19, 6.53, 5.66, 4.62 -> 23, 6, 5, 4,
    # and the two largest remainders (.66, .62) get one more each
    counts = todo.groupby(["platform", "lang"]).size().to_dict()
    assert counts == {
        ("twitter", "en"): 23,
        ("facebook", "en"): 6,
        ("twitter", "de"): 6,
        ("instagram", "de"): 5,
    }
    assert not {"twitter-en-1", "twitter-en-2", "twitter-en-3"} & set(todo["mention_id"])


def test_suggestions_round_trip_as_a_label_file(tmp_path):
    todo = suggest_labels(_pool(), None, n=5)
    todo.loc[0, "complaint"] = "yes"
    todo.loc[1, "sentiment"] = "positive"
    path = tmp_path / "labels_todo.csv"
    todo.to_csv(path, index=False)
    frame = read_labels(path)
    assert frame["mention_id"].tolist() == todo["mention_id"].head(2).tolist()


@pytest.mark.parametrize(
    ("model_f1", "rules_f1", "kept"), [(0.5, 0.7, False), (0.7, 0.7, True), (0.9, 0.7, True)]
)
def test_a_model_is_kept_only_when_it_is_not_worse_than_the_rules(
    posts, labels, monkeypatch, model_f1, rules_f1, kept
):
    def fake_measure(self, label, x, gold, inputs, scored, result):
        result["model"] = {"f1": {"value": model_f1}}
        result["rules"] = {"f1": {"value": rules_f1}}

    monkeypatch.setattr(learn.ClientClassifier, "_measure", fake_measure)
    model = ClientClassifier(n_bootstrap=10).fit(_scored(posts), labels)
    assert ("complaint" in model.models_) is kept
    result = model.results_["complaint"]
    assert result["status"] == ("model" if kept else "rules")
    if not kept:
        assert result["message"].endswith(
            "(F1 0.50) is not better than the rules (F1 0.70) on them; the rules stay"
        )
    assert (
        "complaint"
        in ClientClassifier(n_bootstrap=10, require_gain=False).fit(_scored(posts), labels).models_
    )


def _sentiment_pool() -> tuple[pd.DataFrame, ClientClassifier]:
    """100 posts of one group: 2 the lexicon calls positive, 8 negative, 90 neutral.

    Values without a model (rule disagreement, each signal 1/3, plus the missing share 1/2 of
    each sentiment class, since 1 of 2 labels per class is given): a neutral post with no rule
    flag and a score near 0 is worth 1/3 + 1/3 + 1/2; a positive praise post or a negative
    complaint post (rules and lexicon agree) only 1/2. By value alone the neutral posts win.
    """
    rows = []
    for i in range(100):
        if i < 2:
            rows.append(
                (f"p{i}", f"thanks, the {_EN_THINGS[i]} works great", "praise", 0.8, "positive")
            )
        elif i < 10:
            rows.append(
                (
                    f"n{i}",
                    f"my {_EN_THINGS[i % 5]} is broken again, day {i}",
                    "complaint",
                    -0.8,
                    "negative",
                )
            )
        else:
            words = " ".join(f"w{i}x{k}" for k in range(4))
            rows.append((f"u{i}", f"{words} {i * 7919}", "other", 0.0, "neutral"))
    pool = pd.DataFrame(
        rows, columns=["mention_id", "text", "intent", "sentiment", "sentiment_label"]
    )
    pool["platform"], pool["lang"], pool["is_customer"] = "twitter", "en", True
    for name in ("complaint", "question", "praise", "lead"):
        pool[f"is_{name}"] = pool["intent"] == name
    labels = pd.DataFrame(
        {
            "mention_id": ["p0", "n2", "u10"],
            "sentiment": pd.array(["positive", "negative", "neutral"], dtype="string"),
        }
    )
    unfitted = ClientClassifier(min_per_class=2, n_folds=0)
    return pool, unfitted.fit(pool, labels)


def test_suggestions_give_a_rare_predicted_class_its_share():
    pool, classifier = _sentiment_pool()
    assert classifier.models_ == {} and set(classifier.results_) == {"sentiment"}
    done = pd.DataFrame({"mention_id": ["p0", "n2", "u10"]})
    # by value alone: 20 of the 88 neutral posts, not the one positive left
    plain = suggest_labels(pool, classifier, n=20, labels=done, balance_share=0.0, random_share=0.0)
    assert plain["mention_id"].str.startswith("u").all()
    # balance_share 0.3 of 20 = 6 picks round-robin over the strata positive (1 left),
    # negative (7), neutral (88): p1, n, u, then n, u, n (positive is used up)
    todo = suggest_labels(pool, classifier, n=20, labels=done, balance_share=0.3, random_share=0.0)
    first = todo["mention_id"].str[0].value_counts().to_dict()
    assert "p1" in set(todo["mention_id"])
    assert first.get("n", 0) >= 3 and len(todo) == 20
    assert "p1" not in set(plain["mention_id"])


def test_random_share_draws_from_the_whole_group():
    pool, classifier = _sentiment_pool()
    done = pd.DataFrame({"mention_id": ["p0", "n2", "u10"]})
    todo = suggest_labels(
        pool, classifier, n=20, labels=done, balance_share=0.0, random_share=1.0, random_state=3
    )
    expected = np.random.default_rng(3)
    expected.uniform(0, 1e-6, 97)  # the tie-breaking noise is drawn first
    ids = pool[~pool["mention_id"].isin(done["mention_id"])]["mention_id"].to_numpy()
    drawn = set(ids[expected.choice(np.arange(97), 20, replace=False)])
    assert set(todo["mention_id"]) == drawn


def _score_decides(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` German posts of random words whose sentiment the lexicon score alone gives.

    Post i has score (-0.6, 0, 0.6)[i % 3] and that class as its label; the lexicon's own
    label is neutral everywhere.
    """
    rng = np.random.default_rng(0)
    words = ["zug", "tag", "heute", "wieder", "bahn", "mal", "noch", "jetzt"]
    classes = ["negative", "neutral", "positive"]
    scored = pd.DataFrame(
        {
            "mention_id": [f"m{i}" for i in range(n)],
            "text": [" ".join(rng.choice(words, 5)) + f" {i}" for i in range(n)],
            "lang": "de",
            "sentiment": [(-0.6, 0.0, 0.6)[i % 3] for i in range(n)],
            "sentiment_label": "neutral",
        }
    )
    labels = pd.DataFrame(
        {
            "mention_id": scored["mention_id"],
            "sentiment": pd.array([classes[i % 3] for i in range(n)], dtype="string"),
        }
    )
    return scored, labels


def test_calibrated_rules_when_the_score_decides(tmp_path):
    """Sentiment given by the lexicon score alone (-0.6 / 0 / 0.6), texts of random words.

    The lexicon's own labels say neutral everywhere (macro-F1 1/3 of neutral's 0.5). The rule
    features get weight 0.01, so the logistic regression hardly sees the score; the calibrated
    rules read it unscaled and separate the classes perfectly. The first grid pair that does:
    negative at or below -0.6, positive at or above 0.05.
    """
    scored, labels = _score_decides(60)
    model = ClientClassifier(
        n_bootstrap=0, calibrate=True, featurizer=learn.MentionFeaturizer(rule_weight=0.01)
    )
    model.fit(scored, labels)
    result = model.results_["sentiment"]
    assert result["kind"] == "thresholds" and result["model"]["f1"]["value"] == 1.0
    assert result["rules"]["f1"]["value"] == pytest.approx(1 / 6, abs=1e-4)
    assert result["linear"]["f1"]["value"] < 1.0
    fitted = model.models_["sentiment"]
    assert (fitted.negative_at, fitted.positive_at) == (-0.6, 0.05)
    new = pd.DataFrame(
        {
            "mention_id": ["a", "b", "c", "d"],
            "text": ["zug", "tag", "mal", "x"],
            "lang": "de",
            "sentiment": [-0.7, 0.03, 0.05, -0.6],
            "sentiment_label": "neutral",
        }
    )
    expected = ["negative", "neutral", "positive", "negative"]
    assert apply_classifier(new, model)["sentiment_label"].tolist() == expected
    loaded, _ = load_classifier(save_classifier(model, tmp_path).parent)
    assert apply_classifier(new, loaded)["sentiment_label"].tolist() == expected
    assert "calibrated rules (negative <= -0.6, positive >= 0.05)" in result["message"]


def test_calibrated_rules_from_few_labels():
    """8 labels per class: below the n-gram model's 15, enough for the two thresholds (5)."""
    scored, labels = _score_decides(24)
    assert ClientClassifier(n_bootstrap=0, calibrate=True).fit(scored, labels).models_ == {}
    model = ClientClassifier(n_bootstrap=0, calibrate=True, min_calibrated=5).fit(scored, labels)
    result = model.results_["sentiment"]
    assert result["status"] == "model" and result["kind"] == "thresholds"
    assert "linear" not in result and result["model"]["f1"]["value"] == 1.0
    assert result["needed"] == {"negative": 7, "neutral": 7, "positive": 7}
    assert result["message"].endswith(
        "from 24 labels; label 7 more 'negative' and 7 more 'neutral' and 7 more 'positive' "
        "for the n-gram model"
    )
    few = ClientClassifier(n_bootstrap=0, calibrate=True, min_calibrated=5).fit(
        *_score_decides(12)
    )  # 4 per class
    assert few.models_ == {} and few.results_["sentiment"]["status"] == "rules"
    off = ClientClassifier(n_bootstrap=0, calibrate=False, min_calibrated=5).fit(scored, labels)
    assert off.models_ == {}


# --- computed once: the featurizer's matrix ---------------------------------------------------


def _same_csr(a, b) -> bool:
    """Bit for bit: the same rows, columns in the same order, the same float64 values."""
    a, b = a.tocsr(), b.tocsr()
    return (
        a.shape == b.shape
        and a.dtype == b.dtype == np.float64
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


@pytest.mark.parametrize(
    "settings",
    [{}, {"min_df": 3, "max_word_features": 40, "max_char_features": 200}, {"min_df": 10**6}],
    ids=["defaults", "pruned", "nothing-frequent-enough"],
)
def test_featurizer_fit_transform_is_fit_then_transform_bit_for_bit(posts, settings):
    """One analysis of each text gives sklearn's vocabulary and IDF and transform's rows."""
    inputs = learn.mention_inputs(_scored(posts))
    reference = learn.MentionFeaturizer(**settings).fit(inputs)
    featurizer = learn.MentionFeaturizer(**settings)
    matrix = featurizer.fit_transform(inputs)
    assert _same_csr(matrix, reference.transform(inputs))
    assert _same_csr(matrix, featurizer.transform(inputs))
    assert featurizer.to_dict() == reference.to_dict()
    assert matrix.shape == (80, featurizer.n_features_)
    texts = inputs["text"].tolist()
    for fitted, analyzer in ((featurizer.word_, "word"), (featurizer.char_, "char_wb")):
        plain = TfidfVectorizer(**fitted.get_params()).fit(texts)  # sklearn's own fit
        assert plain.analyzer == analyzer and fitted.vocabulary_ == plain.vocabulary_
        assert np.array_equal(fitted.idf_, plain.idf_)
    if settings.get("min_df") == 10**6:  # the fallback keeps every n-gram
        assert featurizer.word_.min_df == 1 and "broken" in featurizer.word_.vocabulary_


def test_learning_predicts_with_the_fitted_matrix_as_with_transformed_texts(
    tmp_path, posts, labels, monkeypatch
):
    scored = _scored(posts)
    model = ClientClassifier(n_bootstrap=0)
    features = model._fit(scored, labels)
    reference = ClientClassifier(n_bootstrap=0).fit(scored, labels)
    assert features is not None and features.shape == (80, model.featurizer_.n_features_)
    assert json.dumps(model.to_dict()) == json.dumps(reference.to_dict())
    with_features = model.predict_proba(scored, features=features)
    transformed = reference.predict_proba(scored)
    assert with_features.keys() == transformed.keys() == {"complaint", "sentiment"}
    for label, proba in with_features.items():
        assert np.array_equal(proba.to_numpy(), transformed[label].to_numpy())
    pd.testing.assert_frame_equal(
        apply_classifier(scored, model, labels, features=features),
        apply_classifier(scored, reference, labels),
    )
    with pytest.raises(ValueError, match="one row per mention"):
        model.predict(scored.head(5), features=features)
    label_file = tmp_path / "labels.csv"
    _write_labels(label_file, posts)
    learned = learn_from_labels(scored, [label_file], None, classifier=ClientClassifier())
    fitted = ClientClassifier().fit(scored, learned.labels)
    pd.testing.assert_frame_equal(learned.scored, apply_classifier(scored, fitted, learned.labels))
    more = pd.concat([scored, _unseen()], ignore_index=True)  # 85 rows, 80 labelled
    assert model._fit(more, labels).shape[0] == 85
    monkeypatch.setattr(learn.model, "MAX_VOCABULARY_TEXTS", 60)  # the labelled rows only
    assert model._fit(more, labels) is None and model.models_.keys() == {"complaint", "sentiment"}
