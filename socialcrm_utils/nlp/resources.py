"""Offline NLTK resources: installed by the package itself, never downloaded at run time.

The suite runs on machines without internet access, so it never calls ``nltk.download()``.
The one NLTK resource it needs, the VADER lexicon, ships inside the ``vaderSentiment`` package
on PyPI (a declared dependency). :func:`ensure_vader_lexicon` copies it into the project-local
NLTK data folder (:data:`socialcrm_utils.config.NLTK_DATA_DIR`, ``socialcrm setup`` calls it)
in exactly the layout of NLTK's own data package, so NLTK's unmodified
:class:`nltk.sentiment.vader.SentimentIntensityAnalyzer` loads it from its default path.

The suite's own VADER scorer (:mod:`socialcrm_utils.nlp.vader`) reads the same lexicon file
(:func:`vader_lexicon`) and NLTK's public constants (:func:`vader_constants`: the boosters,
negations and idioms of :class:`nltk.sentiment.vader.VaderConstants`). The constants are
cached as JSON next to the lexicon, one file per NLTK version, so the processes that score
texts (kernels, workers) never import ``nltk``: importing it imports SciPy and scikit-learn,
about 100 MB and a second per process. The cache is written the first time it is missing
(``socialcrm setup`` writes it), by importing NLTK once.
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.resources
import io
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import config
from ..exceptions import ResourceMissingError

if TYPE_CHECKING:
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

__all__ = [
    "VADER_RESOURCE",
    "VADER_ZIP",
    "VADER_MEMBER",
    "VADER_CONSTANT_NAMES",
    "ensure_vader_constants",
    "ensure_vader_lexicon",
    "use_project_nltk_data",
    "vader_analyzer",
    "vader_constants",
    "vader_lexicon",
]

logger = logging.getLogger(__name__)

#: The default ``lexicon_file`` of NLTK's ``SentimentIntensityAnalyzer``.
VADER_RESOURCE = "sentiment/vader_lexicon.zip/vader_lexicon/vader_lexicon.txt"
#: Where the zip lives inside an NLTK data folder.
VADER_ZIP = Path("sentiment") / "vader_lexicon.zip"
#: The lexicon's name inside the zip.
VADER_MEMBER = "vader_lexicon/vader_lexicon.txt"

#: The public attributes of :class:`nltk.sentiment.vader.VaderConstants` the scorer uses.
VADER_CONSTANT_NAMES: tuple[str, ...] = (
    "B_INCR", "B_DECR", "C_INCR", "N_SCALAR", "NEGATE", "BOOSTER_DICT", "SPECIAL_CASE_IDIOMS",
    "PUNC_LIST",
)  # fmt: skip

_SETUP_HINT = "run `socialcrm setup` (needs vaderSentiment: `pip install vaderSentiment`)"


def _vader_lexicon_bytes() -> bytes:
    """The lexicon text shipped in ``vaderSentiment``, with ``\\n`` line ends.

    Line ends are normalised and trailing blank lines dropped: NLTK splits the text on
    ``\\n`` and unpacks every line, so an empty last line would break it.
    """
    try:
        raw = importlib.resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_bytes()
    except (ImportError, FileNotFoundError, NotADirectoryError) as exc:
        logger.debug("vaderSentiment's lexicon is not available: %s", exc)
        raise ResourceMissingError(
            "the VADER lexicon comes from the vaderSentiment package, which is not installed; "
            "run `pip install vaderSentiment` (or `make install`)"
        ) from None
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return text.encode("utf-8")


def _zip_member(path: Path) -> bytes | None:
    """The lexicon inside an existing zip, or None when the zip is missing or unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(VADER_MEMBER)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def ensure_vader_lexicon(data_dir: Path = config.NLTK_DATA_DIR) -> Path:
    """Install the VADER lexicon into an NLTK data folder, from the ``vaderSentiment`` package.

    Writes ``<data_dir>/sentiment/vader_lexicon.zip`` holding ``vader_lexicon/vader_lexicon.txt``,
    the layout of NLTK's own data package, so the default ``lexicon_file`` of
    :class:`nltk.sentiment.vader.SentimentIntensityAnalyzer` (:data:`VADER_RESOURCE`) resolves
    to it. Idempotent: a zip that already holds the same lexicon is left untouched (same
    mtime). Atomic: the zip is written to a temporary file in the same folder and renamed, so
    a reader never sees half a file. Folders are created without group or other write
    permission, because NLTK refuses data that other accounts could have planted.

    Args:
        data_dir: The NLTK data folder (default: the project-local
            :data:`~socialcrm_utils.config.NLTK_DATA_DIR`).

    Returns:
        The path of the zip.

    Raises:
        ResourceMissingError: If ``vaderSentiment`` is not installed.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     ensure_vader_lexicon(Path(tmp)).relative_to(tmp).as_posix()
        'sentiment/vader_lexicon.zip'
    """
    target = Path(data_dir) / VADER_ZIP
    lexicon = _vader_lexicon_bytes()
    if _zip_member(target) == lexicon:
        logger.debug("VADER lexicon already installed at %s", target)
        return target
    Path(data_dir).mkdir(mode=0o755, parents=True, exist_ok=True)
    target.parent.mkdir(mode=0o755, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("vader_lexicon/", b"")
        archive.writestr(VADER_MEMBER, lexicon)
    _write_atomically(target, buffer.getvalue())
    logger.info("installed the VADER lexicon from vaderSentiment into %s", target)
    return target


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file next to ``target``, then rename it (mode 644)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def use_project_nltk_data(data_dir: Path = config.NLTK_DATA_DIR) -> None:
    """Put ``data_dir`` first on ``nltk.data.path`` so NLTK finds the project's resources first.

    Idempotent: an existing entry for the same folder is moved to the front, not duplicated.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Examples:
        >>> import nltk
        >>> use_project_nltk_data(Path("/tmp/nltk-example"))
        >>> use_project_nltk_data(Path("/tmp/nltk-example"))
        >>> nltk.data.path.count("/tmp/nltk-example"), nltk.data.path[0]
        (1, '/tmp/nltk-example')
        >>> nltk.data.path.remove("/tmp/nltk-example")
    """
    import nltk.data

    entry = str(data_dir)
    nltk.data.path[:] = [entry, *(p for p in nltk.data.path if str(p) != entry)]


@functools.cache
def vader_analyzer(data_dir: Path = config.NLTK_DATA_DIR) -> SentimentIntensityAnalyzer:
    """NLTK's VADER analyzer, loading the lexicon from the project-local NLTK data folder.

    Installs the lexicon if needed (:func:`ensure_vader_lexicon`), puts ``data_dir`` first on
    ``nltk.data.path`` and returns :class:`nltk.sentiment.vader.SentimentIntensityAnalyzer`
    built with its default lexicon path. Cached: one analyzer per folder and process (it holds
    no per-call state). Never downloads anything.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Returns:
        The analyzer.

    Raises:
        ResourceMissingError: If the lexicon is not installed and cannot be installed (the
            message names the fix: ``socialcrm setup``).

    Examples:
        >>> vader_analyzer().polarity_scores("The flight was great!")["compound"]
        0.6588
    """
    zip_path = Path(data_dir) / VADER_ZIP
    try:
        ensure_vader_lexicon(data_dir)
    except (ResourceMissingError, OSError) as exc:
        if _zip_member(zip_path) is None:
            raise ResourceMissingError(
                f"the VADER lexicon is missing from {zip_path} and cannot be installed: {exc}; "
                "then run `socialcrm setup`"
            ) from None
        logger.warning("using the installed VADER lexicon at %s as is: %s", zip_path, exc)
    use_project_nltk_data(data_dir)
    from nltk.sentiment.vader import SentimentIntensityAnalyzer

    try:
        return SentimentIntensityAnalyzer()
    except (LookupError, OSError):
        shared = _writable_by_others([Path(data_dir), zip_path.parent, zip_path])
        if shared:
            raise ResourceMissingError(
                f"NLTK refuses to read the VADER lexicon because {shared} is writable by other "
                f"accounts; run `chmod go-w {shared}`"
            ) from None
        raise ResourceMissingError(
            f"NLTK cannot load the VADER lexicon from {zip_path}; {_SETUP_HINT}"
        ) from None


def _writable_by_others(paths: list[Path]) -> Path | None:
    """The first existing path with group or other write permission (NLTK refuses those)."""
    if os.name != "posix":
        return None
    for path in paths:
        try:
            if path.stat().st_mode & 0o022:
                return path
        except OSError:
            continue
    return None


@functools.cache
def vader_lexicon(data_dir: Path = config.NLTK_DATA_DIR) -> Mapping[str, float]:
    """VADER's lexicon as NLTK reads it: ``{token: mean valence}``, without importing NLTK.

    The installed lexicon (:func:`ensure_vader_lexicon`) is parsed the way
    ``SentimentIntensityAnalyzer.make_lex_dict`` documents it: one entry per line, the first
    two tab-separated fields, the later of two equal tokens winning. ``tests/test_nlp.py``
    checks that the result equals NLTK's ``SentimentIntensityAnalyzer().lexicon``.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Returns:
        The lexicon (cached per folder and process).

    Raises:
        ResourceMissingError: If the lexicon is missing and cannot be installed.

    Examples:
        >>> vader_lexicon()["great"], len(vader_lexicon()) > 7000
        (3.1, True)
    """
    zip_path = Path(data_dir) / VADER_ZIP
    raw = _zip_member(zip_path)
    if raw is None:
        try:
            ensure_vader_lexicon(data_dir)
        except OSError as exc:
            raise ResourceMissingError(
                f"the VADER lexicon is missing from {zip_path} and cannot be installed: {exc}; "
                "then run `socialcrm setup`"
            ) from None
        raw = _zip_member(zip_path)
    if raw is None:
        raise ResourceMissingError(f"cannot read the VADER lexicon in {zip_path}; {_SETUP_HINT}")
    lexicon: dict[str, float] = {}
    for line in raw.decode("utf-8").split("\n"):
        word, measure = line.strip().split("\t")[0:2]
        lexicon[word] = float(measure)
    return lexicon


def _constants_path(data_dir: Path) -> Path:
    version = importlib.metadata.version("nltk")
    return Path(data_dir) / "socialcrm" / f"vader_constants-nltk-{version}.json"


def _decode_constants(values: Mapping[str, Any]) -> dict[str, Any]:
    decoded = {name: values[name] for name in VADER_CONSTANT_NAMES}
    decoded["NEGATE"] = frozenset(decoded["NEGATE"])
    decoded["PUNC_LIST"] = tuple(decoded["PUNC_LIST"])
    return decoded


def ensure_vader_constants(data_dir: Path = config.NLTK_DATA_DIR) -> Path:
    """Cache NLTK's public VADER constants as JSON in the NLTK data folder (if not there).

    Writes ``<data_dir>/socialcrm/vader_constants-nltk-<version>.json`` from
    :class:`nltk.sentiment.vader.VaderConstants` (:data:`VADER_CONSTANT_NAMES`), atomically.
    A new NLTK version gets a file of its own, so the cache never outlives the constants.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Returns:
        The path of the JSON file.
    """
    path = _constants_path(data_dir)
    if path.is_file():
        return path
    from nltk.sentiment.vader import VaderConstants

    values = {name: getattr(VaderConstants, name) for name in VADER_CONSTANT_NAMES}
    values["NEGATE"] = sorted(values["NEGATE"])
    path.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
    text = json.dumps(values, ensure_ascii=False, indent=1, sort_keys=True)
    _write_atomically(path, text.encode("utf-8"))
    logger.info("cached NLTK's VADER constants in %s", path)
    return path


@functools.cache
def vader_constants(data_dir: Path = config.NLTK_DATA_DIR) -> Mapping[str, Any]:
    """NLTK's public VADER constants (:data:`VADER_CONSTANT_NAMES`), without importing NLTK.

    Read from the JSON cache of :func:`ensure_vader_constants`; when it is missing or cannot be
    read, it is written first (that imports NLTK once); when it cannot be written (a read-only
    folder), the constants come from NLTK directly. ``NEGATE`` is a frozenset, ``PUNC_LIST``
    a tuple. ``tests/test_nlp.py`` compares every value with NLTK's.

    Args:
        data_dir: The NLTK data folder (default: the project-local one).

    Returns:
        ``{name: value}`` (cached per folder and process).

    Examples:
        >>> constants = vader_constants()
        >>> constants["B_INCR"], "never" in constants["NEGATE"]
        (0.293, True)
    """
    try:
        path = ensure_vader_constants(data_dir)
        return _decode_constants(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError) as exc:
        logger.debug("VADER constants not cached (%s): reading them from NLTK", exc)
    from nltk.sentiment.vader import VaderConstants

    return _decode_constants({name: getattr(VaderConstants, name) for name in VADER_CONSTANT_NAMES})
