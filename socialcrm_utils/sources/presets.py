"""File presets: the column layouts of common exports, mapped onto the canonical mention table.

A playbook file source names a preset (``preset: twcs``); the preset supplies a default
``mapping`` (canonical column -> export column), the timestamp format, the platform, and a
``transform`` for what a rename cannot do (derive ``is_brand`` from a flag, turn ``"119237.0"``
back into the id ``"119237"``, count replies). The playbook's own ``mapping`` wins column by
column, its ``date_format`` and ``platform`` win over the preset's. Preset columns that an
export lacks are skipped (the required ``mention_id``, ``text`` and ``created_at`` are then
reported missing with a hint); a column named in the playbook's own ``mapping`` must exist.

Columns each preset assumes (all read as text, ids are kept as exact strings, never floats):

``canonical``
    The canonical columns themselves (see :data:`~socialcrm_utils.schema.CANONICAL_COLUMNS`).

``twcs`` -- Kaggle "Customer Support on Twitter" (``twcs.csv``, Stuart Axelbrooke)
    ``tweet_id`` -> mention_id, ``author_id`` -> author_id (a brand's handle for brand
    replies, an anonymised number for customers), ``inbound`` (True for customers) ->
    ``is_brand = not inbound``, ``created_at`` like ``Tue Oct 31 22:10:47 +0000 2017``
    (format ``%a %b %d %H:%M:%S %z %Y``), ``text``, ``in_response_to_tweet_id`` ->
    in_reply_to_id (float-looking ``"119237.0"`` becomes ``"119237"``), ``response_tweet_id``
    (comma list) -> replies (how many). Platform ``twitter``. The file's leading unnamed index
    column is ignored; a raw ``\\r`` inside a text stays part of the text (see
    :func:`~socialcrm_utils.sources.files.read_table`). No url: the dataset renumbers tweets.

``airline`` -- Kaggle "Twitter US Airline Sentiment" (``Tweets.csv``, CrowdFlower)
    ``tweet_id`` -> mention_id (exact 18-digit string), ``name`` -> author_id (the screen name),
    ``text``, ``tweet_created`` like ``2015-02-24 11:35:52 -0800`` (format
    ``%Y-%m-%d %H:%M:%S %z``), ``retweet_count`` -> shares, url built as
    ``https://twitter.com/<name>/status/<tweet_id>``. Platform ``twitter``. Labels
    (``airline_sentiment``, ``negativereason``, ``airline``) and ``user_timezone`` are not
    canonical columns and are not imported. Repeated ``tweet_id`` rows are rejected as
    duplicates by the importer.

``hootsuite`` -- a Hootsuite CSV export. **Assumed** column names (Hootsuite's exports vary
    by report and plan; map anything different in the playbook): ``Post ID`` -> mention_id,
    ``Network`` -> platform, ``Author`` -> author_id and author_name, ``Message`` -> text,
    ``Date`` -> created_at (ISO-like local time without zone, e.g. ``2026-09-01 08:00``, read
    in the source's or the playbook's time zone; set ``date_format`` for anything else),
    ``Post URL`` -> url, ``Language`` -> lang, ``Followers`` -> reach, ``Likes`` -> likes,
    ``Shares`` -> shares, ``Comments`` -> replies. Counts may use thousands separators
    (``1,234``).

``sprout`` -- a Sprout Social CSV export. **Assumed** column names (as above: an assumption,
    not a documented format): ``Message ID`` -> mention_id, ``Network`` -> platform, ``From``
    -> author_id and author_name, ``Message`` -> text, ``Timestamp (UTC)`` -> created_at
    (ISO-like, in UTC even without a zone suffix), ``Link`` -> url, ``Language`` -> lang,
    ``Audience`` -> reach, ``Likes`` -> likes, ``Shares`` -> shares, ``Comments`` -> replies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from ..exceptions import SourceError

__all__ = ["Preset", "PRESETS", "get_preset", "clean_ids", "parse_preset_dates"]

logger = logging.getLogger(__name__)

Transform = Callable[[pd.DataFrame], pd.DataFrame]

_FLOAT_ID = r"^(\d+)\.0+$"
_FALSE = ("false", "0", "no", "n", "f")
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}"
_HAS_ZONE = r"(?:[zZ]|[+-]\d{2}:?\d{2})$"


@dataclass(frozen=True)
class Preset:
    """How one kind of export maps onto the canonical mention table.

    Attributes:
        name: The name used in playbooks (``preset: twcs``).
        mapping: Canonical column -> column of the (transformed) export.
        date_format: ``strftime`` format of the ``created_at`` column; ISO 8601 when None.
        platform: Platform of every row unless the export or the playbook says otherwise.
        transform: Optional function from the raw export to a new frame with repaired or
            derived columns (it must not modify its input and must keep its rows and index).
        description: One line for humans (``socialcrm`` help, error messages).
    """

    name: str
    mapping: Mapping[str, str] = field(default_factory=dict)
    date_format: str | None = None
    platform: str | None = None
    transform: Transform | None = None
    description: str = ""

    def prepare(self, raw: pd.DataFrame) -> pd.DataFrame:
        """Return the export with this preset's repaired and derived columns (input untouched).

        Args:
            raw: The export as read (text columns).

        Returns:
            A frame with the same rows and index; the raw frame itself when there is no
            transform.
        """
        if self.transform is None:
            return raw
        out = self.transform(raw)
        if len(out) != len(raw) or not out.index.equals(raw.index):
            raise SourceError(f"preset '{self.name}': its transform changed the rows (a bug)")
        return out


def clean_ids(values: pd.Series) -> pd.Series:
    """Ids as exact strings: trimmed, ``"119237.0"`` -> ``"119237"``, empty -> ``<NA>``.

    Exports that went through a float column (pandas, spreadsheets) write integer ids with a
    trailing ``.0``; only that exact pattern is undone, anything else is kept verbatim.

    Args:
        values: Raw ids (text or numbers).

    Returns:
        The ids as a ``string`` Series.

    Examples:
        >>> clean_ids(pd.Series(["119237.0", " 42 ", "", "a.0", None])).tolist()
        ['119237', '42', <NA>, 'a.0', <NA>]
    """
    text = values.astype("string").str.strip()
    text = text.str.replace(_FLOAT_ID, r"\1", regex=True)
    return text.mask(text == "")


def parse_preset_dates(values: pd.Series, date_format: str) -> pd.Series:
    """Parse timestamps in a preset's format; values that do not parse are kept as they are.

    When every value parses (or is missing) the result is a datetime Series (UTC when the
    format has ``%z``, naive otherwise). Otherwise parsed values become ISO 8601 text and the
    others keep their raw text, so the importer rejects them with the value in the reason.

    Args:
        values: Raw timestamps.
        date_format: ``strftime`` format.

    Returns:
        Datetimes, or text the ISO 8601 parser reads.

    Examples:
        >>> parse_preset_dates(pd.Series(["Tue Oct 31 22:10:47 +0000 2017"]),
        ...                    "%a %b %d %H:%M:%S %z %Y").dt.hour.tolist()
        [22]
    """
    if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
        return values
    text = values.astype("string").str.strip()
    aware = "%z" in date_format or "%Z" in date_format
    parsed = pd.to_datetime(text, format=date_format, utc=aware, errors="coerce")
    failed = parsed.isna() & text.notna()
    if not failed.any():
        return parsed
    iso = parsed.dt.strftime("%Y-%m-%dT%H:%M:%S.%f" + ("%z" if aware else "")).astype("string")
    return iso.where(~failed, text)


def _is_false(values: pd.Series) -> pd.Series:
    """True where a flag is explicitly false; missing or unreadable values are not."""
    text = values.astype("string").str.strip().str.lower()
    return text.isin(_FALSE).fillna(False).astype(bool)


def _count_list(values: pd.Series) -> pd.Series:
    """How many ids a comma list holds (``"2,3"`` -> 2, empty -> 0)."""
    text = values.astype("string").str.strip()
    return (text.str.count(",") + 1).where(text.notna() & (text != ""), 0).astype("Int64")


def _plain_counts(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """Drop thousands separators and spaces from count columns, in place on ``frame``."""
    for column in columns:
        if column in frame.columns:
            frame[column] = frame[column].astype("string").str.replace(r"[,\s'’]", "", regex=True)


def _twcs(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    for column in ("tweet_id", "in_response_to_tweet_id"):
        if column in out.columns:
            out[column] = clean_ids(out[column])
    if "inbound" in out.columns:
        out["_is_brand"] = _is_false(out["inbound"])  # brand replies are not inbound
    if "response_tweet_id" in out.columns:
        out["_replies"] = _count_list(out["response_tweet_id"])
    return out


def _airline(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    if "tweet_id" in out.columns:
        out["tweet_id"] = clean_ids(out["tweet_id"])
        if "name" in out.columns:
            name = out["name"].astype("string").str.strip().str.lstrip("@")
            out["_url"] = "https://twitter.com/" + name + "/status/" + out["tweet_id"]
    return out


_COUNTS = ("Followers", "Audience", "Likes", "Shares", "Comments")


def _hootsuite(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    if "Post ID" in out.columns:
        out["Post ID"] = clean_ids(out["Post ID"])
    _plain_counts(out, _COUNTS)
    return out


def _sprout(raw: pd.DataFrame) -> pd.DataFrame:
    out = raw.copy()
    if "Message ID" in out.columns:
        out["Message ID"] = clean_ids(out["Message ID"])
    _plain_counts(out, _COUNTS)
    column = "Timestamp (UTC)"
    if column in out.columns and not pd.api.types.is_datetime64_any_dtype(out[column].dtype):
        text = out[column].astype("string").str.strip()
        naive_iso = text.str.match(_ISO_DATE).fillna(False) & ~text.str.contains(
            _HAS_ZONE, regex=True
        ).fillna(False)
        out[column] = text.where(~naive_iso, text + "+00:00")  # the column says UTC
    return out


_PRESETS: dict[str, Preset] = {
    "canonical": Preset("canonical", description="the canonical columns, no renaming"),
    "twcs": Preset(
        "twcs",
        mapping={
            "mention_id": "tweet_id",
            "author_id": "author_id",
            "text": "text",
            "created_at": "created_at",
            "in_reply_to_id": "in_response_to_tweet_id",
            "is_brand": "_is_brand",
            "replies": "_replies",
        },
        date_format="%a %b %d %H:%M:%S %z %Y",
        platform="twitter",
        transform=_twcs,
        description='Kaggle "Customer Support on Twitter" (twcs.csv)',
    ),
    "airline": Preset(
        "airline",
        mapping={
            "mention_id": "tweet_id",
            "author_id": "name",
            "text": "text",
            "created_at": "tweet_created",
            "shares": "retweet_count",
            "url": "_url",
        },
        date_format="%Y-%m-%d %H:%M:%S %z",
        platform="twitter",
        transform=_airline,
        description='Kaggle "Twitter US Airline Sentiment" (Tweets.csv)',
    ),
    "hootsuite": Preset(
        "hootsuite",
        mapping={
            "mention_id": "Post ID",
            "platform": "Network",
            "author_id": "Author",
            "author_name": "Author",
            "text": "Message",
            "created_at": "Date",
            "url": "Post URL",
            "lang": "Language",
            "reach": "Followers",
            "likes": "Likes",
            "shares": "Shares",
            "replies": "Comments",
        },
        transform=_hootsuite,
        description="Hootsuite CSV export (assumed column names)",
    ),
    "sprout": Preset(
        "sprout",
        mapping={
            "mention_id": "Message ID",
            "platform": "Network",
            "author_id": "From",
            "author_name": "From",
            "text": "Message",
            "created_at": "Timestamp (UTC)",
            "url": "Link",
            "lang": "Language",
            "reach": "Audience",
            "likes": "Likes",
            "shares": "Shares",
            "replies": "Comments",
        },
        transform=_sprout,
        description="Sprout Social CSV export (assumed column names)",
    ),
}

#: Every preset by name (read-only); the keys equal ``playbook.FILE_PRESETS``.
PRESETS: Mapping[str, Preset] = MappingProxyType(_PRESETS)


def get_preset(name: str) -> Preset:
    """Return the preset called ``name``.

    Raises:
        SourceError: If there is no such preset (the message lists the allowed names).

    Examples:
        >>> get_preset("twcs").platform
        'twitter'
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise SourceError(f"unknown preset '{name}' (allowed: {', '.join(PRESETS)})") from None
