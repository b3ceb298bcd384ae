"""Throughput of the whole listening step against the bare NLTK VADER loop, in one run.

The listening step is what steps 1 and 3 do to every mention: redact personal data, detect
language, flag near-duplicates, tag brands, starting the scores of step 3 in worker processes
meanwhile (``steps.prepare.prepare_and_start_scores``), then sentiment (VADER + customer-service
extension for English, the German lexicon for German), intent with its cue and priority
(``listening.score_mentions(..., started=...)``), as notebook 01 does. The baseline is the
loop a reader would write first: ``[analyzer.polarity_scores(t) for t in texts]`` over the same
texts, sentiment only. Target (issue 3): the whole step at >= 2x the loop's throughput.

Data: the suite's own generator (``socialcrm sample``) at ``--mentions`` rows (default 200,000),
and, when ``../shared/data`` is present, the real texts of the three public data sets (no
repetition added), where almost every text is distinct.

Run: ``.venv/bin/python benchmarks/throughput.py [--mentions 200000]``
"""

from __future__ import annotations

import argparse
import csv
import time

import pandas as pd

from socialcrm_utils.config import EXAMPLE_PLAYBOOK, PROJECT_ROOT
from socialcrm_utils.nlp.resources import vader_analyzer
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sample import generate_mentions
from socialcrm_utils.schema import conform_mentions
from socialcrm_utils.steps.listening import score_mentions
from socialcrm_utils.steps.prepare import prepare_and_start_scores

SHARED = PROJECT_ROOT.parent / "shared" / "data"


def real_mentions() -> pd.DataFrame | None:
    """The texts of the airline, twcs and GermEval sets as canonical mentions (None if absent)."""
    if not SHARED.is_dir():
        return None
    airline = pd.read_csv(SHARED / "airline" / "Tweets.csv", dtype=str)
    twcs = pd.read_csv(
        SHARED / "twcs" / "twcs_subset.csv", index_col=0, lineterminator="\n", dtype=str
    )
    with (SHARED / "germeval2017" / "dev.tsv").open(encoding="utf-8") as handle:
        german = [
            row[1]
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if len(row) > 1
        ]
    texts = [*airline["text"], *twcs["text"], *german]
    langs = ["en"] * (len(airline) + len(twcs)) + ["de"] * len(german)
    return conform_mentions(
        pd.DataFrame(
            {
                "mention_id": [f"r{i}" for i in range(len(texts))],
                "platform": "twitter",
                "author_id": [f"a{i}" for i in range(len(texts))],
                "text": texts,
                "lang": langs,
                "created_at": pd.Timestamp("2026-10-01", tz="UTC"),
            }
        )
    )


def measure(name: str, mentions: pd.DataFrame) -> dict[str, object]:
    """Time the bare VADER loop and the whole listening step on the same texts."""
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    texts = mentions["text"].astype(str).tolist()
    analyzer = vader_analyzer()
    analyzer.polarity_scores("warm-up")

    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    loop = time.perf_counter() - started

    started = time.perf_counter()
    prepared, scores = prepare_and_start_scores(mentions, playbook)
    prepare = time.perf_counter() - started
    started = time.perf_counter()
    score_mentions(prepared, playbook, started=scores)
    score = time.perf_counter() - started

    total = prepare + score
    return {
        "data": name,
        "mentions": len(texts),
        "distinct texts": mentions["text"].nunique(),
        "VADER loop /s": round(len(texts) / loop),
        "listening step /s": round(len(texts) / total),
        "speed-up": round(loop / total, 2),
        "prepare s": round(prepare, 1),
        "score s": round(score, 1),
        "loop s": round(loop, 1),
    }


def main() -> None:
    """Print the throughput table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    args = parser.parse_args()
    rows = [
        measure(f"generated sample ({args.mentions:,})", generate_mentions(args.mentions, seed=7))
    ]
    real = real_mentions()
    if real is not None:
        rows.append(measure("real public texts (airline, twcs, GermEval)", real))
    else:
        print(f"(skipping real texts: {SHARED} not found)")
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    target = 2.0
    verdict = "meets" if table["speed-up"].iloc[0] >= target else "MISSES"
    print(
        f"\nwhole listening step vs bare VADER loop: {table['speed-up'].iloc[0]}x "
        f"({verdict} the {target}x target)"
    )


if __name__ == "__main__":
    main()
