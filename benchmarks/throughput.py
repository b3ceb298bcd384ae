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
repetition added), where almost every text is distinct, and the same texts ten times with their
own mention and author ids (``--repeat``, the 10x real set: 222,240 mentions).

Wall-clock ratios on the shared 2-core machine vary by 2x between identical runs, so the script
also prints the CPU seconds of each part of the step on the real texts, in one process (best of
3, ``time.process_time``), next to the bare loop's: the figures each lever is measured by.

Run: ``.venv/bin/python benchmarks/throughput.py [--mentions 200000] [--repeat 10]``
"""

from __future__ import annotations

import argparse
import csv
import resource
import time
from collections.abc import Callable

import pandas as pd

from socialcrm_utils.config import EXAMPLE_PLAYBOOK, PROJECT_ROOT
from socialcrm_utils.nlp.resources import vader_analyzer
from socialcrm_utils.playbook import Playbook, load_playbook
from socialcrm_utils.sample import generate_mentions
from socialcrm_utils.schema import conform_mentions
from socialcrm_utils.steps.listening import score_mentions
from socialcrm_utils.steps.prepare import prepare_and_start_scores, start_scoring_workers

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


def repeat_mentions(mentions: pd.DataFrame, times: int) -> pd.DataFrame:
    """``mentions`` concatenated ``times`` times, each copy with its own mention and author ids."""
    copies = [
        mentions.assign(
            mention_id=mentions["mention_id"].astype(str) + f"x{k}",
            author_id=mentions["author_id"].astype(str) + f"x{k}",
        )
        for k in range(times)
    ]
    return pd.concat(copies, ignore_index=True)


def _listening(mentions: pd.DataFrame, playbook: Playbook, early: bool) -> dict[str, float]:
    """Wall seconds of prepare + score, and the CPU seconds of the process tree.

    ``early``: the workers are started and warmed up before the clock starts, as notebook 01
    starts them with the playbook (they warm up while it reads and scopes the sources), just
    as the loop's analyzer is built before its clock starts. Otherwise the step starts them.
    """
    pool = start_scoring_workers(playbook) if early else None
    if pool is not None:
        pool.wait_ready()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    prepared, scores = prepare_and_start_scores(mentions, playbook, pool=pool)
    prepare = time.perf_counter() - started
    started = time.perf_counter()
    score_mentions(prepared, playbook, started=scores)
    score = time.perf_counter() - started
    return {"prepare": prepare, "score": score, "cpu": _cpu_seconds() - cpu}


def measure(name: str, mentions: pd.DataFrame) -> dict[str, object]:
    """Time the bare VADER loop and the whole listening step on the same texts."""
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    texts = mentions["text"].astype(str).tolist()
    analyzer = vader_analyzer()
    analyzer.polarity_scores("warm-up")

    started, loop_cpu = time.perf_counter(), time.process_time()
    for text in texts:
        analyzer.polarity_scores(text)
    loop = time.perf_counter() - started
    loop_cpu = time.process_time() - loop_cpu

    early = _listening(mentions, playbook, early=True)
    cold = _listening(mentions, playbook, early=False)
    total = early["prepare"] + early["score"]
    return {
        "data": name,
        "mentions": len(texts),
        "distinct texts": mentions["text"].nunique(),
        "VADER loop /s": round(len(texts) / loop),
        "listening step /s": round(len(texts) / total),
        "speed-up": round(loop / total, 2),
        "workers started in the step": round(loop / (cold["prepare"] + cold["score"]), 2),
        "prepare s": round(early["prepare"], 1),
        "score s": round(early["score"], 1),
        "loop s": round(loop, 1),
        "loop CPU s": round(loop_cpu, 1),
        "step CPU s": round(early["cpu"], 1),  # the tree, the workers' start included
    }


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its reaped children (the workers' host and workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _best_cpu(work: Callable[[], object], runs: int = 3) -> float:
    """Fewest CPU seconds of this process over ``runs`` runs of ``work``."""
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def measure_parts(mentions: pd.DataFrame) -> pd.DataFrame:
    """CPU seconds of each part of the listening step, in this process, on ``mentions``."""
    from socialcrm_utils.nlp.brands import tag_brands
    from socialcrm_utils.nlp.german import german_analyzer
    from socialcrm_utils.nlp.intent import classify_intent
    from socialcrm_utils.nlp.pii import redact_texts
    from socialcrm_utils.nlp.sentiment import english_compound
    from socialcrm_utils.steps.prepare import fill_languages, flag_near_duplicates

    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    settings = playbook.listening
    packs = tuple(settings.domain_packs)
    texts = mentions["text"].astype(str).tolist()
    english = [t for t, lang in zip(texts, mentions["lang"], strict=True) if lang == "en"]
    german = [t for t, lang in zip(texts, mentions["lang"], strict=True) if lang == "de"]
    analyzer, scorer = vader_analyzer(), german_analyzer(None, packs=packs)
    regions = tuple(settings.phone_regions)
    parts: dict[str, Callable[[], object]] = {
        "bare VADER loop (all texts)": lambda: [analyzer.polarity_scores(t) for t in texts],
        "redaction (pii.redact_texts)": lambda: redact_texts(
            mentions["text"], regions=regions, patterns=settings.pii_patterns
        ),
        "language (fill_languages)": lambda: fill_languages(mentions, playbook),
        "near-duplicates": lambda: flag_near_duplicates(mentions),
        "brand tags": lambda: tag_brands(mentions, playbook.brand),
        "English sentiment + extension": lambda: english_compound(english, domain_packs=packs),
        "German sentiment": lambda: [scorer.compound(t) for t in german],
        "intent (all texts)": lambda: classify_intent(
            mentions["text"], mentions["lang"], packs=packs
        ),
    }
    rows = [
        {"part": name, "CPU s (best of 3)": round(_best_cpu(work), 2)}
        for name, work in parts.items()
    ]
    return pd.DataFrame(rows)


def main() -> None:
    """Print the throughput table and, on the real texts, the CPU seconds of each part."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=10, help="copies of the real texts")
    args = parser.parse_args()
    rows = [
        measure(f"generated sample ({args.mentions:,})", generate_mentions(args.mentions, seed=7))
    ]
    real = real_mentions()
    if real is not None:
        rows.append(measure("real public texts (airline, twcs, GermEval)", real))
        if args.repeat > 1:
            rows.append(
                measure(f"real texts x{args.repeat}, own ids", repeat_mentions(real, args.repeat))
            )
    else:
        print(f"(skipping real texts: {SHARED} not found)")
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    target = 2.0
    for _, row in table.iterrows():
        verdict = "meets" if row["speed-up"] >= target else "MISSES"
        print(f"{row['data']}: {row['speed-up']}x the bare VADER loop ({verdict} {target}x)")
    if real is not None:
        print("\nCPU seconds per part, real texts, one process (warm caches):")
        print(measure_parts(real).to_string(index=False))


if __name__ == "__main__":
    main()
