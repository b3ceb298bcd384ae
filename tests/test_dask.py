"""Dask: a batch of playbooks on a real LocalCluster, and step 3 partition-wise equal to pandas.

One LocalCluster (worker processes, 2 workers, 1 thread each) serves the module. The batch test
runs steps 1-5 of the tiny fixture (kpis.json is step 5's) for two clients and a broken one on
the cluster, while the same playbook runs serially in this process, and compares the KPIs.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
import pytest

from socialcrm_utils.artifacts import read_artifact, write_artifact
from socialcrm_utils.cli import main
from socialcrm_utils.engine.batch import SchedulerError, format_outcomes, run_playbooks
from socialcrm_utils.engine.partitioned import (
    DASK_SCHEDULER_ENV,
    daily_volume_partitioned,
    prepare_mentions_partitioned,
    score_mentions_partitioned,
    weekly_topics_partitioned,
)
from socialcrm_utils.nlp.topics import weekly_topics
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sample import generate_mentions
from socialcrm_utils.steps.listening import (
    daily_volume,
    detect_spikes,
    listen_mentions,
    score_mentions,
)
from socialcrm_utils.steps.prepare import prepare_mentions

from .conftest import EXPECTED, TINY

pytestmark = pytest.mark.dask

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="1.5GiB",
        dashboard_address=None,
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as client:
        yield client


def _tiny(folder, client, source="mentions.csv", name=None):
    """The tiny fixture playbook as client ``client`` in ``folder``, reading ``source``."""
    text = TINY.read_text().replace("client: tiny-air", f"client: {client}")
    path = folder / f"{name or client}.yaml"
    path.write_text(text.replace("path: mentions.csv", f"path: {source}"))
    return path


@pytest.fixture
def batch(tmp_path):
    """Two good playbooks, one that fails in step 1 (every row rejected), one invalid."""
    shutil.copy(TINY.parent / "mentions.csv", tmp_path / "mentions.csv")
    (tmp_path / "bad.csv").write_text("mention_id,text,created_at\n1,,2026-01-01T00:00:00Z\n")
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(TINY.read_text().replace("client: tiny-air", "client: Tiny Air"))
    return {
        "a": _tiny(tmp_path, "tiny-a"),
        "b": _tiny(tmp_path, "tiny-b"),
        "broken": _tiny(tmp_path, "tiny-broken", source="bad.csv"),
        "invalid": invalid,
    }


def _kpis(outcome):
    return {k["name"]: k["value"] for k in read_artifact(outcome.run_dir, "kpis.json")["kpis"]}


def test_batch_on_a_cluster_equals_serial_runs_and_reports_every_playbook(cluster, batch, tmp_path):
    options = {"steps": "1-5", "report": False}
    with ThreadPoolExecutor(1) as pool:  # the serial reference runs meanwhile, in-process
        serial = pool.submit(
            run_playbooks, [batch["invalid"], batch["a"]], out=tmp_path / "serial", **options
        )
        on_cluster = run_playbooks(
            [batch["broken"], batch["a"], batch["b"]],
            scheduler=cluster.scheduler_address,
            out=tmp_path / "cluster",
            **options,
        )
        serial = serial.result()

    # Serial: the invalid playbook does not stop the good one after it.
    assert [(o.client, o.status, o.worker) for o in serial] == [
        (None, "invalid", "local"),
        ("tiny-a", "ok", "local"),
    ]
    assert serial[0].error.startswith("1 error: line 2: client: 'Tiny Air' is not a client id")
    reference = _kpis(serial[1])
    assert reference == pytest.approx(EXPECTED)

    # On the cluster: same order as given, each on a worker, own run folder, same KPIs.
    assert [(o.playbook, o.client, o.status) for o in on_cluster] == [
        (str(batch["broken"]), "tiny-broken", "failed"),
        (str(batch["a"]), "tiny-a", "ok"),
        (str(batch["b"]), "tiny-b", "ok"),
    ]
    assert {o.worker for o in on_cluster} <= set(cluster.scheduler_info["workers"])
    broken, a, b = on_cluster
    assert broken.error.startswith("step 1 (01_find_platforms.ipynb) failed in cell ")
    assert "no mentions kept: all" in broken.error and broken.report is None
    assert a.run_dir != b.run_dir
    for outcome in (a, b):
        assert str(tmp_path / "cluster" / outcome.client) in outcome.run_dir
        assert _kpis(outcome) == reference
        summary = json.loads((Path(outcome.run_dir) / "summary.json").read_text())
        assert summary["status"] == "ok" and summary["client"] == outcome.client
        # steps 1-5 are not a complete run: `latest` stays where it was (nowhere, here)
        assert not (tmp_path / "cluster" / outcome.client / "latest").exists()

    table = format_outcomes(on_cluster).splitlines()
    assert table[0].split() == ["playbook", "client", "status", "seconds", "report", "/", "error"]
    assert table[1].split()[1:3] == ["tiny-broken", "failed"] and "step 1" in table[1]
    assert table[2].split()[1:3] == ["tiny-a", "ok"] and table[2].endswith(a.run_dir)
    assert table[-1] == "3 playbooks: 1 failed, 2 ok"


def test_serial_batch_goes_on_after_a_failing_run(batch, tmp_path, monkeypatch):
    from socialcrm_utils.engine import runner
    from socialcrm_utils.exceptions import NotebookExecutionError

    def fake_run(path, **options):
        client = load_playbook(path).client
        if client == "tiny-broken":
            raise NotebookExecutionError("step 1 (01_find_platforms.ipynb) failed in cell 6\nmore")
        if client == "tiny-b":
            raise KeyError("a bug")
        return runner.RunResult(client, tmp_path / client)

    monkeypatch.setattr(runner, "run_playbook", fake_run)
    lines = []
    outcomes = run_playbooks([batch["broken"], batch["b"], batch["a"]], progress=lines.append)
    assert [(o.client, o.status, o.error) for o in outcomes] == [
        ("tiny-broken", "failed", "step 1 (01_find_platforms.ipynb) failed in cell 6"),
        ("tiny-b", "failed", "KeyError: 'a bug'"),
        ("tiny-a", "ok", None),
    ]
    assert outcomes[2].run_dir == str(tmp_path / "tiny-a")
    assert "tiny-broken: failed in " in "\n".join(lines)


def test_cli_batch_reports_invalid_playbooks_and_exits_1(batch, tmp_path, capsys):
    code = main(
        [
            "run",
            str(batch["invalid"]),
            str(tmp_path / "missing.yaml"),
            "--scheduler",
            "local",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[-1] == "2 playbooks: 2 invalid"
    assert "playbook not found" in out
    assert not (tmp_path / "out").exists(), "nothing runs for invalid playbooks"


def test_cli_rejects_a_bad_scheduler(capsys):
    with pytest.raises(SystemExit):
        main(["run", "a.yaml", "--scheduler", "10.0.0.5:8786"])
    assert "is not local or a scheduler address" in capsys.readouterr().err


@pytest.fixture(scope="module")
def pandas_listening():
    """The pandas result on generated mentions: prepared, scored, daily, spikes, topics."""
    playbook = load_playbook(TINY)
    raw = generate_mentions(3000)
    prepared = prepare_mentions(raw, playbook)
    scored = score_mentions(prepared, playbook)
    daily = daily_volume(scored, playbook.timezone)
    return playbook, raw, prepared, scored, daily, weekly_topics(scored, playbook.timezone)


def _assert_frames_equal(got, expected):
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:
        pd.testing.assert_series_equal(got[column], expected[column], obj=column)


def test_partitioned_listening_equals_pandas(client, pandas_listening):
    playbook, raw, prepared, scored, daily, topics = pandas_listening
    with dask.config.set({"dataframe.convert-string": False}):
        mentions = dd.from_pandas(raw, npartitions=4, sort=False)
        got_prepared = prepare_mentions_partitioned(mentions, playbook)
        got_scored = score_mentions_partitioned(got_prepared, playbook)
        got_daily = daily_volume_partitioned(got_scored, playbook.timezone)
        got_topics = weekly_topics_partitioned(got_scored, playbook.timezone)
        results = client.compute([got_prepared, got_scored, got_daily, got_topics], sync=True)
    for got, expected in zip(results, (prepared, scored, daily, topics), strict=True):
        _assert_frames_equal(got, expected)
    pd.testing.assert_frame_equal(detect_spikes(results[2]), detect_spikes(daily))
    # The test means something: copies span partitions, so partition-local flags would differ.
    parts = [mentions.get_partition(i).compute() for i in range(mentions.npartitions)]
    local = pd.concat(prepare_mentions(part, playbook) for part in parts)
    assert (local["duplicate_of"].fillna("") != prepared["duplicate_of"].fillna("")).sum() > 50
    assert len(topics) > 20 and daily["complaints"].sum() > 100


def test_listen_mentions_engines_agree_on_a_configured_scheduler(
    cluster, pandas_listening, monkeypatch
):
    playbook, _, prepared, _, _, _ = pandas_listening
    in_memory = listen_mentions(prepared, playbook, exclude_terms=["tiny air"])
    monkeypatch.setenv(DASK_SCHEDULER_ENV, cluster.scheduler_address)
    settings = playbook.listening.model_copy(update={"engine": "dask", "partitions": 3})
    partitioned = listen_mentions(
        prepared, playbook.model_copy(update={"listening": settings}), exclude_terms=["tiny air"]
    )
    for got, expected in zip(partitioned, in_memory, strict=True):
        _assert_frames_equal(got, expected)
    monkeypatch.setenv(DASK_SCHEDULER_ENV, "bogus")  # the engine is really Dask's
    with pytest.raises(SchedulerError, match="SOCIALCRM_DASK_SCHEDULER='bogus': use a scheduler"):
        listen_mentions(prepared, playbook.model_copy(update={"listening": settings}))


def test_step_3_notebook_with_engine_dask_writes_the_pandas_artifacts(tmp_path, monkeypatch):
    """The engine switch inside a kernel, on its default scheduler (local processes)."""
    from socialcrm_utils.engine.runner import run_playbook

    monkeypatch.delenv(DASK_SCHEDULER_ENV, raising=False)
    shutil.copy(TINY.parent / "mentions.csv", tmp_path / "mentions.csv")
    path = _tiny(tmp_path, "tiny-dask")
    path.write_text(path.read_text() + "listening: {engine: dask, partitions: 2}\n")
    playbook = load_playbook(path)
    # Step 1's artifact in an earlier run folder: step 3 alone reuses it.
    mentions = prepare_mentions(generate_mentions(400, weeks=3), playbook)
    write_artifact(
        mentions, tmp_path / "out" / "tiny-dask" / "20260101T000000Z", "mentions.parquet"
    )
    result = run_playbook(path, out=tmp_path / "out", steps=[3], report=False)
    assert result.ok
    executed = (result.run_dir / "03_listen.ipynb").read_text()
    assert "listen_mentions(mentions, playbook" in executed
    scored = score_mentions(mentions, playbook)
    words = [*playbook.brand.terms, *playbook.brand.handles, *playbook.brand.competitors]
    got = read_artifact(result.run_dir, "mentions_scored.parquet")
    assert (got["label_source"] == "rules").all()  # no label files: the rules' labels
    _assert_frames_equal(got.drop(columns="label_source"), scored)
    expected_alerts = detect_spikes(daily_volume(scored, playbook.timezone))
    assert len(read_artifact(result.run_dir, "alerts.csv")) == len(expected_alerts)
    topics = weekly_topics(scored, playbook.timezone, n=5, exclude_terms=words)
    assert len(topics) > 5
    _assert_frames_equal(
        read_artifact(result.run_dir, "topics.csv"),
        pd.read_csv(write_artifact(topics, tmp_path, "expected_topics.csv")),
    )
