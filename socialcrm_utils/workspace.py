"""A consultant's workspace: ``socialcrm init DIR`` creates it from the installed package.

A workspace is a folder with :data:`~socialcrm_utils.config.WORKSPACE_MARKER`, ``playbooks/``
(the template and the example), ``exports/`` (the client's exported files go here),
``data/sample/`` (the fictional sample the example runs on), ``reports/`` (run folders and the
CRM stores) and a short README. Commands run inside it (or below it) use it; see
:mod:`socialcrm_utils.config` and docs/packaging.md.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from . import config
from .exceptions import SocialCRMError

__all__ = ["WORKSPACE_README", "init_workspace"]

logger = logging.getLogger(__name__)

#: Files copied from the package's bundle into a new workspace (same relative paths).
_COPIED: tuple[str, ...] = (
    "playbooks/template.yaml",
    "playbooks/example.yaml",
    "data/sample/README.md",
    "data/sample/mentions.csv",
    "data/sample/labels.csv",
)

WORKSPACE_README = """\
# Social CRM workspace

Created by `socialcrm init`. Run every `socialcrm` command inside this folder.

| folder | holds |
|---|---|
| `playbooks/` | one playbook per client (`socialcrm new CLIENT` writes one from the template) |
| `exports/` | the client's exports (CSV, JSON lines, Parquet) that playbooks name as sources |
| `data/sample/` | the fictional sample the example playbook runs on (invented people) |
| `reports/` | one folder per client: run folders, `report.html`, the CRM store `crm.sqlite` |

First steps:

    socialcrm run playbooks/example.yaml        # the example, end to end, with its report
    socialcrm new my-client                     # playbooks/my-client.yaml from the template
    socialcrm validate playbooks/my-client.yaml # check it and the first rows of its sources
    socialcrm run playbooks/my-client.yaml

The step notebooks are in the installed package (`socialcrm paths` prints where); open a run's
notebooks from `reports/<client>/<run>/` in JupyterLab to read or edit them.
"""


def init_workspace(folder: str | Path, *, force: bool = False) -> list[Path]:
    """Create a workspace in ``folder`` from the package's bundled files.

    Args:
        folder: The workspace folder; created if missing. May exist and hold other files.
        force: Overwrite the bundled files (playbooks, sample) if they exist; without it an
            existing file is kept and reported, never overwritten.

    Returns:
        The files written (existing ones kept are not listed).

    Raises:
        SocialCRMError: If ``folder`` is a file, or the package's bundle is missing (a broken
            install).

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     written = init_workspace(Path(tmp) / "ws")
        ...     sorted(p.relative_to(Path(tmp) / "ws").as_posix() for p in written)[:3]
        ['README.md', 'data/sample/README.md', 'data/sample/labels.csv']
    """
    root = Path(folder).expanduser()
    if root.exists() and not root.is_dir():
        raise SocialCRMError(f"{root} is a file; name a folder for the workspace")
    missing = [name for name in _COPIED if not (config.BUNDLE_DIR / name).is_file()]
    if missing:
        raise SocialCRMError(
            f"the package's bundled files are missing ({missing[0]} in {config.BUNDLE_DIR}); "
            "reinstall it: pip install --force-reinstall socialcrm-utils"
        )
    written: list[Path] = []
    for sub in ("playbooks", "exports", "reports", "data/sample"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name in _COPIED:
        target = root / name
        if target.exists() and not force:
            logger.info("kept %s (exists; --force overwrites it)", target)
            continue
        shutil.copyfile(config.BUNDLE_DIR / name, target)
        written.append(target)
    for name, text in ((config.WORKSPACE_MARKER, _marker_text()), ("README.md", WORKSPACE_README)):
        target = root / name
        if not target.exists() or force:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def _marker_text() -> str:
    """Content of the marker file: what it is, for a person who opens it."""
    return (
        "# This folder is a Social CRM workspace (socialcrm init); commands run inside it\n"
        "# write their run folders and CRM stores to reports/.\n"
        f'created_by = "{config.DISTRIBUTION}"\n'
    )
