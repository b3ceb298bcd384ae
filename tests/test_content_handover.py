"""Step 6 as a client gets it (issue 13, item 5): known answers on small hand-made frames.

Any language without a crash, FAQ groups that are real questions named by what is asked (never
by a person, never an insult), reply templates that pass the playbook's own voice rules, a
calendar that is never silently empty and keeps holidays and closed dates free.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from socialcrm_utils.nlp.voice import check_voice
from socialcrm_utils.playbook import Voice, load_playbook
from socialcrm_utils.steps.content import (
    FAQ_COLUMNS,
    best_slots,
    complaint_topics,
    content_calendar,
    engagement_by_slot,
    faq_candidates,
    language_note,
    person_names,
    platform_volumes,
    reply_templates,
    slot_note,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "playbooks" / "example.yaml"


def _frame(rows: list[tuple[str, str, str]], intent: str = "question") -> pd.DataFrame:
    """Customer posts (lang, text, author_name) with ids 1, 2, ..."""
    return pd.DataFrame(
        {
            "mention_id": [str(i) for i in range(1, len(rows) + 1)],
            "lang": [r[0] for r in rows],
            "text_redacted": [r[1] for r in rows],
            "author_name": [r[2] for r in rows],
            "is_brand": False,
            "intent": intent,
            "platform": "twitter",
        }
    )


# --------------------------------------------------------------------------------------------
# Any language
# --------------------------------------------------------------------------------------------


def test_three_portuguese_questions_do_not_crash_step_6() -> None:
    # The crash of issue 13: the words that made these similar ("pedido atrasou") were not in
    # the question sentences, so the label had no term and records were empty (KeyError
    # 'label'). Now only what is asked counts: the three ask different things (when it
    # arrives, whether anyone answers, a refund), so there is no FAQ group, and no crash.
    pt = _frame([
        ("pt", "Meu pedido atrasou de novo. Quando chega?", None),
        ("pt", "Meu pedido atrasou demais. Alguém responde?", None),
        ("pt", "Pedido atrasou. Vão devolver o dinheiro?", None),
    ])  # fmt: skip
    faq = faq_candidates(pt)
    assert faq.empty and list(faq.columns) == list(FAQ_COLUMNS)
    # the same three, asked the same way twice: one group, labelled from the question
    pt2 = _frame([
        ("pt", "Meu pedido atrasou. Quando chega o pedido?", None),
        ("pt", "Quando chega o meu pedido?", None),
        ("pt", "Alguém responde?", None),
    ])  # fmt: skip
    faq = faq_candidates(pt2)
    assert faq[["lang", "questions", "share"]].values.tolist() == [["pt", 2, pytest.approx(2 / 3)]]
    assert "pedido" in faq.loc[0, "terms"]
    assert language_note(pt2).startswith("No language rules for pt (3 posts)")


@pytest.mark.parametrize(
    "lang, texts",
    [
        ("es", ["¿Dónde está mi pedido?", "¿Dónde está mi pedido ahora?", "Pedido tarde"]),
        ("fr", ["Où est ma commande ?", "Où est ma commande svp ?", "Commande en retard"]),
        ("ja", ["注文はどこですか？", "注文はどこですか？", "遅い"]),
        ("und", ["???", "🙂?", "ok"]),
        ("pt", ["Cadê?", "Oi?", "Obrigado"]),
    ],
)
def test_every_content_function_runs_on_languages_without_rules(
    lang: str, texts: list[str]
) -> None:
    questions = _frame([(lang, t, None) for t in texts])
    complaints = questions.assign(intent="complaint")
    both = pd.concat([questions, complaints.assign(mention_id=lambda f: "c" + f["mention_id"])])
    faq = faq_candidates(both)
    topics = complaint_topics(both)
    assert set(faq["lang"]) <= {lang} and set(topics["lang"]) <= {lang}
    templates = reply_templates(
        pd.DataFrame({"topic": ["x"], "lang": [lang]}), Voice(), ["twitter"]
    )
    assert templates["passes_voice"].all()  # written in the default language (English)
    assert templates.loc[0, "lang"] == lang
    volumes = platform_volumes(both)
    assert volumes["lang"].tolist() == [lang] and volumes["mentions"].tolist() == [6]
    posts = both.assign(
        created_at=pd.Timestamp("2026-06-02 09:00", tz="UTC"), likes=1, shares=0, replies=0,
        in_reply_to_id=None,
    )  # fmt: skip
    slots = best_slots(engagement_by_slot(posts, "Europe/Berlin"))
    plan = content_calendar(faq, topics, slots, volumes, date(2026, 6, 1), weeks=1)
    assert plan.attrs["note"]
    assert lang in language_note(both)


def test_japanese_questions_group_by_their_words() -> None:
    # Japanese has no spaces: a whole question is one token; the same question asked twice is
    # one group of two, counted and shown, with the full-width question mark as the question.
    ja = _frame([("ja", "注文はどこですか？", None), ("ja", "注文はどこですか？", None)])
    faq = faq_candidates(ja)
    assert faq[["lang", "questions", "distinct"]].values.tolist() == [["ja", 2, 1]]


# --------------------------------------------------------------------------------------------
# FAQ groups: real questions, named by what is asked
# --------------------------------------------------------------------------------------------


def test_an_agent_s_name_never_becomes_a_label() -> None:
    # Customers answer the agent by name ("Hey Becky", "..., becky?"); the agent signs brand
    # replies "-Becky". Without the names the label was "Becky, tortillas".
    frame = _frame([
        ("en", "Hey Becky, are the tortillas fresh?", None),
        ("en", "are the tortillas fresh, becky?", None),
        ("en", "Thanks Becky! Are tortillas made fresh every day?", None),
        ("en", "Becky, tortillas fresh?", None),
    ])  # fmt: skip
    reply = pd.DataFrame({"mention_id": ["b1"], "lang": "en", "is_brand": True,
                          "text_redacted": ["Yes, every morning! -Becky"], "intent": "other",
                          "author_name": ["Chipotle"], "platform": "twitter"})  # fmt: skip
    scored = pd.concat([frame, reply], ignore_index=True)
    assert person_names(scored) == ["becky", "chipotle"]
    faq = faq_candidates(scored)
    assert faq[["topic", "questions"]].values.tolist() == [["tortillas fresh", 4]]
    assert "becky" not in faq.loc[0, "terms"].lower()
    # the customer-side greeting alone is enough to find the name
    alone = faq_candidates(frame)
    assert "becky" not in " ".join(alone["topic"]).lower()
    # an author's display name counts as a name too
    named = _frame([("en", "Does Miller sell gift cards?", "Sam Miller"),
                    ("en", "Do you sell gift cards, Miller?", None)])  # fmt: skip
    assert "miller" not in faq_candidates(named).loc[0, "terms"]


def test_an_insult_is_no_faq() -> None:
    frame = _frame([
        ("en", "Are you kidding me? Are you idiots?", None),
        ("en", "are you idiots???", None),
        ("en", "What is wrong with you idiots?", None),
        ("de", "Wollt ihr mich verarschen?", None),
        ("de", "Wollt ihr mich verarschen???", None),
        ("en", "Is the app down?", None),
        ("en", "is the app down again?", None),
    ])  # fmt: skip
    faq = faq_candidates(frame)
    assert faq[["topic", "lang", "questions", "share"]].values.tolist() == [
        ["app", "en", 2, 1.0]  # the insults are not questions at all, so the share is 2/2
    ]


def test_a_group_consists_of_real_questions_only() -> None:
    # Classified as questions upstream, but no sentence asks: no "?" and no question word.
    frame = _frame([
        ("en", "Great burritos today", None),
        ("en", "great burritos today!", None),
        ("en", "how do I change my order", None),  # a question word, no "?": asks
        ("en", "How do I change my order?", None),
        ("de", "Wie kann ich meine Bestellung ändern", None),
        ("de", "Wie ändere ich meine Bestellung?", None),
    ])  # fmt: skip
    faq = faq_candidates(frame)
    assert faq[["topic", "lang", "questions"]].values.tolist() == [
        ["Bestellung", "de", 2],
        ["change order", "en", 2],
    ]


def test_labels_come_from_what_is_asked_not_the_story() -> None:
    frame = _frame([
        ("en", "Went to the store downtown, great staff. Is there a student discount?", None),
        ("en", "Loved the store downtown. Do you have a student discount?", None),
    ])  # fmt: skip
    faq = faq_candidates(frame)
    assert faq.loc[0, "topic"] == "student discount"


# --------------------------------------------------------------------------------------------
# Reply templates pass the playbook's voice
# --------------------------------------------------------------------------------------------

TOPICS = pd.DataFrame(
    {
        "topic": ["app", "rude staff", "wait", "cold food", "prices", "burritos", "order",
                  "App abgestürzt", "Wartezeit", "Rechnung", "Koffer"],
        "lang": ["en"] * 7 + ["de"] * 4,
    }
)  # fmt: skip


def _checked(templates: pd.DataFrame, voice: Voice) -> pd.DataFrame:
    """check_voice on the templates as brand replies (templates are reused: no canned rule)."""
    replies = pd.DataFrame(
        {
            "mention_id": [f"t{i}" for i in range(len(templates))],
            "platform": templates["platform"].to_numpy(),
            "author_id": "brand",
            "text_redacted": templates["template"].to_numpy(),
            "lang": templates["lang"].to_numpy(),
            "is_brand": True,
            "in_reply_to_id": "c0",
        }
    )
    return check_voice(replies, voice.model_copy(update={"max_canned_reuse": None}))


@pytest.mark.parametrize(
    "sign_off",
    [
        None,  # the example playbook's own: ^XX on twitter, "Best, NAME" on facebook
        [{"regex": r"-\s?[A-Z][a-z]+", "platforms": ["twitter"]}],  # "-Becky"
        ["Cheers"],  # a phrase on every platform
        pytest.param(  # three initials after a slash: no placeholder form fits, rstr fills it
            [{"regex": r"/[A-Z]{3}"}],
            marks=pytest.mark.skipif(
                importlib.util.find_spec("rstr") is None, reason="rstr not installed"
            ),
        ),
    ],
)
def test_every_template_passes_the_playbook_s_voice(sign_off: object) -> None:
    voice = load_playbook(EXAMPLE).voice
    if sign_off is not None:
        voice = voice.model_copy(update={"sign_off": Voice(sign_off=sign_off).sign_off})
    platforms = ["twitter", "facebook", "trustpilot"]
    out = reply_templates(TOPICS, voice, platforms)
    assert len(out) == len(TOPICS) * 3
    assert out["passes_voice"].all(), out.loc[~out["passes_voice"], "violations"].tolist()
    assert _checked(out, voice).empty  # the independent check
    twitter = out[out["platform"] == "twitter"]
    assert (twitter["chars"] <= 280).all()
    # full sentences, never the topic's keywords in quotes
    assert not out["template"].str.contains('"|„', regex=True).any()
    assert out["template"].str.contains(r"[.?!]", regex=True).all()
    if sign_off is None:
        assert twitter["template"].str.endswith("^XX").all()
    elif sign_off == ["Cheers"]:
        assert out["template"].str.endswith("Cheers, NAME").all()


def test_template_wording_follows_the_topic() -> None:
    out = reply_templates(TOPICS, Voice(), ["twitter"]).set_index("topic")["template"]
    assert out["app"] == (
        "Hi there, sorry that the app isn't working as it should for you. Could you tell us "
        "which device and version you're using and what you see? We'll help you get it working."
    )
    assert out["rude staff"].startswith("Hi there, we're sorry about how you were treated")
    assert out["wait"].startswith("Hi there, sorry for the wait")
    assert out["cold food"].startswith("Hi there, sorry that this wasn't up to our standards")
    assert out["order"] == (
        "Hi there, sorry for the trouble with your order. Please send us a DM and we'll take "
        "care of it right away."
    )
    assert out["App abgestürzt"].startswith(
        "Hallo, tut uns leid, dass die App bei dir nicht richtig funktioniert."
    )
    assert out["Wartezeit"].startswith("Hallo, tut uns leid, dass du warten musstest.")
    assert "Direktnachricht" in out["Rechnung"]
    assert out["burritos"] == (
        "Hi there, thanks for telling us, and sorry this didn't go as it should. We're looking "
        "into it and will get back to you here as soon as we can."
    )


def test_templates_respect_max_length_per_platform() -> None:
    voice = Voice(max_length={"twitter": 120, "facebook": 1000})
    out = reply_templates(TOPICS, voice, ["twitter", "facebook"])
    assert out["passes_voice"].all()
    assert (out.loc[out["platform"] == "twitter", "chars"] <= 120).all()
    # facebook has room: the fullest reply (acknowledgement and next step)
    fb = out[(out["platform"] == "facebook") & (out["topic"] == "app")]
    assert fb["template"].iloc[0].endswith("We'll help you get it working.")


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------

FAQ = pd.DataFrame({"topic": ["change order"], "lang": ["en"], "questions": [10],
                    "share": [0.5], "example": ["How do I change my order?"]})  # fmt: skip
VOLUMES = pd.DataFrame({"platform": ["twitter"], "lang": ["en"], "mentions": [20],
                        "share": [1.0]})  # fmt: skip


def test_no_post_on_holidays_or_closed_dates() -> None:
    # Slots Fri 10 (best), Thu 10, Mon 10, Tue 10. From Mon 21 Dec 2026, three weeks, two
    # posts a week, holidays DE-BE (25, 26 Dec, 1 Jan) and closed 24 + 31 Dec.
    slots = pd.DataFrame({"weekday": [4, 3, 0, 1], "hour": [10] * 4,
                          "expected_index": [1.5, 1.4, 1.2, 1.1]})  # fmt: skip
    plan = content_calendar(
        FAQ, None, slots, VOLUMES, date(2026, 12, 21), weeks=3, posts_per_week=2,
        holidays="DE-BE", closed_dates=[date(2026, 12, 24), date(2026, 12, 31)],
    )  # fmt: skip
    # week 1: Fri 25 (holiday) and Thu 24 (closed) skipped -> Mon 21, Tue 22
    # week 2: Fri 1 Jan (holiday), Thu 31 Dec (closed) skipped -> Mon 28, Tue 29
    # week 3: Fri 8 Jan and Thu 7 Jan
    assert [d.isoformat() for d in plan["date"]] == [
        "2026-12-21", "2026-12-22", "2026-12-28", "2026-12-29", "2027-01-07", "2027-01-08",
    ]  # fmt: skip
    assert sorted(d.isoformat() for d, _ in plan.attrs["skipped"]) == [
        "2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01",
    ]  # fmt: skip
    assert "No post on holidays or closed dates: 2026-12-24 (closed)" in plan.attrs["note"]
    # the rationale names the real rank of the slot used (Mon is the 3rd-best)
    assert "Mon 10:00 has the 3rd-highest" in plan.loc[0, "rationale"]
    # with the example playbook's business hours
    hours = load_playbook(EXAMPLE).sla.business_hours
    plan = content_calendar(
        FAQ,
        None,
        slots,
        VOLUMES,
        date(2026, 12, 21),
        weeks=3,
        holidays=hours.holidays,
        closed_dates=hours.closed_dates,
    )
    assert not {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31),
                date(2027, 1, 1)} & set(plan["date"])  # fmt: skip


def _few_brand_posts() -> pd.DataFrame:
    """3 brand posts and 30 customer posts: Tue 2 June 2026 (16), Wed 3 (8), Thu 4 (6) at
    09:00, 18:00 and 18:00 UTC; the export covers these three days only."""
    times = ["2026-06-02 09:00"] * 16 + ["2026-06-03 16:00"] * 8 + ["2026-06-04 16:00"] * 6
    customers = pd.DataFrame({"created_at": pd.to_datetime(times, utc=True), "is_brand": False})
    brand = pd.DataFrame(
        {"created_at": pd.to_datetime(["2026-06-05 10:00"] * 3, utc=True), "is_brand": True}
    )
    return pd.concat([customers, brand], ignore_index=True).assign(
        likes=1, shares=0, replies=0, in_reply_to_id=None, platform="twitter"
    )


def test_the_calendar_falls_back_to_audience_activity_and_says_so() -> None:
    by_slot = engagement_by_slot(_few_brand_posts(), "Europe/Berlin")
    assert by_slot.attrs["basis"] == "all_posts" and by_slot.attrs["brand_posts"] == 3
    slots = best_slots(by_slot)
    # Tue 11:00 Berlin: 16 of 33 posts; Wed/Thu 18:00 with 8 and 6 posts (< 8 for Thu)
    assert slots.loc[0, ["weekday_name", "hour"]].tolist() == ["Tue", 11]
    assert slot_note(by_slot, slots).startswith(
        "Too few proactive brand posts to judge engagement, so these are the hours when the "
        "audience is most active"
    )
    plan = content_calendar(FAQ, None, slots, VOLUMES, date(2026, 6, 8), weeks=1)
    assert len(plan) >= 1
    assert plan.attrs["note"].startswith(
        f"{len(plan)} posts planned in the hours when the audience is most active: there are "
        "only 3 proactive brand posts to judge engagement by."
    )
    assert "audience activity" in plan.loc[0, "rationale"]


def test_busy_days_that_are_most_of_the_export_are_kept() -> None:
    # 8 quiet days with 1 post each and 2 days with 40 each: by the 3x-median rule both busy
    # days are incidents, but they hold 80 of 88 posts: they are the export, kept, and said so.
    times = [f"2026-06-{d:02d} 08:00" for d in range(1, 9)]
    times += ["2026-06-09 08:00"] * 40 + ["2026-06-10 16:00"] * 40
    posts = pd.DataFrame({"created_at": pd.to_datetime(times, utc=True), "likes": 1,
                          "shares": 0, "replies": 0, "is_brand": False,
                          "in_reply_to_id": None})  # fmt: skip
    by_slot = engagement_by_slot(posts, "Europe/Berlin")
    assert by_slot.attrs["posts"] == 88 and by_slot.attrs["spike_days"] == 0
    assert by_slot.attrs["spike_days_kept"] == 2
    slots = best_slots(by_slot)
    assert not slots.empty
    assert "2 busy days kept" in slot_note(by_slot, slots)


def test_an_empty_calendar_says_why() -> None:
    slots = pd.DataFrame({"weekday": [1], "hour": [10], "expected_index": [1.0]})
    plan = content_calendar(FAQ.iloc[0:0], None, slots, VOLUMES, date(2026, 6, 1))
    assert plan.empty
    assert plan.attrs["note"] == "No posts planned: no FAQ or complaint topic to post about."
