"""Learning curves of the per-client classifier (``nlp/learn.py``) against the zero-shot rules.

Usage::

    python benchmarks/learning.py [--data ../shared/data] [--seeds 5] [--sizes 50,100,...]

Data (not shipped, non-commercial licences; see ``../shared/data/README.md``):

- ``airline/Tweets.csv``: complaints. A negative tweet with a ``negativereason`` is a
  complaint (every negative tweet has one), anything else is not; the rules' figure is
  ``is_complaint`` (``intent == complaint`` where the flags are not there yet).
- ``germeval2017/dev.tsv``: German sentiment, 3-class macro-F1; the rules' figure is the German
  lexicon's ``sentiment_label``.

Each set is split once into a tune half and a test half, the halves of ``benchmarks/accuracy.py``
(its ``split_halves``: stratified on the 3-class sentiment label, copies of a text on one side).
Labels are drawn from the tune half only; every figure is measured on the test half. For each
number of labels (50, 100, 200, 300, 400, 800) and seed (5), two ways of choosing which posts
get labelled:

- ``random``: a seeded random sample of the tune half;
- ``suggested``: :func:`~socialcrm_utils.nlp.learn.suggest_labels` over a seeded 80% of the
  tune half, in rounds: the first 50 without a model (rule disagreement + diversity), each
  following round with the model trained on the labels so far (uncertainty + diversity).

A label with fewer than the minimum examples (20 yes / 20 no; sentiment 15 per class) keeps the
rules, and a model replaces them only when its 5-fold cross-validated F1 on its labels is at
least the rules' (``require_gain``), exactly as a client would see it; ``model`` counts the seeds
that used a model. Prints one
table (mean F1 over the seeds and its standard deviation), the rules' baseline, the targets of
issue 15 (at 300 labels F1 >= rules + 0.08; suggested beats random at 200), training time with
the full measuring (5-fold cross-validation, 1,000 bootstrap resamples) at the largest size, and
prediction speed in mentions per second next to the bare VADER loop on the same texts.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from socialcrm_utils import config
from socialcrm_utils.nlp import classify_intent, score_sentiment
from socialcrm_utils.nlp.learn import (
    MIN_PER_CLASS,
    ClientClassifier,
    MentionFeaturizer,
    apply_classifier,
    measure,
    suggest_labels,
)
from socialcrm_utils.nlp.learn.suggest import BALANCE_SHARE, RANDOM_SHARE
from socialcrm_utils.nlp.resources import vader_analyzer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import accuracy  # noqa: E402  (the project's one tune/test split and loaders)
from accuracy import SEED, split_halves  # noqa: E402

DEFAULT_DATA = Path(config.PROJECT_ROOT).parent / "shared" / "data"
SIZES = (50, 100, 200, 300, 400, 800)
SENTIMENT = ("negative", "neutral", "positive")
#: Share of the tune half each seed's suggested run may pick from.
POOL_SHARE = 0.8
TARGET_GAIN = 0.08
TARGET_SIZE = 300
COMPARE_SIZE = 200

logger = logging.getLogger("benchmarks.learning")


def load_airline(data_dir: Path) -> pd.DataFrame:
    """Airline tweets as ``benchmarks/accuracy.py`` reads them (repeated ``tweet_id``s dropped):
    ``text``, ``lang``, ``gold`` (complaint: negative with a reason) and ``label``."""
    frame = accuracy.load_airline(data_dir)
    return pd.DataFrame(
        {
            "text": frame["text"],
            "lang": "en",
            "gold": frame["complaint"].to_numpy(bool),
            "label": frame["label"],
        }
    )


def load_germeval(data_dir: Path) -> pd.DataFrame:
    """GermEval 2017 dev as ``benchmarks/accuracy.py`` reads it: ``text``, ``lang``, ``gold``
    and ``label`` (both the sentiment)."""
    frame = accuracy.load_germeval(data_dir)
    return pd.DataFrame(
        {"text": frame["text"], "lang": "de", "gold": frame["label"], "label": frame["label"]}
    )


def score_rules(frame: pd.DataFrame) -> pd.DataFrame:
    """The listening step's rule and lexicon columns for every text (as a scored frame)."""
    texts, langs = frame["text"], frame["lang"]
    intent = classify_intent(texts, langs)
    sentiment = score_sentiment(texts, langs)
    scored = pd.DataFrame(
        {
            "mention_id": [f"x{i}" for i in range(len(frame))],
            "platform": "twitter",
            "lang": langs.to_numpy(),
            "text": texts.to_numpy(),
            "is_customer": True,
            "intent": intent["intent"].to_numpy(),
            "intent_cue": intent["intent_cue"].to_numpy(),
            "sentiment": sentiment["sentiment"].to_numpy(),
            "sentiment_label": sentiment["sentiment_label"].to_numpy(),
        },
        index=frame.index,
    )
    for name in ("complaint", "question", "praise", "lead"):
        column = f"is_{name}"
        scored[column] = (
            intent[column].to_numpy(bool)
            if column in intent.columns
            else (intent["intent"] == name).to_numpy(bool)
        )
    return scored


def halves(frame: pd.DataFrame, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the tune half and the test half: ``accuracy.split_halves`` on ``label``.

    The same halves as ``benchmarks/accuracy.py`` (stratified on the 3-class label, copies of a
    text on one side).
    """
    tune, test = split_halves(frame.assign(_pos=np.arange(len(frame))), "label", seed)
    return np.sort(tune["_pos"].to_numpy()), np.sort(test["_pos"].to_numpy())


def label_frame(scored: pd.DataFrame, gold: pd.Series, label: str) -> pd.DataFrame:
    """Labels as ``load_labels`` returns them, for the given rows."""
    values = gold.astype("boolean") if label != "sentiment" else gold.astype("string")
    return pd.DataFrame({"mention_id": scored["mention_id"].to_numpy(), label: values.to_numpy()})


class Task:
    """One data set and label: its halves, the scorer and the prediction read-out."""

    def __init__(
        self,
        name: str,
        label: str,
        frame: pd.DataFrame,
        inner: bool = False,
        settings: dict[str, float] | None = None,
    ) -> None:
        self.name, self.label = name, label
        self.settings = settings or {}
        self.shares = {
            k: self.settings[k] for k in ("balance_share", "random_share") if k in self.settings
        }
        self.scored = score_rules(frame)
        self.gold = frame["gold"]
        tune, test = halves(frame)
        if inner:  # choices are made here: the tune half split again, the test half unseen
            inner_tune, inner_test = halves(frame.iloc[tune].reset_index(drop=True))
            tune, test = tune[inner_tune], tune[inner_test]
        self.tune, self.test = self.scored.iloc[tune], self.scored.iloc[test]
        self.tune_gold, self.test_gold = self.gold.iloc[tune], self.gold.iloc[test]

    def prediction(self, predicted: pd.DataFrame) -> np.ndarray:
        if self.label == "sentiment":
            return predicted["sentiment_label"].astype(str).to_numpy()
        return predicted[f"is_{self.label}"].to_numpy(bool)

    def f1(self, predicted: np.ndarray) -> float:
        classes = SENTIMENT if self.label == "sentiment" else None
        gold = self.test_gold.to_numpy(str if classes else bool)
        return measure(gold, predicted, classes, n_bootstrap=0)["f1"]["value"]

    def f1_with_interval(self, predicted: np.ndarray) -> dict[str, float]:
        classes = SENTIMENT if self.label == "sentiment" else None
        gold = self.test_gold.to_numpy(str if classes else bool)
        return measure(gold, predicted, classes, n_bootstrap=1000)["f1"]

    def classifier(self, **params: int) -> ClientClassifier:
        """A classifier with this run's settings (``--C``, ``--rule-weight``)."""
        featurizer = MentionFeaturizer(rule_weight=self.settings.get("rule_weight", 1.0))
        minimum = int(self.settings.get("min_per_class", MIN_PER_CLASS))
        return ClientClassifier(
            C=self.settings.get("C", 1.0),
            featurizer=featurizer,
            min_per_class=minimum,
            calibrate=bool(self.settings.get("calibrate", False)),
            **params,
        )

    def evaluate(self, rows: np.ndarray) -> tuple[float, bool]:
        """Test-half F1 of a classifier trained on the tune-half rows ``rows`` (positions)."""
        labels = label_frame(self.tune.iloc[rows], self.tune_gold.iloc[rows], self.label)
        model = self.classifier(n_bootstrap=0).fit(self.tune, labels)
        predicted = apply_classifier(self.test, model)
        return self.f1(self.prediction(predicted)), bool(model.models_)


def random_curve(task: Task, sizes: tuple[int, ...], seed: int) -> list[tuple[float, bool]]:
    order = np.random.default_rng(seed).permutation(len(task.tune))
    return [task.evaluate(order[:size]) for size in sizes]


def suggested_curve(task: Task, sizes: tuple[int, ...], seed: int) -> list[tuple[float, bool]]:
    rng = np.random.default_rng(seed)
    pool = np.sort(rng.choice(len(task.tune), int(len(task.tune) * POOL_SHARE), replace=False))
    candidates = task.tune.iloc[pool]
    position = pd.Series(np.arange(len(task.tune)), index=task.tune["mention_id"].to_numpy())
    chosen: list[int] = []
    model: ClientClassifier | None = None
    out = []
    for size in sizes:
        done = pd.DataFrame({"mention_id": task.tune["mention_id"].iloc[chosen].to_numpy()})
        todo = suggest_labels(
            candidates, model, n=size - len(chosen), labels=done, random_state=seed, **task.shares
        )
        chosen += position[todo["mention_id"].to_numpy()].tolist()
        rows = np.asarray(chosen)
        labels = label_frame(task.tune.iloc[rows], task.tune_gold.iloc[rows], task.label)
        model = task.classifier(n_bootstrap=0).fit(task.tune, labels)
        predicted = apply_classifier(task.test, model)
        out.append((task.f1(task.prediction(predicted)), bool(model.models_)))
    return out


def curves(task: Task, sizes: tuple[int, ...], seeds: int) -> pd.DataFrame:
    """One row per strategy: mean and sd of test-half F1 per size, seeds with a model."""
    rows = []
    strategies: dict[str, Callable[..., list[tuple[float, bool]]]] = {
        "random": random_curve,
        "suggested": suggested_curve,
    }
    for strategy, run in strategies.items():
        runs = []
        for seed in range(seeds):
            started = time.perf_counter()
            runs.append(run(task, sizes, seed))
            logger.info(
                "%s %s seed %d: %.0fs", task.name, strategy, seed, time.perf_counter() - started
            )
        for i, size in enumerate(sizes):
            scores = [r[i][0] for r in runs]
            rows.append(
                {
                    "data": task.name,
                    "strategy": strategy,
                    "labels": size,
                    "f1": float(np.mean(scores)),
                    "sd": float(np.std(scores)),
                    "model": sum(r[i][1] for r in runs),
                }
            )
    return pd.DataFrame(rows)


def speed(task: Task, size: int) -> dict[str, float]:
    """Training time with the full measuring at ``size`` labels; prediction and VADER speed."""
    rows = np.random.default_rng(0).permutation(len(task.tune))[:size]
    labels = label_frame(task.tune.iloc[rows], task.tune_gold.iloc[rows], task.label)
    started = time.perf_counter()
    model = task.classifier().fit(task.tune, labels)
    train = time.perf_counter() - started
    started = time.perf_counter()
    apply_classifier(task.test, model)
    predict = time.perf_counter() - started
    analyzer = vader_analyzer()
    texts = task.test["text"].astype(str).tolist()
    started = time.perf_counter()
    for text in texts:
        analyzer.polarity_scores(text)
    vader = time.perf_counter() - started
    result = model.results_[task.label]
    return {
        "data": task.name,
        "labels": size,
        "train_s": train,
        "predict_per_s": len(texts) / predict,
        "vader_loop_per_s": len(texts) / vader,
        "cv_f1": result["model"]["f1"]["value"] if "model" in result else float("nan"),
        "cv_rules_f1": result["rules"]["f1"]["value"] if "rules" in result else float("nan"),
    }


def table(results: pd.DataFrame) -> pd.DataFrame:
    """Sizes as columns: ``f1 (sd) [models/seeds]`` per data set and strategy."""
    cells = results.assign(
        cell=[
            f"{r.f1:.3f} ({r.sd:.3f})" + ("" if r.model == r.seeds else f" [{r.model}/{r.seeds}]")
            for r in results.itertuples()
        ]
    )
    return cells.pivot_table(
        index=["data", "strategy"], columns="labels", values="cell", aggfunc="first"
    )


def main(argv: list[str] | None = None) -> int:
    """Print the tables; exit 1 if a target is missed, 2 if the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per point")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="label counts")
    parser.add_argument("--verbose", action="store_true", help="log each run's time")
    parser.add_argument(
        "--inner",
        action="store_true",
        help="choose settings: train and measure inside the tune half only",
    )
    parser.add_argument("--C", type=float, default=1.0, help="C of the logistic regressions")
    parser.add_argument("--rule-weight", type=float, default=1.0, help="factor on rule features")
    parser.add_argument(
        "--min-per-class",
        type=int,
        default=MIN_PER_CLASS,
        help="sentiment labels per class a model needs",
    )
    parser.add_argument(
        "--balance-share",
        type=float,
        default=BALANCE_SHARE,
        help="suggest_labels: share for the predicted classes",
    )
    parser.add_argument(
        "--random-share",
        type=float,
        default=RANDOM_SHARE,
        help="suggest_labels: share drawn at random",
    )
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="sentiment: also try the calibrated rules (thresholds)",
    )
    parser.add_argument("--only", choices=["complaint", "sentiment"], help="one task only")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    if not (args.data / "airline" / "Tweets.csv").is_file():
        print(f"no data at {args.data}: nothing to measure", file=sys.stderr)
        return 2
    sizes = tuple(int(s) for s in args.sizes.split(","))
    settings = {
        "C": args.C,
        "rule_weight": args.rule_weight,
        "min_per_class": args.min_per_class,
        "balance_share": args.balance_share,
        "random_share": args.random_share,
        "calibrate": args.calibrate,
    }
    tasks = []
    if args.only in (None, "complaint"):
        tasks.append(
            Task(
                "airline complaints (en), F1",
                "complaint",
                load_airline(args.data),
                args.inner,
                settings,
            )
        )
    if args.only in (None, "sentiment"):
        tasks.append(
            Task(
                "GermEval dev sentiment (de), macro-F1",
                "sentiment",
                load_germeval(args.data),
                args.inner,
                settings,
            )
        )
    if args.inner:
        print("INNER RUN: trained and measured inside the tune half (for choosing settings)")
    print(
        f"settings: C={args.C}, rule_weight={args.rule_weight}, "
        f"min_per_class={args.min_per_class}, balance_share={args.balance_share}, "
        f"random_share={args.random_share}, calibrate={args.calibrate}"
    )
    results, baselines, speeds = [], {}, []
    for task in tasks:
        rules = task.prediction(task.test)
        baselines[task.name] = task.f1_with_interval(rules)
        results.append(curves(task, sizes, args.seeds))
        speeds.append(speed(task, max(sizes)))
    frame = pd.concat(results, ignore_index=True).assign(seeds=args.seeds)
    print(
        f"test-half F1, mean (sd) of {args.seeds} seeds; [k/n]: k of n seeds had enough "
        "labels for a model, the others kept the rules"
    )
    print(table(frame).to_string())
    print("\nzero-shot rules on the test half (95% bootstrap interval):")
    for name, figure in baselines.items():
        print(f"  {name}: {figure['value']:.3f} [{figure['low']:.3f}, {figure['high']:.3f}]")
    print(
        "\nspeed (2-core machine): training with 5-fold CV + 1,000 bootstrap resamples; "
        "prediction = apply_classifier on the test half"
    )
    print(pd.DataFrame(speeds).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    missed = []
    for task in tasks:
        rules = baselines[task.name]["value"]
        part = frame[frame["data"] == task.name].set_index(["strategy", "labels"])["f1"]
        if TARGET_SIZE in sizes:
            for strategy in ("random", "suggested"):
                gain = part[(strategy, TARGET_SIZE)] - rules
                ok = gain >= TARGET_GAIN
                print(
                    f"target {task.name} / {strategy} at {TARGET_SIZE} labels: rules "
                    f"+{gain:.3f} (>= +{TARGET_GAIN}) {'met' if ok else 'MISSED'}"
                )
                missed += [] if ok else [f"{task.name} {strategy} {TARGET_SIZE}"]
        if COMPARE_SIZE in sizes:
            diff = part[("suggested", COMPARE_SIZE)] - part[("random", COMPARE_SIZE)]
            ok = diff > 0
            print(
                f"target {task.name}: suggested - random at {COMPARE_SIZE} labels = "
                f"{diff:+.3f} (> 0) {'met' if ok else 'MISSED'}"
            )
            missed += [] if ok else [f"{task.name} suggested vs random"]
    print("all targets met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
