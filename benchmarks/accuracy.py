"""Sentiment accuracy on real labelled data, with the baselines measured in the same run.

Usage::

    python benchmarks/accuracy.py [--data ../shared/data]

Data (not shipped, non-commercial licences; see ``../shared/data/README.md``):

- ``airline/Tweets.csv``: Twitter US Airline Sentiment, 14,640 English tweets labelled
  negative / neutral / positive.
- ``germeval2017/dev.tsv``: GermEval 2017 development set, 2,584 German posts about Deutsche
  Bahn labelled negative / neutral / positive (tab-separated, no quoting).

Prints one table: for each data set and method, accuracy (= micro-F1 for one label per
text), macro-F1 over the three classes, and the F1 of the negative class against the rest
(complaint detection). Metrics are computed with numpy; nothing is trained on the data. The
targets this project set itself are printed with the table and checked by
``tests/test_sentiment.py::test_accuracy_targets_on_real_data``.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from socialcrm_utils import config
from socialcrm_utils.nlp import classify_intent, score_sentiment
from socialcrm_utils.nlp.sentiment import CS_EXTENSION_VERSION, LABEL_THRESHOLDS

LABELS = ("negative", "neutral", "positive")
DEFAULT_DATA = Path(config.PROJECT_ROOT).parent / "shared" / "data"
#: (data set, method, metric) -> minimum.
TARGETS: dict[tuple[str, str, str], float] = {
    ("airline (en)", "ours", "macro_f1"): 0.65,
    ("GermEval 2017 dev (de)", "ours", "micro_f1"): 0.74,
    ("GermEval 2017 dev (de)", "ours", "macro_f1"): 0.55,
}


def load_airline(data_dir: Path) -> pd.DataFrame:
    """Texts and gold labels of the airline tweets (``text``, ``label``)."""
    frame = pd.read_csv(data_dir / "airline" / "Tweets.csv", dtype={"tweet_id": "int64"})
    return pd.DataFrame({"text": frame["text"], "label": frame["airline_sentiment"]})


def load_germeval(data_dir: Path) -> pd.DataFrame:
    """Texts and gold labels of GermEval 2017 dev (``text``, ``label``), split on tabs."""
    rows = []
    with open(data_dir / "germeval2017" / "dev.tsv", encoding="utf-8", newline="") as handle:
        for fields in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(fields) >= 4 and fields[3] in LABELS:
                rows.append((fields[1], fields[3]))
    return pd.DataFrame(rows, columns=["text", "label"])


def f1(gold: np.ndarray, predicted: np.ndarray, label: str) -> float:
    """F1 of one class (0.0 when it is neither predicted nor present)."""
    tp = np.sum((gold == label) & (predicted == label))
    fp = np.sum((gold != label) & (predicted == label))
    fn = np.sum((gold == label) & (predicted != label))
    return float(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else 0.0


def metrics(gold: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """Accuracy (micro-F1), macro-F1 over :data:`LABELS`, negative-vs-rest F1."""
    y, p = gold.to_numpy(str), predicted.to_numpy(str)
    return {
        "micro_f1": float(np.mean(y == p)),
        "macro_f1": float(np.mean([f1(y, p, label) for label in LABELS])),
        "negative_f1": f1(y, p, "negative"),
    }


def vader_labels(scores: pd.Series, low: float = -0.05, high: float = 0.05) -> pd.Series:
    """VADER's documented labels: <= -0.05 negative, >= 0.05 positive."""
    values = scores.to_numpy(float)
    return pd.Series(
        np.where(values <= low, "negative", np.where(values >= high, "positive", "neutral")),
        index=scores.index,
    )


def evaluate(data_dir: Path = DEFAULT_DATA) -> pd.DataFrame:
    """All rows of the table: one per data set and method.

    Args:
        data_dir: The shared data folder.

    Returns:
        Columns ``dataset``, ``method``, ``micro_f1``, ``macro_f1``, ``negative_f1``,
        ``seconds`` (scoring time, NaN for constant baselines).
    """
    rows = []

    def add(dataset: str, method: str, gold: pd.Series, predicted: pd.Series, seconds: float):
        rows.append({"dataset": dataset, "method": method, **metrics(gold, predicted),
                     "seconds": seconds})

    airline = load_airline(data_dir)
    name = "airline (en)"
    gold = airline["label"]
    en = pd.Series("en", index=airline.index)
    add(name, "majority class (negative)", gold, pd.Series("negative", index=gold.index), np.nan)
    start = time.perf_counter()
    plain = score_sentiment(airline["text"], en, extension=False)
    add(name, "plain VADER", gold, vader_labels(plain["sentiment"]), time.perf_counter() - start)
    start = time.perf_counter()
    ours = score_sentiment(airline["text"], en)
    add(name, "ours", gold, ours["sentiment_label"].astype(str), time.perf_counter() - start)
    intent = classify_intent(airline["text"], en)["intent"]
    complaint = pd.Series(np.where(intent == "complaint", "negative", "other"), index=gold.index)
    add(name, "intent == complaint", gold, complaint, np.nan)
    rows[-1].update(micro_f1=np.nan, macro_f1=np.nan)  # two classes only: negative F1 counts

    germeval = load_germeval(data_dir)
    name = "GermEval 2017 dev (de)"
    gold = germeval["label"]
    add(name, "always neutral", gold, pd.Series("neutral", index=gold.index), np.nan)
    start = time.perf_counter()
    ours = score_sentiment(germeval["text"], pd.Series("de", index=germeval.index))
    add(name, "ours", gold, ours["sentiment_label"].astype(str), time.perf_counter() - start)
    return pd.DataFrame(rows)


def check_targets(table: pd.DataFrame) -> list[str]:
    """The targets of :data:`TARGETS` that the table misses (empty when all are met)."""
    missed = []
    for (dataset, method, metric), minimum in TARGETS.items():
        value = table.loc[(table["dataset"] == dataset) & (table["method"] == method), metric]
        if value.empty or not float(value.iloc[0]) >= minimum:
            missed.append(f"{dataset} / {method} / {metric} < {minimum}")
    return missed


def main(argv: list[str] | None = None) -> int:
    """Print the table; exit 1 if a target is missed, 2 if the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    args = parser.parse_args(argv)
    if not (args.data / "airline" / "Tweets.csv").is_file():
        print(f"no data at {args.data}: nothing to measure", file=sys.stderr)
        return 2
    table = evaluate(args.data)
    print(f"customer-service extension {CS_EXTENSION_VERSION}; label thresholds "
          + ", ".join(f"{lang} {low:+.2f}/{high:+.2f}" for lang, (low, high)
                      in LABEL_THRESHOLDS.items()))
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="-"))
    print("targets: " + "; ".join(f"{d} / {m} / {k} >= {v}" for (d, m, k), v in TARGETS.items()))
    missed = check_targets(table)
    print("all targets met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
