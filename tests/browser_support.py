"""Helpers for the browser tests: Debian's Chromium through Playwright, and a JupyterLab server.

Nothing here downloads a browser: Playwright drives ``/usr/bin/chromium`` (Debian's ``chromium``
package, which ``.ci/run`` installs when it is missing). Playwright itself is imported lazily, so
this module imports (and ``pytest --doctest-modules`` collects it) without it.

JupyterLab runs from the project's environment (``sys.executable -m jupyterlab``) on 127.0.0.1, a
free port and a random token, on a throw-away copy of the project (``notebooks/``, ``playbooks/``,
``data/``) that ``SOCIALCRM_HOME`` points the package at, so the notebooks' default
``reports/<client>/interactive`` run folder and CRM store land in the copy, not in the repository.
Jupyter's, JupyterLab's, IPython's and matplotlib's per-user folders are temporary too, so no
configuration from the user's home leaks in; the project's ``python3`` kernel comes from the
environment's own ``share/jupyter/kernels``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcrm_utils import config

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
#: The width the analyst's and the client's view are checked at (a common laptop).
VIEWPORT = {"width": 1280, "height": 900}

#: JupyterLab user settings for the test: every cell in the DOM (no virtual scrolling, so outputs
#: of cells off screen can be checked) and no pop-up asking about news or updates.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
#: Per-user folders replaced by temporary ones, and variables that would point elsewhere.
_USER_DIRS = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
    "MPLCONFIGDIR",
)
_DROPPED = ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "JUPYTERLAB_DIR", "MPLBACKEND", "PYTHONSTARTUP")


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can.

    Examples:
        >>> browser_unavailable() is None or "chromium" in browser_unavailable().lower()
        True
    """
    if not CHROMIUM.is_file():
        return (
            f"no Chromium at {CHROMIUM}: install Debian's chromium package "
            "(apt-get install chromium chromium-driver; .ci/run does it)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "Playwright is not installed: pip install -e '.[test]' (it never downloads a browser)"
        )
    return None


def launch_chromium(playwright: Any) -> Any:
    """Start Debian's Chromium headless through Playwright (no browser download)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_project(dest: Path) -> Path:
    """Copy what the notebooks need (notebooks, playbooks, data) into ``dest``; return it."""
    for name in ("notebooks", "playbooks", "data"):
        shutil.copytree(
            config.PROJECT_ROOT / name,
            dest / name,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    return dest


@dataclass
class JupyterLab:
    """A running JupyterLab server: its URL, token and log file."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def api(self, path: str, method: str = "GET") -> Any:
        """Call the Jupyter REST API (``/api/...``) and return the parsed JSON (None if empty)."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def page_url(self, path: str = "", reset: bool = False) -> str:
        """The URL of the lab UI showing ``path``, logged in with the token.

        ``reset`` starts from an empty workspace (no tabs from an earlier visit).
        """
        return f"{self.url}/lab/tree/{path}?token={self.token}" + ("&reset" if reset else "")

    def session(self, path: str) -> dict[str, Any] | None:
        """The running session of the notebook at ``path`` (relative to the root), if any."""
        return next((s for s in self.api("/api/sessions") if s["path"] == path), None)

    def kernel_state(self, path: str) -> str | None:
        """``execution_state`` of the kernel of the notebook at ``path`` (None: no kernel)."""
        session = self.session(path)
        if session is None:
            return None
        return self.api(f"/api/kernels/{session['kernel']['id']}")["execution_state"]

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log, for failure messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def isolated_env(root: Path, home: Path) -> dict[str, str]:
    """Environment for JupyterLab and its kernels: per-user folders in ``home``, project ``root``.

    ``SOCIALCRM_HOME`` makes ``root`` the project root of the package (its ``reports/`` receives
    the run folders and the CRM store); the NLTK data stays the project's own, installed once by
    ``socialcrm setup``.
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    for name in _USER_DIRS:
        folder = home / name.lower()
        folder.mkdir(parents=True, exist_ok=True)
        env[name] = str(folder)
    for relative, settings in LAB_SETTINGS.items():
        target = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings), encoding="utf-8")
    env["SOCIALCRM_HOME"] = str(root)
    env["SOCIALCRM_NLTK_DATA"] = str(config.NLTK_DATA_DIR)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def jupyterlab(root: Path, home: Path, timeout: float = 90) -> Iterator[JupyterLab]:
    """Run ``jupyter lab --no-browser`` on ``root`` until the block ends; stop it and its kernels.

    Args:
        root: The folder the server shows (``--ServerApp.root_dir``).
        home: A temporary folder for Jupyter's per-user folders and the server log.
        timeout: Seconds to wait for the server to answer.
    """
    port, token = free_port(), secrets.token_hex(24)
    log = home / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # CI containers run as root
    env = isolated_env(root, home)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    lab = JupyterLab(f"http://127.0.0.1:{port}", token, root, log, process)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"jupyter lab exited with {process.returncode}:\n{lab.log_tail()}"
                )
            try:
                lab.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"jupyter lab did not answer in {timeout:.0f}s:\n{lab.log_tail()}"
                    ) from None
                time.sleep(0.2)
        yield lab
    finally:
        _stop(lab)


def _stop(lab: JupyterLab) -> None:
    """Shut the server down through its API (it stops its kernels), then make sure it is gone."""
    with contextlib.suppress(Exception):
        lab.api("/api/shutdown", method="POST")
    try:
        lab.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(lab.process.pid, signal.SIGTERM)
        try:
            lab.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(lab.process.pid, signal.SIGKILL)
            lab.process.wait(timeout=10)


#: JavaScript: the state of the notebook in the current tab after "Run All Cells".
NOTEBOOK_STATE_JS = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
    .map(e => e.textContent.trim());
  const stderr = [...panel.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')];
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator')
    || document.querySelector('.jp-Notebook-ExecutionIndicator');
  return {
    prompts,
    stderr: stderr.map(e => e.textContent.slice(0, 2000)),
    kernel: indicator ? indicator.dataset.status : null,
  };
}
"""

#: JavaScript: what the run left in the notebook: images, and HTML outputs and code cells wider
#: than the notebook (which the reader would have to scroll sideways).
OUTPUTS_JS = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const images = [...panel.querySelectorAll('.jp-OutputArea-output img')];
  const code = [...panel.querySelectorAll('.jp-CodeCell .cm-scroller')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => [...e.querySelectorAll('.cm-line')].map(l => l.textContent)
      .reduce((a, b) => (b.length > a.length ? b : a), ''));
  const wide = [...panel.querySelectorAll('.jp-OutputArea-output.jp-RenderedHTML')]
    .filter(e => e.scrollWidth > e.clientWidth + 1)
    .map(e => {
      const head = [...e.querySelectorAll('thead th')].map(th => th.textContent.trim());
      return {width: e.scrollWidth, visible: e.clientWidth, columns: head.join(' | '),
              text: e.innerText.slice(0, 120)};
    });
  return {
    images: images.map(i => ({loaded: i.complete && i.naturalWidth > 0, width: i.naturalWidth})),
    wide,
    code,
  };
}
"""
