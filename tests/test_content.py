"""Unit tests of step 6 (socialcrm_utils.content); expected values are computed by hand."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd
import pytest

from socialcrm_utils.content import (
    best_slots,
    content_calendar,
    engagement_by_slot,
    tokenize,
    top_questions,
)

# --------------------------------------------------------------------------------------------
# tokenize
# --------------------------------------------------------------------------------------------


def test_tokenize_english_drops_stop_words_handles_urls_and_short_tokens() -> None:
    text = "@AcmeAir Where's my order for the A320?? https://t.co/abc #AcmeAir"
    assert tokenize(text, "en") == ["order", "a320", "acmeair"]
    assert tokenize(text, "en", exclude_terms=["#acmeair"]) == ["order", "a320"]


def test_tokenize_german_keeps_umlauts_and_eszett() -> None:
    assert tokenize("Mein Koffer ist in München nicht angekommen, wo ist er?", "de") == [
        "koffer",
        "münchen",
        "angekommen",
    ]
    assert tokenize("Die Straße ist gesperrt, daß es nervt", "de") == [
        "straße",
        "gesperrt",
        "nervt",
    ]
    # domain stop list: "gibt" is not in the stop_words German list
    assert tokenize("Gibt es WLAN im Zug?", "de") == ["wlan", "zug"]


def test_tokenize_language_selects_the_stop_list() -> None:
    assert tokenize("und the Koffer", "en") == ["und", "koffer"]
    assert tokenize("und the Koffer", "de") == ["the", "koffer"]
    assert tokenize("und the Koffer", None) == ["koffer"]  # unknown: English and German
    assert tokenize("und the Koffer", "de-AT") == ["the", "koffer"]


def test_tokenize_multiword_exclude_term_is_removed_only_as_a_phrase() -> None:
    assert tokenize("Acme Air: is the air conditioning on?", "en", ["acme air"]) == [
        "air",
        "conditioning",
    ]
    assert tokenize("only 12 of 2024 ok", "en") == []  # digits-only and short tokens
    assert tokenize(pd.NA, "en") == []  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# top_questions
# --------------------------------------------------------------------------------------------

QUESTIONS: list[tuple[str, str, bool, str, str]] = [
    # mention_id, lang, is_brand, intent, text
    ("1", "en", False, "question", "@AcmeAir how do I change my seat?"),
    ("2", "en", False, "question", "Can I change my seat online?"),
    ("3", "en", False, "question", "Is it possible to change the seat after check-in?"),
    ("4", "en", False, "question", "What is the baggage allowance?"),
    ("5", "en", False, "question", "Baggage allowance for infants?"),
    ("6", "en", False, "question", "How much baggage can I take?"),
    ("7", "en", False, "question", "Do you have wifi on board?"),
    ("8", "en", False, "question", "Is there wifi on the A320?"),
    ("9", "en", False, "question", "@AcmeAir hi?"),  # no content word: no topic
    ("10", "en", False, "question", "Does Acme Air serve meals?"),
    ("11", "en", False, "question", "Acme Air wifi password?"),
    ("12", "de", False, "question", "Wie viel Gepäck darf ich mitnehmen?"),
    ("13", "de", False, "question", "Kostet das Gepäck extra?"),
    ("14", "de", False, "question", "Gibt es WLAN im Zug?"),
    ("15", "en", True, "question", "@jane How can we help you change your seat?"),  # brand
    ("16", "en", False, "complaint", "My seat was broken, change it now"),  # not a question
]


@pytest.fixture
def questions_frame() -> pd.DataFrame:
    return pd.DataFrame(
        QUESTIONS, columns=["mention_id", "lang", "is_brand", "intent", "text"]
    ).astype({"mention_id": "string", "lang": "string", "text": "string"})


def test_top_questions_topics_counts_and_shares(questions_frame: pd.DataFrame) -> None:
    before = questions_frame.copy()
    faq = top_questions(questions_frame, exclude_terms=["acme air", "@AcmeAir"])
    pd.testing.assert_frame_equal(questions_frame, before)  # input untouched
    assert list(faq.columns) == ["topic", "lang", "questions", "share", "example", "example_id"]
    # en (11 questions): "change seat" df 3 -> score 6; "baggage allowance" df 2 -> 4 beats
    # "baggage" df 3 -> 3 for 4 and 5, while 6 has only "baggage"; wifi df 3 (7, 8, 11);
    # 10 -> "meals" (df 1, ties "serve" alphabetically); 9 has no word.
    # de (3 questions): "gepäck" df 2; 14: "wlan" and "zug" tie at df 1 -> "wlan".
    expected = [
        ("change seat", "en", 3, 3 / 11, "how do I change my seat?", "1"),
        ("wifi", "en", 3, 3 / 11, "Acme Air wifi password?", "11"),
        ("baggage allowance", "en", 2, 2 / 11, "What is the baggage allowance?", "4"),
        ("gepäck", "de", 2, 2 / 3, "Kostet das Gepäck extra?", "13"),
        ("baggage", "en", 1, 1 / 11, "How much baggage can I take?", "6"),
        ("meals", "en", 1, 1 / 11, "Does Acme Air serve meals?", "10"),
        ("wlan", "de", 1, 1 / 3, "Gibt es WLAN im Zug?", "14"),
    ]
    got = list(faq.itertuples(index=False, name=None))
    assert [r[:3] + r[4:] for r in got] == [e[:3] + e[4:] for e in expected]
    assert faq["share"].tolist() == pytest.approx([e[3] for e in expected])


def test_top_questions_without_exclusion_brand_name_becomes_a_topic(
    questions_frame: pd.DataFrame,
) -> None:
    faq = top_questions(questions_frame)
    # "acme air" is a bigram in 10 and 11 (df 2, score 4 > wifi's 3)
    row = faq[faq["topic"] == "acme air"].iloc[0]
    assert row["questions"] == 2
    assert faq.loc[faq["topic"] == "wifi", "questions"].item() == 2


def test_top_questions_n_per_language_and_row_order_independent(
    questions_frame: pd.DataFrame,
) -> None:
    faq = top_questions(questions_frame, n=1, exclude_terms=["acme air"])
    assert faq[["topic", "lang"]].values.tolist() == [["change seat", "en"], ["gepäck", "de"]]
    shuffled = questions_frame.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(
        top_questions(shuffled, exclude_terms=["acme air"]),
        top_questions(questions_frame, exclude_terms=["acme air"]),
    )


def test_top_questions_empty_and_missing_column(questions_frame: pd.DataFrame) -> None:
    none = questions_frame[questions_frame["intent"] == "lead"]
    faq = top_questions(none)
    assert faq.empty
    assert list(faq.columns) == ["topic", "lang", "questions", "share", "example", "example_id"]
    with pytest.raises(ValueError, match="intent"):
        top_questions(questions_frame.drop(columns="intent"))


# --------------------------------------------------------------------------------------------
# engagement_by_slot / best_slots
# --------------------------------------------------------------------------------------------


def _posts() -> pd.DataFrame:
    """20 proactive brand posts in June 2026 (Europe/Berlin = UTC+2), plus other posts."""
    rows: list[tuple[str, bool, object, object, object, object]] = []
    # created_at (UTC), is_brand, in_reply_to_id, likes, shares, replies
    # Tue 2 June 09:30Z = Tue 11:xx local; engagement 10, 20, 30, 40 -> mean 25, median 25
    rows += [
        ("2026-06-02 09:30", True, None, 10, None, None),
        ("2026-06-09 09:05", True, None, 15, 5, 0),
        ("2026-06-16 09:59", True, None, 20, 5, 5),
        ("2026-06-23 09:00", True, None, 40, 0, None),
    ]
    # Wed 13:xxZ = Wed 15 local; 5, 7, 9 -> mean 7
    rows += [
        ("2026-06-03 13:05", True, None, 5, 0, 0),
        ("2026-06-10 13:10", True, None, 3, 2, 2),
        ("2026-06-17 13:50", True, None, 9, None, 0),
    ]
    # Mon 07:00Z = Mon 09 local; 12 posts of engagement 1 -> mean 1
    rows += [(f"2026-06-{d:02d} 07:00", True, None, 1, 0, 0) for d in (1, 8, 15, 22, 29)] * 2
    rows += [("2026-06-01 07:20", True, None, 0, 1, 0), ("2026-06-08 07:40", True, None, 0, 0, 1)]
    # Sun 22:30Z = Mon 00:30 local (next day); one post of 100
    rows += [("2026-06-07 22:30", True, None, 100, 0, 0)]
    # not proactive: brand reply and customer posts, at Tue 11 local
    rows += [
        ("2026-06-02 09:45", True, "x1", 500, 0, 0),
        ("2026-06-02 09:15", False, None, 1000, 0, 0),
    ]
    frame = pd.DataFrame(
        rows, columns=["created_at", "is_brand", "in_reply_to_id", "likes", "shares", "replies"]
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["in_reply_to_id"] = frame["in_reply_to_id"].astype("string")
    return frame.astype({"likes": "Int64", "shares": "Int64", "replies": "Int64"})


def test_engagement_by_slot_brand_proactive_local_time() -> None:
    posts = _posts()
    before = posts.copy()
    by_slot = engagement_by_slot(posts, "Europe/Berlin")
    pd.testing.assert_frame_equal(posts, before)
    assert by_slot.attrs["basis"] == "brand_proactive"
    assert (by_slot["basis"] == "brand_proactive").all()
    got = by_slot[["weekday", "weekday_name", "hour", "posts"]].values.tolist()
    assert got == [[0, "Mon", 0, 1], [0, "Mon", 9, 12], [1, "Tue", 11, 4], [2, "Wed", 15, 3]]
    assert by_slot["mean_engagement"].tolist() == pytest.approx([100.0, 1.0, 25.0, 7.0])
    assert by_slot["median_engagement"].tolist() == pytest.approx([100.0, 1.0, 25.0, 7.0])


def test_engagement_by_slot_falls_back_to_all_posts(caplog: pytest.LogCaptureFixture) -> None:
    posts = _posts().iloc[1:]  # 19 proactive brand posts left
    with caplog.at_level(logging.WARNING, logger="socialcrm_utils.content"):
        by_slot = engagement_by_slot(posts, "Europe/Berlin")
    assert "only 19 proactive brand posts" in caplog.text
    assert by_slot.attrs["basis"] == "all_posts"
    tue = by_slot[(by_slot["weekday"] == 1) & (by_slot["hour"] == 11)].iloc[0]
    # 20, 30, 40 (proactive) + 500 (reply) + 1000 (customer)
    assert tue["posts"] == 5
    assert tue["mean_engagement"] == pytest.approx(318.0)
    assert tue["median_engagement"] == pytest.approx(40.0)
    assert engagement_by_slot(_posts(), "Europe/Berlin", brand_only=False).attrs["basis"] == (
        "all_posts"
    )


def test_best_slots_order_and_min_posts() -> None:
    by_slot = engagement_by_slot(_posts(), "Europe/Berlin")
    best = best_slots(by_slot, n=5, min_posts=3)
    assert best[["weekday", "hour"]].values.tolist() == [[1, 11], [2, 15], [0, 9]]
    assert best.attrs["basis"] == "brand_proactive"
    assert best_slots(by_slot, n=2)[["weekday", "hour"]].values.tolist() == [[1, 11], [2, 15]]
    assert best_slots(by_slot, n=1, min_posts=1)[["weekday", "hour"]].values.tolist() == [[0, 0]]
    assert best_slots(by_slot, min_posts=50).empty


# --------------------------------------------------------------------------------------------
# content_calendar
# --------------------------------------------------------------------------------------------


@pytest.fixture
def slots() -> pd.DataFrame:
    return best_slots(engagement_by_slot(_posts(), "Europe/Berlin"), n=5)


def test_content_calendar_dates_platforms_topics(
    questions_frame: pd.DataFrame, slots: pd.DataFrame
) -> None:
    faq = top_questions(questions_frame, exclude_terms=["acme air"]).head(4)
    plan = content_calendar(faq, slots, date(2026, 6, 1), weeks=2)  # a Monday
    assert list(plan.columns) == [
        "date", "time", "platform", "topic", "lang", "format", "rationale",
    ]  # fmt: skip
    # post k: week 0 = Tue 11 (k0), Wed 15 (k1), Mon 09 (k2); week 1 = k3, k4, k5
    # topics: change seat, wifi, baggage allowance, gepäck, then again change seat
    expected = [
        (date(2026, 6, 1), "09:00", "instagram", "baggage allowance"),
        (date(2026, 6, 2), "11:00", "twitter", "change seat"),
        (date(2026, 6, 3), "15:00", "facebook", "wifi"),
        (date(2026, 6, 8), "09:00", "instagram", "wifi"),
        (date(2026, 6, 9), "11:00", "twitter", "gepäck"),
        (date(2026, 6, 10), "15:00", "facebook", "change seat"),
    ]
    assert list(plan[["date", "time", "platform", "topic"]].itertuples(index=False)) == expected
    assert [d.weekday() for d in plan["date"]] == [0, 1, 2, 0, 1, 2]
    assert (plan["format"] == "faq-post").all()
    assert plan.loc[4, "lang"] == "de"
    assert plan.loc[1, "rationale"] == (
        "Asked 3 times in the period; Tue 11:00 has the highest mean engagement (25.0)."
    )
    assert plan.loc[2, "rationale"] == (
        "Asked 3 times in the period; Wed 15:00 has the 2nd-highest mean engagement (7.0)."
    )
    assert plan.loc[0, "rationale"] == (
        "Asked 2 times in the period; Mon 09:00 has the 3rd-highest mean engagement (1.0)."
    )


def test_content_calendar_mid_week_start_and_limits(slots: pd.DataFrame) -> None:
    faq = pd.DataFrame({"topic": ["refund"], "lang": ["en"], "questions": [1]})
    plan = content_calendar(faq, slots, date(2026, 6, 3), weeks=1, platforms=["x"])  # Wed
    assert plan["date"].tolist() == [date(2026, 6, 3), date(2026, 6, 8), date(2026, 6, 9)]
    assert plan["rationale"].iloc[0].startswith("Asked 1 time in the period; Wed 15:00")
    one = content_calendar(faq, slots, date(2026, 6, 1), weeks=3, posts_per_week=1)
    assert one["date"].tolist() == [date(2026, 6, 2), date(2026, 6, 9), date(2026, 6, 16)]
    assert content_calendar(faq.iloc[0:0], slots, date(2026, 6, 1)).empty
    with pytest.raises(ValueError, match="platforms"):
        content_calendar(faq, slots, date(2026, 6, 1), platforms=[])
