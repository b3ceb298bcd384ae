"""Social CRM playbook suite: the package behind the six step notebooks.

The public surface is small: load a playbook, read its mentions, run it::

    from socialcrm_utils import load_playbook, run_playbook
    result = run_playbook("playbooks/example.yaml")
    print(result.report)
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

from .exceptions import SocialCRMError  # noqa: E402

__all__ = [
    "__version__",
    "SocialCRMError",
    "Playbook",
    "load_playbook",
    "read_mentions",
    "run_playbook",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str):  # lazy: the playbook model, papermill and the sources are heavy
    # (importing the package, e.g. in the scoring workers, costs 0.15 s less without them)
    if name in ("Playbook", "load_playbook"):
        from . import playbook

        return getattr(playbook, name)
    if name == "run_playbook":
        from .engine.runner import run_playbook

        return run_playbook
    if name == "read_mentions":
        from .sources import read_mentions

        return read_mentions
    raise AttributeError(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
