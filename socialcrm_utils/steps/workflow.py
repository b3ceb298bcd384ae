"""Step 5, workflow: who handles which customer request, how much work that is, and how fast.

The playbook's ``routing`` (:class:`~socialcrm_utils.playbook.Routing`) maps intents, priorities
and crises to departments (service, marketing, PR, sales). This module turns it into

- a routing matrix intent x priority -> department the client can read and sign
  (:func:`routing_matrix`);
- a department for every customer request, scored mentions or conversations alike
  (:func:`route`, with crises flagged by :func:`mark_crisis`);
- the workload per department (:func:`department_workload`) and its SLA figures
  (:func:`department_sla`, via :func:`socialcrm_utils.conversations.summarize_sla`);
- the method's "70% problem" (:func:`compare_marketing_load`): how many requests marketing
  gets today, with the playbook's routing, and where the others go.

Pure functions on DataFrames and the playbook: they never read files and never modify their
input.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..conversations import summarize_sla
from ..playbook import Playbook, Routing
from ..schema import DEPARTMENTS, INTENTS, PRIORITIES

__all__ = [
    "ROUTED_COLUMNS",
    "MARKETING_SHARE_REFERENCE",
    "routing_matrix",
    "route",
    "mark_crisis",
    "department_workload",
    "department_sla",
    "compare_marketing_load",
]

logger = logging.getLogger(__name__)

#: Columns :func:`route` adds: the department and why (``crisis``, ``rule N``, ``intent``,
#: ``default``); both NA for brand posts.
ROUTED_COLUMNS: tuple[str, ...] = ("department", "routed_by")

#: The method's figure: 70% of customer requests in social media land in marketing
#: (``requests_in_marketing`` in ``data/benchmarks.yaml``; cited in the method, the original
#: study not verified).
MARKETING_SHARE_REFERENCE: float = 0.70

_TIME_COLUMNS = ("first_customer_at", "created_at")


def _routing(playbook: Playbook | Routing) -> Routing:
    return playbook if isinstance(playbook, Routing) else playbook.routing


def routing_matrix(playbook: Playbook | Routing) -> pd.DataFrame:
    """Which department gets a request of each intent and priority: the routing the client signs.

    Each cell is :meth:`Routing.department_for` of that intent and priority. The last row,
    ``crisis``, is where a crisis goes whatever its intent (NA when ``routing.crisis`` is not
    set: crises then follow the intent rows).

    Args:
        playbook: The playbook, or its ``routing``.

    Returns:
        Index ``intent`` (:data:`schema.INTENTS` then ``crisis``), columns ``priority``
        (:data:`schema.PRIORITIES`), values departments.

    Examples:
        >>> routing = Routing.model_validate({"complaint": "service", "lead": "sales",
        ...     "crisis": "pr", "rules": [{"priority": "high", "department": "service"}]})
        >>> routing_matrix(routing)  # doctest: +NORMALIZE_WHITESPACE
        priority      high     normal        low
        intent
        complaint  service    service    service
        question   service  marketing  marketing
        praise     service  marketing  marketing
        lead       service      sales      sales
        other      service  marketing  marketing
        crisis          pr         pr         pr
    """
    routing = _routing(playbook)
    rows = {
        intent: [routing.department_for(intent, p)[0] for p in PRIORITIES] for intent in INTENTS
    }
    rows["crisis"] = [routing.crisis] * len(PRIORITIES)
    matrix = pd.DataFrame.from_dict(rows, orient="index", columns=list(PRIORITIES))
    matrix = matrix.astype("string")
    matrix.index.name, matrix.columns.name = "intent", "priority"
    return matrix


def route(frame: pd.DataFrame, playbook: Playbook | Routing) -> pd.DataFrame:
    """Give every customer request a department, by the playbook's routing.

    Works on scored mentions (step 3) and on conversations / SLA clocks (step 4): it reads
    ``intent`` and ``priority`` (missing column or NA: unknown, so rules that need it do not
    match and an unknown intent goes to ``routing.default``) and, when present, a boolean
    ``crisis`` column (:func:`mark_crisis`). The order is that of
    :class:`~socialcrm_utils.playbook.Routing`: crisis, rules top to bottom, intent, default.
    Brand posts (``is_brand`` True, when the column exists) are not requests: their department
    is NA.

    Args:
        frame: Mentions or conversations.
        playbook: The playbook, or its ``routing``.

    Returns:
        A new frame: the input plus :data:`ROUTED_COLUMNS` (``string`` dtype).

    Examples:
        >>> routing = Routing.model_validate({"complaint": "service", "crisis": "pr",
        ...     "rules": [{"intent": "lead", "priority": "high", "department": "sales"}]})
        >>> df = pd.DataFrame({"intent": ["complaint", "lead", "lead", "praise", "complaint"],
        ...     "priority": ["normal", "high", "low", "low", "high"],
        ...     "crisis": [False, False, False, False, True]})
        >>> route(df, routing)[["department", "routed_by"]].values.tolist()
        ... # doctest: +NORMALIZE_WHITESPACE
        [['service', 'intent'], ['sales', 'rule 1'], ['marketing', 'default'],
         ['marketing', 'default'], ['pr', 'crisis']]
    """
    routing = _routing(playbook)
    n = len(frame)

    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype("string")
        return pd.Series(pd.NA, index=frame.index, dtype="string")

    intent, priority = column("intent"), column("priority")
    department = np.full(n, routing.default, dtype=object)
    routed_by = np.full(n, "default", dtype=object)
    for name, target in routing.by_intent.items():
        hit = (intent == name).fillna(False).to_numpy(bool)
        department[hit], routed_by[hit] = target, "intent"
    for number, rule in reversed(list(enumerate(routing.rules, start=1))):
        hit = np.ones(n, dtype=bool)
        if rule.intent is not None:
            hit &= intent.isin(rule.intent).fillna(False).to_numpy(bool)
        if rule.priority is not None:
            hit &= priority.isin(rule.priority).fillna(False).to_numpy(bool)
        department[hit], routed_by[hit] = rule.department, f"rule {number}"
    if routing.crisis is not None and "crisis" in frame.columns:
        hit = frame["crisis"].astype("boolean").fillna(False).to_numpy(bool)
        department[hit], routed_by[hit] = routing.crisis, "crisis"
    out = frame.copy()
    out["department"] = pd.array(department, dtype="string")
    out["routed_by"] = pd.array(routed_by, dtype="string")
    if "is_brand" in frame.columns:
        brand = frame["is_brand"].astype("boolean").fillna(False).to_numpy(bool)
        out.loc[brand, list(ROUTED_COLUMNS)] = pd.NA
    return out


def _time_column(frame: pd.DataFrame, time_column: str | None) -> str | None:
    if time_column is not None:
        return time_column
    return next((c for c in _TIME_COLUMNS if c in frame.columns), None)


def mark_crisis(
    frame: pd.DataFrame,
    alerts: pd.DataFrame,
    timezone: str,
    *,
    metrics: tuple[str, ...] = ("negative", "complaints"),
    priorities: tuple[str, ...] = ("high",),
    time_column: str | None = None,
) -> pd.DataFrame:
    """Flag requests that belong to a crisis: high priority on a day of negative spikes.

    A rule of thumb, not a finding: the listening step raises an alert on a day whose count of
    negative posts or complaints jumps far above its trailing baseline
    (:func:`listening.detect_spikes`); a request of that local day with a priority in
    ``priorities`` (by default ``high``: very negative or wide-reaching complaints) is flagged
    ``crisis`` and goes to ``routing.crisis`` (PR). Set the column yourself for any other rule.

    Args:
        frame: Mentions or conversations with ``priority`` and a time column.
        alerts: Spike alerts (``alerts.csv``: ``date`` as a local calendar day, ``metric``).
        timezone: The playbook's time zone (alerts count local days).
        metrics: Alert metrics that signal a crisis.
        priorities: Priorities of the requests flagged on such a day.
        time_column: The column with the request's time (default: ``first_customer_at`` for
            conversations, else ``created_at``).

    Returns:
        A new frame: the input plus a boolean ``crisis`` column.

    Raises:
        KeyError: If there is no time column.

    Examples:
        >>> df = pd.DataFrame({"priority": ["high", "normal", "high"],
        ...     "created_at": pd.to_datetime(["2026-03-01 23:30", "2026-03-02 09:00",
        ...                                   "2026-03-03 09:00"], utc=True)})
        >>> alerts = pd.DataFrame({"date": ["2026-03-02"], "metric": ["complaints"]})
        >>> # 23:30Z on 1 March is 00:30 on 2 March in Berlin
        >>> mark_crisis(df, alerts, "Europe/Berlin")["crisis"].tolist()
        [True, False, False]
    """
    column = _time_column(frame, time_column)
    if column is None or column not in frame.columns:
        tried = time_column or ", ".join(_TIME_COLUMNS)
        raise KeyError(f"no time column to match alert days (tried: {tried})")
    out = frame.copy()
    chosen = alerts[alerts["metric"].isin(metrics)] if len(alerts) else alerts
    days = set(pd.to_datetime(chosen["date"]).dt.date) if len(chosen) else set()
    local = pd.to_datetime(frame[column], utc=True).dt.tz_convert(timezone).dt.date
    on_day = local.isin(days).to_numpy(bool)
    priority = (
        frame["priority"].astype("string").isin(priorities).fillna(False).to_numpy(bool)
        if "priority" in frame.columns
        else np.zeros(len(frame), bool)
    )
    out["crisis"] = on_day & priority
    logger.info(
        "%d request(s) flagged as crisis on %d alert day(s)", int(out["crisis"].sum()), len(days)
    )
    return out


def _weeks(frame: pd.DataFrame, column: str | None) -> float:
    if column is None or column not in frame.columns or frame.empty:
        return np.nan
    times = pd.to_datetime(frame[column], utc=True).dropna()
    if times.empty:
        return np.nan
    days = (times.max() - times.min()).total_seconds() / 86400
    return max(days, 7.0) / 7.0


def department_workload(
    routed: pd.DataFrame, weeks: float | None = None, time_column: str | None = None
) -> pd.DataFrame:
    """The workload per department: requests, requests per week and share of all requests.

    Rows whose department is NA (brand posts) are left out. ``per_week`` divides by the weeks
    the data spans, from its first to its last request, and at least one week (a few days of
    data are not extrapolated to a week). Every department of :data:`schema.DEPARTMENTS` is
    listed, with 0 when it gets nothing.

    Args:
        routed: Output of :func:`route` (conversations or mentions).
        weeks: The period in weeks (default: measured from ``time_column``).
        time_column: Default ``first_customer_at``, else ``created_at``.

    Returns:
        ``department``, ``conversations``, ``per_week`` (NaN without a time column),
        ``share`` (NaN when there is no request).

    Examples:
        >>> routed = pd.DataFrame({"department": ["service", "service", "sales", None],
        ...     "created_at": pd.to_datetime(["2026-01-01", "2026-01-08", "2026-01-15",
        ...                                   "2026-01-15"], utc=True)})
        >>> department_workload(routed).round(3).values.tolist()  # 14 days = 2 weeks
        ... # doctest: +NORMALIZE_WHITESPACE
        [['service', 2, 1.0, 0.667], ['marketing', 0, 0.0, 0.0], ['pr', 0, 0.0, 0.0],
         ['sales', 1, 0.5, 0.333]]
    """
    requests = routed[routed["department"].notna()]
    counts = (
        requests["department"]
        .astype("string")
        .value_counts()
        .reindex(list(DEPARTMENTS), fill_value=0)
        .astype("int64")
    )
    extra = sorted(set(requests["department"].astype("string")) - set(DEPARTMENTS))
    if extra:  # not a known department: keep it visible rather than drop it
        counts = pd.concat(
            [
                counts,
                requests["department"]
                .astype("string")
                .value_counts()
                .reindex(extra)
                .astype("int64"),
            ]
        )
    period = weeks if weeks is not None else _weeks(requests, _time_column(requests, time_column))
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "department": counts.index.astype(str),
            "conversations": counts.to_numpy(),
            "per_week": counts.to_numpy() / period if period else np.nan,
            "share": counts.to_numpy() / total if total else np.nan,
        }
    )


def department_sla(
    clocks: pd.DataFrame, playbook: Playbook | Routing | None = None
) -> pd.DataFrame:
    """SLA figures per department: :func:`conversations.summarize_sla` grouped by ``department``.

    Args:
        clocks: SLA clocks (:func:`sla.sla_clocks`, with ``intent`` and ``priority``), routed
            already (a ``department`` column) or not.
        playbook: The playbook (or its routing) to route ``clocks`` with when they have no
            ``department`` column.

    Returns:
        One row per department with requests: ``department`` and the columns of
        :func:`conversations.summarize_sla`.

    Raises:
        ValueError: If ``clocks`` have no ``department`` column and no playbook is given.
    """
    if "department" not in clocks.columns:
        if playbook is None:
            raise ValueError("clocks have no department column: pass the playbook to route them")
        clocks = route(clocks, playbook)
    return summarize_sla(clocks[clocks["department"].notna()], by="department")


def compare_marketing_load(
    routed: pd.DataFrame, reference: float = MARKETING_SHARE_REFERENCE
) -> pd.DataFrame:
    """The method's "70% problem": requests in marketing today, at the reference, with routing.

    Three scenarios over the same customer requests (rows of ``routed`` with a department):

    - ``today``: an assumption, not a measurement: without routing, every social request lands
      with the team that owns the social accounts, marketing (share 1.0);
    - ``method reference``: the method's figure, ``reference`` (70%) of social requests in
      marketing, applied to the client's requests (other columns NA: the method does not say
      where the rest go);
    - ``with routing``: the departments the playbook's routing assigns.

    ``moved_from_marketing`` is how many requests leave marketing compared with today; the
    ``service``, ``sales`` and ``pr`` columns say where they go.

    Args:
        routed: Output of :func:`route`.
        reference: Share of requests in marketing according to the method.

    Returns:
        One row per scenario: ``scenario``, ``requests``, ``marketing_share``, then the
        requests per department (:data:`schema.DEPARTMENTS` order, float), and
        ``moved_from_marketing``.

    Examples:
        >>> routed = pd.DataFrame({"department": ["service"] * 5 + ["sales", "pr"]
        ...                                      + ["marketing"] * 3 + [None]})
        >>> compare_marketing_load(routed)[["scenario", "marketing_share", "marketing",
        ...     "moved_from_marketing"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
        [['today', 1.0, 10.0, 0.0], ['method reference', 0.7, 7.0, 3.0],
         ['with routing', 0.3, 3.0, 7.0]]
    """
    departments = routed["department"].dropna().astype("string")
    n = len(departments)
    counts = departments.value_counts().reindex(list(DEPARTMENTS), fill_value=0)
    nan = float("nan")
    rows = [
        {
            "scenario": "today",
            "requests": n,
            "marketing_share": 1.0 if n else nan,
            **{d: float(n if d == "marketing" else 0) for d in DEPARTMENTS},
            "moved_from_marketing": 0.0,
        },
        {
            "scenario": "method reference",
            "requests": n,
            "marketing_share": reference,
            **{d: (reference * n if d == "marketing" else nan) for d in DEPARTMENTS},
            "moved_from_marketing": n - reference * n,
        },
        {
            "scenario": "with routing",
            "requests": n,
            "marketing_share": counts["marketing"] / n if n else nan,
            **{d: float(counts[d]) for d in DEPARTMENTS},
            "moved_from_marketing": float(n - counts["marketing"]),
        },
    ]
    return pd.DataFrame(
        rows,
        columns=["scenario", "requests", "marketing_share", *DEPARTMENTS, "moved_from_marketing"],
    )
