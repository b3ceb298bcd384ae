"""Step 4 correctness: shifts, holidays, DST, next responses, resolution, breakdowns.

Every expected value is computed by hand in the comment next to it. Berlin is UTC+1 in winter
(CET) and UTC+2 in summer (CEST); DST ends 2025-10-26 and 2026-10-25 at 03:00 CEST.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.conversations import (
    TURN_COLUMNS,
    BusinessCalendar,
    brand_conversations,
    brand_threads,
    build_conversations,
    clock_conversations,
    next_response_clocks,
    response_turns,
    sla_clocks,
    summarize_sla,
)
from socialcrm_utils.playbook import BusinessHours, FileSource, Playbook, Sla
from socialcrm_utils.sources import read_file_source

from .conftest import SHARED_DATA
from .sla_helpers import BERLIN, HOUR, WEEKDAYS, berlin, due, make_mentions, seconds, utc

HANDLES = ["@AcmeAir", "acmehelp"]


# ---------------------------------------------------------------------------------------------
# Business time: split shifts, per-day schedules, holidays by subdivision, DST


@pytest.fixture(scope="module")
def split() -> BusinessCalendar:
    """Mon-Fri 08:00-12:00 and 13:00-17:00 Berlin (a lunch break)."""
    return BusinessCalendar(
        BERLIN, WEEKDAYS, shifts=[(dt.time(13), dt.time(17)), (dt.time(8), dt.time(12))]
    )


def test_split_shift_skips_the_lunch_break(split):
    # 11:30 + 1h: 30 min before lunch, 30 min after -> 13:30.
    assert due(split, berlin("2026-01-19 11:30"), HOUR) == berlin("2026-01-19 13:30")
    # In the break the clock waits for 13:00.
    assert due(split, berlin("2026-01-19 12:30"), HOUR) == berlin("2026-01-19 14:00")
    # 16:30 + 1h: 30 min today, 30 min from Tuesday 08:00.
    assert due(split, berlin("2026-01-19 16:30"), HOUR) == berlin("2026-01-20 08:30")
    # 11:30 -> 14:00 is 30 min + 60 min of business time.
    assert seconds(split, berlin("2026-01-19 11:30"), berlin("2026-01-19 14:00")) == 1.5 * HOUR


def test_schedule_per_weekday_with_a_saturday_shift():
    hours = BusinessHours.model_validate(
        {"schedule": {"mon": ["08:00-18:00"], "sat": ["10:00-14:00"]}}
    )
    calendar = BusinessCalendar.from_playbook(hours, BERLIN)
    # Friday is closed: 17:00 Friday + 2h -> Saturday 10:00 + 2h = 12:00.
    assert due(calendar, berlin("2026-01-23 17:00"), 2 * HOUR) == berlin("2026-01-24 12:00")
    # Saturday 13:00 + 2h: 1h Saturday, then Monday 08:00 + 1h = 09:00.
    assert due(calendar, berlin("2026-01-24 13:00"), 2 * HOUR) == berlin("2026-01-26 09:00")
    assert hours.describe() == "mon 08:00-18:00; sat 10:00-14:00"


def test_german_unity_day_and_a_state_holiday():
    office = BusinessCalendar(BERLIN, WEEKDAYS, dt.time(9), dt.time(17), holidays_country="DE")
    # Fri 2025-10-03 is German Unity Day: a post at 10:00 starts Monday 2025-10-06 09:00.
    assert due(office, berlin("2025-10-03 10:00"), HOUR) == berlin("2025-10-06 10:00")
    # Thu 16:30 + 1h: 30 min Thursday, the holiday and the weekend closed, Monday 09:30.
    assert due(office, berlin("2025-10-02 16:30"), HOUR) == berlin("2025-10-06 09:30")
    # Reformation Day (Fri 2025-10-31) is a holiday in Brandenburg, not in Berlin.
    brandenburg = BusinessCalendar(
        BERLIN, WEEKDAYS, dt.time(9), dt.time(17), holidays_country="DE", holidays_subdivision="BB"
    )
    berlin_state = BusinessCalendar(
        BERLIN, WEEKDAYS, dt.time(9), dt.time(17), holidays_country="DE", holidays_subdivision="BE"
    )
    assert due(brandenburg, berlin("2025-10-31 10:00"), HOUR) == berlin("2025-11-03 10:00")
    assert due(berlin_state, berlin("2025-10-31 10:00"), HOUR) == berlin("2025-10-31 11:00")


def test_office_hours_across_the_end_of_dst():
    office = BusinessCalendar(BERLIN, WEEKDAYS, dt.time(9), dt.time(17))
    # Fri 2026-10-23 16:30 CEST (14:30 UTC) + 1h -> Mon 2026-10-26 09:30 CET (08:30 UTC).
    friday, monday = berlin("2026-10-23 16:30"), berlin("2026-10-26 09:30")
    assert due(office, friday, HOUR) == monday
    assert monday.tz_convert("UTC") == utc("2026-10-26 08:30")
    # Calendar time is 66h (65h on the wall clock plus the repeated hour), business time 1h.
    assert (monday - friday) / pd.Timedelta(hours=1) == 66
    assert seconds(office, friday, monday) == HOUR


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ({"shifts": ["08:00-12:00", "11:00-14:00"]}, "overlap on mon"),
        ({"schedule": {"sat": ["10:00-14:00", "13:30-15:00"]}}, "overlap on sat"),
        ({"shifts": ["12:00-08:00"]}, "end 08:00 must be after start 12:00"),
        ({"shifts": ["22:00-06:00"]}, "a night shift is two shifts"),
        ({"schedule": {"mon": ["08:00-12:00"]}, "days": ["mon"]}, "cannot be combined with days"),
        ({"shifts": ["08:00-12:00"], "start": "09:00"}, "cannot be combined with start"),
        ({"shifts": ["8 to 12"]}, "is not a shift"),
        ({"schedule": {"mon": []}}, "schedule has no open day"),
    ],
)
def test_bad_schedules_are_one_line_errors(hours, message):
    with pytest.raises(ValueError, match=message):
        BusinessHours.model_validate(hours)


def test_calendar_rejects_overlapping_windows():
    with pytest.raises(ValueError, match="windows of mon overlap at 11:00"):
        BusinessCalendar(
            BERLIN, ["mon"], shifts=[(dt.time(8), dt.time(12)), (dt.time(11), dt.time(14))]
        )


# ---------------------------------------------------------------------------------------------
# Conversations: turns, next responses, resolution, two handles, replies before the post

SLA = {
    "policies": [
        {"intent": "complaint", "first_response": "1h", "next_response": "30m", "resolution": "4h"}
    ]
}


def story() -> pd.DataFrame:
    """Three complaints on Mon 2026-01-19 (times in UTC)."""
    return make_mentions(
        # c1: ann 10:00; @AcmeHelp 10:20 (first response, met: due 11:00); ann follows up 10:30
        # and 10:40 (one turn from 10:30, due 11:00); @AcmeAir 11:10 (40 min: breached by 10);
        # ann 11:20 (due 11:50); AcmeHelp 11:30 (10 min: met). The brand has the last word at
        # 11:30: resolved after 1.5h, due 14:00: met. Two handles answered.
        {"mention_id": "c1", "author_id": "ann", "created_at": "2026-01-19 10:00"},
        {
            "mention_id": "c1-r1",
            "author_id": "AcmeHelp",
            "in_reply_to_id": "c1",
            "created_at": "2026-01-19 10:20",
        },
        {
            "mention_id": "c1-f1",
            "author_id": "ann",
            "in_reply_to_id": "c1-r1",
            "created_at": "2026-01-19 10:30",
        },
        {
            "mention_id": "c1-f2",
            "author_id": "ann",
            "in_reply_to_id": "c1-f1",
            "created_at": "2026-01-19 10:40",
        },
        {
            "mention_id": "c1-r2",
            "author_id": "@acmeair",
            "in_reply_to_id": "c1-f2",
            "created_at": "2026-01-19 11:10",
        },
        {
            "mention_id": "c1-f3",
            "author_id": "ann",
            "in_reply_to_id": "c1-r2",
            "created_at": "2026-01-19 11:20",
        },
        {
            "mention_id": "c1-r3",
            "author_id": "AcmeHelp",
            "in_reply_to_id": "c1-f3",
            "created_at": "2026-01-19 11:30",
        },
        # c2: bob 09:00; a brand reply linked to it but stamped 08:50 (before the post: clock
        # skew) is no response. Never answered: first response due 10:00, resolution 13:00.
        {"mention_id": "c2", "author_id": "bob", "created_at": "2026-01-19 09:00"},
        {
            "mention_id": "c2-r",
            "author_id": "AcmeAir",
            "in_reply_to_id": "c2",
            "created_at": "2026-01-19 08:50",
        },
        # c3: cy 12:00; AcmeAir 12:30 (met); cy follows up 12:45, unanswered: due 13:15. The
        # customer has the last word: not resolved, resolution due 16:00.
        {"mention_id": "c3", "author_id": "cy", "created_at": "2026-01-19 12:00"},
        {
            "mention_id": "c3-r",
            "author_id": "AcmeAir",
            "in_reply_to_id": "c3",
            "created_at": "2026-01-19 12:30",
        },
        {
            "mention_id": "c3-f",
            "author_id": "cy",
            "in_reply_to_id": "c3-r",
            "created_at": "2026-01-19 12:45",
        },
        intent=[
            "complaint",
            None,
            None,
            None,
            None,
            None,
            None,
            "complaint",
            None,
            "complaint",
            None,
            None,
        ],
    )


AS_OF = utc("2026-01-19 13:00")


@pytest.fixture(scope="module")
def clocks() -> pd.DataFrame:
    mentions = story()
    conversations = build_conversations(mentions, HANDLES)
    turns = response_turns(mentions, HANDLES)
    return sla_clocks(
        conversations, Sla.model_validate(SLA), BERLIN, as_of=AS_OF, turns=turns
    ).set_index("conversation_id")


def test_response_turns():
    turns = response_turns(story(), HANDLES)
    assert list(turns.columns) == list(TURN_COLUMNS)
    assert turns[["conversation_id", "turn", "mention_id"]].values.tolist() == [
        ["c1", 0, "c1"],
        ["c1", 1, "c1-f1"],
        ["c1", 2, "c1-f3"],
        ["c2", 0, "c2"],
        ["c3", 0, "c3"],
        ["c3", 1, "c3-f"],
    ]
    assert turns["responder"].tolist() == [
        "AcmeHelp",
        "@acmeair",
        "AcmeHelp",
        pd.NA,
        "AcmeAir",
        pd.NA,
    ]
    assert turns["responded_at"].tolist()[:3] == [
        utc("2026-01-19 10:20"),
        utc("2026-01-19 11:10"),
        utc("2026-01-19 11:30"),
    ]


def test_first_response_reply_before_the_post_and_never_answered(clocks):
    assert clocks.loc["c1", "first_response_h"] == pytest.approx(20 / 60)
    assert (clocks.loc["c1", "status"], clocks.loc["c1", "responder"]) == ("met", "AcmeHelp")
    assert clocks.loc["c1", "n_responders"] == 2  # AcmeHelp and AcmeAir
    # c2: the earlier brand post is ignored; overdue since 10:00 -> 3h late at 13:00.
    assert pd.isna(clocks.loc["c2", "first_response_at"])
    assert clocks.loc["c2", "status"] == "open_breached"
    assert clocks.loc["c2", "time_to_breach_h"] == pytest.approx(-3.0)
    # The same conversation judged at 09:30 is open (30 min left), not a breach.
    early = sla_clocks(
        build_conversations(story(), HANDLES),
        Sla.model_validate(SLA),
        BERLIN,
        as_of=utc("2026-01-19 09:30"),
    ).set_index("conversation_id")
    assert early.loc["c2", "status"] == "open"


def test_next_responses(clocks):
    c1, c3 = clocks.loc["c1"], clocks.loc["c3"]
    assert (
        c1["next_responses"],
        c1["next_responses_answered"],
        c1["next_responses_met"],
        c1["next_response_breaches"],
    ) == (2, 2, 1, 1)
    assert c1["max_next_response_h"] == pytest.approx(40 / 60)
    assert (c3["next_responses"], c3["next_responses_answered"], c3["next_response_breaches"]) == (
        1,
        0,
        0,
    )  # due 13:15, judged at 13:00: still open
    assert clocks.loc["c2", "next_responses"] == 0

    mentions = story()
    follow_ups = next_response_clocks(
        response_turns(mentions, HANDLES),
        clocks.reset_index(),
        Sla.model_validate(SLA),
        BERLIN,
        as_of=AS_OF,
    )
    table = follow_ups.set_index("mention_id")
    assert table["status"].to_dict() == {"c1-f1": "breached", "c1-f3": "met", "c3-f": "open"}
    assert table.loc["c1-f1", "due_at"] == utc("2026-01-19 11:00")
    assert table.loc["c1-f1", "time_to_breach_h"] == pytest.approx(-10 / 60)
    assert table.loc["c3-f", "time_to_breach_h"] == pytest.approx(0.25)


def test_resolution(clocks):
    assert clocks.loc["c1", "resolved_at"] == utc("2026-01-19 11:30")
    assert (clocks.loc["c1", "resolution_h"], clocks.loc["c1", "resolution_status"]) == (1.5, "met")
    assert pd.isna(clocks.loc["c3", "resolved_at"])  # the customer had the last word
    assert clocks.loc["c3", "resolution_status"] == "open"  # due 16:00
    assert clocks.loc["c2", "resolution_status"] == "open_breached"  # due 13:00 = as_of


def test_breakdown_columns_are_local(clocks):
    # 10:00 UTC = 11:00 Berlin on Monday of ISO week 4.
    assert (
        clocks.loc["c1", "week"],
        clocks.loc["c1", "weekday"],
        clocks.loc["c1", "local_hour"],
    ) == ("2026-W04", "mon", 11)
    late = make_mentions({"mention_id": "s", "author_id": "x", "created_at": "2026-01-25 23:30"})
    row = sla_clocks(build_conversations(late), Sla.model_validate(SLA), BERLIN).iloc[0]
    # Sunday 23:30 UTC is Monday 00:30 in Berlin: week 5 there.
    assert (row["week"], row["weekday"], row["local_hour"]) == ("2026-W05", "mon", 0)


def test_summaries_over_all_clocks(clocks):
    total = summarize_sla(clocks, by=None).iloc[0]
    assert (total["conversations"], total["answered"]) == (3, 2)
    # First responses 20 and 30 min: median 25 min. Met c1, c3; c2 overdue -> 2 / 3.
    assert total["median_first_response_h"] == pytest.approx(25 / 60)
    assert total["attainment"] == pytest.approx(2 / 3)
    # Resolution: c1 met, c2 breached, c3 open (left out) -> 1 / 2.
    assert (total["resolved"], total["median_resolution_h"]) == (1, 1.5)
    assert total["resolution_attainment"] == pytest.approx(0.5)
    # Next responses: 3 follow-ups, 1 met, 1 breached, 1 open -> 1 / 2.
    assert (total["next_responses"], total["next_response_breaches"]) == (3, 1)
    assert total["next_response_attainment"] == pytest.approx(0.5)

    by_handle = summarize_sla(clocks.reset_index(), by="responder").set_index("responder")
    assert by_handle.loc["AcmeHelp", "conversations"] == 1
    assert by_handle.loc["AcmeAir", "median_first_response_h"] == pytest.approx(0.5)
    by_week = summarize_sla(clocks.reset_index(), by="week")
    assert by_week["week"].tolist() == ["2026-W04"]


def test_business_time_next_response_and_resolution():
    # Mon-Fri 09-17 Berlin. dee asks Fri 2026-01-16 16:00 Berlin; AcmeAir answers 16:30; dee
    # follows up Mon 08:00 (before opening), next-response target 1 business hour -> due Mon
    # 10:00; AcmeAir answers 09:45 -> met: 1.75h on the clock, 0.75h of business time.
    # Resolution target 2 business hours from Fri 16:00: 1h Friday + 1h Monday -> due Mon
    # 10:00; resolved at 09:45 -> met after 65.75 calendar hours, 1.75 business hours.
    mentions = make_mentions(
        {"mention_id": "d", "author_id": "dee", "created_at": "2026-01-16 15:00"},
        {
            "mention_id": "d-r",
            "author_id": "AcmeAir",
            "in_reply_to_id": "d",
            "created_at": "2026-01-16 15:30",
        },
        {
            "mention_id": "d-f",
            "author_id": "dee",
            "in_reply_to_id": "d-r",
            "created_at": "2026-01-19 07:00",
        },
        {
            "mention_id": "d-r2",
            "author_id": "AcmeAir",
            "in_reply_to_id": "d-f",
            "created_at": "2026-01-19 08:45",
        },
    )
    sla = Sla.model_validate(
        {
            "business_hours": {"days": WEEKDAYS, "start": "09:00", "end": "17:00"},
            "policies": [
                {
                    "first_response": "1h",
                    "next_response": "1h",
                    "resolution": "2h",
                    "business_hours": True,
                }
            ],
        }
    )
    conversations = build_conversations(mentions, HANDLES)
    turns = response_turns(mentions, HANDLES)
    row = sla_clocks(conversations, sla, BERLIN, turns=turns).iloc[0]
    assert row["resolution_due_at"] == berlin("2026-01-19 10:00")
    assert row["resolution_status"] == "met"
    assert row["resolution_h"] == pytest.approx(65.75)
    assert row["resolution_business_h"] == pytest.approx(1.75)
    follow_up = next_response_clocks(
        turns, sla_clocks(conversations, sla, BERLIN), sla, BERLIN
    ).iloc[0]
    assert follow_up["due_at"] == berlin("2026-01-19 10:00")
    assert (follow_up["status"], follow_up["response_h"], follow_up["response_business_h"]) == (
        "met",
        1.75,
        0.75,
    )


def test_policies_match_on_priority_and_lists():
    sla = Sla.model_validate(
        {
            "policies": [
                {"name": "VIP", "priority": "high", "first_response": "15m"},
                {
                    "intent": ["complaint", "question"],
                    "platform": ["twitter", "Facebook"],
                    "first_response": "1h",
                },
                {"first_response": "8h"},
            ]
        }
    )
    conversations = pd.DataFrame(
        {
            "conversation_id": ["a", "b", "c", "d"],
            "intent": ["praise", "question", "question", "complaint"],
            "priority": ["high", "normal", "normal", "low"],
            "platform": ["twitter", "facebook", "mastodon", "twitter"],
            "first_customer_at": pd.to_datetime(["2026-01-19 10:00"] * 4, utc=True),
            "first_response_at": pd.to_datetime([None] * 4, utc=True),
        }
    )
    clocks = sla_clocks(conversations, sla, BERLIN, as_of=utc("2026-01-19 10:00"))
    assert clocks["policy"].tolist() == [
        "VIP",
        "complaint|question/twitter|Facebook",
        "any intent/any platform",
        "complaint|question/twitter|Facebook",
    ]
    assert clocks["target_h"].tolist() == [0.25, 1.0, 8.0, 1.0]


# ---------------------------------------------------------------------------------------------
# Real data: per-brand median first response on twcs against a plain computation

TWCS = SHARED_DATA / "twcs" / "twcs_subset.csv"


def _plain_medians(path) -> dict[str, float]:
    """Per brand, the median hours from a thread's first customer tweet to the first later
    brand tweet, written with dicts and loops only (no suite code)."""
    tweets = {}
    with open(path, encoding="utf-8", newline="") as handle:  # keep raw CRs inside tweets
        text = handle.read().replace("\r", " ")
    for row in csv.DictReader(io.StringIO(text)):
        parent = row["in_response_to_tweet_id"].removesuffix(".0") or None
        when = dt.datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
        tweets[row["tweet_id"]] = (parent, when, row["inbound"] == "True", row["author_id"])

    def root(tweet_id):
        seen = set()
        while True:
            parent = tweets[tweet_id][0]
            if parent is None or tweet_id in seen:
                return tweet_id
            if parent not in tweets:
                return parent  # a reply to a tweet outside the file: named after it
            seen.add(tweet_id)
            tweet_id = parent

    threads = defaultdict(list)
    for tweet_id, (_, when, inbound, author) in tweets.items():
        threads[root(tweet_id)].append((when, inbound, author))
    hours = defaultdict(list)
    for posts in threads.values():
        customer = [when for when, inbound, _ in posts if inbound]
        if not customer:
            continue
        first = min(customer)
        replies = sorted(
            (when, author) for when, inbound, author in posts if not inbound and when > first
        )
        if replies:
            hours[replies[0][1]].append((replies[0][0] - first).total_seconds() / 3600)
    return {brand: statistics.median(values) for brand, values in hours.items()}


@pytest.mark.realdata
@pytest.mark.skipif(not TWCS.is_file(), reason=f"{TWCS} not found (real data is optional)")
def test_twcs_median_first_response_per_brand_matches_a_plain_computation():
    source = FileSource.model_validate({"kind": "file", "path": str(TWCS), "preset": "twcs"})
    mentions = read_file_source(source, timezone="UTC").mentions
    conversations = build_conversations(mentions)
    clocks = sla_clocks(
        conversations,
        Sla.model_validate({"policies": [{"first_response": "1h"}]}),
        "America/New_York",
    )
    ours = summarize_sla(clocks, by="responder").dropna(subset=["responder"])
    ours = dict(zip(ours["responder"], ours["median_first_response_h"], strict=True))
    plain = _plain_medians(TWCS)
    assert len(plain) > 50
    assert ours.keys() == plain.keys()
    np.testing.assert_allclose(
        [ours[b] for b in sorted(plain)], [plain[b] for b in sorted(plain)], rtol=0, atol=1e-9
    )


# ---------------------------------------------------------------------------------------------
# clock_conversations reads the threads in place (row positions, shared id codes)


def _tricky_threads() -> pd.DataFrame:
    """Threads that exercise every branch of the conversation codes (times in UTC)."""
    rows = [
        # mention_id, in_reply_to_id, conversation_id, author, is_brand, brand?, rival, time
        ("0", None, None, "zed", False, False, "Globex", "2026-01-05 07:00"),  # rival only
        ("1", None, None, "ann", False, True, None, "2026-01-05 10:00"),
        ("2", "1", None, "@AcmeAir", False, False, None, "2026-01-05 10:30"),
        ("3", "2", None, "ann", False, False, None, "2026-01-05 11:00"),
        ("4", "3", None, "AcmeHelp", False, False, None, "2026-01-05 12:00"),
        ("10", None, None, "bob", False, False, "Globex", "2026-01-05 09:00"),  # rival only
        ("11", "10", None, "bob", False, False, "Globex", "2026-01-05 09:10"),
        ("20", None, "conv-c", "cat", False, True, None, "2026-01-05 08:00"),
        ("21", None, "conv-c", None, True, False, None, "2026-01-05 09:00"),  # brand, no author
        ("30", "99", None, "dan", False, False, None, "2026-01-05 13:00"),  # parent missing
        ("40", None, None, "eve", False, False, None, "2026-01-05 14:00"),
        ("40", None, "dup", "fay", False, False, None, "2026-01-05 14:05"),  # duplicate id
        ("41", "40", None, "@acmeair", False, False, None, "2026-01-05 14:30"),
        ("51", "50", None, "gus", False, False, None, "2026-01-05 15:00"),  # a reply cycle
        ("50", "51", None, "gus", False, False, None, "2026-01-05 15:05"),
        ("60", None, None, "hal", False, False, None, "2026-01-05 10:00"),  # ties with "1"
        ("70", None, None, "ivy", False, False, None, None),  # no time
    ]
    columns = ["mention_id", "in_reply_to_id", "conversation_id", "author_id", "is_brand"]
    frame = pd.DataFrame(
        [row[:5] for row in rows], columns=columns, index=np.arange(100, 100 + len(rows))
    )
    frame["mentions_brand"] = [row[5] for row in rows]
    frame["competitor"] = [row[6] for row in rows]
    frame["created_at"] = pd.to_datetime([row[7] for row in rows], utc=True)
    frame["platform"] = "twitter"
    frame["url"] = "https://example.org/" + frame["mention_id"].str.strip()
    frame["intent"] = [("complaint", "question")[i % 2] for i in range(len(rows))]
    frame["priority"] = "normal"
    return frame


def _tricky_playbook() -> Playbook:
    return Playbook.model_validate(
        {
            "client": "acme-air",
            "name": "ACME Air",
            "brand": {"handles": ["@AcmeAir", "acmehelp"]},
            "sources": [{"kind": "rss", "url": "https://feeds.example/a.rss"}],
            "sla": {
                "business_hours": {"start": "08:00", "end": "20:00"},
                "policies": [
                    {"intent": "complaint", "first_response": "1h", "next_response": "30m"},
                    {"first_response": "4h", "next_response": "2h", "business_hours": True},
                ],
            },
        }
    )


@pytest.mark.parametrize("dtype", [object, "string", "str"])
def test_clock_conversations_equals_the_chain_of_public_steps(dtype):
    mentions = _tricky_threads()
    for column in ("mention_id", "in_reply_to_id", "conversation_id", "author_id", "url"):
        mentions[column] = mentions[column].astype(dtype)
    playbook = _tricky_playbook()
    as_of = utc("2026-01-05 18:00")
    clocks = clock_conversations(mentions, playbook, as_of)

    threads = brand_threads(mentions)
    conversations = build_conversations(threads, playbook.brand.handles)
    turns = response_turns(threads, playbook.brand.handles)
    chain = sla_clocks(conversations, playbook.sla, playbook.timezone, as_of, turns=turns)
    pd.testing.assert_frame_equal(clocks, chain, check_exact=True)
    # Notebook 04's one call gives the two tables of the chain, the threads read in place;
    # rows without a conversation make it decide on a copy, as brand_threads does.
    in_place = brand_conversations(mentions, playbook.brand.handles)
    pd.testing.assert_frame_equal(in_place[0], conversations, check_exact=True)
    pd.testing.assert_frame_equal(in_place[1], turns, check_exact=True)
    copied = brand_conversations(mentions.drop(columns=["conversation_id"]), playbook.brand.handles)
    threads = brand_threads(mentions.drop(columns=["conversation_id"]))
    pd.testing.assert_frame_equal(copied[0], build_conversations(threads, playbook.brand.handles))
    pd.testing.assert_frame_equal(copied[1], response_turns(threads, playbook.brand.handles))

    # Rival-only threads are left out; "1" and "60" tie at 10:00 and sort by id; no time last.
    order = ["conv-c", "1", "60", "99", "40", "dup", "50", "70"]
    assert clocks["conversation_id"].tolist() == order
    by_id = clocks.set_index("conversation_id")
    # Two handles answered "1" (spelt @AcmeAir and AcmeHelp); one follow-up, answered at 12:00.
    assert by_id.loc["1", "n_responders"] == 2
    assert by_id.loc["1", "next_responses"] == 1
    assert by_id.loc["1", "max_next_response_h"] == 1.0
    # A brand post without an author still answers, as one (unknown) responder.
    assert by_id.loc["conv-c", "n_responders"] == 1
    assert pd.isna(by_id.loc["conv-c", "responder"])
    # The duplicate "40" with its own conversation id stays apart; the reply joins the first.
    assert by_id.loc["40", "n_brand_posts"] == 1
    assert by_id.loc["dup", "n_brand_posts"] == 0
    # The cycle is named after its smallest id and rooted at its earliest post.
    assert by_id.loc["50", ["root_mention_id", "n_customer_posts"]].tolist() == ["51", 2]
    # 13:00 UTC + 4 business hours (Berlin 08-20) = 17:00 UTC, still open at 18:00.
    assert by_id.loc["99", "status"] == "open_breached"
    assert by_id.loc["dup", "status"] == "open"  # 14:05 + 4h = 18:05, after as_of
    assert pd.isna(by_id.loc["70", "status"])  # no time, no clock
