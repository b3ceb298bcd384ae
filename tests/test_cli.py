"""The socialcrm command: validate, new, and the bad-input table of the foundation issue."""

from __future__ import annotations

import subprocess
import sys

import pytest

from socialcrm_utils.cli import main
from socialcrm_utils.config import EXAMPLE_PLAYBOOK, PROJECT_ROOT
from socialcrm_utils.engine.runner import parse_steps, plan_inputs
from socialcrm_utils.exceptions import MissingArtifactError, SocialCRMError


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_example_prints_summary(capsys):
    code, out, err = run(capsys, "validate", EXAMPLE_PLAYBOOK)
    assert code == 0 and err == ""
    assert "valid" in out.splitlines()[0]
    assert "client     acme-air (ACME Air), language en, time zone Europe/Berlin" in out
    assert "competitors: Globex, Initech Air" in out
    assert "complaint/any platform 1h" in out


def test_missing_playbook_one_line_exit_2(capsys):
    code, out, err = run(capsys, "validate", "playbooks/nope.yaml")
    assert code == 2
    assert err == (
        "error: playbooks/nope.yaml: playbook not found (create one with: socialcrm new CLIENT)\n"
    )


def test_invalid_yaml(capsys, write_playbook):
    path = write_playbook("client: a\n  name: b\n")
    code, _, err = run(capsys, "validate", path)
    assert code == 2 and err.startswith(f"error: {path}:2:7: invalid YAML")
    assert "Traceback" not in err


def test_unknown_key_and_wrong_values_all_listed(capsys, write_playbook, tmp_path):
    (tmp_path / "m.csv").write_text("mention_id,text,created_at\n")
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources: [{kind: file, path: m.csv}]
        golas: []
        goals: [{metric: response_rate, target: high, by: 2027-01-01}]
        sla: {policies: [{first_response: soon}]}
        """
    )
    code, _, err = run(capsys, "validate", path)
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == f"error: {path}: 3 errors"
    assert lines[1].strip().startswith("line 5: golas: unknown key; did you mean 'goals'?")
    assert lines[2].strip() == (
        "line 6: goals[0].target: 'high' is not a number (allowed: a number, e.g. 0.9)"
    )
    assert (
        lines[3]
        .strip()
        .startswith("line 7: sla.policies[0].first_response: 'soon' is not a duration")
    )


def test_run_with_missing_source_fails_before_any_notebook(capsys, write_playbook, tmp_path):
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources: [{kind: file, path: exports/missing.csv}]
        """
    )
    out_dir = tmp_path / "reports"
    code, _, err = run(capsys, "run", path, "--out", out_dir)
    assert code == 2
    assert f"sources[0].path: file not found: {tmp_path / 'exports' / 'missing.csv'}" in err
    assert not out_dir.exists(), "nothing may run before the playbook is valid"


def test_new_writes_a_valid_playbook(capsys, tmp_path):
    code, out, _ = run(capsys, "new", "globex-care", "--dir", tmp_path)
    assert code == 0
    target = tmp_path / "globex-care.yaml"
    assert out.startswith(f"wrote {target}")
    code, out, _ = run(capsys, "validate", target)
    assert code == 0 and "client     globex-care (Globex Care)" in out
    code, _, err = run(capsys, "new", "globex-care", "--dir", tmp_path)
    assert code == 1 and "already exists (use --force to overwrite)" in err


def test_new_rejects_bad_client_id(capsys, tmp_path):
    code, _, err = run(capsys, "new", "Globex Care", "--dir", tmp_path)
    assert code == 1 and "'Globex Care' is not a client id" in err


def test_steps_spec():
    assert parse_steps("1,3-5") == [1, 3, 4, 5]
    assert parse_steps("6, 2") == [2, 6]
    for bad in ("0", "7", "2-9", "x", ""):
        with pytest.raises(SocialCRMError, match="allowed: 1-6"):
            parse_steps(bad)


def test_missing_upstream_artifact_names_the_steps_to_run(tmp_path):
    with pytest.raises(MissingArtifactError) as info:
        plan_inputs([4], tmp_path / "acme-air")
    assert str(info.value) == (
        f"step 4 (04_define_slas.ipynb) needs mentions_scored.parquet, which step 3 writes, and "
        f"no earlier run in {tmp_path / 'acme-air'} has it: run --steps 1-4"
    )


def test_plan_reuses_latest_run(tmp_path):
    client = tmp_path / "acme-air"
    old, new = client / "20261101T100000Z", client / "20261102T100000Z"
    for folder in (old, new):
        folder.mkdir(parents=True)
    for name in ("mentions.parquet", "mentions_scored.parquet", "alerts.csv", "goals.csv"):
        (old / name).write_text("old")
    (new / "mentions_scored.parquet").write_text("new")
    found = plan_inputs([4, 5], client)
    # step 4 writes conversations.parquet itself; step 5's goals.csv and alerts.csv come from
    # the older run.
    assert found == {
        "mentions_scored.parquet": new / "mentions_scored.parquet",
        "alerts.csv": old / "alerts.csv",
        "goals.csv": old / "goals.csv",
    }


def test_console_script_has_no_traceback_for_user_errors():
    exe = PROJECT_ROOT / ".venv" / "bin" / "socialcrm"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "socialcrm_utils.cli"]
    proc = subprocess.run([*cmd, "validate", "does-not-exist.yaml"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_sample_command(capsys, tmp_path):
    code, out, _ = run(capsys, "sample", "--mentions", 300, "--out", tmp_path / "s.parquet")
    assert code == 0 and out == f"wrote {tmp_path / 's.parquet'}\n"
    code, _, err = run(capsys, "sample", "--out", tmp_path / "s.txt")
    assert code == 1
    assert err == f"error: --out {tmp_path / 's.txt'}: use a .csv or .parquet file name\n"
    with pytest.raises(SystemExit) as info:
        main(["sample", "--mentions", "10"])
    assert info.value.code == 2
    assert "--mentions: 10 is too small (at least 100)" in capsys.readouterr().err


def test_failed_step_prints_kernel_traceback_only_with_debug(capsys, tmp_path, monkeypatch):
    import nbformat

    from socialcrm_utils.engine import runner

    notebook = tmp_path / "06_generate_content.ipynb"
    cell = nbformat.v4.new_code_cell("faq = build_faq(mentions)")
    cell.outputs = [
        nbformat.v4.new_output(
            "error",
            ename="KeyError",
            evalue="'label'",
            traceback=[
                "\x1b[0;31mKeyError\x1b[0m  Traceback (most recent call last)",
                "----> 1 faq = build_faq(mentions)",
                "\x1b[0;31mKeyError\x1b[0m: 'label'",
            ],
        )
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), notebook)
    message = (
        f"step 6 (06_generate_content.ipynb) failed in cell 1 (faq = build_faq(mentions)): "
        f"KeyError: 'label'\n  partial notebook: {notebook} (it keeps the traceback; run "
        "with --debug to print it)"
    )

    def fail(*args, **kwargs):
        raise runner.StepFailedError(message, notebook)

    monkeypatch.setattr(runner, "run_playbook", fail)
    code, _, err = run(capsys, "run", EXAMPLE_PLAYBOOK)
    assert code == 1 and err == f"error: {message}\n"
    code, _, err = run(capsys, "run", EXAMPLE_PLAYBOOK, "--debug")
    assert code == 1
    assert err == (
        f"kernel traceback (kept in {notebook}):\n"
        "KeyError  Traceback (most recent call last)\n"
        "----> 1 faq = build_faq(mentions)\n"
        "KeyError: 'label'\n"
        f"error: {message}\n"
    )


# --- a source that cannot be read: a warning line, or with --strict the run's one error line ---


@pytest.fixture
def second_source_unreadable(monkeypatch):
    """Steps that only write their files; step 1 reports source 'feed' as unreadable."""
    import json

    from socialcrm_utils.engine import runner

    class NoKernels:
        def __init__(self, steps, **_):
            pass

        take = release = lambda self, *args: None
        stop = close = lambda self: None

    def execute(step, playbook, run_dir, kernels=None):
        for name in (step.notebook, *step.writes):
            (run_dir / name).write_text("{}")
        if step.number == 1:
            (run_dir / "import_counts.json").write_text(
                json.dumps(
                    [
                        {"source": "mentions.csv", "status": "ok"},
                        {
                            "source": "feed",
                            "status": "HTTP 503 Service Unavailable after 3 attempts",
                        },
                    ]
                )
            )
        return runner.StepResult(step.number, step.notebook, "ok", 0.1, str(run_dir / name))

    monkeypatch.setattr(runner, "_execute_step", execute)
    monkeypatch.setattr(runner, "_Kernels", NoKernels)


TINY = PROJECT_ROOT / "tests" / "fixtures" / "tiny" / "tiny.yaml"
FEED_WARNING = (
    "warning: source 'feed' could not be read: HTTP 503 Service Unavailable after 3 "
    "attempts (the other sources ran)"
)


def test_failed_source_is_one_warning_line_and_exit_0(capsys, tmp_path, second_source_unreadable):
    code, out, err = run(capsys, "run", TINY, "--out", tmp_path, "--no-report")
    assert code == 0 and err == ""
    assert [line for line in out.splitlines() if "warning" in line] == [FEED_WARNING]


def test_strict_makes_a_failed_source_fail_the_run(capsys, tmp_path, second_source_unreadable):
    code, out, err = run(capsys, "run", TINY, "--out", tmp_path, "--no-report", "--strict")
    assert code == 1 and FEED_WARNING in out.splitlines()
    assert err == (
        "error: --strict: 1 source could not be read ('feed'): the run stops after "
        "step 1; fix the source or run without --strict\n"
    )
