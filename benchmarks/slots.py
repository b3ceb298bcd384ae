"""Best posting slots: does the method find the sample's known best times, and how often?

Usage::

    python benchmarks/slots.py [--seeds 30] [--mentions 3000 6000 60000]

The generated sample (``socialcrm_utils.sample``) gives proactive brand posts more engagement
on Tue-Thu at 11-13 and 18-20 local time, instagram about six times twitter's, and posts four
crisis statements on the outage day that get far more than any other post. For each seed and
size it generates a sample, takes the three best slots and counts a slot as a hit when it is
on Tue-Thu and its time window contains 11, 12, 18 or 19 (with 15 posting hours a day, a
random weekday-hour slot is a hit 3/7 x 4/15 = 11 % of the time). Methods, in the same run:

- ``baseline``: the method before (mean raw engagement of a weekday-hour cell with at least
  three posts), which ranks by platform mix and crisis statements as much as by time;
- ``ours``: :func:`socialcrm_utils.content.best_slots` on
  :func:`socialcrm_utils.content.engagement_by_slot` (engagement index per platform,
  outliers left out, weekday x time window).

Prints, per size and method, the hit rate of the top-3 slots and the share of seeds where all
three are hits.
"""

from __future__ import annotations

import argparse

import pandas as pd

from socialcrm_utils.sample import SAMPLE_TIMEZONE, generate_mentions
from socialcrm_utils.steps.content import best_slots, engagement_by_slot

BEST_HOURS = {11, 12, 18, 19}
BEST_DAYS = {1, 2, 3}


def baseline(mentions: pd.DataFrame) -> list[tuple[int, int, int]]:
    """Top 3 (weekday, hour, width) by mean raw engagement of cells with >= 3 posts."""
    posts = mentions[mentions["is_brand"] & mentions["in_reply_to_id"].isna()]
    local = pd.to_datetime(posts["created_at"], utc=True).dt.tz_convert(SAMPLE_TIMEZONE)
    engagement = posts[["likes", "shares", "replies"]].fillna(0).sum(axis=1)
    cells = engagement.groupby([local.dt.day_of_week, local.dt.hour]).agg(["size", "mean"])
    top = cells[cells["size"] >= 3].sort_values("mean", ascending=False).head(3)
    return [(int(d), int(h), 1) for d, h in top.index]


def ours(mentions: pd.DataFrame) -> list[tuple[int, int, int]]:
    """Top 3 (weekday, hour, width) from :func:`best_slots`."""
    best = best_slots(engagement_by_slot(mentions, SAMPLE_TIMEZONE), n=3)
    return [(int(s.weekday), int(s.hour), int(s.hours)) for s in best.itertuples(index=False)]


def hit(slot: tuple[int, int, int]) -> bool:
    """On Tue-Thu and the window contains one of the best hours."""
    day, hour, width = slot
    return day in BEST_DAYS and bool(set(range(hour, hour + width)) & BEST_HOURS)


def main() -> None:
    """Run every method on every seed and size; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--mentions", type=int, nargs="+", default=[3000, 6000, 60000])
    args = parser.parse_args()
    print(f"{'mentions':>9} {'brand posts':>11} {'method':>9} {'top-3 hits':>10} {'all 3':>6}")
    for n in args.mentions:
        results: dict[str, list[list[bool]]] = {"baseline": [], "ours": []}
        n_posts = 0
        for seed in range(args.seeds):
            mentions = generate_mentions(n, seed=seed)
            n_posts += int((mentions["is_brand"] & mentions["in_reply_to_id"].isna()).sum())
            for name, method in (("baseline", baseline), ("ours", ours)):
                results[name].append([hit(slot) for slot in method(mentions)])
        for name, runs in results.items():
            slots = [h for run in runs for h in run]
            rate = sum(slots) / max(len(slots), 1)
            full = sum(len(run) == 3 and all(run) for run in runs) / len(runs)
            print(f"{n:>9,} {n_posts // args.seeds:>11,} {name:>9} {rate:>10.0%} {full:>6.0%}")


if __name__ == "__main__":
    main()
