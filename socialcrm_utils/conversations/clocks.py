"""SLA clocks: each conversation's policy, first response, next responses and resolution in
calendar and business hours (due times, status, time to breach), and their summaries."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..playbook import WEEKDAYS, Playbook, Sla
from .business_time import BusinessCalendar
from .threads import _brand_tables, _first_rows, _text

__all__ = [
    "CLOCK_COLUMNS",
    "STATUSES",
    "clock_conversations",
    "match_policies",
    "next_response_clocks",
    "sla_clocks",
    "summarize_sla",
]

logger = logging.getLogger(__name__)

#: Columns :func:`sla_clocks` adds to the conversations, in order. ``target_h``, ``due_at``,
#: ``status`` and ``time_to_breach_h`` are those of the first response.
CLOCK_COLUMNS: tuple[str, ...] = (
    "policy",
    "policy_index",
    "business_hours",
    "target_h",
    "first_response_h",
    "first_response_business_h",
    "due_at",
    "status",
    "time_to_breach_h",
    "resolution_target_h",
    "resolution_h",
    "resolution_business_h",
    "resolution_due_at",
    "resolution_status",
    "next_response_target_h",
    "next_responses",
    "next_responses_answered",
    "next_responses_met",
    "next_response_breaches",
    "max_next_response_h",
    "week",
    "weekday",
    "local_hour",
)

#: The values of ``status``: answered in time, answered late, unanswered and not yet due,
#: unanswered and overdue.
STATUSES: tuple[str, ...] = ("met", "breached", "open", "open_breached")


# ---------------------------------------------------------------------------------------------
# SLA clocks


def match_policies(conversations: pd.DataFrame, sla: Sla) -> pd.Series:
    """Index of the first policy in ``sla.policies`` that matches each conversation.

    As in Zendesk, policies are tried in order and the first match wins, so specific policies
    go first and a policy without conditions at the end is the default. A policy's ``intent``
    and ``priority`` lists must contain the conversation's value (a conversation without one
    only matches policies that leave it out); ``platform`` is compared case-insensitively.

    Args:
        conversations: Output of :func:`build_conversations` (``intent``, ``priority``,
            ``platform``).
        sla: The playbook's SLA.

    Returns:
        ``Int64`` Series named ``policy_index``, aligned to ``conversations.index``; NA where no
        policy matches.

    Examples:
        >>> sla = Sla.model_validate({"policies": [
        ...     {"intent": "complaint", "priority": "high", "first_response": "30m"},
        ...     {"intent": ["complaint", "question"], "platform": "Twitter",
        ...      "first_response": "1h"},
        ...     {"platform": "facebook", "first_response": "4h"}]})
        >>> conv = pd.DataFrame({"intent": ["complaint", "question", "complaint", "praise"],
        ...                      "priority": ["high", "normal", "normal", "low"],
        ...                      "platform": ["twitter", "twitter", "facebook", "twitter"]})
        >>> match_policies(conv, sla).tolist()
        [0, 1, 2, <NA>]
    """
    values = {
        "intent": _text(conversations, "intent"),
        "priority": _text(conversations, "priority"),
        "platform": _text(conversations, "platform").str.lower(),
    }
    result = pd.Series(pd.NA, index=conversations.index, dtype="Int64", name="policy_index")
    for position, policy in enumerate(sla.policies):  # a handful of policies, vectorised rows
        matches = result.isna().to_numpy(copy=True)
        for field, column in values.items():
            allowed = getattr(policy, field)
            if allowed is not None:
                wanted = [a.lower() for a in allowed] if field == "platform" else allowed
                matches &= column.isin(wanted).fillna(False).to_numpy(dtype=bool)
        result[matches] = position
    return result


def _hours(delta: pd.Series) -> pd.Series:
    return delta / pd.Timedelta(hours=1)


def _latest(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Timestamp:
    latest = [pd.to_datetime(frame[c], utc=True).max() for c in columns if c in frame]
    return max((t for t in latest if not pd.isna(t)), default=pd.NaT)


def _as_utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        return stamp
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


class _Clock:
    """One kind of SLA clock over many rows: elapsed times, due times and statuses."""

    def __init__(self, calendar: BusinessCalendar | None, as_of: pd.Timestamp) -> None:
        self.calendar = calendar
        self.as_of = as_of

    def measure(
        self, start: pd.Series, end: pd.Series, target_s: pd.Series, business: np.ndarray
    ) -> dict[str, pd.Series]:
        """Calendar and business hours from start to end, the due time and the status.

        ``business`` says per row whether its target counts business time. Rows without a
        target (NaN) get NA due times and statuses but still their elapsed times.
        """
        start = pd.to_datetime(start, utc=True).dt.as_unit("ns")
        end = pd.to_datetime(end, utc=True).dt.as_unit("ns")
        business_h = pd.Series(np.nan, index=start.index)
        due = (start + pd.to_timedelta(target_s, unit="s")).dt.as_unit("ns")
        if self.calendar is not None:
            business_h[:] = self.calendar.business_seconds(start, end) / 3600
            if business.any():
                business_due = self.calendar.add_business_time(start, target_s.where(business))
                due = business_due.where(business, due)
        done = end.notna().to_numpy()
        has_due = due.notna().to_numpy()
        in_time = (end <= due).to_numpy()
        overdue = (
            (due <= self.as_of).to_numpy() if not pd.isna(self.as_of) else np.zeros(len(due), bool)
        )
        # Codes into STATUSES (met, breached, open, open_breached), -1 for NA: no object array.
        code = np.select([done & in_time, done, overdue, has_due], [0, 1, 3, 2], default=-1)
        code = np.where(has_due, code, -1)
        status = pd.Series(
            pd.Categorical.from_codes(code, categories=list(STATUSES)), index=start.index
        ).astype("string")
        to_breach = np.where(done, _hours(due - end), _hours(due - self.as_of))
        return {
            "h": _hours(end - start),
            "business_h": business_h,
            "due_at": due,
            "status": status,
            "time_to_breach_h": pd.Series(to_breach, index=start.index, dtype=float),
        }


def _calendar(sla: Sla, timezone: str) -> BusinessCalendar | None:
    if sla.business_hours is None:
        return None
    return BusinessCalendar.from_playbook(sla.business_hours, timezone)


def _per_policy(index: pd.Series, values: list[Any], dtype: str) -> pd.Series:
    """``values[policy_index]`` per row; NA where no policy matched."""
    known = index.notna().to_numpy()
    positions = index.to_numpy(dtype=np.int64, na_value=0)
    picked = np.full(len(index), None, dtype=object)
    if values:
        picked[known] = np.asarray(values, dtype=object)[positions[known]]
    return pd.Series(picked, index=index.index).astype(dtype)


def _seconds(duration: dt.timedelta | None) -> float:
    return duration.total_seconds() if duration is not None else np.nan


def sla_clocks(
    conversations: pd.DataFrame,
    sla: Sla,
    timezone: str,
    as_of: pd.Timestamp | None = None,
    turns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """SLA clocks per conversation: first response, next responses and resolution.

    Each conversation gets the first matching policy (:func:`match_policies`). Three clocks:

    - **first response**: from the customer's first post to the first brand reply;
    - **resolution**: from the customer's first post to ``resolved_at`` (the brand's last
      reply, when no customer post came after it);
    - **next response**: from each customer follow-up after a brand reply to the next brand
      reply (:func:`next_response_clocks`), counted per conversation here.

    Calendar time is plain elapsed time. Business time counts only the opening hours of
    ``sla.business_hours`` in ``timezone``; it is measured for every conversation when the SLA
    has business hours, whatever the policy, so both views can be compared. Due times add the
    policy's target to the start, in business time for ``business_hours: true`` policies (a
    post after hours or on a holiday starts its clock at the next opening) and in calendar
    time otherwise.

    A status is ``met`` when the clock stopped at or before the due time (exactly at the due
    instant is in time), ``breached`` when later, ``open`` while running and ``as_of`` is
    before the due time, ``open_breached`` while running at or after it. Conversations no
    policy matches, and clocks whose policy has no target, keep NA statuses.

    Args:
        conversations: Output of :func:`build_conversations`.
        sla: The playbook's SLA.
        timezone: The playbook's time zone (business hours, weeks and hours are local to it).
        as_of: The instant running clocks are judged at. Defaults to the latest timestamp in
            the data, not to today: an export from the past would otherwise show every
            unanswered conversation as breached merely because time has passed since. Naive
            values are taken as UTC.
        turns: Output of :func:`response_turns` for the same mentions; without it the
            next-response columns are 0 / NaN.

    Returns:
        The conversations plus :data:`CLOCK_COLUMNS`: ``policy`` (label), ``policy_index``,
        ``business_hours``; for the first response ``target_h``, ``first_response_h``,
        ``first_response_business_h``, ``due_at``, ``status``, ``time_to_breach_h`` (hours
        from the reply, or from ``as_of`` while open, to the due time; negative means late);
        for the resolution ``resolution_target_h``, ``resolution_h``,
        ``resolution_business_h``, ``resolution_due_at``, ``resolution_status``; for the next
        responses ``next_response_target_h``, ``next_responses`` (follow-up turns),
        ``next_responses_answered``, ``next_responses_met``, ``next_response_breaches``,
        ``max_next_response_h``; and ``week`` (local ISO week of the first post, e.g.
        ``2026-W03``), ``weekday`` (``mon`` ...) and ``local_hour`` (0-23) for breakdowns.

    Examples:
        >>> sla = Sla.model_validate({"policies": [{"first_response": "1h"}]})
        >>> conv = pd.DataFrame({"platform": ["x", "x"], "intent": [None, None],
        ...     "first_customer_at": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 11:00"],
        ...                                         utc=True),
        ...     "first_response_at": pd.to_datetime(["2026-01-05 10:45", None], utc=True),
        ...     "last_at": pd.to_datetime(["2026-01-05 10:45", "2026-01-05 11:30"], utc=True)})
        >>> clocks = sla_clocks(conv, sla, "Europe/Berlin")
        >>> clocks[["first_response_h", "status", "time_to_breach_h", "week"]]
           first_response_h status  time_to_breach_h      week
        0              0.75    met              0.25  2026-W02
        1               NaN   open              0.50  2026-W02
    """
    return _add_clocks(conversations.copy(), sla, timezone, as_of, turns)


def _add_clocks(
    out: pd.DataFrame,
    sla: Sla,
    timezone: str,
    as_of: pd.Timestamp | None,
    turns: pd.DataFrame | None,
) -> pd.DataFrame:
    """:func:`sla_clocks` on a conversations frame it may change (it adds the columns to it)."""
    if as_of is None:
        as_of = _latest(out, ("last_at", "first_customer_at", "first_response_at"))
        if len(out):
            logger.info("SLA clocks as of %s (latest timestamp in the data)", as_of)
    as_of = _as_utc(as_of)
    index = match_policies(out, sla)
    policies = sla.policies
    business = _per_policy(index, [p.business_hours for p in policies], "boolean")
    use_business = business.fillna(False).to_numpy(dtype=bool)
    clock = _Clock(_calendar(sla, timezone), as_of)
    first_at = pd.to_datetime(out["first_customer_at"], utc=True)
    resolved_at = (
        pd.to_datetime(out["resolved_at"], utc=True)
        if "resolved_at" in out
        else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
    )

    first_target = _per_policy(index, [_seconds(p.first_response) for p in policies], "float64")
    first = clock.measure(first_at, out["first_response_at"], first_target, use_business)
    resolution_target = _per_policy(index, [_seconds(p.resolution) for p in policies], "float64")
    resolution = clock.measure(first_at, resolved_at, resolution_target, use_business)
    next_target = _per_policy(index, [_seconds(p.next_response) for p in policies], "float64")

    out["policy"] = _per_policy(index, [p.label for p in policies], "string")
    out["policy_index"] = index
    out["business_hours"] = business
    out["target_h"] = first_target / 3600
    out["first_response_h"] = first["h"]
    out["first_response_business_h"] = first["business_h"]
    out["due_at"] = first["due_at"]
    out["status"] = first["status"]
    out["time_to_breach_h"] = first["time_to_breach_h"]
    out["resolution_target_h"] = resolution_target / 3600
    out["resolution_h"] = resolution["h"]
    out["resolution_business_h"] = resolution["business_h"]
    out["resolution_due_at"] = resolution["due_at"]
    out["resolution_status"] = resolution["status"]
    out["next_response_target_h"] = next_target / 3600
    _add_next_response_counts(out, turns, sla, clock)

    local = first_at.dt.tz_convert(timezone)
    iso = local.dt.isocalendar()
    week = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    out["week"] = week.astype("string")
    out["weekday"] = (
        pd.Series(
            np.asarray(WEEKDAYS, dtype=object)[
                local.dt.day_of_week.fillna(0).astype(int).to_numpy()
            ],
            index=out.index,
        )
        .where(local.notna())
        .astype("string")
    )
    out["local_hour"] = local.dt.hour.astype("Int64")
    return out


def _add_next_response_counts(
    out: pd.DataFrame, turns: pd.DataFrame | None, sla: Sla, clock: _Clock
) -> None:
    """Per-conversation next-response figures from the follow-up turns (in place)."""
    columns = (
        "next_responses",
        "next_responses_answered",
        "next_responses_met",
        "next_response_breaches",
    )
    for column in columns:
        out[column] = np.zeros(len(out), dtype=np.int64)
    out["max_next_response_h"] = np.nan
    if turns is None or turns.empty or out.empty:
        return
    follow_ups = _next_turn_clocks(turns, out, sla, clock)
    if follow_ups.empty:
        return
    status = follow_ups["status"]
    # Conversations and follow-ups share integer codes (no Python string per row); a
    # follow-up without a conversation id (code -1) counts nowhere, as a groupby drops it.
    codes, names = pd.factorize(
        pd.concat(
            [out["conversation_id"].astype("string"), follow_ups["conversation_id"]],
            ignore_index=True,
        )
    )
    known, code = codes[: len(out)] >= 0, codes[: len(out)]
    counted = codes[len(out) :] >= 0
    group = codes[len(out) :][counted]
    flags = {
        "next_responses": np.ones(len(follow_ups), dtype=bool),
        "next_responses_answered": follow_ups["responded_at"].notna().to_numpy(dtype=bool),
        "next_responses_met": (status == "met").fillna(False).to_numpy(dtype=bool),
        "next_response_breaches": status.isin(["breached", "open_breached"])
        .fillna(False)
        .to_numpy(dtype=bool),
    }
    for column in columns:
        per = np.bincount(group[flags[column][counted]], minlength=len(names))
        out[column] = np.where(known, per[np.where(known, code, 0)], 0).astype(np.int64)
    hours = follow_ups["response_h"].to_numpy(dtype=float)[counted]
    longest = np.full(len(names), -np.inf)
    np.fmax.at(longest, group, hours)  # NaN hours skipped, as groupby's max does
    measured = np.bincount(group[~np.isnan(hours)], minlength=len(names)) > 0
    longest = np.where(measured, longest, np.nan)
    out["max_next_response_h"] = np.where(known, longest[np.where(known, code, 0)], np.nan)


def _next_turn_clocks(
    turns: pd.DataFrame, clocks: pd.DataFrame, sla: Sla, clock: _Clock
) -> pd.DataFrame:
    follow_ups = turns[turns["turn"] > 0].copy()
    # Each follow-up's policy: that of the first conversation with its id (NA matches NA).
    codes, names = pd.factorize(
        pd.concat(
            [
                clocks["conversation_id"].astype("string"),
                follow_ups["conversation_id"].astype("string"),
            ],
            ignore_index=True,
        ),
        use_na_sentinel=False,
    )
    first = _first_rows(codes[: len(clocks)], np.arange(len(clocks)), len(names))
    index = pd.Series(
        clocks["policy_index"].array.take(first[codes[len(clocks) :]], allow_fill=True),
        index=follow_ups.index,
        dtype="Int64",
    )
    policies = sla.policies
    target = _per_policy(index, [_seconds(p.next_response) for p in policies], "float64")
    business = _per_policy(index, [p.business_hours for p in policies], "boolean")
    measured = clock.measure(
        follow_ups["started_at"],
        follow_ups["responded_at"],
        target,
        business.fillna(False).to_numpy(dtype=bool),
    )
    follow_ups["policy"] = _per_policy(index, [p.label for p in policies], "string")
    follow_ups["target_h"] = target / 3600
    follow_ups["response_h"] = measured["h"]
    follow_ups["response_business_h"] = measured["business_h"]
    follow_ups["due_at"] = measured["due_at"]
    follow_ups["status"] = measured["status"]
    follow_ups["time_to_breach_h"] = measured["time_to_breach_h"]
    return follow_ups


def next_response_clocks(
    turns: pd.DataFrame,
    clocks: pd.DataFrame,
    sla: Sla,
    timezone: str,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per customer follow-up after a brand reply, with its next-response clock.

    The policy is the conversation's (from ``clocks``), the target its ``next_response``
    (no target: NA due time and status, the response time is still measured). Statuses as in
    :func:`sla_clocks`; ``as_of`` defaults to the latest timestamp in ``clocks``.

    Returns:
        The follow-up rows of ``turns`` (``turn`` >= 1) plus ``policy``, ``target_h``,
        ``response_h``, ``response_business_h``, ``due_at``, ``status``, ``time_to_breach_h``.
    """
    if as_of is None:
        as_of = _latest(clocks, ("last_at", "first_customer_at", "first_response_at"))
    return _next_turn_clocks(turns, clocks, sla, _Clock(_calendar(sla, timezone), _as_utc(as_of)))


def clock_conversations(
    scored: pd.DataFrame, playbook: Playbook, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Scored mentions -> SLA clocks of every conversation the brand owes an answer.

    The chain of step 4 in one call: :func:`brand_threads`, :func:`build_conversations` and
    :func:`response_turns` with the playbook's handles, :func:`sla_clocks` with its SLA and
    time zone. The threads are read in place (their rows' positions in ``scored``), so the
    mentions are never copied, and their ids are factorized once for all three.
    """
    # The threads' rows are read in place, not copied; the clocks read no first turn.
    conversations, turns = _brand_tables(scored, playbook.brand.handles, follow_ups_only=True)
    # The conversations are this function's own: the clocks go on them without a copy.
    return _add_clocks(conversations, playbook.sla, playbook.timezone, as_of, turns)


def _sla_columns(clocks: pd.DataFrame) -> pd.DataFrame:
    """The per-conversation flags and hours :func:`summarize_sla` aggregates (absent columns
    count as not met / NaN hours / zero next responses)."""

    def flags(column: str) -> dict[str, np.ndarray]:
        status = (
            clocks[column].astype("string")
            if column in clocks
            else pd.Series(pd.NA, index=clocks.index, dtype="string")
        )
        return {
            "met": (status == "met").fillna(False).to_numpy(dtype=bool),
            "breach": status.isin(["breached", "open_breached"]).fillna(False).to_numpy(dtype=bool),
            "open": (status == "open").fillna(False).to_numpy(dtype=bool),
        }

    def numbers(column: str) -> np.ndarray:
        if column not in clocks:
            return np.full(len(clocks), np.nan)
        return pd.to_numeric(clocks[column]).astype(float).to_numpy()

    def counts(column: str) -> np.ndarray:
        if column not in clocks:
            return np.zeros(len(clocks), dtype=np.int64)
        return pd.to_numeric(clocks[column]).fillna(0).to_numpy(dtype=np.int64)

    first, resolution = flags("status"), flags("resolution_status")
    resolved = (
        clocks["resolved_at"].notna().to_numpy()
        if "resolved_at" in clocks
        else np.zeros(len(clocks), bool)
    )
    return pd.DataFrame(
        {
            "_answered": clocks["first_response_at"].notna().to_numpy(),
            "_met": first["met"],
            "_breach": first["breach"],
            "_open": first["open"],
            "_h": numbers("first_response_h"),
            "_bh": numbers("first_response_business_h"),
            "_resolved": resolved,
            "_r_met": resolution["met"],
            "_r_breach": resolution["breach"],
            "_rh": numbers("resolution_h"),
            "_rbh": numbers("resolution_business_h"),
            "_next": counts("next_responses"),
            "_n_met": counts("next_responses_met"),
            "_n_breach": counts("next_response_breaches"),
        },
        index=clocks.index,
    )


# long: one named aggregation per output column, in the order of the table it returns
def summarize_sla(clocks: pd.DataFrame, by: str | Sequence[str] | None = "policy") -> pd.DataFrame:
    """SLA figures per group: response rate, response and resolution times, attainment.

    Times (mean, median, p90 with numpy's default linear interpolation) are taken over the
    conversations whose clock stopped (answered, resolved), in calendar and in business hours.
    Unlike tools that average first response over resolved conversations only, every answered
    conversation counts, and unanswered ones count against the response rate. ``breaches``
    counts ``breached`` plus ``open_breached``. ``attainment`` is ``met / (met + breached +
    open_breached)``: open conversations that are not yet due are left out because their
    outcome is not known (counting them either way would flatter or punish the team for time
    that has not passed); unanswered overdue ones count as breaches. The same holds for
    resolution and next-response attainment. Conversations no policy matched count towards
    volume and response rate, not towards attainment.

    Args:
        clocks: Output of :func:`sla_clocks`.
        by: Column(s) to group by, e.g. ``"policy"``, ``"platform"``, ``"intent"``,
            ``"responder"`` (brand handle), ``"week"``, or a list; ``None`` for one row over
            everything. NA keys form their own group.

    Returns:
        The group columns plus ``conversations``, ``answered``, ``response_rate``;
        ``mean_``/``median_``/``p90_first_response_h`` and ``..._business_h``; ``met``,
        ``breaches``, ``open`` (not yet due), ``attainment`` (NaN when nothing is decided);
        ``resolved``, ``mean_``/``median_``/``p90_resolution_h`` and ``..._business_h``,
        ``resolution_breaches``, ``resolution_attainment``; ``next_responses``,
        ``next_response_breaches``, ``next_response_attainment``.

    Examples:
        >>> clocks = pd.DataFrame({"policy": ["a", "a", "a"],
        ...     "first_response_at": pd.to_datetime(["2026-01-05", None, None], utc=True),
        ...     "first_response_h": [2.0, np.nan, np.nan],
        ...     "first_response_business_h": [1.0, np.nan, np.nan],
        ...     "status": ["met", "open", "open_breached"]})
        >>> summarize_sla(clocks)[["policy", "response_rate", "breaches", "attainment"]]
          policy  response_rate  breaches  attainment
        0      a       0.333333         1         0.5
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    frame = _sla_columns(clocks)
    group_keys = keys or ["_all"]
    for key in keys:
        frame[key] = clocks[key]
    if not keys:
        frame["_all"] = 0
    grouped = frame.groupby(group_keys, dropna=False, sort=True, observed=True)
    table = grouped.agg(
        conversations=("_answered", "size"),
        answered=("_answered", "sum"),
        mean_first_response_h=("_h", "mean"),
        median_first_response_h=("_h", "median"),
        mean_first_response_business_h=("_bh", "mean"),
        median_first_response_business_h=("_bh", "median"),
        met=("_met", "sum"),
        breaches=("_breach", "sum"),
        open=("_open", "sum"),
        resolved=("_resolved", "sum"),
        mean_resolution_h=("_rh", "mean"),
        median_resolution_h=("_rh", "median"),
        mean_resolution_business_h=("_rbh", "mean"),
        median_resolution_business_h=("_rbh", "median"),
        resolution_met=("_r_met", "sum"),
        resolution_breaches=("_r_breach", "sum"),
        next_responses=("_next", "sum"),
        next_met=("_n_met", "sum"),
        next_response_breaches=("_n_breach", "sum"),
    )
    for name, column in (
        ("p90_first_response_h", "_h"),
        ("p90_first_response_business_h", "_bh"),
        ("p90_resolution_h", "_rh"),
        ("p90_resolution_business_h", "_rbh"),
    ):
        table[name] = grouped[column].quantile(0.9)
    integer = (
        "conversations",
        "answered",
        "met",
        "breaches",
        "open",
        "resolved",
        "resolution_met",
        "resolution_breaches",
        "next_responses",
        "next_met",
        "next_response_breaches",
    )
    for column in integer:
        table[column] = table[column].astype(np.int64)
    table["response_rate"] = table["answered"] / table["conversations"]

    def share(met: str, breaches: str) -> pd.Series:
        decided = table[met] + table[breaches]
        return (table[met] / decided.where(decided > 0)).astype(float)

    table["attainment"] = share("met", "breaches")
    table["resolution_attainment"] = share("resolution_met", "resolution_breaches")
    table["next_response_attainment"] = share("next_met", "next_response_breaches")
    columns = [
        "conversations",
        "answered",
        "response_rate",
        "mean_first_response_h",
        "median_first_response_h",
        "p90_first_response_h",
        "mean_first_response_business_h",
        "median_first_response_business_h",
        "p90_first_response_business_h",
        "met",
        "breaches",
        "open",
        "attainment",
        "resolved",
        "mean_resolution_h",
        "median_resolution_h",
        "p90_resolution_h",
        "mean_resolution_business_h",
        "median_resolution_business_h",
        "p90_resolution_business_h",
        "resolution_breaches",
        "resolution_attainment",
        "next_responses",
        "next_response_breaches",
        "next_response_attainment",
    ]
    table = table.reset_index()
    return table[keys + columns]
