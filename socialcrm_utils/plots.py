"""Charts of the step notebooks and the report: every chart has a title and labelled axes.

Each function takes an aggregate table (never the raw mentions, so a million rows never reach
matplotlib) and returns the ``Figure``; notebooks end the cell with ``plt.show()``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import matplotlib

matplotlib.rcParams.update(
    {
        "figure.figsize": (9, 4),
        "figure.dpi": 100,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
    }
)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from .metrics import NOT_AVAILABLE, RATE_COLUMNS  # noqa: E402
from .schema import KPIS  # noqa: E402

__all__ = [
    "plot_platforms",
    "plot_daily_volume",
    "plot_sentiment_by_platform",
    "plot_first_response",
    "plot_breaches_by_hour",
    "plot_attainment",
    "plot_kpi_goals",
    "plot_kpi_history",
    "NO_DATA_NOTES",
    "plot_costs",
    "add_context_line",
    "plot_engagement_heatmap",
    "plot_top_questions",
    "plot_platform_ranking",
    "plot_share_of_voice",
    "plot_weekly_topics",
    "format_table",
    "escape_markdown",
    "PERCENT_COLUMNS",
    "format_sla_summary",
    "SLA_SUMMARY_COLUMNS",
    "SLA_SUMMARY_LABELS",
]

_BLUE, _RED, _GREY, _GREEN = "#1f6feb", "#cf222e", "#8c959f", "#1a7f37"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def plot_platforms(table: pd.DataFrame) -> Figure:
    """Bar charts of customer mentions and audience reach per platform (``summarize_platforms``).

    Reach the data cannot give (no follower counts) is not drawn as 0: a platform without it is
    marked "n/a", and without any reach data the right chart says so instead of staying empty.

    Examples:
        >>> t = pd.DataFrame({"platform": ["x", "y"], "mentions": [3, 1],
        ...                   "reach": [float("nan"), float("nan")]})
        >>> [t.get_text().split(":")[0] for t in plot_platforms(t).axes[1].texts]
        ['no reach data']
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.barh(table["platform"], table["mentions"], color=_BLUE)
    left.invert_yaxis()
    left.set(title="Customer mentions per platform", xlabel="mentions", ylabel="platform")
    reach = pd.to_numeric(table["reach"], errors="coerce").astype(float)
    right.set(title="Audience reach per platform", xlabel="followers of unique authors")
    if reach.isna().all():
        right.set_xticks([])
        right.set_yticks([])
        right.text(
            0.5,
            0.5,
            NO_DATA_NOTES["reach"],
            transform=right.transAxes,
            ha="center",
            va="center",
            fontsize=10,
            color=_GREY,
        )
    else:
        right.barh(table["platform"], reach.fillna(0), color=_GREY)
        for y, value in enumerate(reach):
            if np.isnan(value):
                right.annotate(
                    NOT_AVAILABLE,
                    (0, y),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    color=_GREY,
                )
        right.invert_yaxis()
        right.xaxis.set_major_formatter(FuncFormatter(_compact))
        right.tick_params(labelleft=False)
    fig.tight_layout()
    return fig


def plot_platform_ranking(ranked: pd.DataFrame) -> Figure:
    """Ranking score per platform (``platforms.rank_platforms``), best first."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.barh(ranked["platform"], ranked["score"], color=_BLUE)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set(
        title="Where to be present first: platform ranking",
        xlabel="weighted score (0-1; weights from the playbook)",
        ylabel="platform",
    )
    fig.tight_layout()
    return fig


def plot_share_of_voice(sov: pd.DataFrame) -> Figure:
    """Share of voice of the client and its competitors (``platforms.share_of_voice``)."""
    fig, ax = plt.subplots(figsize=(9, 3))
    colors = [_BLUE if client else _GREY for client in sov["is_client"]]
    ax.barh(sov["name"], sov["share"], color=colors)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(
        title="Share of voice among customer posts",
        xlabel="share of brand mentions",
        ylabel="brand",
    )
    fig.tight_layout()
    return fig


def plot_daily_volume(
    daily: pd.DataFrame, alerts: pd.DataFrame | None = None, column: str = "complaints"
) -> Figure:
    """Daily customer mentions with ``column`` and spike alerts marked.

    Args:
        daily: ``listening.daily_volume`` output (``date``, ``customer_mentions``, ``column``).
        alerts: ``listening.detect_spikes`` output; each alert's day gets a red marker.
        column: The series the alerts are about.
    """
    fig, ax = plt.subplots()
    dates = pd.to_datetime(daily["date"])
    ax.plot(dates, daily["customer_mentions"], color=_GREY, label="customer mentions")
    ax.plot(dates, daily[column], color=_BLUE, label=column)
    if alerts is not None and len(alerts):
        spike_days = pd.to_datetime(alerts["date"])
        values = daily.set_index(dates)[column].reindex(spike_days)
        ax.scatter(spike_days, values, color=_RED, zorder=3, s=60, label="spike alert")
    ax.set(title=f"Daily volume and {column}", xlabel="day (local time)", ylabel="posts per day")
    ax.legend(frameon=False)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_sentiment_by_platform(table: pd.DataFrame) -> Figure:
    """Stacked shares of negative / neutral / positive per platform.

    Args:
        table: Index platform, columns ``negative``, ``neutral``, ``positive`` (shares).
    """
    fig, ax = plt.subplots()
    left = np.zeros(len(table))
    for label, color in (("negative", _RED), ("neutral", _GREY), ("positive", _GREEN)):
        values = table.get(label, pd.Series(0.0, index=table.index)).to_numpy(dtype=float)
        ax.barh(table.index.astype(str), values, left=left, color=color, label=label)
        left += values
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(
        title="Sentiment of customer posts per platform (scored posts)",
        xlabel="share of scored posts",
        ylabel="platform",
    )
    ax.legend(frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, -0.35))
    fig.tight_layout()
    return fig


def plot_first_response(
    hours: pd.Series, targets_h: Sequence[float] = (), title: str = "First response times"
) -> Figure:
    """Histogram of first response times (hours, log-spaced bins) with target lines.

    Args:
        hours: First response times in hours of answered conversations.
        targets_h: SLA targets to draw as vertical lines.
        title: Chart title.
    """
    fig, ax = plt.subplots()
    values = pd.to_numeric(hours, errors="coerce").dropna()
    values = values[values > 0]
    if len(values):
        bins = np.logspace(np.log10(max(values.min(), 1 / 60)), np.log10(values.max() + 1e-9), 30)
        ax.hist(values, bins=bins, color=_BLUE)
        ax.set_xscale("log")
    top = ax.get_ylim()[1]
    for i, target in enumerate(sorted(set(targets_h))):  # labels stepped down: lines sit close
        ax.axvline(target, color=_RED, linestyle="--")
        ax.annotate(
            f"target {target:g}h",
            (target, top * (0.93 - 0.09 * (i % 4))),
            color=_RED,
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=9,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
        )
    ax.set(title=title, xlabel="hours to first response (log scale)", ylabel="conversations")
    fig.tight_layout()
    return fig


def plot_breaches_by_hour(clocks: pd.DataFrame) -> Figure:
    """First-response outcomes by local hour of the customer's first post (stacked bars).

    Args:
        clocks: ``sla.sla_clocks`` output (``local_hour``, ``status``).
    """
    fig, ax = plt.subplots()
    status = clocks["status"].astype("string").fillna("no policy")
    decided = status.replace({"open_breached": "breached"})
    table = pd.crosstab(clocks["local_hour"], decided).reindex(index=range(24), fill_value=0)
    bottom = np.zeros(24)
    for name, color in (("met", _GREEN), ("breached", _RED), ("open", _GREY)):
        if name in table:
            ax.bar(table.index, table[name], bottom=bottom, color=color, label=name)
            bottom += table[name].to_numpy()
    ax.set(
        title="First-response outcome by hour of the customer's post",
        xlabel="local hour of the first customer post",
        ylabel="conversations",
        xticks=range(0, 24, 2),
    )
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    ax.legend(frameon=False, ncols=3)
    fig.tight_layout()
    return fig


def plot_attainment(
    summary: pd.DataFrame, by: str, goal: float | None = None, title: str | None = None
) -> Figure:
    """SLA attainment (first response, resolution) per group, with an optional goal line.

    Args:
        summary: ``conversations.summarize_sla`` output grouped by ``by``.
        by: The group column, e.g. ``policy`` or ``week``.
        goal: Target attainment (0-1) drawn as a dashed line.
        title: Chart title; a default names the group.
    """
    fig, ax = plt.subplots()
    labels = summary[by].astype("string").fillna("none").tolist()
    x = np.arange(len(labels))
    series = [
        ("attainment", "first response", _BLUE),
        ("resolution_attainment", "resolution", _GREY),
    ]
    shown = [s for s in series if s[0] in summary and summary[s[0]].notna().any()]
    width = 0.8 / max(len(shown), 1)
    for i, (column, label, color) in enumerate(shown):
        ax.bar(
            x + (i - (len(shown) - 1) / 2) * width,
            summary[column].fillna(0),
            width,
            color=color,
            label=label,
        )
    if goal is not None:
        ax.axhline(goal, color=_RED, linestyle="--", label=f"goal {goal:.0%}")
    ax.set_xticks(
        x,
        labels,
        rotation=30 if len(labels) > 4 else 0,
        ha="right" if len(labels) > 4 else "center",
    )
    ax.set(
        title=title or f"SLA attainment by {by}",
        xlabel=by,
        ylabel="met / decided",
        ylim=(0, 1.22),
        yticks=np.linspace(0, 1, 6),
    )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(frameon=False, ncols=3, loc="upper right")
    fig.tight_layout()
    return fig


def plot_kpi_goals(progress: pd.DataFrame) -> Figure:
    """Baseline, current value and target per goal, each on its own small axis.

    Args:
        progress: ``goals.goal_progress`` output (``label``, ``baseline``, ``current``, ``target``).
    """
    n = max(len(progress), 1)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.2), squeeze=False)
    for ax, (_, row) in zip(axes[0], progress.iterrows(), strict=False):
        values = [row["baseline"], row["current"]]
        ax.bar(["baseline", "current"], values, color=[_GREY, _BLUE])
        ax.axhline(row["target"], color=_RED, linestyle="--")
        unit = row.get("unit", "")
        ax.set(title=row["label"], ylabel=unit)
        if unit == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    fig.suptitle("Goals: baseline, current value and target (dashed red line)")
    fig.tight_layout()
    return fig


#: What a KPI chart says when no data period has a value for it, instead of an empty chart.
NO_DATA_NOTES: dict[str, str] = {"reach": "no reach data:\nthe sources give no follower counts"}


def plot_kpi_history(
    history: pd.DataFrame,
    targets: dict[str, float] | None = None,
    labels: dict[str, str] | None = None,
    columns: int = 3,
    units: dict[str, str] | None = None,
    currency: str = "",
) -> Figure:
    """Each KPI over the periods the data covered, one small chart per KPI, goal dashed.

    A point stands at the day its values describe, the last day of the run's data
    (``as_of`` of :meth:`store.Store.kpi_history`), not when the suite ran: last year's export
    re-run today stays at last year. Points are evenly spaced and labelled with that day. A KPI
    without a value in any period (e.g. reach when the sources give no follower counts) says so
    (:data:`NO_DATA_NOTES`) instead of drawing an empty chart.

    Args:
        history: One row per point and KPI: ``as_of`` (else ``started_at``), ``name``,
            ``value`` (the store's ``kpi_history``).
        targets: Goal target per KPI name, drawn as a dashed red line.
        labels: Readable title per KPI name (default: the name; ``kpis.kpi_label``).
        columns: Charts per row.
        units: Unit per KPI name (``schema.KPIS``: share, hours, currency, mentions, people):
            shares are shown as percentages, the others name their unit on the y axis.
        currency: The playbook's currency, the y label of ``currency`` KPIs.

    Examples:
        >>> history = pd.DataFrame({"as_of": pd.to_datetime(["2017-10-31"] * 2),
        ...     "name": ["volume", "reach"], "value": [120.0, float("nan")]})
        >>> fig = plot_kpi_history(history)
        >>> [t.get_text().split(":")[0] for t in fig.axes[1].texts]
        ['no reach data']
        >>> fig.axes[0].get_xticklabels()[0].get_text(), fig.axes[0].get_xlabel()
        ('31 Oct 2017', 'last day of the data')
    """
    names = list(dict.fromkeys(history["name"]))
    rows = max(-(-len(names) // columns), 1)
    fig, axes = plt.subplots(rows, columns, figsize=(3.6 * columns, 2.6 * rows), squeeze=False)
    targets, labels = targets or {}, labels or {}
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    by_period = "as_of" in history
    when = (
        pd.to_datetime(history["as_of"])
        if by_period
        else pd.to_datetime(history["started_at"], utc=True)
    )
    points = sorted(when.unique())
    position = {point: i for i, point in enumerate(points)}
    same_day = len({pd.Timestamp(p).date() for p in points}) < len(points)
    ticks = list(range(0, len(points), max(1, -(-len(points) // 6))))
    tick_labels = [
        pd.Timestamp(points[i]).strftime("%d %b %H:%M" if same_day else "%d %b %Y") for i in ticks
    ]
    for ax, name in zip(axes.flat, names, strict=False):
        rows_of = (history["name"] == name).to_numpy()
        data = pd.DataFrame(
            {
                "x": [position[t] for t in when[rows_of]],
                "value": history.loc[rows_of, "value"].astype(float).to_numpy(),
            }
        ).sort_values("x")
        ax.set_title(labels.get(name, name), fontsize=10)
        ax.set_xlabel("last day of the data" if by_period else "run (UTC start)", fontsize=8)
        ax.set_xticks(ticks, tick_labels, fontsize=7)
        ax.set_xlim(-0.5, len(points) - 0.5)
        ax.tick_params(labelsize=8)
        if data["value"].isna().all():
            ax.set_yticks([])
            ax.text(
                0.5,
                0.5,
                NO_DATA_NOTES.get(name, "no data in any period"),
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=9,
                color=_GREY,
            )
            continue
        ax.plot(data["x"], data["value"], marker="o", color=_BLUE, label="period")
        if name in targets:
            ax.axhline(targets[name], color=_RED, linestyle="--", label="goal")
        unit = (units or {}).get(name, "")
        if unit == "share":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            ax.yaxis.set_major_formatter(FuncFormatter(_compact))
            ax.set_ylabel(currency if unit == "currency" and currency else unit, fontsize=8)
    what = "data period(s)" if by_period else "run(s)"
    fig.suptitle(f"KPIs over {len(points)} {what}; dashed: goal")
    fig.tight_layout()
    return fig


def plot_costs(costs: pd.DataFrame, currency: str = "USD") -> Figure:
    """What the answered contacts cost per channel (``kpis.cost_comparison``), social first.

    Args:
        costs: ``channel``, ``total`` and ``savings`` per channel.
        currency: The playbook's currency, for the axis label.
    """
    fig, ax = plt.subplots()
    colors = [_GREEN if c == "social" else _GREY for c in costs["channel"]]
    bars = ax.bar(costs["channel"], costs["total"], color=colors)
    for bar, saving in zip(bars, costs["savings"], strict=True):
        if saving > 0:
            ax.annotate(
                f"+{saving:,.0f} {currency}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
                color=_RED,
            )
    ax.set(
        title="The answered contacts on each channel (red: extra cost over social)",
        xlabel="channel",
        ylabel=f"total cost ({currency})",
    )
    ax.yaxis.set_major_formatter(FuncFormatter(_compact))
    fig.tight_layout()
    return fig


def plot_weekly_topics(topics: pd.DataFrame, lang: str, n: int = 3) -> Figure:
    """Top terms per week for one language (``nlp.topics.weekly_topics``), as a grid of bars."""
    data = topics[(topics["lang"] == lang) & (topics["rank"] <= n)]
    weeks = sorted(data["week"].unique())
    fig, ax = plt.subplots(figsize=(10, max(2.5, 0.32 * len(weeks) * n)))
    labels = data["week"] + "  " + data["term"]
    ax.barh(labels, data["mentions"], color=_BLUE)
    ax.invert_yaxis()
    ax.set(
        title=f"Top {n} terms per week ({lang})",
        xlabel="posts containing the term",
        ylabel="ISO week and term",
    )
    fig.tight_layout()
    return fig


def plot_engagement_heatmap(
    by_slot: pd.DataFrame, best: pd.DataFrame | None = None, value: str | None = None
) -> Figure:
    """Heatmap of engagement by local weekday x hour (``content.engagement_by_slot``).

    Args:
        by_slot: Output of ``content.engagement_by_slot``.
        best: Output of ``content.best_slots``: these slots are framed and numbered.
        value: Column to colour by; None: the engagement index (1 = an average post), or the
            number of posts where the basis is all posts (``best_slots`` then ranks by
            activity).
    """
    basis = by_slot.attrs.get("basis")
    value = value or ("posts" if basis == "all_posts" else "engagement_index")
    grid = by_slot.pivot_table(
        index="weekday", columns="hour", values=value, aggfunc="mean"
    ).reindex(index=range(7), columns=range(24))
    fig, ax = plt.subplots(figsize=(10, 3.8))
    values = grid.to_numpy(dtype=float)
    # Slots without posts are grey, not pale blue; one outlier post must not wash out the rest.
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#d0d7de")
    finite = values[np.isfinite(values)]
    vmax = float(np.percentile(finite, 95)) if finite.size else None
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=vmax)
    ax.set_yticks(range(7), _WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    if basis == "all_posts" and value == "posts":
        title = "Audience activity (all posts) by weekday and hour"
    else:
        note = {
            "brand_proactive": " of the brand's own posts",
            "all_posts": " of all posts (too few brand posts)",
        }.get(basis, "")
        title = f"Engagement{note} by weekday and hour"
    ax.set(title=f"{title}, local time", xlabel="hour of day", ylabel="weekday")
    label = {"engagement_index": "engagement index (1 = average post)", "posts": "posts"}.get(
        value, value.replace("_", " ")
    )
    fig.colorbar(
        image,
        ax=ax,
        label=label,
        extend="max" if finite.size and finite.max() > (vmax or 0) else "neither",
    )
    legend = "grey: no posts"
    if best is not None and not best.empty:
        for rank, slot in enumerate(best.itertuples(index=False), start=1):
            width = int(getattr(slot, "hours", 1))
            ax.add_patch(
                Rectangle(
                    (slot.hour - 0.5, slot.weekday - 0.5),
                    width,
                    1,
                    fill=False,
                    edgecolor=_RED,
                    linewidth=1.8,
                )
            )
            ax.text(
                slot.hour - 0.3,
                slot.weekday,
                str(rank),
                color=_RED,
                fontsize=8,
                fontweight="bold",
                va="center",
            )
        legend += "; red frames: best slots, numbered"
    ax.annotate(legend, (1.0, -0.3), xycoords="axes fraction", ha="right", fontsize=8, color=_GREY)
    fig.tight_layout()
    return fig


def plot_top_questions(questions: pd.DataFrame, n: int = 10) -> Figure:
    """Horizontal bars of the biggest question clusters (``content.faq_candidates``)."""
    top = questions.head(n)
    fig, ax = plt.subplots()
    labels = top["topic"].astype(str) + " (" + top["lang"].astype(str) + ")"
    ax.barh(labels, top["questions"], color=_BLUE)
    ax.invert_yaxis()
    ax.set(title="What customers ask most", xlabel="questions", ylabel="topic (language)")
    fig.tight_layout()
    return fig


#: Columns :func:`format_table` shows as percentages unless told otherwise: the share KPIs
#: (:data:`schema.KPIS`) and the rates of :mod:`socialcrm_utils.metrics`, under their one name.
PERCENT_COLUMNS: frozenset[str] = frozenset(
    {name for name, kpi in KPIS.items() if kpi.unit == "share"}
    | set(RATE_COLUMNS)
    | {"reach_share"}
)


def format_table(
    frame: pd.DataFrame,
    *,
    percent: Sequence[str] = (),
    decimals: dict[str, int] | None = None,
    thousands: Sequence[str] = (),
) -> object:
    """A display version of a table: percentages, rounded numbers, thousands separators, no index.

    Made to fit a notebook or the report without scrolling sideways: column names are shown with
    spaces instead of underscores (so long headers wrap), true/false columns as ✓ / ✗, and
    ``url`` columns as an "open" link instead of the long address. Cell text and column names
    are HTML-escaped (customer posts may contain ``<`` or ``&``, or markup meant to run); only
    ``http(s)`` addresses become links, any other (``javascript:``) is shown as text.
    Missing numbers are shown as "n/a", missing text as "–".

    No number is ever shown with pandas' six decimals (``98.100000``): columns named like a
    share KPI or a rate of :mod:`~socialcrm_utils.metrics` (:data:`PERCENT_COLUMNS`) are
    percentages, every other decimal column shows whole numbers with thousands separators and
    fractions with at most two decimals (``1,862``, ``86.1``, ``0.33``), integer columns have
    thousands separators (``2,702``), unless ``percent``, ``decimals`` or ``thousands`` say
    otherwise.

    Args:
        frame: The table (not modified).
        percent: Columns holding shares in [0, 1], shown as ``42.0%``.
        decimals: Column -> number of decimals.
        thousands: Integer columns shown with a thousands separator.

    Returns:
        A pandas ``Styler`` that renders as an HTML table in notebooks and the report.

    Examples:
        >>> table = pd.DataFrame({"response_rate": [0.5], "smart": [True],
        ...                       "url": ["https://x.example/1?a=1&b=2"], "text": ["I <3 it"]})
        >>> html = format_table(table, percent=["response_rate"]).to_html()
        >>> "response rate</th>" in html and "50.0%" in html and "✓" in html
        True
        >>> '<a href="https://x.example/1?a=1&amp;b=2" target="_blank"' in html
        True
        >>> "I &lt;3 it" in html
        True
        >>> html = format_table(pd.DataFrame({"score": [98.1], "pr": [1862.0],
        ...     "net_sentiment": [0.118], "reach": [float("nan")]})).to_html()
        >>> [v in html for v in (">98.1<", ">1,862<", ">11.8%<", ">n/a<", "00000")]
        [True, True, True, True, False]
    """
    formats: dict[str, object] = {
        c: "{:.1%}"
        for c in frame.columns
        if c in PERCENT_COLUMNS and pd.api.types.is_float_dtype(frame[c])
    }
    formats.update(
        {
            c: _plain_number
            for c in frame.columns
            if pd.api.types.is_float_dtype(frame[c]) and c not in formats
        }
    )
    formats.update(
        {
            c: "{:,}"
            for c in frame.columns
            if pd.api.types.is_integer_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        }
    )
    formats.update({c: "{:.1%}" for c in percent if c in frame})
    formats.update({c: f"{{:,.{n}f}}" for c, n in (decimals or {}).items() if c in frame})
    formats.update({c: "{:,.0f}" for c in thousands if c in frame})
    formats.update(
        {
            c: _check_mark
            for c in frame.columns
            if pd.api.types.is_bool_dtype(frame[c]) and c not in formats
        }
    )
    formats.update(
        {
            c: _link
            for c in frame.columns
            if isinstance(c, str) and (c == "url" or c.endswith("_url"))
        }
    )
    text = [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c])
    ]
    styler = (
        frame.style.format(formats, na_rep="–", escape="html")
        .hide(axis="index")
        .format_index(_header, axis="columns", escape="html")
    )
    numbers = [c for c in frame.columns if c not in text]
    if numbers:  # a number the data cannot give is "n/a", never 0 or a dash that reads as 0
        styler = styler.format(
            {c: f for c, f in formats.items() if c in numbers},
            na_rep=NOT_AVAILABLE,
            escape="html",
            subset=numbers,
        )
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left;"}])
    return styler


def _plain_number(value: float) -> str:
    """A decimal number for people: ``1,862``, ``86.1``, ``0.33`` (never ``86.100000``)."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _header(name: object) -> str:
    """A column name as a header that can wrap: ``first_response_h`` -> ``first response h``."""
    return str(name).replace("_", " ")


def _check_mark(value: object) -> str:
    """True / False as ✓ / ✗ (narrow, and readable for a client)."""
    return "✓" if bool(value) else "✗"


def _link(url: object) -> str:
    """An HTML-escaped ``http(s)`` address as a short link (the address itself would not wrap).

    Any other address (``javascript:``, ``data:``, a relative path) is shown as its escaped
    text, never as a link. ``format_table`` escapes the value before it gets here.
    """
    if not url:
        return ""
    if _HTTP_URL.match(str(url)):
        return f'<a href="{url}" target="_blank" rel="noopener noreferrer">open</a>'
    return str(url)


_HTTP_URL = re.compile(r"https?://[^\s]", re.IGNORECASE)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|$~])")


def escape_markdown(text: object) -> str:
    """Text from data or a playbook made safe to show with ``IPython.display.Markdown``.

    Markup is HTML-escaped (Markdown lets raw HTML through, e.g. ``<img onerror=...>``) and the
    characters that make Markdown links, emphasis, code, headings, tables or math are
    backslash-escaped, so the text is shown exactly as written and nothing in it runs or links.

    Args:
        text: The text (anything; ``str()`` of it is used).

    Returns:
        The escaped text.

    Examples:
        >>> print(escape_markdown("<b>Save 5$</b> [here](javascript:alert(1))"))
        &lt;b&gt;Save 5\\$&lt;/b&gt; \\[here\\](javascript:alert(1))
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(str(text), quote=False))


#: The columns of ``conversations.summarize_sla`` a reader needs first, in reading order.
SLA_SUMMARY_COLUMNS: tuple[str, ...] = (
    "conversations",
    "response_rate",
    "median_first_response_h",
    "p90_first_response_h",
    "median_first_response_business_h",
    "breaches",
    "attainment",
    "median_resolution_h",
    "resolution_attainment",
    "next_responses",
    "next_response_attainment",
)

#: How :func:`format_sla_summary` names them.
SLA_SUMMARY_LABELS: dict[str, str] = {
    "conversations": "conversations",
    "response_rate": "response rate",
    "median_first_response_h": "first response: median (h)",
    "p90_first_response_h": "first response: p90 (h)",
    "median_first_response_business_h": "first response: median (business h)",
    "breaches": "first response: breaches",
    "attainment": "first response: SLA attainment",
    "median_resolution_h": "resolution: median (h)",
    "resolution_attainment": "resolution: SLA attainment",
    "next_responses": "follow-ups answered",
    "next_response_attainment": "follow-ups: SLA attainment",
}


def format_sla_summary(
    summary: pd.DataFrame, by: str | Sequence[str]
) -> pd.io.formats.style.Styler:
    """A readable ``conversations.summarize_sla`` table: one row per figure, one column per group.

    The figures are :data:`SLA_SUMMARY_COLUMNS`, named as in :data:`SLA_SUMMARY_LABELS`. Eleven
    figures side by side would not fit a notebook or the report; one column per policy,
    platform, intent, handle or department does. Rates are shown as percentages, hours with one
    decimal, counts with thousands separators.

    Examples:
        >>> summary = pd.DataFrame({"policy": ["urgent", "default"], "conversations": [12, 1500],
        ...     "response_rate": [0.5, 0.75], "median_first_response_h": [0.5, 3.0]})
        >>> html = format_sla_summary(summary, "policy").to_html()
        >>> "urgent</th>" in html and "first response: median (h)</th>" in html
        True
        >>> "1,500" in html and "75.0%" in html and "3.0" in html
        True
    """
    keys = [by] if isinstance(by, str) else list(by)
    columns = [c for c in SLA_SUMMARY_COLUMNS if c in summary]
    groups = [
        " / ".join(row)
        for row in summary[keys].astype("string").fillna("none").itertuples(index=False, name=None)
    ]
    table = summary[columns].astype(float).T
    table.columns = pd.Index(groups, name=" / ".join(keys), dtype="object")
    table.index = pd.Index([SLA_SUMMARY_LABELS.get(c, c) for c in columns])
    rows = dict(zip(columns, table.index, strict=True))
    rates = [rows[c] for c in columns if c.endswith(("rate", "attainment"))]
    hours = [rows[c] for c in columns if c.endswith("_h")]
    counts = [r for r in table.index if r not in rates and r not in hours]
    styler = table.style.format_index(escape="html", axis="columns")  # names from data
    for names, pattern in ((rates, "{:.1%}"), (hours, "{:,.1f}"), (counts, "{:,.0f}")):
        if names:
            styler = styler.format(pattern, subset=pd.IndexSlice[names, :], na_rep="–")
    return styler.set_table_styles([{"selector": "th.row_heading", "props": "text-align: left;"}])


def _compact(value: float, _position: object = None) -> str:
    """Axis label with k / M suffixes: 1500 -> 1.5k, 2000000 -> 2M."""
    for threshold, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:g}{suffix}"
    return f"{value:g}"


def add_context_line(ax: plt.Axes, value: float, label: str, *, vertical: bool = False) -> None:
    """Draw a reference figure (e.g. a study's) on a chart as a dotted grey line with its label.

    Context, not a target: goals are dashed red lines, reference figures dotted grey ones. Pair
    it with ``goals.context_line``, which returns ``(value, label)`` for a figure of
    ``data/benchmarks.yaml``.

    Args:
        ax: The axes to draw on.
        value: Where the line goes, in data units (e.g. 0.25 for a share of 25%).
        label: What the figure is, shown in the legend.
        vertical: Draw a vertical line at ``x = value`` (horizontal bar charts) instead of a
            horizontal one at ``y = value``.
    """
    line = ax.axvline if vertical else ax.axhline
    line(value, color=_GREY, linestyle=":", linewidth=2, label=label, zorder=3)  # over bars
    ax.legend(frameon=False, loc="best")
