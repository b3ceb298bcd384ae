"""Clear messages (issue 14, item 7): each bad input or command and its exact message.

Every case is a command line run through ``socialcrm`` (``cli.main``) on a playbook built from
the tiny fixture (``tests/fixtures/tiny``) with one change; the expected stderr is written out
in full: no traceback, the file, key or line, and the fix. ``{pb}`` is the playbook's path and
``{tmp}`` the test's folder.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from socialcrm_utils import cli
from socialcrm_utils.cli import main

TINY = Path(__file__).parent / "fixtures" / "tiny"
TEXT = (TINY / "tiny.yaml").read_text(encoding="utf-8")
DUPLICATE = "keep one of them (YAML would silently use the last)"


def _bomb(levels: int = 9) -> str:
    """A "billion laughs" playbook: each anchor is nine aliases of the one before (9**9)."""
    lines = [
        "client: tiny-air",
        'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    ]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


# (case id, playbook text, expected stderr, exit code)
PLAYBOOK_CASES = [
    (
        "duplicate client",
        TEXT.replace("name: Tiny Air", "name: Tiny Air\nclient: other-air"),
        f"error: {{pb}}: 1 error\n  line 4: client: duplicate key (first on line 2): {DUPLICATE}\n",
        2,
    ),
    (
        "duplicate nested key",
        TEXT.replace('  terms: ["tiny air"', '  terms: ["x"]\n  terms: ["tiny air"'),
        f"error: {{pb}}: 1 error\n  line 9: brand.terms: duplicate key (first on line 8): "
        f"{DUPLICATE}\n",
        2,
    ),
    (
        "duplicate key in a list item",
        TEXT.replace(
            "{metric: response_rate, target: 0.9,",
            "{metric: response_rate, target: 0.9, target: 0.8,",
        ),
        f"error: {{pb}}: 1 error\n  line 13: goals[0].target: duplicate key (first on line 13): "
        f"{DUPLICATE}\n",
        2,
    ),
    (
        "impossible date",
        TEXT.replace("by: 2099-12-31}", "by: 2027-13-45}", 1),
        "error: {pb}: 1 error\n  line 13: goals[0].by: '2027-13-45' is not a date (allowed: "
        "YYYY-MM-DD, e.g. 2027-03-31)\n",
        2,
    ),
    (
        "February 30",
        TEXT.replace("by: 2099-12-31}", "by: 2027-02-30}", 1),
        "error: {pb}: 1 error\n  line 13: goals[0].by: '2027-02-30' is not a date (allowed: "
        "YYYY-MM-DD, e.g. 2027-03-31)\n",
        2,
    ),
    (
        "latin-1 playbook",
        TEXT.replace("name: Tiny Air", "name: Tiny Äir").encode("latin-1"),
        "error: {pb}:3:12: not UTF-8 (byte 0xc4; the file looks like Latin-1/cp1252): save the "
        "playbook as UTF-8, e.g. iconv -f cp1252 -t utf-8 client.yaml > fixed.yaml\n",
        2,
    ),
    (
        "alias bomb",
        _bomb(),
        "error: {pb}:6:10: aliases (*name) expand to more than 10,000 values (refused: an alias "
        "bomb?): write the repeated part out or use fewer aliases\n",
        2,
    ),
    (
        "recursive alias",
        TEXT.replace('handles: ["@TinyAir"]', 'handles: &h ["@TinyAir", *h]'),
        "error: {pb}:7:28: alias *h refers to its own anchor (a recursive value): write the "
        "value out\n",
        2,
    ),
    (
        "nesting 60 deep",
        TEXT.replace("language: en", "language: " + "[" * 60 + "en" + "]" * 60),
        "error: {pb}:4:60: values nest more than 50 levels deep (aliases expanded): flatten the "
        "playbook\n",
        2,
    ),
]


@pytest.fixture
def playbook_at(tmp_path):
    """Write a playbook (text or bytes) next to the tiny fixture's data; returns its path."""
    shutil.copy(TINY / "mentions.csv", tmp_path / "mentions.csv")

    def write(content: str | bytes) -> Path:
        path = tmp_path / "client.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize(
    ("content", "expected", "code"),
    [case[1:] for case in PLAYBOOK_CASES],
    ids=[case[0] for case in PLAYBOOK_CASES],
)
def test_playbook_message(playbook_at, capsys, content, expected, code):
    path = playbook_at(content)
    started = time.perf_counter()
    assert main(["validate", str(path)]) == code
    assert time.perf_counter() - started < 5  # the bomb is refused, not expanded
    captured = capsys.readouterr()
    assert captured.err == expected.format(pb=path)
    assert captured.out == ""


# (case id, arguments after the command, expected stderr); {tmp} is the test folder, where
# "afile" is a file.
OUT_CASES = [
    (
        "validate --out a file",
        ["validate", "{pb}", "--out", "{tmp}/afile"],
        "error: --out {tmp}/afile: is a file, not a folder (give the folder for run folders, e.g. "
        "--out reports)\n",
    ),
    (
        "run --out a file",
        ["run", "{pb}", "--out", "{tmp}/afile"],
        "error: --out {tmp}/afile: is a file, not a folder (give the folder for run folders, e.g. "
        "--out reports)\n",
    ),
    (
        "run --out under a file",
        ["run", "{pb}", "--out", "{tmp}/afile/runs"],
        "error: --out {tmp}/afile/runs: {tmp}/afile is a file, not a folder (give the folder for "
        "run folders, e.g. --out reports)\n",
    ),
    (
        "run --out where nothing can be created",
        ["run", "{pb}", "--out", "/proc/socialcrm"],
        "error: --out /proc/socialcrm: not writable (cannot create it in /proc): No such file or "
        "directory; give a folder you can write to, e.g. --out reports\n",
    ),
]


@pytest.mark.parametrize(
    ("args", "expected"), [case[1:] for case in OUT_CASES], ids=[case[0] for case in OUT_CASES]
)
def test_command_message(playbook_at, tmp_path, capsys, args, expected):
    if "/proc/" in expected and not Path("/proc/self").exists():
        pytest.skip("needs Linux /proc")
    path = playbook_at(TEXT)
    (tmp_path / "afile").write_text("not a folder")
    code = main([a.format(pb=path, tmp=tmp_path) for a in args])
    captured = capsys.readouterr()
    assert captured.err == expected.format(tmp=tmp_path)
    assert code == 2
    assert not (tmp_path / "runs").exists()  # nothing ran


def test_internal_error_is_one_line_and_the_traceback_needs_debug(playbook_at, capsys, monkeypatch):
    from socialcrm_utils.sources import check

    def broken(*args, **kwargs):  # a bug somewhere below the command
        raise KeyError("label")

    path = playbook_at(TEXT)
    monkeypatch.setattr(check, "check_sources", broken)
    assert main(["validate", str(path)]) == cli.INTERNAL_ERROR_EXIT == 3
    assert capsys.readouterr().err == (
        "error: internal error: KeyError: 'label' (run again with --debug for the traceback, and "
        "please report it)\n"
    )
    with pytest.raises(KeyError):
        main(["--debug", "validate", str(path)])


def test_strict_reaches_every_playbook_of_a_batch(monkeypatch, tmp_path):
    from socialcrm_utils.engine import runner
    from socialcrm_utils.engine.batch import run_playbooks

    seen = []

    def fake_run(path, **options):
        seen.append(options["strict"])
        raise runner.SocialCRMError("stop here")

    monkeypatch.setattr(runner, "run_playbook", fake_run)
    tiny = Path(__file__).parent / "fixtures" / "tiny" / "tiny.yaml"
    outcomes = run_playbooks([tiny, tiny], out=tmp_path, strict=True)
    assert seen == [True, True] and [o.status for o in outcomes] == ["failed", "failed"]
