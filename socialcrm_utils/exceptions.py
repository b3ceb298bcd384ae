"""Exceptions of the suite: one base class, one subclass per kind of user error.

Every message names the file, key or row that is wrong and says how to fix it. The CLI prints
``SocialCRMError`` messages on one line without a traceback and exits non-zero; any other
exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "SocialCRMError",
    "OptionError",
    "PlaybookError",
    "PlaybookNotFoundError",
    "PlaybookSyntaxError",
    "PlaybookValidationError",
    "SourceError",
    "MissingArtifactError",
    "NotebookExecutionError",
    "ResourceMissingError",
    "BenchmarkError",
    "LabelFileError",
    "StoreError",
    "StoreNotFoundError",
    "SchemaVersionError",
    "UnredactedTextError",
    "SchedulerError",
    "StepFailedError",
    "RunLockedError",
]


class SocialCRMError(Exception):
    """Base class: raised when user input or the environment is wrong, never for a bug."""

    exit_code: int = 1


class OptionError(SocialCRMError):
    """Raised when a command-line option cannot be used (e.g. ``--out`` is a file)."""

    exit_code = 2


class PlaybookError(SocialCRMError):
    """Raised when a playbook cannot be used; the base of the playbook errors below."""

    exit_code = 2


class PlaybookNotFoundError(PlaybookError):
    """Raised when the playbook path does not exist."""


class PlaybookSyntaxError(PlaybookError):
    """Raised when a playbook is not valid YAML; the message carries file, line and column."""


class PlaybookValidationError(PlaybookError):
    """Raised when a playbook's YAML is well-formed but its content is not allowed.

    Attributes:
        path: The playbook file.
        errors: One line per problem, each naming the key path, the value and what is allowed.
    """

    def __init__(self, path: str, errors: list[str]) -> None:
        self.path = path
        self.errors = list(errors)
        noun = "error" if len(errors) == 1 else "errors"
        super().__init__(f"{path}: {len(errors)} {noun}\n" + "\n".join(f"  {e}" for e in errors))


class SourceError(SocialCRMError):
    """Raised when a source named in the playbook cannot be read at all (missing file, format)."""


class MissingArtifactError(SocialCRMError):
    """Raised when a step needs an artifact an earlier step writes and the run folder lacks it."""


class NotebookExecutionError(SocialCRMError):
    """Raised when a step notebook fails; names the notebook, the cell and the partial output."""


class ResourceMissingError(SocialCRMError):
    """Raised when an offline resource (e.g. the VADER lexicon) is missing; names the fix."""


class BenchmarkError(SocialCRMError):
    """Raised when the benchmarks file is missing or an entry is not valid; names file and entry."""


class LabelFileError(SocialCRMError):
    """Raised when a label file cannot be used; one line naming file, row and column."""


class StoreError(SocialCRMError):
    """Raised when the CRM store cannot be opened or is asked for something it cannot do."""


class StoreNotFoundError(StoreError):
    """Raised when a store is opened with ``create=False`` and holds no store yet."""


class SchemaVersionError(StoreError):
    """Raised when a store's schema version is newer than this version of the suite knows."""


class UnredactedTextError(StoreError):
    """Raised when a frame with raw ``text`` but no ``text_redacted`` is about to be stored."""


class RunLockedError(SocialCRMError):
    """Raised when another run of the same client holds the run lock (exit 75: try later)."""

    exit_code = 75


class SchedulerError(SocialCRMError):
    """Raised when the Dask scheduler cannot be reached or its workers cannot run the suite."""


class StepFailedError(NotebookExecutionError):
    """Raised when a step notebook fails; ``notebook`` is the partial notebook (with the traceback).

    Attributes:
        notebook: The partially executed notebook in the run folder.
    """

    def __init__(self, message: str, notebook: Path) -> None:
        super().__init__(message)
        self.notebook = notebook
