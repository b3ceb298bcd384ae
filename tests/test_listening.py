"""Step 3, listen: brand tags, scoring and priority, daily volume, spike alerts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from nltk.sentiment.vader import SentimentIntensityAnalyzer

from socialcrm_utils.nlp import scoring, vader_analyzer
from socialcrm_utils.playbook import Playbook
from socialcrm_utils.schema import CANONICAL_COLUMNS, conform_mentions
from socialcrm_utils.steps.listening import (
    ALERT_COLUMNS,
    DAILY_COLUMNS,
    SCORED_COLUMNS,
    daily_volume,
    detect_spikes,
    score_mentions,
    tag_brands,
)


@pytest.fixture
def playbook() -> Playbook:
    return Playbook.model_validate(
        {
            "client": "acme-air",
            "name": "ACME Air",
            "language": "de",
            "timezone": "Europe/Berlin",
            "brand": {
                "handles": ["@AcmeAir", "@AcmeAirHelp"],
                "terms": ["acme air", "acmeair", "#acmeair"],
                "competitors": {"Globex": ["globex", "@globex"], "Initech": ["initech"]},
            },
            "sources": [{"kind": "file", "path": "x.csv"}],
            # An airline: "looking for a flight" is a lead only with the airline pack (issue 15).
            "listening": {"domain_packs": ["airline"]},
        },
        context={"check_files": False},
    )


def _compound(text: str) -> float:
    vader_analyzer()  # the lexicon is installed and on nltk.data.path
    return SentimentIntensityAnalyzer().polarity_scores(text)["compound"]


# --- tag_brands -----------------------------------------------------------------------------


def test_tag_brands_matches_whole_words_case_insensitively(playbook):
    texts = [
        "Flying ACME Air's new A321 today",  # term, followed by an apostrophe
        "acmeairline is a different company",  # term glued to more letters
        "ACME  AIR\nrocks",  # any whitespace inside a term
        "@AcmeAirHelp please check my booking",  # handle
        "#AcmeAir delays again",  # hashtag term
        "acme airlines is not us",
        "I love my acme air fryer",  # whole-word-ish matching cannot know this one
        None,
    ]
    out = tag_brands(pd.DataFrame({"text": texts}), playbook.brand)
    assert out["mentions_brand"].tolist() == [True, False, True, True, True, False, True, False]
    assert out["mentions_brand"].dtype == bool


def test_tag_brands_names_the_first_competitor_in_playbook_order(playbook):
    texts = ["Initech or Globex?", "initech only", "@globex!", "globexcorp", "acme air", None]
    mentions = pd.DataFrame({"text": texts, "other": range(6)}, index=list("abcdef"))
    before = mentions.copy()
    out = tag_brands(mentions, playbook.brand)
    assert out["competitor"].tolist() == ["Globex", "Initech", "Globex", pd.NA, pd.NA, pd.NA]
    assert str(out["competitor"].dtype) == "string"
    assert list(out.columns) == ["text", "other", "mentions_brand", "competitor"]
    assert out.index.tolist() == list("abcdef")
    pd.testing.assert_frame_equal(mentions, before)  # input not mutated


# --- score_mentions -------------------------------------------------------------------------

ROWS = [
    # text, lang, is_brand, reach
    ("@AcmeAir my flight was cancelled. Worst airline ever, terrible!", "en", False, 100),
    ("@AcmeAir my flight was cancelled", "en", False, 12_000),
    ("@AcmeAir my flight was delayed", "en", False, 500),
    ("Flug verspätet, Frechheit", None, False, 15_000),  # lang NA -> playbook language de
    ("I hate waiting at airports, so sad.", "en", False, 60_000),
    ("Can I bring my guitar?", "en", False, None),
    ("Thank you ACME Air's crew, great service!", "en", False, 10),
    ("@jane Sorry your flight was cancelled, that is terrible. Please DM us.", "en", True, 80_000),
    ("Looking for a flight to Rome: Globex or ACME Air", "en", False, 20),
]


@pytest.fixture
def mentions() -> pd.DataFrame:
    texts, langs, brand, reach = zip(*ROWS, strict=True)
    return conform_mentions(
        pd.DataFrame(
            {
                "mention_id": [str(i) for i in range(len(ROWS))],
                "text": texts,
                "lang": langs,
                "is_brand": brand,
                "reach": reach,
                "created_at": pd.date_range(
                    "2026-03-02 08:00", periods=len(ROWS), freq="h", tz="UTC"
                ),
            }
        )
    )


def test_score_mentions_columns_and_dtypes(mentions, playbook):
    before = mentions.copy()
    out = score_mentions(mentions, playbook)
    assert list(out.columns) == [*CANONICAL_COLUMNS, *SCORED_COLUMNS]
    assert out.index.equals(mentions.index)
    pd.testing.assert_frame_equal(out[list(CANONICAL_COLUMNS)], mentions)  # lang stays as given
    pd.testing.assert_frame_equal(mentions, before)
    dtypes = {c: str(out[c].dtype) for c in SCORED_COLUMNS}
    assert dtypes == {
        "is_customer": "bool",
        "sentiment": "float64",
        "sentiment_label": "string",
        "intent": "string",
        "intent_cue": "string",
        "is_complaint": "bool",
        "is_question": "bool",
        "is_praise": "bool",
        "is_lead": "bool",
        "priority": "string",
        "mentions_brand": "bool",
        "competitor": "string",
    }


def test_score_mentions_values(mentions, playbook):
    out = score_mentions(mentions, playbook)
    assert out["is_customer"].tolist() == [True] * 7 + [False, True]
    assert out["intent"].tolist() == [
        "complaint",
        "complaint",
        "complaint",
        "complaint",
        "other",
        "question",
        "praise",
        "other",  # brand post: not classified although it says "cancelled"
        "lead",
    ]
    assert out["intent_cue"].fillna("-").tolist() == [
        "cancelled",
        "cancelled",
        "delayed",
        "verspätet",
        "-",
        "can i",
        "thank you",
        "-",
        "looking for a flight",
    ]
    # Multi-label flags: row 5 is only a question; the brand post (7) has no flag.
    assert out["is_complaint"].tolist() == [True] * 4 + [False] * 5
    assert out["is_question"].tolist() == [False] * 5 + [True, False, False, False]
    assert out["is_praise"].tolist() == [False] * 6 + [True, False, False]
    assert out["is_lead"].tolist() == [False] * 8 + [True]
    english = [i for i, row in enumerate(ROWS) if row[1] == "en"]
    assert out["sentiment"].iloc[english].tolist() == [_compound(ROWS[i][0]) for i in english]
    assert out.loc[3, "sentiment"] < 0 and out.loc[3, "sentiment_label"] == "negative"  # German
    assert out["mentions_brand"].tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        True,
        False,
        True,
    ]
    assert out["competitor"].tolist() == [pd.NA] * 8 + ["Globex"]


def test_priority_rule_on_the_fixture(mentions, playbook):
    # Preconditions of the cases, from VADER itself.
    assert _compound(ROWS[0][0]) <= -0.5
    assert _compound(ROWS[1][0]) > -0.5 and _compound(ROWS[2][0]) > -0.5
    assert _compound(ROWS[4][0]) <= -0.05
    out = score_mentions(mentions, playbook)
    assert out["priority"].tolist() == [
        "high",  # complaint, sentiment <= -0.5
        "high",  # complaint, reach 12,000 >= 10,000
        "normal",  # complaint, mild, small reach
        "high",  # German complaint, reach 15,000
        "high",  # not a complaint, but negative with reach 60,000 >= 50,000
        "normal",  # question
        "low",  # praise
        "low",  # brand post: other
        "normal",  # lead
    ]


def test_priority_thresholds_are_inclusive(monkeypatch, playbook):
    def fake_sentiment(texts: pd.Series, langs: pd.Series, **_: object) -> pd.DataFrame:
        values = texts.map(
            {"c1": -0.5, "c2": -0.49, "c3": -0.49, "o1": -0.3, "o2": -0.3, "b": -0.9}
        )
        labels = values.map(lambda v: "negative" if v <= -0.05 else "neutral")
        return pd.DataFrame({"sentiment": values, "sentiment_label": labels.astype("string")})

    def fake_intent(texts: pd.Series, langs: pd.Series, **_: object) -> pd.DataFrame:
        intents = texts.str[0].map({"c": "complaint", "o": "other"})
        out = pd.DataFrame({"intent": intents, "intent_cue": "x"}, dtype="string")
        return out.assign(
            is_complaint=intents == "complaint", is_question=False, is_praise=False, is_lead=False
        )

    monkeypatch.setattr(
        scoring, "start_sentiment", lambda *args, **kwargs: lambda: fake_sentiment(*args, **kwargs)
    )
    monkeypatch.setattr(scoring, "classify_intent", fake_intent)
    frame = conform_mentions(
        pd.DataFrame(
            {
                "mention_id": list("123456"),
                "text": ["c1", "c2", "c3", "o1", "o2", "b"],
                "is_brand": [False] * 5 + [True],
                "reach": [0, 9_999, 10_000, 49_999, 50_000, 1_000_000],
                "created_at": pd.Timestamp("2026-03-02", tz="UTC"),
            }
        )
    )
    out = score_mentions(frame, playbook)
    assert out["priority"].tolist() == ["high", "normal", "high", "low", "high", "low"]


def test_score_mentions_needs_canonical_columns(playbook):
    with pytest.raises(ValueError, match="is_brand"):
        score_mentions(pd.DataFrame({"text": ["x"], "lang": ["en"], "reach": [1]}), playbook)


# --- daily_volume ---------------------------------------------------------------------------


def test_daily_volume_counts_local_days_and_fills_gaps():
    scored = pd.DataFrame(
        {
            "created_at": pd.to_datetime(
                [
                    "2026-03-01 10:00",  # Berlin 03-01
                    "2026-03-01 23:30",  # Berlin 03-02 00:30
                    "2026-03-02 09:00",  # Berlin 03-02
                    "2026-03-02 10:00",  # Berlin 03-02, brand
                    "2026-03-04 12:00",  # Berlin 03-04; 03-03 has no posts
                ],
                utc=True,
            ),
            "is_customer": [True, True, True, False, True],
            "sentiment_label": ["negative", "negative", "unscored", "negative", "positive"],
            "intent": ["complaint", "question", "complaint", "other", "praise"],
        }
    )
    out = daily_volume(scored, "Europe/Berlin")
    expected = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"]),
            "mentions": [1, 3, 0, 1],
            "customer_mentions": [1, 2, 0, 1],
            "negative": [1, 1, 0, 0],  # the brand's negative post does not count
            "complaints": [1, 1, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(out, expected, check_dtype=False)
    assert list(out.columns) == list(DAILY_COLUMNS)
    assert all(str(out[c].dtype) == "int64" for c in DAILY_COLUMNS[1:])


def test_daily_volume_of_nothing_is_empty():
    scored = pd.DataFrame(
        {
            "created_at": pd.Series([], dtype="datetime64[ns, UTC]"),
            "is_customer": pd.Series([], dtype=bool),
            "sentiment_label": pd.Series([], dtype="string"),
            "intent": pd.Series([], dtype="string"),
        }
    )
    out = daily_volume(scored, "UTC")
    assert out.empty and list(out.columns) == list(DAILY_COLUMNS)


def test_scored_fixture_flows_into_daily_volume(mentions, playbook):
    out = daily_volume(score_mentions(mentions, playbook), playbook.timezone)
    assert out["mentions"].tolist() == [9]
    assert out["customer_mentions"].tolist() == [8]
    assert out["complaints"].tolist() == [4]


# --- detect_spikes --------------------------------------------------------------------------

# 28 days alternating 4 and 6: mean 5; squared deviations 28 * 1 = 28; sample variance 28 / 27;
# std sqrt(28 / 27) = 1.01835; threshold 5 + 3 * 1.01835 = 8.05505.
BASE_STD = math.sqrt(28 / 27)
THRESHOLD = 5 + 3 * BASE_STD


def _daily(counts: list[int], column: str = "complaints") -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2026-01-01", periods=len(counts)), column: counts})


def test_spike_above_threshold_alerts():
    alerts = detect_spikes(_daily([4, 6] * 14 + [20]))
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    assert len(alerts) == 1
    alert = alerts.iloc[0]
    assert alert["date"] == pd.Timestamp("2026-01-29")
    assert alert["metric"] == "complaints"
    assert alert["count"] == 20
    assert alert["baseline_mean"] == pytest.approx(5.0)
    assert alert["baseline_std"] == pytest.approx(BASE_STD)
    assert alert["threshold"] == pytest.approx(8.05505, abs=1e-5)
    assert alert["ratio"] == pytest.approx(4.0)
    assert alert["baseline_days"] == 28
    assert alert["baseline_from"] == pd.Timestamp("2026-01-01")
    assert alert["baseline_to"] == pd.Timestamp("2026-01-28")
    assert alert["message"] == (
        "Spike: 20 complaints on 2026-01-29 vs a mean of 5.0/day (std 1.0) over the 28 covered "
        "days before (2026-01-01 to 2026-01-28); alert threshold 8.1, 4.0x the usual."
    )


def test_no_spike_at_or_below_threshold_or_below_min_count():
    assert detect_spikes(_daily([4, 6] * 14 + [8])).empty  # 8 <= 8.055 and 8 < 10
    assert detect_spikes(_daily([4, 6] * 14 + [8]), min_count=0).empty
    assert len(detect_spikes(_daily([4, 6] * 14 + [9]), min_count=0)) == 1  # 9 > 8.055
    assert detect_spikes(_daily([4, 6] * 14 + [9])).empty  # 9 < min_count 10


def test_needs_seven_prior_days():
    assert detect_spikes(_daily([1] * 6 + [50]), min_count=0).empty  # 6 prior days
    alerts = detect_spikes(_daily([1] * 7 + [50]))  # 7 prior days: mean 1, std 0, threshold 1
    assert alerts["date"].tolist() == [pd.Timestamp("2026-01-08")]
    assert alerts.loc[0, "threshold"] == 1.0
    assert "over the 7 covered days before (2026-01-01 to 2026-01-07)" in alerts.loc[0, "message"]


def test_baseline_is_trailing_and_excludes_the_day():
    # Day 30 (index 29): the previous 28 days are days 2..29 = 13 fours, 14 sixes and the 20.
    counts = [4, 6] * 14 + [20, 20]
    alerts = detect_spikes(_daily(counts), min_count=0)
    window = counts[1:29]
    mean = sum(window) / 28
    std = math.sqrt(sum((c - mean) ** 2 for c in window) / 27)
    assert len(alerts) == 2  # day 30: threshold 156 / 28 + 3 * 2.99912 = 14.5688 < 20
    assert alerts.loc[1, "baseline_mean"] == pytest.approx(156 / 28)
    assert alerts.loc[1, "baseline_mean"] == pytest.approx(mean)
    assert alerts.loc[1, "threshold"] == pytest.approx(14.56878, abs=1e-5)
    assert alerts.loc[1, "threshold"] == pytest.approx(mean + 3 * std)


def test_spike_after_a_silent_baseline_and_other_metrics():
    alerts = detect_spikes(_daily([0] * 10 + [12], column="negative"), column="negative")
    assert alerts.loc[0, "ratio"] == math.inf
    assert alerts.loc[0, "metric"] == "negative"
    assert "x the usual" not in alerts.loc[0, "message"]


def test_spikes_of_nothing_and_bad_arguments():
    assert detect_spikes(_daily([])).columns.tolist() == list(ALERT_COLUMNS)
    with pytest.raises(ValueError, match="at least 7"):
        detect_spikes(_daily([1] * 10), window=5)
    with pytest.raises(ValueError, match="no column 'complaints'"):
        detect_spikes(_daily([1] * 10, column="mentions"))


@pytest.mark.parametrize("min_items", [10_000, 2], ids=["here", "workers"])
def test_intent_once_per_distinct_text_equals_row_by_row(monkeypatch, min_items):
    from socialcrm_utils.nlp import parallel
    from socialcrm_utils.nlp.intent import classify_intent
    from socialcrm_utils.nlp.scoring import start_intent as _start_intent

    monkeypatch.setattr(parallel, "MIN_ITEMS", min_items)
    texts = pd.Series(
        [
            "Flight cancelled!",
            "Can I bring a bike?",
            "Flight cancelled!",
            None,
            "Danke, super Service",
            "Can I bring a bike?",
            "ok",
        ],
        index=[5, 3, 9, 1, 0, 7, 2],
    )
    langs = pd.Series(["en", "en", "en", "en", "de", "en", None], index=texts.index)
    pd.testing.assert_frame_equal(
        _start_intent(texts, langs)(), classify_intent(texts, langs), check_dtype=False
    )


# --- multi-label flags in priority and daily volume (issue 15) --------------------------------


def _fake_scores(
    monkeypatch: pytest.MonkeyPatch, sentiment: dict[str, float], flags: dict[str, tuple[str, bool]]
) -> dict[str, object]:
    """Replace the scorers: text -> sentiment, text -> (primary intent, is_complaint)."""
    seen: dict[str, object] = {}

    def fake_sentiment(texts: pd.Series, langs: pd.Series, **kwargs: object):
        seen.update(kwargs)
        values = texts.map(sentiment).astype(float)
        labels = values.map(lambda v: "negative" if v <= -0.05 else "neutral").astype("string")
        return lambda: pd.DataFrame({"sentiment": values, "sentiment_label": labels})

    def fake_intent(texts: pd.Series, langs: pd.Series, **_: object) -> pd.DataFrame:
        intents = texts.map(lambda t: flags[t][0])
        out = pd.DataFrame({"intent": intents, "intent_cue": "x"}, dtype="string")
        return out.assign(
            is_complaint=texts.map(lambda t: flags[t][1]).astype(bool),
            is_question=intents == "question",
            is_praise=False,
            is_lead=False,
        )

    monkeypatch.setattr(scoring, "start_sentiment", fake_sentiment)
    monkeypatch.setattr(scoring, "classify_intent", fake_intent)
    return seen


def test_priority_uses_is_complaint_and_sentiment_gets_the_packs(monkeypatch, playbook):
    seen = _fake_scores(
        monkeypatch,
        sentiment={"why broken?": -0.6, "how to?": -0.6, "broken": -0.6},
        flags={
            "why broken?": ("question", True),
            "how to?": ("question", False),
            "broken": ("complaint", True),
        },
    )
    frame = conform_mentions(
        pd.DataFrame(
            {
                "mention_id": list("123"),
                "text": ["why broken?", "how to?", "broken"],
                "is_brand": False,
                "reach": 0,
                "created_at": pd.Timestamp("2026-03-02", tz="UTC"),
            }
        )
    )
    out = score_mentions(frame, playbook)
    # A complaint asked as a question (primary intent question) is high like any complaint.
    assert out["priority"].tolist() == ["high", "normal", "high"]
    assert seen["domain_packs"] == ("airline",)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        # flags: the complaint asked as a question counts, the brand's complaint does not
        (
            {
                "intent": ["question", "question", "complaint", "complaint"],
                "is_complaint": [True, False, True, True],
            },
            [2],
        ),
        # an old artifact without the flag: primary intent only
        ({"intent": ["question", "question", "complaint", "complaint"]}, [1]),
        # flag with a missing value: not a complaint
        (
            {
                "intent": ["question", "question", "complaint", "complaint"],
                "is_complaint": pd.array([pd.NA, False, True, True], dtype="boolean"),
            },
            [1],
        ),
    ],
    ids=["flags", "old-artifact", "missing-flag"],
)
def test_daily_volume_counts_complaint_flags(columns, expected):
    scored = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-03-02 09:00"] * 4, utc=True),
            "is_customer": [True, True, True, False],
            "sentiment_label": "neutral",
            **columns,
        }
    )
    assert daily_volume(scored, "UTC")["complaints"].tolist() == expected


def test_pair_codes_number_pairs_as_factorizing_a_multiindex_does():
    from socialcrm_utils.nlp.scoring import pair_codes

    rng = np.random.default_rng(5)
    texts = pd.Series(rng.choice(["a", "b", "c", None], 500), dtype="string")
    langs = pd.Series(rng.choice(["en", "de", None], 500), dtype="string")
    expected, _ = pd.factorize(pd.MultiIndex.from_arrays([texts, langs]))
    assert pair_codes(texts, langs).tolist() == expected.tolist()
    assert pair_codes(texts.iloc[:0], langs.iloc[:0]).tolist() == []
