"""The labelling widget of notebook 03: an analyst's clicks, the file written, resuming."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from socialcrm_utils.exceptions import ResourceMissingError
from socialcrm_utils.nlp.label_widget import (
    LABEL_ENV,
    TODO_COLUMNS,
    LabelSession,
    default_label_file,
    describe_guess,
    explain_suggestions,
    labelling_requested,
    merge_todo,
    read_label_rows,
)
from socialcrm_utils.nlp.labels import LabelFileError, load_labels, read_labels

HEADER = "mention_id,platform,lang,text_redacted,complaint,question,praise,lead,sentiment"


def _scored() -> pd.DataFrame:
    """Six scored mentions as the listening step leaves them (m6 is the brand's own post)."""
    return pd.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3", "m4", "m5", "m6"],
            "platform": ["twitter", "twitter", "facebook", "facebook", "instagram", "twitter"],
            "lang": ["en", "en", "de", "en", "en", "en"],
            "text_redacted": [
                "Flight AC1 delayed again, no food, nothing.",
                "why does the app keep logging me out?",
                "Danke für den tollen Service!",
                "@acme half my order was missing",
                "=HYPERLINK(1) what are your prices for groups",
                "We are sorry to hear that.",
            ],
            "is_customer": [True, True, True, True, True, False],
            "is_complaint": [True, False, False, False, False, False],
            "is_question": [False, True, False, False, True, False],
            "is_praise": [False, False, True, False, False, False],
            "is_lead": [False, False, False, False, True, False],
            "intent": ["complaint", "question", "praise", "other", "lead", "other"],
            "intent_cue": ["delayed", "?", "danke", pd.NA, "prices", pd.NA],
            "sentiment": [-0.6, -0.4, 0.8, 0.1, 0.0, -0.3],
            "sentiment_label": [
                "negative",
                "negative",
                "positive",
                "neutral",
                "neutral",
                "negative",
            ],
            "label_source": ["rules"] * 6,
        }
    )


def _suggested(ids: list[str]) -> pd.DataFrame:
    """What suggest_labels returns for these ids (context columns, empty labels)."""
    scored = _scored().set_index("mention_id").loc[ids].reset_index()
    out = scored[["mention_id", "platform", "lang", "text_redacted"]].copy()
    for column in ("complaint", "question", "praise", "lead", "sentiment"):
        out[column] = ""
    return out


@pytest.fixture
def widgets():
    return pytest.importorskip("ipywidgets")


def _click(widget, flags: dict[str, str] | None = None, sentiment: str = "") -> None:
    """What the analyst does: set the toggle buttons, then click Save and next."""
    for name, toggle in widget.flags.items():
        toggle.value = (flags or {}).get(name, "")
    widget.sentiment.value = sentiment
    widget.save_button.click()


def test_analyst_clicks_write_the_cli_file_that_read_labels_reads(tmp_path, widgets):
    from socialcrm_utils.nlp.label_widget import LabelWidget

    path = tmp_path / "labels_todo.csv"
    session = LabelSession.open(
        path, _suggested(["m1", "m2", "m3", "m4", "m5"]), n=5, scored=_scored()
    )
    widget = LabelWidget(session)
    assert widget.progress.value == "0 of 5 labelled · post 1"
    assert "delayed again" in widget.text.value and "twitter · en · m1" in widget.header.value
    assert "complaint · sentiment negative (lexicon -0.60)" in widget.details.value
    assert widget.back_button.disabled
    assert not path.exists()  # nothing is written before the first answer

    _click(widget, {"complaint": "yes", "question": "no"}, "negative")  # m1
    assert path.is_file() and widget.progress.value == "1 of 5 labelled · post 2"
    widget.skip_button.click()  # m2: skipped
    _click(widget, {"question": "yes"})  # m3
    widget.back_button.click()  # back to m3
    assert widget.form_values() == {
        "complaint": "",
        "question": "yes",
        "praise": "",
        "lead": "",
        "sentiment": "",
    }
    _click(widget, {"question": "yes", "praise": "no"}, "positive")  # m3 changed
    _click(widget, {"complaint": "yes"}, "negative")  # m4
    assert widget.progress.value == "3 of 5 labelled · post 5"

    assert (
        path.read_text(encoding="utf-8")
        == "\n".join(
            [
                HEADER,
                'm1,twitter,en,"Flight AC1 delayed again, no food, nothing.",yes,no,,,negative',
                "m2,twitter,en,why does the app keep logging me out?,,,,,",
                "m3,facebook,de,Danke für den tollen Service!,,yes,no,,positive",
                "m4,facebook,en,'@acme half my order was missing,yes,,,,negative",
                "m5,instagram,en,'=HYPERLINK(1) what are your prices for groups,,,,,",
            ]
        )
        + "\n"
    )
    labels = read_labels(path)
    assert labels["mention_id"].tolist() == ["m1", "m3", "m4"]
    assert labels.to_dict("list") == {  # None: not labelled
        "mention_id": ["m1", "m3", "m4"],
        "complaint": [True, None, True],
        "question": [False, True, None],
        "praise": [None, False, None],
        "lead": [None, None, None],
        "sentiment": ["negative", "positive", "negative"],
    }
    _, report = load_labels([path], _scored())
    assert report.errors == [] and report.labelled == 3 and report.unknown_ids == 0
    assert report.counts == {
        "complaint": {"yes": 2, "no": 0},
        "question": {"yes": 1, "no": 1},
        "praise": {"yes": 0, "no": 1},
        "sentiment": {"negative": 2, "neutral": 0, "positive": 1},
    }


def test_resume_keeps_labelled_rows_and_starts_at_the_first_unlabelled(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(
        "mention_id;Complaint;sentiment;note\n"  # a hand-edited, German Excel file
        "m1;ja;negativ;late again\n"
        "m2;;;\n"
        "m3;x;;\n"
        ";;;\n",
        encoding="utf-8",
    )
    session = LabelSession.open(
        path, _suggested(["m3", "m4", "m1", "m5", "m2"]), n=4, scored=_scored()
    )
    assert session.rows["mention_id"].tolist() == ["m1", "m2", "m3", "m4"]
    assert session.position == 1 and session.current().mention_id == "m2"
    assert session.current().text == "why does the app keep logging me out?"  # from the mentions
    assert session.progress_text() == "2 of 4 labelled · post 2"
    session.answer({"question": True, "complaint": True})
    session.skip()  # m3: its label stays
    session.answer({"sentiment": "neutral"})  # m4
    assert session.done and session.current() is None
    assert session.progress_text() == "4 of 4 labelled · all posts seen"
    assert (
        path.read_text(encoding="utf-8")
        == "\n".join(
            [
                HEADER + ",note",
                "m1,,,,yes,,,,negative,late again",
                "m2,,,,yes,yes,,,,",
                "m3,,,,yes,,,,,",
                "m4,facebook,en,'@acme half my order was missing,,,,,neutral,",
            ]
        )
        + "\n"
    )
    again = LabelSession.open(path, _suggested(["m5"]), n=4)  # same n: the same posts
    assert again.rows.equals(session.rows) and again.done
    assert read_labels(path)["complaint"].tolist() == [True, True, True, pd.NA]


def test_back_and_skip_move_without_changing_labels(tmp_path):
    path = tmp_path / "todo.csv"
    session = LabelSession(merge_todo(read_label_rows(path), _suggested(["m1", "m2"]), 2), path)
    session.back()
    assert session.position == 0  # nothing before the first post
    session.skip()
    session.skip()
    session.skip()
    assert session.position == 2 and session.done and not path.exists()
    with pytest.raises(ValueError, match="all posts seen"):
        session.answer({"complaint": True})
    session.back()
    assert session.current().mention_id == "m2"
    session.answer({"lead": False, "sentiment": None})
    assert read_labels(path)[["mention_id", "lead"]].values.tolist() == [["m2", False]]
    session.back()
    session.answer({"lead": None})  # clearing the only label leaves the post unlabelled
    assert session.labelled_count == 0 and len(read_labels(path)) == 0
    session.back()
    with pytest.raises(ValueError, match="unknown label column"):
        session.answer({"complain": True})


def test_widget_after_the_last_post_and_bad_values(tmp_path, widgets):
    from socialcrm_utils.nlp.label_widget import LabelWidget

    widget = LabelWidget(LabelSession.open(tmp_path / "t.csv", _suggested(["m1"]), n=1))
    assert widget.details.value.startswith("<i>current guess:</i> not in the mentions of this run")
    widget.skip_button.click()
    assert widget.save_button.disabled and widget.skip_button.disabled
    assert "All posts seen" in widget.header.value and widget.progress.value.endswith("seen")
    widget.on_save()  # a click that cannot be saved says so in the widget
    assert widget.status.value.startswith("not saved: no post to answer")
    widget.back_button.click()
    assert widget.session.current().mention_id == "m1" and not widget.save_button.disabled


def test_a_file_read_labels_rejects_is_not_resumed(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("mention_id,complaint\nm1,maybe\n", encoding="utf-8")
    with pytest.raises(LabelFileError, match=r"row 2, column complaint: 'maybe' is not a label"):
        LabelSession.open(path, _suggested(["m2"]))


def test_missing_ipywidgets_is_one_line_naming_the_lab_extra(tmp_path, monkeypatch):
    from socialcrm_utils.nlp.label_widget import LabelWidget, start_labelling

    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import ipywidgets fails
    with pytest.raises(ResourceMissingError, match=r"pip install 'socialcrm-utils\[lab\]'"):
        LabelWidget(LabelSession.open(tmp_path / "t.csv", _suggested(["m1"]), n=1))
    with pytest.raises(ResourceMissingError) as raised:
        start_labelling(_scored(), tmp_path / "t.csv")
    assert "\n" not in str(raised.value) and not (tmp_path / "t.csv").exists()


def test_start_labelling_suggests_customer_posts_only(tmp_path, widgets):
    from socialcrm_utils.nlp.label_widget import start_labelling

    widget = start_labelling(
        _scored(), tmp_path / "labels_todo.csv", n=10, labels=read_labels_frame(["m2"])
    )
    ids = widget.session.rows["mention_id"].tolist()
    assert sorted(ids) == ["m1", "m3", "m4", "m5"]  # not the brand's m6, not labelled m2
    assert list(widget.session.rows.columns) == list(TODO_COLUMNS)


def read_labels_frame(ids: list[str]) -> pd.DataFrame:
    """A labels frame (as load_labels returns) with these ids labelled complaint=no."""
    return pd.DataFrame(
        {
            "mention_id": pd.Series(ids, dtype="string"),
            "complaint": pd.Series([False] * len(ids), dtype="boolean"),
        }
    )


def test_reasons_and_guess_from_the_rules():
    reasons = explain_suggestions(_scored()).tolist()
    assert reasons[0] == "the rules agree; picked so every platform and language gets posts"
    assert reasons[1] == (
        "negative, but no complaint cue; a negative question: a problem asked as a question?"
    )
    assert reasons[3] == "no intent rule fired; sentiment score near the thresholds"
    assert reasons[4] == "several intents at once; sentiment score near the thresholds"
    assert describe_guess(_scored().iloc[4].to_dict()) == (
        "question, lead · sentiment neutral (lexicon +0.00) · cue 'prices' · from the rules"
    )
    assert describe_guess({"intent": "praise", "sentiment_label": "unscored"}) == (
        "praise · sentiment unscored"
    )


class _FakeClassifier:
    """The public surface explain_suggestions uses: models_, results_, predict_proba."""

    models_ = {"complaint": object()}
    results_ = {"sentiment": {"needed": {"positive": 12, "neutral": 0}}, "lead": {"needed": {}}}

    def predict_proba(self, scored: pd.DataFrame) -> dict[str, pd.DataFrame]:
        yes = [0.9, 0.55, 0.1, 0.4, 0.8, 0.5]
        return {
            "complaint": pd.DataFrame({False: [1 - p for p in yes], True: yes}, index=scored.index)
        }


def test_reasons_name_the_unsure_model_and_the_missing_kind():
    reasons = explain_suggestions(_scored(), _FakeClassifier()).tolist()
    assert reasons[0] == "the rules agree; picked so every platform and language gets posts"
    assert reasons[1].startswith("the complaint model is unsure (yes 0.55); negative, but")
    assert reasons[2] == (
        "sentiment still needs 12 more 'positive' labels and the rules say positive"
    )
    assert reasons[3].startswith("the complaint model is unsure (no 0.60); no intent rule")


def test_label_file_and_switch_match_the_cli():
    playbook = Path("playbooks/example.yaml")
    assert default_label_file(playbook) == playbook.resolve().parent / "labels_todo.csv"
    assert labelling_requested({LABEL_ENV: " Yes "}) and not labelling_requested({LABEL_ENV: "0"})


def test_ids_written_with_the_formula_guard_are_read_back(tmp_path):
    """An id starting with -, +, @ or = is written with a leading ' (CSV injection guard); the
    label reader takes it off again, so the label matches its mention."""
    from socialcrm_utils.nlp.labels import read_labels

    path = tmp_path / "labels_todo.csv"
    path.write_text("mention_id,complaint\n'-123,yes\n'@x,no\nplain,yes\n", encoding="utf-8")
    labels = read_labels(path)
    assert labels["mention_id"].tolist() == ["-123", "@x", "plain"]
    assert labels["complaint"].tolist() == [True, False, True]
