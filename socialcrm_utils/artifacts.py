"""Artifacts in a run folder: every step writes its outputs here and reads its inputs from here.

A missing input names the step that writes it and the command that runs that step.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .config import ARTIFACT_PRODUCER, REPORTS_DIR, STEPS
from .exceptions import MissingArtifactError

__all__ = ["artifact_path", "read_artifact", "resolve_run_dir", "write_artifact", "store_url",
           "run_started_at"]

logger = logging.getLogger(__name__)


def resolve_run_dir(run_dir: str | Path, client: str) -> Path:
    """The run folder a notebook writes to, created if missing.

    The runner passes a fresh ``reports/<client>/<timestamp>`` folder; a notebook opened in
    JupyterLab with the default empty ``RUN_DIR`` uses ``reports/<client>/interactive``, so the
    step notebooks run one after the other share their artifacts.

    Examples:
        >>> resolve_run_dir("", "acme-air").parts[-2:]
        ('acme-air', 'interactive')
    """
    path = Path(run_dir) if str(run_dir) else REPORTS_DIR / client / "interactive"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def store_url(store: str | None, run_dir: str | Path) -> str:
    """The CRM store of a run: the playbook's ``store`` URL, else ``crm.sqlite`` in the client's
    report folder (the run folder's parent, ``reports/<client>/``, wherever ``--out`` put it).

    Examples:
        >>> store_url(None, "/tmp/reports/acme-air/20261101T090000Z")
        'sqlite:////tmp/reports/acme-air/crm.sqlite'
        >>> store_url("postgresql+psycopg://crm@db/crm", "/tmp/x/run")
        'postgresql+psycopg://crm@db/crm'
    """
    if store:
        return store
    return f"sqlite:///{Path(run_dir).resolve().parent / 'crm.sqlite'}"


def run_started_at(run_dir: str | Path) -> dt.datetime:
    """When a run started: from the runner's folder name (``20261101T090000Z``), else now (UTC).

    Examples:
        >>> run_started_at("/tmp/reports/acme-air/20261101T090000Z").isoformat()
        '2026-11-01T09:00:00+00:00'
    """
    try:
        return dt.datetime.strptime(Path(run_dir).name, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return dt.datetime.now(dt.UTC)


def artifact_path(run_dir: str | Path, name: str) -> Path:
    """Return the path of artifact ``name`` in ``run_dir``.

    Examples:
        >>> artifact_path("/tmp/run", "goals.csv").name
        'goals.csv'
    """
    return Path(run_dir) / name


def write_artifact(data: pd.DataFrame | dict[str, Any] | list[Any], run_dir: str | Path,
                   name: str) -> Path:
    """Write ``data`` to ``run_dir/name`` in the format of the name's suffix.

    ``.parquet`` and ``.csv`` take a frame, ``.json`` takes anything JSON can hold. The file is
    written to a temporary name first and renamed, so a reader never sees half a file.

    Args:
        data: The frame or JSON-able object.
        run_dir: The run folder (created if missing).
        name: File name with suffix.

    Returns:
        The path written.
    """
    path = artifact_path(run_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if name.endswith(".parquet"):
        data.to_parquet(tmp, index=False)
    elif name.endswith(".csv"):
        data.to_csv(tmp, index=False)
    elif name.endswith(".json"):
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n",
                       encoding="utf-8")
    else:
        raise ValueError(f"unknown artifact type: {name}")
    os.replace(tmp, path)
    logger.info("wrote %s", path)
    return path


def read_artifact(run_dir: str | Path, name: str) -> Any:
    """Read artifact ``name`` from ``run_dir``.

    Args:
        run_dir: The run folder.
        name: File name with suffix (``.parquet``, ``.csv`` or ``.json``).

    Returns:
        A frame for Parquet/CSV, the parsed object for JSON.

    Raises:
        MissingArtifactError: If the file is not there; the message names the step to run.
    """
    path = artifact_path(run_dir, name)
    if not path.is_file():
        step = ARTIFACT_PRODUCER.get(name)
        if step is None:
            raise MissingArtifactError(f"{path}: not found")
        notebook = STEPS[step - 1].notebook
        raise MissingArtifactError(
            f"{path}: not found; it is written by step {step} ({notebook}): run that step first, "
            f"e.g. socialcrm run PLAYBOOK --steps {step}"
        )
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    if name.endswith(".csv"):
        return pd.read_csv(path)
    return json.loads(path.read_text(encoding="utf-8"))
