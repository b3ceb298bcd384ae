"""SLA measurement at scale: conversations, turns and clocks on up to 1,000,000 mentions.

Each size runs in its own process, so its peak memory (``ru_maxrss``) is its own. The data are
synthetic reply threads, generated with numpy in the child (customer-support shaped: a root
post, a brand reply after minutes to days, customer follow-ups, a few long chains, some
threads never answered, two brand handles), written as canonical columns; no text is needed.

Measured per size:

- ``suite``: the whole step-4 measurement of the suite: :func:`sla.build_conversations` (reply
  chains resolved by pointer jumping), :func:`sla.response_turns`, :func:`sla.sla_clocks` with
  business hours (Mon-Fri 08-20 Berlin, German holidays) for first response, next response and
  resolution, then :func:`conversations.summarize_sla` by policy and by ISO week;
- ``baseline``: the first-response figures alone, written the way one would with plain pandas
  on data whose conversation id is already known (group minima and a merge), calendar time
  only. It does less work than the suite; it is there to show the cost of doing it right.

Both produce the median first response per conversation, which the script checks are equal.
The ratio of times between sizes shows whether anything is quadratic: 10x the mentions
should cost about 10x the time.

Run: ``.venv/bin/python benchmarks/sla.py [--sizes 10000 100000 1000000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

BERLIN = "Europe/Berlin"
HANDLES = ["@AcmeAir", "@AcmeAirHelp"]


def synthetic_threads(n_mentions: int, seed: int = 7) -> pd.DataFrame:
    """About ``n_mentions`` canonical mentions in reply threads (ids, authors, times, links)."""
    rng = np.random.default_rng(seed)
    n_threads = max(n_mentions // 4, 1)
    length = np.clip(rng.geometric(0.3, n_threads), 1, 40)  # posts per thread, mean ~3.3
    length[rng.random(n_threads) < 0.001] = 200  # a few long chains
    scale = n_mentions / length.sum()
    length = np.maximum((length * scale).round().astype(np.int64), 1)
    total = int(length.sum())
    thread = np.repeat(np.arange(n_threads), length)
    first = np.r_[0, np.cumsum(length)[:-1]]
    position = np.arange(total) - np.repeat(first, length)
    # Customers and brand alternate; 15% of threads are never answered.
    unanswered = np.repeat(rng.random(n_threads) < 0.15, length)
    is_brand = (position % 2 == 1) & ~unanswered
    start = (
        pd.Timestamp("2026-01-01", tz="UTC").value
        + rng.integers(0, 300 * 86_400, n_threads) * 1_000_000_000
    )
    gaps = rng.exponential(3 * 3600, total).astype(np.int64) * 1_000_000_000
    gaps[position == 0] = 0
    created = np.repeat(start, length) + np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], length)
    ids = np.char.add("m", np.arange(total).astype(str))
    parent = np.where(position == 0, "", np.roll(ids, 1))
    customer = np.char.add("c", thread.astype(str))
    handle = np.where(rng.random(total) < 0.7, HANDLES[0], HANDLES[1])
    intents = np.array(["complaint", "question", "praise", "other"])
    return pd.DataFrame(
        {
            "mention_id": ids,
            "platform": np.where(thread % 3 == 0, "facebook", "twitter"),
            "author_id": np.where(is_brand, handle, customer),
            "created_at": pd.to_datetime(created, utc=True),
            "in_reply_to_id": pd.array(np.where(parent == "", None, parent), dtype="string"),
            "conversation_id": pd.array([None] * total, dtype="string"),
            "is_brand": is_brand,
            "url": np.char.add("https://example.org/", ids),
            "intent": intents[rng.integers(0, 4, total)],
            "priority": np.where(rng.random(total) < 0.05, "high", "normal"),
            "_thread": thread,
        }
    )


def suite(mentions: pd.DataFrame) -> tuple[float, dict[str, float]]:
    from socialcrm_utils.conversations import (
        build_conversations,
        response_turns,
        sla_clocks,
        summarize_sla,
    )
    from socialcrm_utils.playbook import Sla

    sla = Sla.model_validate(
        {
            "business_hours": {
                "days": ["mon", "tue", "wed", "thu", "fri"],
                "start": "08:00",
                "end": "20:00",
                "holidays": "DE",
            },
            "policies": [
                {
                    "priority": "high",
                    "first_response": "30m",
                    "next_response": "30m",
                    "resolution": "8h",
                    "business_hours": True,
                },
                {
                    "intent": "complaint",
                    "first_response": "1h",
                    "next_response": "1h",
                    "resolution": "24h",
                    "business_hours": True,
                },
                {"first_response": "4h", "resolution": "2d"},
            ],
        }
    )
    steps: dict[str, float] = {}
    started = time.perf_counter()
    conversations = build_conversations(mentions, HANDLES)
    steps["conversations"] = time.perf_counter() - started
    mark = time.perf_counter()
    turns = response_turns(mentions, HANDLES)
    steps["turns"] = time.perf_counter() - mark
    mark = time.perf_counter()
    clocks = sla_clocks(conversations, sla, BERLIN, turns=turns)
    steps["clocks"] = time.perf_counter() - mark
    mark = time.perf_counter()
    summarize_sla(clocks, by="policy")
    summarize_sla(clocks, by="week")
    steps["summaries"] = time.perf_counter() - mark
    steps["total"] = time.perf_counter() - started
    return float(clocks["first_response_h"].median()), steps


def baseline(mentions: pd.DataFrame) -> tuple[float, float]:
    started = time.perf_counter()
    customer = mentions[~mentions["is_brand"]]
    first = customer.groupby("_thread")["created_at"].min().rename("asked")
    brand = mentions[mentions["is_brand"]].join(first, on="_thread")
    replies = brand[brand["created_at"] > brand["asked"]]
    answered = replies.groupby("_thread")["created_at"].min().rename("answered")
    table = first.to_frame().join(answered)
    hours = (table["answered"] - table["asked"]) / pd.Timedelta(hours=1)
    return float(hours.median()), time.perf_counter() - started


def child(size: int) -> dict[str, object]:
    started = time.perf_counter()
    mentions = synthetic_threads(size)
    generate = time.perf_counter() - started
    median_suite, steps = suite(mentions)
    median_base, base_seconds = baseline(mentions)
    return {
        "mentions": len(mentions),
        "generate_s": generate,
        "suite_s": steps["total"],
        "steps": steps,
        "baseline_s": base_seconds,
        "same_median": bool(np.isclose(median_suite, median_base)),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    rows = []
    for size in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(size)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    table = pd.DataFrame(
        [
            {
                "mentions": r["mentions"],
                "suite s": r["suite_s"],
                **{f"{k} s": v for k, v in r["steps"].items() if k != "total"},
                "baseline s": r["baseline_s"],
                "same median": r["same_median"],
                "peak MB": r["peak_mb"],
            }
            for r in rows
        ]
    )
    table["suite ratio"] = (
        table["suite s"]
        / table["suite s"].shift()
        / (table["mentions"] / table["mentions"].shift())
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
    print("suite ratio: time ratio per 10x mentions divided by the size ratio (1.0 = linear)")
    ok = table["same median"].all()
    print("median first response agrees with the baseline" if ok else "MEDIANS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
