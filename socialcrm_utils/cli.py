"""The ``socialcrm`` command: validate, new, run, sample, setup, forget, label.

User errors (:class:`SocialCRMError`) print one message without a traceback and exit non-zero
(2 for playbook errors, 1 otherwise). Anything else is a bug: one ``error: internal error``
line (exit 3) that asks for a report, the traceback only with ``--debug``. A failed step prints
one line (notebook, cell, exception) and the partial notebook's path; ``--debug`` adds the
kernel's traceback, which the partial notebook keeps. See ``docs/errors.md``.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from . import __version__
from .config import PLAYBOOKS_DIR, REPORTS_DIR, TEMPLATE_PLAYBOOK
from .exceptions import PlaybookValidationError, SocialCRMError

__all__ = ["main"]

logger = logging.getLogger("socialcrm_utils")


def _client_dir(client: str, out: str | None) -> Path:
    """``<out>/<client>``: the folder of a client's run folders (and default store).

    Raises:
        SocialCRMError: If ``out`` is a file or not writable (:func:`runner.check_out_dir`).
    """
    from .engine.runner import check_out_dir

    return check_out_dir(out) / client


def _store_of(store: str | None, client_dir: Path) -> str:
    """The store a run in ``client_dir`` uses: the playbook's, else ``crm.sqlite`` there."""
    from .config import client_store_url

    return client_store_url(store, client_dir)


def _cmd_validate(args: argparse.Namespace) -> int:
    from .playbook import display_store_url, format_duration, load_playbook
    from .sources.check import check_sources

    pb = load_playbook(args.playbook)
    checks = check_sources(pb, rows=args.rows, online=args.online)
    problems = [c for c in checks if c.status == "problem"]
    client_dir = _client_dir(pb.client, args.out)
    hours = pb.sla.business_hours
    noun = "problem" if len(problems) == 1 else "problems"
    lines = [
        f"{args.playbook}: "
        + (f"keys valid; {len(problems)} source {noun}" if problems else "valid"),
        f"  client     {pb.client} ({pb.name}), language {pb.language}, time zone {pb.timezone}",
        f"  brand      {', '.join(pb.brand.handles)}; competitors: "
        f"{', '.join(pb.brand.competitors) or 'none'}",
        f"  sources    {len(pb.sources)}, first {args.rows} rows of each read:",
        *(
            "             "
            + (
                c.line
                if c.status != "problem"
                else f"sources[{c.index}] {c.label}: see the error below"
            )
            for c in checks
        ),
        f"  goals      {len(pb.goals)}: "
        + ", ".join(f"{g.metric} -> {g.target:g} by {g.by}" for g in pb.goals),
        f"  sla        {len(pb.sla.policies)} policies: "
        + ", ".join(f"{p.label} {format_duration(p.first_response)}" for p in pb.sla.policies),
    ]
    if hours:
        holidays = "none"
        if hours.holidays:
            sub = f"-{hours.holidays.subdivision}" if hours.holidays.subdivision else ""
            holidays = hours.holidays.country + sub
        closed = f", {len(hours.closed_dates)} closed dates" if hours.closed_dates else ""
        lines.append(f"  hours      {hours.describe()}, holidays {holidays}{closed}")
    lines.append(f"  runs       {client_dir}/<UTC time>/, latest complete run: {client_dir}/latest")
    lines.append(f"  store      {display_store_url(_store_of(pb.store, client_dir))}")
    print("\n".join(lines))
    if problems:
        print("\n".join(f"error: {c.line}" for c in problems), file=sys.stderr)
        return 2
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from .config import CLIENT_ID_RE

    client = args.client
    if not CLIENT_ID_RE.fullmatch(client):
        raise SocialCRMError(
            f"'{client}' is not a client id (allowed: lower-case letters, digits and single "
            "hyphens, e.g. acme-air)"
        )
    target = Path(args.dir or PLAYBOOKS_DIR) / f"{client}.yaml"
    if target.exists() and not args.force:
        raise SocialCRMError(f"{target} already exists (use --force to overwrite)")
    name = client.replace("-", " ").title()
    text = TEMPLATE_PLAYBOOK.read_text(encoding="utf-8")
    text = text.replace("client: my-client", f"client: {client}").replace(
        "name: My Client", f"name: {name}"
    )
    if target.parent.resolve() != TEMPLATE_PLAYBOOK.parent.resolve():
        # Keep the template's sample source working from another folder.
        sample = (TEMPLATE_PLAYBOOK.parent / "../data/sample/mentions.csv").resolve()
        text = text.replace("../data/sample/mentions.csv", str(sample))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}; edit brand, sources and goals, then: socialcrm validate {target}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .engine.runner import check_out_dir

    if args.workers is not None and args.scheduler != "local":
        raise SocialCRMError("--workers needs --scheduler local")
    check_out_dir(args.out)
    if args.incremental:
        return _run_incremental(args)
    if len(args.playbook) == 1 and args.scheduler is None:
        from .engine.runner import run_playbook

        result = run_playbook(
            args.playbook[0],
            out=args.out,
            steps=args.steps,
            progress=print,
            report=not args.no_report,
            strict=args.strict,
        )
        print(f"summary: {result.summary}")
        if result.report:
            print(f"report:  {result.report}")
        return 0
    # A batch: every playbook is reported, one failing client does not stop the others.
    from .engine.batch import format_outcomes, run_playbooks

    if not args.debug:  # Dask's own INFO lines (scheduler, nanny, workers) only with --debug
        import os

        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    outcomes = run_playbooks(
        args.playbook,
        scheduler=args.scheduler,
        workers=args.workers,
        out=args.out,
        steps=args.steps,
        report=not args.no_report,
        strict=args.strict,
        progress=print,
    )
    print()
    print(format_outcomes(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def _run_incremental(args: argparse.Namespace) -> int:
    """``run --incremental``: one playbook, only what is new (docs/incremental.md)."""
    if len(args.playbook) != 1 or args.scheduler is not None or args.steps:
        raise SocialCRMError("--incremental runs one playbook, all steps, without --scheduler")
    from .engine.incremental import run_incremental

    result = run_incremental(
        args.playbook[0],
        out=args.out,
        progress=print,
        report=not args.no_report,
        strict=args.strict,
    )
    if result.run is not None:
        print(f"summary: {result.run.summary}")
        if result.run.report:
            print(f"report:  {result.run.report}")
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    from .engine.runner import check_out_dir
    from .engine.watch import watch_playbook

    check_out_dir(args.out)
    watch_playbook(
        args.playbook,
        args.every,
        out=args.out,
        progress=print,
        report=not args.no_report,
        strict=args.strict,
        cycles=args.cycles,
    )
    return 0


def _duration(text: str):
    """An argparse type: a duration of at least one second (``15m``, ``1h``, ``30s``)."""
    import datetime as dt

    from .playbook import parse_duration

    try:
        value = parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a duration (e.g. 15m, 1h, 30s)"
        ) from None
    if value < dt.timedelta(seconds=1):
        raise argparse.ArgumentTypeError(f"{text} is too short (at least 1s)")
    return value


def _cmd_alerts_test(args: argparse.Namespace) -> int:
    from .alerts import send_test_alerts
    from .playbook import load_playbook

    playbook = load_playbook(args.playbook, check_files=False)
    lines = send_test_alerts(playbook)  # an unset ${NAME}: PlaybookError, one line
    for line in lines:
        print(line)
    return 1 if any(line.split(": ", 1)[-1].startswith("failed") for line in lines) else 0


def _cmd_label(args: argparse.Namespace) -> int:
    import pandas as pd

    from .artifacts import neutralize_csv_cells
    from .nlp.learn import latest_scored_run, learn_from_labels, model_folder, suggest_labels
    from .playbook import load_playbook
    from .steps.listening import read_scored_mentions

    pb = load_playbook(args.playbook)
    client_dir = _client_dir(pb.client, args.out)
    run_dir = latest_scored_run(client_dir)
    if run_dir is None:
        raise SocialCRMError(
            f"no scored mentions of {pb.client} in {client_dir}: run "
            f"'socialcrm run {args.playbook} --steps 1-3' first"
        )
    scored = read_scored_mentions(run_dir, pb)
    learned = learn_from_labels(scored, pb.listening.labels, model_folder(run_dir))
    todo = suggest_labels(learned.scored, learned.classifier, n=args.n, labels=learned.labels)
    target = Path(args.to) if args.to else Path(args.playbook).resolve().parent / "labels_todo.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    # a spreadsheet must not run a post as a formula
    neutralize_csv_cells(pd.DataFrame(todo)).to_csv(
        target, index=False, encoding="utf-8", lineterminator="\n"
    )
    print(
        f"wrote {target}: {len(todo)} posts to label from {run_dir.name}; fill the columns "
        f"you can judge, then name the file in listening.labels of {args.playbook}"
    )
    return 0


def _scheduler(text: str) -> str:
    """An argparse type: ``local`` or a Dask scheduler address such as ``tcp://host:8786``."""
    from .engine.batch import SCHEDULER_ADDRESS as _ADDRESS  # as connect checks (no Dask import)

    if text == "local" or _ADDRESS.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(
        f"'{text}' is not local or a scheduler address (e.g. tcp://10.0.0.5:8786)"
    )


def _cmd_sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    if Path(args.out).suffix.lower() not in (".csv", ".parquet"):
        raise SocialCRMError(f"--out {args.out}: use a .csv or .parquet file name")
    path = write_sample(
        args.out,
        args.mentions,
        seed=args.seed,
        include_malformed=not args.clean,
        chunk_rows=args.chunk_rows,
    )
    print(f"wrote {path}")
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from .nlp.resources import ensure_vader_constants, ensure_vader_lexicon
    from .workspace import init_workspace

    root = Path(args.dir).expanduser().resolve()
    written = init_workspace(root, force=args.force)
    print(f"workspace {root}: {len(written)} files written")
    print(f"VADER lexicon: {ensure_vader_lexicon()}")
    print(f"VADER constants: {ensure_vader_constants()}")
    print(f"next: cd {root} && socialcrm run playbooks/example.yaml")
    return 0


def _cmd_paths(args: argparse.Namespace) -> int:
    from . import config

    rows = (
        ("workspace", config.WORKSPACE),
        ("playbooks", config.PLAYBOOKS_DIR),
        ("reports", config.REPORTS_DIR),
        ("notebooks", config.NOTEBOOKS_DIR),
        ("bundle", config.BUNDLE_DIR),
        ("nltk data", config.NLTK_DATA_DIR),
        ("cache", config.CACHE_DIR),
    )
    for name, path in rows:
        print(f"{name:<10} {path}")
    return 0


def _cmd_setup(args: argparse.Namespace) -> int:
    from .nlp.resources import ensure_vader_constants, ensure_vader_lexicon

    print(f"VADER lexicon: {ensure_vader_lexicon()}")
    print(f"VADER constants: {ensure_vader_constants()}")
    return 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from .playbook import load_playbook
    from .store import RUN_ARTIFACTS, StoreNotFoundError, forget_in_runs, open_store

    pb = load_playbook(args.playbook, check_files=False)
    who = args.author + (f" on {args.platform}" if args.platform else "")
    client_dir = _client_dir(pb.client, args.out)
    url = _store_of(pb.store, client_dir)  # the store the runs in client_dir write to
    deleted: dict[str, int] = {}
    store = None
    try:
        store = open_store(url, create=False)
    except StoreNotFoundError as exc:
        where, similar = f"{exc}", []
    try:
        traces = None
        if args.runs:  # before anything is deleted: the author's names and texts
            from .store import collect_traces

            traces = collect_traces(client_dir, args.author, args.platform, store, pb.client)
        if store is not None:
            where = store.url
            deleted = store.forget(pb.client, args.author, args.platform)
            similar = (
                []
                if any(deleted.values())
                else [
                    f"{r.author_id} on {r.platform}"
                    for r in store.find_authors(pb.client, args.author).itertuples()
                ]
            )
        print(f"store: {where} (client {pb.client})")
        if any(deleted.values()):
            for table in ("identities", "contacts", "interactions", "cases"):
                print(f"{table:<13} {deleted[table]} deleted")
            if deleted["interactions_redacted"]:
                print(
                    f"{'interactions':<13} {deleted['interactions_redacted']} redacted "
                    f"(other people's posts naming @{args.author})"
                )
        else:
            hint = (
                f" (author ids are case-sensitive; stored: {', '.join(similar)})" if similar else ""
            )
            print(f"nothing found for author {who}{hint}")
        if traces is None:
            print(
                f"note: run folders under {client_dir}/ still hold artifacts of earlier runs "
                f"({', '.join(RUN_ARTIFACTS)}, report.html, notebooks); rewrite the data "
                "files with --runs, or delete the folders"
            )
            return 0
        changed = forget_in_runs(client_dir, args.author, args.platform)
        for path, rows in changed.items():
            print(f"{path.relative_to(client_dir)}: {rows} rows removed or redacted")
        return _erase_and_scan(client_dir, traces, pb, store, who, bool(changed))
    finally:
        if store is not None:
            store.close()


def _erase_and_scan(
    client_dir: Path,
    traces,
    playbook,
    store,
    who: str,  # noqa: ANN001
    changed: bool,
) -> int:
    """``forget --runs`` after the row-level rewrite: every other file, then the scan."""
    from .engine.report import build_report
    from .store import erase_runs, format_hits, scan_runs, scan_store

    models = client_dir / "models"
    if models.is_dir():  # the label model's vocabulary holds words of the client's texts
        shutil.rmtree(models)
        print(
            "models/: removed (the model learned from the client's labels holds words of "
            "their texts; the next run trains it again)"
        )
    searched, done = erase_runs(
        client_dir,
        traces,
        playbook=playbook,
        store=store,
        build_report=build_report,
        client=playbook.client,
    )
    for path, what in done.items():
        print(f"{path.relative_to(client_dir)}: {what}")
    if not changed and not done:
        print(f"run folders under {client_dir}/: no rows of {who}")
    hits, unsearched = scan_runs(client_dir, searched)
    if store is not None:
        hits += scan_store(store, playbook.client, searched)
    for note in searched.skipped:
        print(f"note: {note}")
    what = (
        f"{len(searched.words)} ids/names, {len(searched.texts)} texts "
        f"({len(searched.fragments)} fragments)"
    )
    images = (
        f"; {len(unsearched)} images and other binary files not searchable" if unsearched else ""
    )
    if not hits:
        print(
            f"scan: no trace of {who} left in the run folders"
            + (" or the store" if store is not None else "")
            + f" (searched {what}{images})"
        )
        return 0
    print(f"scan: traces of {who} left (searched {what}{images}); delete or rebuild:")
    for line in format_hits(hits, client_dir):
        print(f"  {line}")
    return 1


def _at_least(minimum: int):
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small (at least {minimum})")
        return value

    return parse


# long: one declaration block per sub-command and option, read as the command's reference
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``socialcrm`` (one sub-command per action)."""
    parser = argparse.ArgumentParser(
        prog="socialcrm",
        description="Social CRM playbook suite: run the six-step method per client.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="debug logging and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate",
        help="check a playbook and its sources' first rows; print a summary or every error",
    )
    p.add_argument("playbook", help="playbooks/<client>.yaml")
    p.add_argument(
        "--out",
        help="folder for run folders, as given to run (default "
        f"{REPORTS_DIR}); the run and store paths printed are under it",
    )
    p.add_argument(
        "--rows",
        type=_at_least(1),
        default=200,
        help="rows read from each file source (default 200)",
    )
    p.add_argument(
        "--online",
        action="store_true",
        help="also fetch feed and API sources (default: skipped, no network)",
    )
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("new", help="write playbooks/CLIENT.yaml from the template")
    p.add_argument("client", help="client id, e.g. acme-air")
    p.add_argument("--dir", help=f"folder for the playbook (default {PLAYBOOKS_DIR})")
    p.add_argument("--force", action="store_true", help="overwrite an existing playbook")
    p.set_defaults(func=_cmd_new)

    p = sub.add_parser(
        "run",
        help="run the step notebooks of a playbook and build the report",
        description="Run one playbook, or several as a batch: one after another "
        "here, or in parallel on a Dask cluster (--scheduler); a batch ends with "
        "a table of every playbook and exits 1 if any failed.",
    )
    p.add_argument("playbook", nargs="+", help="playbooks/<client>.yaml (several: a batch)")
    p.add_argument(
        "--scheduler",
        type=_scheduler,
        metavar="local|tcp://HOST:PORT",
        help="run the playbooks in parallel on Dask: 'local' starts a cluster of "
        "worker processes here, an address uses an existing cluster (workers need "
        "the suite installed and --out on a shared file system)",
    )
    p.add_argument(
        "--workers",
        type=_at_least(1),
        help="worker processes of --scheduler local (default: one per core)",
    )
    p.add_argument("--out", help=f"folder for run folders (default {REPORTS_DIR})")
    p.add_argument("--steps", help="steps to run, e.g. 1,3-5 (default: all)")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail the run (exit 1) when a source cannot be read (default: one "
        "warning line, the other sources run)",
    )
    p.add_argument(
        "--incremental",
        action="store_true",
        help="read only what is new since the last run and run the steps on the playbook's "
        "window of history; nothing new: one line, exit 0; another run of the client: exit 75 "
        "(for cron and systemd timers, docs/incremental.md)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "watch",
        help="run a playbook incrementally every --every, in the foreground, until "
        "SIGINT/SIGTERM (docs/incremental.md)",
    )
    p.add_argument("playbook", help="playbooks/<client>.yaml")
    p.add_argument(
        "--every", type=_duration, default="15m", help="time between cycles (default 15m)"
    )
    p.add_argument("--out", help=f"folder for run folders (default {REPORTS_DIR})")
    p.add_argument("--no-report", action="store_true", help="skip report.html")
    p.add_argument(
        "--strict", action="store_true", help="fail a cycle when a source cannot be read"
    )
    p.add_argument(
        "--cycles", type=_at_least(1), help="stop after N cycles (default: until a signal)"
    )
    p.set_defaults(func=_cmd_watch)

    p = sub.add_parser("sample", help="generate the fictional sample data (deterministic)")
    p.add_argument("--out", default="data/sample/mentions.csv", help="CSV or Parquet file")
    p.add_argument(
        "--mentions",
        type=_at_least(100),
        default=6000,
        help="approximate number of rows (at least 100)",
    )
    p.add_argument("--seed", type=int, default=20261123, help="random seed")
    p.add_argument("--clean", action="store_true", help="leave out the 3 malformed demo rows")
    p.add_argument(
        "--chunk-rows",
        type=_at_least(1),
        default=100_000,
        help="rows generated and written at a time (bounds memory; the file is the "
        "same for any value)",
    )
    p.set_defaults(func=_cmd_sample)

    p = sub.add_parser(
        "init",
        help="create a workspace (playbooks/, exports/, reports/, the "
        "example and its sample) and install the offline NLP resources",
    )
    p.add_argument("dir", help="the workspace folder (created if missing)")
    p.add_argument("--force", action="store_true", help="overwrite the example and sample files")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("paths", help="print where the workspace, reports, notebooks and caches are")
    p.set_defaults(func=_cmd_paths)

    p = sub.add_parser("setup", help="install offline NLP resources into the project folder")
    p.set_defaults(func=_cmd_setup)

    p = sub.add_parser("forget", help="erase an author from the client's CRM store (GDPR art. 17)")
    p.add_argument("--playbook", required=True, help="playbooks/<client>.yaml (names the store)")
    p.add_argument("--author", required=True, help="the author's id, exactly as stored")
    p.add_argument("--platform", help="only this platform's identity (default: every platform)")
    p.add_argument(
        "--runs",
        action="store_true",
        help="also rewrite the run folders' data files without the author's rows",
    )
    p.add_argument(
        "--out",
        help="folder of the client folders, as given to run "
        f"(default {REPORTS_DIR}); holds the store unless the playbook names one",
    )
    p.set_defaults(func=_cmd_forget)

    p = sub.add_parser("label", help="write labels_todo.csv: the posts worth labelling next")
    p.add_argument("playbook", help="playbooks/<client>.yaml")
    p.add_argument("--n", type=_at_least(1), default=200, help="posts at most (default 200)")
    p.add_argument(
        "--out",
        help="folder of the client folders, as given to run (default "
        f"{REPORTS_DIR}); the latest run's mentions_scored.parquet is read",
    )
    p.add_argument("--to", help="file to write (default: labels_todo.csv next to the playbook)")
    p.set_defaults(func=_cmd_label)

    p = sub.add_parser("alerts", help="the alert channels of a playbook (docs/alerts.md)")
    actions = p.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    test = actions.add_parser("test", help="send one test message per channel; one line each")
    test.add_argument("playbook", help="playbooks/<client>.yaml")
    test.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="debug logging and full tracebacks",
    )
    test.set_defaults(func=_cmd_alerts_test)
    for command in sub.choices.values():  # --debug also after the command (socialcrm run --debug)
        command.add_argument(
            "--debug",
            action="store_true",
            default=argparse.SUPPRESS,
            help="debug logging and full tracebacks",
        )
    return parser


def _print_debug(exc: SocialCRMError) -> None:
    """With ``--debug``: the kernel's traceback of a failed step, else the Python traceback."""
    notebook = getattr(exc, "notebook", None)
    if notebook is None:
        logger.exception("user error")
        return
    from .engine.runner import failed_traceback

    print(f"kernel traceback (kept in {notebook}):\n{failed_traceback(notebook)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``socialcrm`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from .credentials import MaskSecretsFilter

    for handler in logging.getLogger().handlers:  # urllib3 logs request URLs with --debug
        handler.addFilter(MaskSecretsFilter())
    try:
        return args.func(args)
    except PlaybookValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except SocialCRMError as exc:
        if args.debug:
            _print_debug(exc)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (a bug: one line, the traceback with --debug)
        if args.debug:
            raise
        print(
            f"error: internal error: {type(exc).__name__}: {_one_line(str(exc))} (run again "
            "with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return INTERNAL_ERROR_EXIT


#: Exit code of an unexpected error (a bug in the suite, not a wrong input).
INTERNAL_ERROR_EXIT = 3


def _one_line(text: str, width: int = 200) -> str:
    """The first non-empty line of ``text``, cut to ``width`` characters."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= width else line[: width - 3] + "..."


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
