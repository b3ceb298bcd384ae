"""The labelling loop end to end: ``socialcrm label``, label files in a playbook, the card.

Known answers: the tiny fixture (tests/fixtures/tiny) has 8 customer posts with text, all
different; the shipped sample's ``data/sample/labels.csv`` holds 240 labelled posts (60
complaints, 50 questions, 50 praise, 40 leads, 40 other; see data/sample/README.md).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from socialcrm_utils.artifacts import write_artifact, write_scored_mentions
from socialcrm_utils.cli import main
from socialcrm_utils.nlp.learn import card_table, learn_from_labels, model_folder
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.steps.listening import score_mentions

from .conftest import ROOT

TINY = ROOT / "tests" / "fixtures" / "tiny"
TODO_COLUMNS = [
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


@pytest.fixture
def tiny_run(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny playbook in tmp_path and a run of steps 1-3 in tmp_path/out (no notebooks)."""
    for name in ("tiny.yaml", "mentions.csv"):
        shutil.copy(TINY / name, tmp_path / name)
    playbook_path = tmp_path / "tiny.yaml"
    playbook = load_playbook(playbook_path)
    run_dir = tmp_path / "out" / playbook.client / "20260901T000000Z"
    run_dir.mkdir(parents=True)
    mentions = read_mentions(playbook).mentions
    write_artifact(mentions, run_dir, "mentions.parquet")
    write_scored_mentions(score_mentions(mentions, playbook), run_dir, playbook)
    return playbook_path, tmp_path / "out"


@pytest.mark.parametrize(("n", "rows"), [(3, 3), (1, 1), (200, 8)])
def test_label_command_writes_todo(tiny_run, tmp_path, capsys, n, rows):
    playbook_path, out = tiny_run
    target = tmp_path / "todo" / "labels_todo.csv"
    code = main(
        ["label", str(playbook_path), "--n", str(n), "--out", str(out), "--to", str(target)]
    )
    assert code == 0
    todo = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert list(todo.columns) == TODO_COLUMNS
    assert len(todo) == rows  # 8 customer posts with text in the fixture
    assert todo["mention_id"].is_unique
    assert set(todo["mention_id"]) <= {"t1", "t3", "t5", "t6", "t8", "t9", "t10", "t11"}
    assert (todo[["complaint", "question", "praise", "lead", "sentiment"]] == "").all().all()
    assert f"wrote {target}: {rows} posts" in capsys.readouterr().out


def test_label_command_default_file_is_next_to_the_playbook(tiny_run, tmp_path):
    playbook_path, out = tiny_run
    assert main(["label", str(playbook_path), "--n", "2", "--out", str(out)]) == 0
    assert len(pd.read_csv(tmp_path / "labels_todo.csv")) == 2


def test_label_command_without_a_run_names_the_command(tmp_path, capsys):
    for name in ("tiny.yaml", "mentions.csv"):
        shutil.copy(TINY / name, tmp_path / name)
    code = main(["label", str(tmp_path / "tiny.yaml"), "--out", str(tmp_path / "none")])
    err = capsys.readouterr().err
    assert code == 1
    assert "socialcrm run" in err and "--steps 1-3" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "labels_todo.csv").exists()


def test_missing_label_file_warns_once_and_keeps_the_rules(tiny_run, tmp_path, caplog):
    playbook_path, _ = tiny_run
    text = playbook_path.read_text(encoding="utf-8")
    playbook_path.write_text(text + "listening: {labels: [no_such_labels.csv]}\n", encoding="utf-8")
    playbook = load_playbook(playbook_path)  # a missing label file is not a playbook error
    scored = score_mentions(read_mentions(playbook).mentions, playbook)
    with caplog.at_level(logging.WARNING, logger="socialcrm_utils"):
        result = learn_from_labels(scored, playbook.listening.labels, tmp_path / "models")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "no_such_labels.csv" in warnings[0].getMessage()
    assert len(result.report.errors) == 1 and "not found" in result.report.errors[0]
    assert result.card["models"] == [] and card_table(result.card).empty
    assert (result.scored["label_source"] == "rules").all()
    pd.testing.assert_series_equal(result.scored["intent"], scored["intent"])


def test_example_playbook_labels_give_a_card_with_metrics(tmp_path):
    playbook = load_playbook(ROOT / "playbooks" / "example.yaml")
    assert [p.name for p in playbook.listening.labels] == ["labels.csv"]
    labels = pd.read_csv(playbook.listening.labels[0], dtype=str, keep_default_na=False)
    mentions = read_mentions(playbook).mentions
    keep = mentions["mention_id"].isin(labels["mention_id"]) | (mentions.index < 600)
    scored = score_mentions(mentions[keep].reset_index(drop=True), playbook)
    run_dir = tmp_path / "acme-air" / "run"
    run_dir.mkdir(parents=True)
    result = learn_from_labels(scored, playbook.listening.labels, model_folder(run_dir))
    write_artifact(result.card, run_dir, "classifier_card.json")
    card = json.loads((run_dir / "classifier_card.json").read_text(encoding="utf-8"))
    assert card["labelled_mentions"] == 240 and card["unknown_ids"] == 0 and card["errors"] == []
    assert card["labels"]["complaint"]["counts"] == {"yes": 60, "no": 180}
    assert card["labels"]["lead"]["counts"] == {"yes": 40, "no": 200}
    assert set(card["models"]) == {"complaint", "question", "praise", "lead", "sentiment"}
    for label in card["models"]:
        for source in ("model", "rules"):
            for metric in ("precision", "recall", "f1"):
                figure = card["labels"][label][source][metric]
                assert 0 <= figure["low"] <= figure["value"] <= figure["high"] <= 1
    table = card_table(card)
    assert len(table) == 10 and set(table["source"]) == {"model", "rules"}
    assert (tmp_path / "acme-air" / "models" / "classifier.json").is_file()
    labelled = result.scored["mention_id"].isin(labels["mention_id"])
    assert (result.scored.loc[labelled, "label_source"] == "human").all()
    assert set(result.scored.loc[~labelled, "label_source"]) <= {"model", "rules"}
