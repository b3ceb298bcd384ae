"""Step 4 measurement core: business time, conversations, SLA clocks and summaries.

Every expected value is computed by hand in the comment next to it. Berlin is UTC+1 in winter
(CET) and UTC+2 in summer (CEST); DST starts 2026-03-29 02:00 CET and ends 2026-10-25 03:00 CEST.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.conversations import (
    CLOCK_COLUMNS,
    CONVERSATION_COLUMNS,
    BusinessCalendar,
    assign_conversations,
    build_conversations,
    match_policies,
    sla_clocks,
    summarize_sla,
)
from socialcrm_utils.playbook import BusinessHours, Sla

from .sla_helpers import ALL_DAYS, BERLIN, HOUR, WEEKDAYS, berlin, due, make_mentions, seconds, utc


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 Berlin with German public holidays."""
    return BusinessCalendar(BERLIN, WEEKDAYS, dt.time(9), dt.time(17), holidays_country="DE")


# ---------------------------------------------------------------------------------------------
# BusinessCalendar


def test_friday_evening_post_is_due_monday_morning(office):
    # Fri 2026-01-16 16:45: 15 min until 17:00, weekend closed, 45 min from Mon 09:00 -> 09:45.
    friday = berlin("2026-01-16 16:45")
    assert due(office, friday, HOUR) == berlin("2026-01-19 09:45")
    assert seconds(office, friday, berlin("2026-01-19 09:45")) == HOUR


def test_weekend_post_starts_at_monday_opening(office):
    # Sat 12:00 is closed: the clock starts Mon 09:00, so 1h is due Mon 10:00; zero seconds
    # after a closed instant is the next opening.
    saturday = berlin("2026-01-17 12:00")
    assert due(office, saturday, HOUR) == berlin("2026-01-19 10:00")
    assert due(office, saturday, 0) == berlin("2026-01-19 09:00")
    # Sat 12:00 -> Mon 10:00 holds one business hour (Mon 09:00-10:00).
    assert seconds(office, saturday, berlin("2026-01-19 10:00")) == HOUR


def test_public_holiday_starts_clock_at_next_opening(office):
    # Fri 2025-10-03 is German Unity Day: closed; then the weekend; Mon 09:00 + 1h = 10:00.
    unity_day = berlin("2025-10-03 10:00")
    assert due(office, unity_day, HOUR) == berlin("2025-10-06 10:00")
    # Without holidays the same post is due the same day at 11:00.
    plain = BusinessCalendar(BERLIN, WEEKDAYS, dt.time(9), dt.time(17))
    assert due(plain, unity_day, HOUR) == berlin("2025-10-03 11:00")


def test_christmas(office):
    # Wed 2025-12-24 16:30 + 2h: 30 min on Wednesday (24 Dec is a working day in DE), Thu 25
    # and Fri 26 are public holidays, then the weekend: 1.5h from Mon 29 09:00 -> 10:30.
    assert due(office, berlin("2025-12-24 16:30"), 2 * HOUR) == berlin("2025-12-29 10:30")


def test_clock_extends_into_the_next_year(office):
    # Thu 2026-12-31 16:00 + 8h: 1h until 17:00, Fri 2027-01-01 is New Year's Day, weekend,
    # 7h from Mon 2027-01-04 09:00 -> 16:00 (the calendar is built lazily for 2027).
    assert due(office, berlin("2026-12-31 16:00"), 8 * HOUR) == berlin("2027-01-04 16:00")


def test_start_after_the_last_opening_of_a_year(office):
    # Thu 2026-12-31 18:00 is after closing; Jan 1 is a holiday, then the weekend: the clock
    # starts Mon 2027-01-04 09:00, even for a zero target.
    assert due(office, berlin("2026-12-31 18:00"), 0) == berlin("2027-01-04 09:00")


def test_post_exactly_at_opening_and_closing(office):
    # At 09:00 the clock runs at once: 1h -> 10:00.
    assert due(office, berlin("2026-01-19 09:00"), HOUR) == berlin("2026-01-19 10:00")
    # A target that ends exactly at closing is due at 17:00, not at the next opening.
    assert due(office, berlin("2026-01-16 16:00"), HOUR) == berlin("2026-01-16 17:00")
    # A post at 17:00 exactly is after hours: Mon 09:00 + 1h.
    assert due(office, berlin("2026-01-16 17:00"), HOUR) == berlin("2026-01-19 10:00")


def test_closed_date_is_skipped():
    # Wed 2026-01-14 is a company holiday: a post at 11:00 starts Thu 09:00, + 1h -> 10:00.
    calendar = BusinessCalendar(
        BERLIN, WEEKDAYS, dt.time(9), dt.time(17), closed_dates=[dt.date(2026, 1, 14)]
    )
    assert due(calendar, berlin("2026-01-14 11:00"), HOUR) == berlin("2026-01-15 10:00")
    # Tue 16:00 -> Thu 10:00: 1h Tuesday + 0h Wednesday + 1h Thursday.
    assert seconds(calendar, berlin("2026-01-13 16:00"), berlin("2026-01-15 10:00")) == 2 * HOUR


def test_dst_start_and_end_in_a_night_window():
    # Every day 00:00-06:00 local. On 2026-03-29 02:00-03:00 does not exist: the window is
    # 00:00 CET (23:00 UTC) to 06:00 CEST (04:00 UTC) = 5h. On 2026-10-25 02:00-03:00 happens
    # twice: 00:00 CEST (22:00 UTC) to 06:00 CET (05:00 UTC) = 7h. An ordinary night is 6h.
    night = BusinessCalendar(BERLIN, ALL_DAYS, dt.time(0), dt.time(6))
    day = [berlin("2026-03-28 00:00"), berlin("2026-03-29 00:00"), berlin("2026-10-25 00:00")]
    noon = [berlin("2026-03-28 12:00"), berlin("2026-03-29 12:00"), berlin("2026-10-25 12:00")]
    np.testing.assert_array_equal(night.business_seconds(day, noon), [6 * HOUR, 5 * HOUR, 7 * HOUR])
    # 01:00 CET (00:00 UTC) + 3 business hours = 03:00 UTC = 05:00 CEST: 4h on the wall clock.
    assert due(night, berlin("2026-03-29 01:00"), 3 * HOUR) == berlin("2026-03-29 05:00")
    # 01:00 CEST (2026-10-24 23:00 UTC) + 3h = 02:00 UTC = 03:00 CET: 2h on the wall clock.
    assert due(night, berlin("2026-10-25 01:00"), 3 * HOUR) == berlin("2026-10-25 03:00")


def test_dst_days_last_23_and_25_hours_when_open_until_midnight():
    # end = time.max is 24:00: an always-open calendar counts real elapsed time.
    always = BusinessCalendar(BERLIN, ALL_DAYS, dt.time(0), dt.time.max)
    starts = [berlin("2026-03-29 00:00"), berlin("2026-10-25 00:00")]
    ends = [berlin("2026-03-30 00:00"), berlin("2026-10-26 00:00")]
    np.testing.assert_array_equal(always.business_seconds(starts, ends), [23 * HOUR, 25 * HOUR])


def test_weekday_schedule_across_dst_switch(office):
    # Fri 2026-03-27 16:30 CET (15:30 UTC): 30 min Friday, 30 min Monday 2026-03-30 from
    # 09:00 CEST, i.e. 07:30 UTC: the opening moved one hour earlier in UTC.
    result = office.add_business_time([berlin("2026-03-27 16:30")], HOUR)
    assert result[0] == utc("2026-03-30 07:30")


def test_business_seconds_nat_and_negative(office):
    # NaT on either side -> NaN; end before start -> minus the open time between them.
    starts = pd.Series([berlin("2026-01-19 10:00"), pd.NaT, berlin("2026-01-19 10:00")])
    ends = pd.Series([berlin("2026-01-19 09:30"), berlin("2026-01-19 10:00"), pd.NaT])
    result = office.business_seconds(starts, ends)
    assert result[0] == -1800.0
    assert np.isnan(result[1:]).all()


def test_add_business_time_keeps_series_index_and_nat(office):
    start = pd.Series([berlin("2026-01-19 09:00"), pd.NaT], index=[10, 20])
    result = office.add_business_time(start, [HOUR, HOUR])
    assert list(result.index) == [10, 20]
    assert result[10] == utc("2026-01-19 09:00")  # 10:00 Berlin
    assert pd.isna(result[20])
    with pytest.raises(ValueError, match="negative"):
        office.add_business_time(start, -1)


def test_from_playbook():
    hours = BusinessHours.model_validate(
        {
            "days": ["mon"],
            "start": "08:00",
            "end": "24:00",
            "holidays": "DE-BE",
            "closed_dates": ["2026-01-19"],
        }
    )
    calendar = BusinessCalendar.from_playbook(hours, BERLIN)
    assert (calendar.holidays_country, calendar.holidays_subdivision) == ("DE", "BE")
    assert calendar.weekly == {0: ((dt.time(8), dt.time.max),)}
    # Mon 2026-01-19 is closed: a post then is due the next Monday 08:00 + 1h.
    assert due(calendar, berlin("2026-01-19 10:00"), HOUR) == berlin("2026-01-26 09:00")


# ---------------------------------------------------------------------------------------------
# Conversations


def test_assign_conversations_chain_missing_parent_cycle_and_given_id():
    frame = pd.DataFrame(
        {
            "mention_id": ["a1", "a2", "a3", "b2", "b3", "c1", "c2", "d1", "d2", "d3"],
            "in_reply_to_id": [None, "a1", "a2", "b0", "b2", "c2", "c1", None, "d1", "d2"],
            "conversation_id": [None, None, None, None, None, None, None, None, "T9", None],
        },
        index=range(100, 110),
    )
    result = assign_conversations(frame)
    assert list(result.index) == list(frame.index)
    assert result.tolist() == [
        "a1",
        "a1",
        "a1",  # three levels up to the root a1
        "b0",
        "b0",  # parent b0 is not in the frame: the conversation is named after it
        "c1",
        "c1",  # a 2-cycle terminates and is named after its smallest id
        "d1",
        "T9",
        "T9",  # a given conversation_id wins, and its replies inherit it
    ]


def test_assign_conversations_deep_chain_is_resolved():
    # 0 <- 1 <- ... <- 999, shuffled: every mention belongs to "0".
    n = 1000
    order = np.random.default_rng(1).permutation(n)
    frame = pd.DataFrame(
        {
            "mention_id": [str(i) for i in order],
            "in_reply_to_id": [str(i - 1) if i else None for i in order],
        }
    )
    assert set(assign_conversations(frame)) == {"0"}


def test_build_conversations():
    mentions = make_mentions(
        # 1: ann asks at 10:00; @AcmeAirHelp answers at 10:20, @AcmeAir at 10:30. The authors
        # are written differently from the handles: matching ignores case and "@".
        {"mention_id": "1", "author_id": "ann", "created_at": "2026-01-19 10:00"},
        {
            "mention_id": "2",
            "author_id": "ACMEAIRHELP",
            "in_reply_to_id": "1",
            "created_at": "2026-01-19 10:20",
        },
        {
            "mention_id": "3",
            "author_id": "@acmeair",
            "in_reply_to_id": "1",
            "created_at": "2026-01-19 10:30",
        },
        # 10: a brand announcement (is_brand column) at 08:00; bob comments at 09:00 and follows
        # up twice before the brand answers at 10:00.
        {
            "mention_id": "10",
            "author_id": "news",
            "is_brand": True,
            "created_at": "2026-01-19 08:00",
        },
        {
            "mention_id": "11",
            "author_id": "bob",
            "in_reply_to_id": "10",
            "created_at": "2026-01-19 09:00",
        },
        {
            "mention_id": "12",
            "author_id": "bob",
            "in_reply_to_id": "11",
            "created_at": "2026-01-19 09:10",
        },
        {
            "mention_id": "13",
            "author_id": "bob",
            "in_reply_to_id": "11",
            "created_at": "2026-01-19 09:30",
        },
        {
            "mention_id": "14",
            "author_id": "AcmeAir",
            "in_reply_to_id": "13",
            "created_at": "2026-01-19 10:00",
        },
        # T3: the brand posted at 07:00, before cy's question at 07:30: not a response.
        {
            "mention_id": "20",
            "author_id": "AcmeAir",
            "conversation_id": "T3",
            "created_at": "2026-01-19 07:00",
        },
        {
            "mention_id": "21",
            "author_id": "cy",
            "conversation_id": "T3",
            "created_at": "2026-01-19 07:30",
        },
        # 30: a lone customer post (orphan), from Mastodon.
        {
            "mention_id": "30",
            "author_id": "dee",
            "platform": "mastodon",
            "created_at": "2026-01-19 11:00",
        },
        # 40: a brand-only thread: no conversation with a customer.
        {"mention_id": "40", "author_id": "AcmeAir", "created_at": "2026-01-19 12:00"},
        intent=[
            "complaint",
            None,
            None,
            None,
            "question",
            "complaint",
            None,
            None,
            None,
            "praise",
            "lead",
            None,
        ],
    )
    before = mentions.copy()
    conv = build_conversations(mentions, handles=["@AcmeAir", "acmeairhelp"])
    pd.testing.assert_frame_equal(mentions, before)  # input untouched
    assert list(conv.columns) == list(CONVERSATION_COLUMNS)
    conv = conv.set_index("conversation_id")
    # Ordered by first customer post: T3 (07:30), 10 (09:00), 1 (10:00), 30 (11:00).
    assert list(conv.index) == ["T3", "10", "1", "30"]

    assert conv.loc["1", "responder"] == "ACMEAIRHELP"  # the first of two brand handles
    assert conv.loc["1", "first_response_at"] == utc("2026-01-19 10:20")
    assert (conv.loc["1", "n_customer_posts"], conv.loc["1", "n_brand_posts"]) == (1, 2)
    assert conv.loc["1", "intent"] == "complaint"

    # Follow-ups: the clock starts at bob's first post; the announcement is the root.
    assert conv.loc["10", "first_customer_at"] == utc("2026-01-19 09:00")
    assert conv.loc["10", "first_response_at"] == utc("2026-01-19 10:00")
    assert conv.loc["10", "root_mention_id"] == "10"
    assert conv.loc["10", "customer_id"] == "bob"
    assert conv.loc["10", "url"] == "https://example.org/11"
    assert conv.loc["10", "intent"] == "question"  # of the first customer post, not later ones
    assert (conv.loc["10", "n_customer_posts"], conv.loc["10", "n_brand_posts"]) == (3, 2)
    assert conv.loc["10", "last_at"] == utc("2026-01-19 10:00")

    # The brand's earlier post is not a response: unanswered.
    assert pd.isna(conv.loc["T3", "first_response_at"])
    assert pd.isna(conv.loc["T3", "responder"])
    assert conv.loc["T3", "n_brand_posts"] == 1

    assert conv.loc["30", "platform"] == "mastodon"
    assert (conv.loc["30", "n_customer_posts"], conv.loc["30", "n_brand_posts"]) == (1, 0)
    assert conv.loc["30", "root_mention_id"] == "30"
    assert pd.isna(conv.loc["30", "priority"])  # no priority column in the mentions


def test_build_conversations_without_handles_uses_is_brand_only():
    mentions = make_mentions(
        {"mention_id": "1", "author_id": "ann", "created_at": "2026-01-19 10:00"},
        {
            "mention_id": "2",
            "author_id": "AcmeAir",
            "in_reply_to_id": "1",
            "created_at": "2026-01-19 10:20",
        },
    )
    conv = build_conversations(mentions)
    # Without handles AcmeAir is just another customer: two customer posts, no response.
    assert conv.loc[0, "n_customer_posts"] == 2
    assert pd.isna(conv.loc[0, "first_response_at"])


# ---------------------------------------------------------------------------------------------
# Policies and clocks

SLA = {
    "business_hours": {"days": WEEKDAYS, "start": "09:00", "end": "17:00", "holidays": "DE"},
    "policies": [
        {"intent": "complaint", "first_response": "1h", "business_hours": True},
        {"intent": "question", "platform": "Twitter", "first_response": "2h"},
        {"platform": "twitter", "first_response": "4h", "business_hours": True},
    ],
}


def test_match_policies_first_match_wins():
    sla = Sla.model_validate(SLA)
    conv = pd.DataFrame(
        {
            "intent": ["complaint", "question", "question", "praise", None],
            "platform": ["twitter", "TWITTER", "facebook", "twitter", "mastodon"],
        },
        index=[5, 6, 7, 8, 9],
    )
    result = match_policies(conv, sla)
    # complaint -> 0 even though policy 2 (twitter) matches too; question on TWITTER -> 1
    # (case-insensitive); a facebook question and a mastodon post match nothing; praise on
    # twitter falls through to 2.
    assert result.tolist() == [0, 1, pd.NA, 2, pd.NA]
    assert list(result.index) == [5, 6, 7, 8, 9]


def clocks_for(mentions: pd.DataFrame, sla: dict, **kwargs) -> pd.DataFrame:
    conv = build_conversations(mentions, handles=["@AcmeAir"])
    return sla_clocks(conv, Sla.model_validate(sla), BERLIN, **kwargs).set_index("conversation_id")


def test_sla_clocks():
    mentions = make_mentions(
        # m: complaint Mon 2026-01-19 09:30 Berlin (08:30 UTC); due 1 business hour later,
        # 10:30 Berlin; the reply comes exactly then -> met, 0h to spare.
        {"mention_id": "m", "author_id": "ann", "created_at": "2026-01-19 08:30"},
        {
            "mention_id": "m-r",
            "author_id": "AcmeAir",
            "in_reply_to_id": "m",
            "created_at": "2026-01-19 09:30",
        },
        # b: complaint Fri 2026-01-16 16:45 Berlin, due Mon 09:45 Berlin (08:45 UTC); reply Mon
        # 10:00 Berlin (09:00 UTC) -> breached by 0.25h. Calendar: Fri 15:45 -> Mon 09:00 UTC =
        # 65.25h; business: 15 min Friday + 1h Monday = 1.25h.
        {"mention_id": "b", "author_id": "bob", "created_at": "2026-01-16 15:45"},
        {
            "mention_id": "b-r",
            "author_id": "AcmeAir",
            "in_reply_to_id": "b",
            "created_at": "2026-01-19 09:00",
        },
        # q: a question on twitter Mon 11:00 UTC, calendar policy 2h -> due 13:00 UTC, never
        # answered.
        {"mention_id": "q", "author_id": "cy", "created_at": "2026-01-19 11:00"},
        # f: praise on facebook: no policy.
        {
            "mention_id": "f",
            "author_id": "dee",
            "platform": "facebook",
            "created_at": "2026-01-19 11:30",
        },
        intent=["complaint", None, "complaint", None, "question", "praise"],
    )
    clocks = clocks_for(mentions, SLA)
    assert list(clocks.columns[-len(CLOCK_COLUMNS) :]) == list(CLOCK_COLUMNS)

    assert clocks.loc["m", "policy"] == "complaint/any platform"
    assert clocks.loc["m", "due_at"] == utc("2026-01-19 09:30")
    assert clocks.loc["m", "status"] == "met"
    assert clocks.loc["m", "time_to_breach_h"] == 0.0

    assert clocks.loc["b", "due_at"] == utc("2026-01-19 08:45")
    assert clocks.loc["b", "status"] == "breached"
    assert clocks.loc["b", "first_response_h"] == pytest.approx(65.25)
    assert clocks.loc["b", "first_response_business_h"] == pytest.approx(1.25)
    assert clocks.loc["b", "time_to_breach_h"] == pytest.approx(-0.25)

    # as_of defaults to the latest timestamp in the data, f's post at 11:30 UTC: q is due at
    # 13:00 -> still open with 1.5h left.
    q = clocks.loc["q"]
    assert (q["policy_index"], q["target_h"], bool(q["business_hours"])) == (1, 2.0, False)
    assert q["due_at"] == utc("2026-01-19 13:00")
    assert q["status"] == "open"
    assert q["time_to_breach_h"] == pytest.approx(1.5)
    assert np.isnan(q["first_response_h"])

    assert pd.isna(clocks.loc["f", "policy"]) and pd.isna(clocks.loc["f", "status"])
    assert pd.isna(clocks.loc["f", "due_at"])

    # At 13:00 UTC exactly q is overdue (open_breached, 0h left); at 14:30 1.5h overdue.
    later = clocks_for(mentions, SLA, as_of=utc("2026-01-19 13:00"))
    assert later.loc["q", "status"] == "open_breached"
    assert later.loc["q", "time_to_breach_h"] == 0.0
    later = clocks_for(mentions, SLA, as_of=pd.Timestamp("2026-01-19 15:30", tz=BERLIN))
    assert later.loc["q", "time_to_breach_h"] == pytest.approx(-1.5)


def test_sla_clocks_without_business_hours():
    mentions = make_mentions(
        {"mention_id": "1", "author_id": "ann", "created_at": "2026-01-17 10:00"},
        {
            "mention_id": "2",
            "author_id": "AcmeAir",
            "in_reply_to_id": "1",
            "created_at": "2026-01-17 13:00",
        },
    )
    # Calendar 4h policy on a Saturday: due 14:00, answered at 13:00 -> met, 1h to spare.
    clocks = clocks_for(mentions, {"policies": [{"first_response": "4h"}]})
    row = clocks.loc["1"]
    assert (row["status"], row["time_to_breach_h"], row["first_response_h"]) == ("met", 1.0, 3.0)
    assert np.isnan(row["first_response_business_h"])


# ---------------------------------------------------------------------------------------------
# Summary


def test_summarize_sla():
    # Calendar 2h policy; business hours Mon-Fri 09-17 Berlin (UTC+1). Mon 2026-01-19, UTC:
    #   A twitter  08:00 -> 08:30   0.5h  business 0.5h  due 10:00  met
    #   B twitter  09:00 -> 10:00   1h    business 1h    due 11:00  met
    #   C twitter  10:00 -> 13:00   3h    business 3h    due 12:00  breached
    #   D facebook 15:00 -> Tue 08:00  17h  business 1h (Mon 16-17 Berlin)  due 17:00  breached
    #   E facebook 16:30, never     due 18:30 <= as_of (Tue 08:00, D's reply)  open_breached
    #   F facebook Tue 07:00, never due Tue 09:00 > as_of                      open
    rows = []
    for cid, platform, asked, answered in [
        ("A", "twitter", "2026-01-19 08:00", "2026-01-19 08:30"),
        ("B", "twitter", "2026-01-19 09:00", "2026-01-19 10:00"),
        ("C", "twitter", "2026-01-19 10:00", "2026-01-19 13:00"),
        ("D", "facebook", "2026-01-19 15:00", "2026-01-20 08:00"),
        ("E", "facebook", "2026-01-19 16:30", None),
        ("F", "facebook", "2026-01-20 07:00", None),
    ]:
        rows.append(
            {"mention_id": cid, "author_id": "c" + cid, "platform": platform, "created_at": asked}
        )
        if answered:
            rows.append(
                {
                    "mention_id": cid + "-r",
                    "author_id": "AcmeAir",
                    "platform": platform,
                    "in_reply_to_id": cid,
                    "created_at": answered,
                }
            )
    sla = {
        "business_hours": {"days": WEEKDAYS, "start": "09:00", "end": "17:00"},
        "policies": [{"first_response": "2h"}],
    }
    clocks = clocks_for(make_mentions(*rows), sla)
    assert clocks["status"].tolist() == [
        "met",
        "met",
        "breached",
        "breached",
        "open_breached",
        "open",
    ]

    total = summarize_sla(clocks, by=None).iloc[0]
    assert (total["conversations"], total["answered"]) == (6, 4)
    assert total["response_rate"] == pytest.approx(4 / 6)
    # Calendar hours of the answered: 0.5, 1, 3, 17. Mean 21.5 / 4 = 5.375; median (1 + 3) / 2
    # = 2; p90 at position 0.9 * 3 = 2.7: 3 + 0.7 * (17 - 3) = 12.8.
    assert total["mean_first_response_h"] == pytest.approx(5.375)
    assert total["median_first_response_h"] == pytest.approx(2.0)
    assert total["p90_first_response_h"] == pytest.approx(12.8)
    # Business hours sorted: 0.5, 1, 1, 3. Mean 5.5 / 4 = 1.375; median 1; p90 1 + 0.7 * 2 = 2.4.
    assert total["mean_first_response_business_h"] == pytest.approx(1.375)
    assert total["median_first_response_business_h"] == pytest.approx(1.0)
    assert total["p90_first_response_business_h"] == pytest.approx(2.4)
    # met 2 (A, B); breaches 3 (C, D, E); F is open and not yet due: excluded -> 2 / 5.
    assert (total["met"], total["breaches"], total["open"]) == (2, 3, 1)
    assert total["attainment"] == pytest.approx(0.4)

    by_platform = summarize_sla(clocks.reset_index(), by="platform").set_index("platform")
    # facebook: 3 conversations, 1 answered (D, 17h), 0 met, 2 breaches, 1 open -> 0 / 2.
    # twitter: 3 answered, median 1h, 2 met of 3 decided.
    assert by_platform.loc["facebook", "response_rate"] == pytest.approx(1 / 3)
    assert by_platform.loc["facebook", "median_first_response_h"] == 17.0
    assert by_platform.loc["facebook", "attainment"] == 0.0
    assert by_platform.loc["twitter", "median_first_response_h"] == 1.0
    assert by_platform.loc["twitter", "attainment"] == pytest.approx(2 / 3)

    by_policy = summarize_sla(clocks)
    assert by_policy["policy"].tolist() == ["any intent/any platform"]
    assert by_policy.loc[0, "conversations"] == 6


def test_empty_mentions_give_empty_tables():
    sla = Sla.model_validate(SLA)
    conv = build_conversations(
        make_mentions(
            {"mention_id": "1", "author_id": "AcmeAir", "created_at": "2026-01-19 10:00"}
        ),
        handles=["@AcmeAir"],
    )
    assert conv.empty and list(conv.columns) == list(CONVERSATION_COLUMNS)
    clocks = sla_clocks(conv, sla, BERLIN)
    assert clocks.empty and list(clocks.columns[-len(CLOCK_COLUMNS) :]) == list(CLOCK_COLUMNS)
    assert summarize_sla(clocks).empty
