"""Any language, any step (issue 13, item 2): nothing fails on a language without rules.

The fixture ``tests/fixtures/multilingual`` is Velomira, a fictional e-bike subscription
answering customers in six languages: 131 invented mentions from 2 to 27 March 2026 (76
customer posts, 52 brand replies, 3 brand announcements) on twitter, facebook, instagram and
trustpilot. Counted by hand from the CSV:

========  ==============  ===============  ==========  =====================================
language  customer posts  conversations    answered    questions (``?``/``？``) if unscored
========  ==============  ===============  ==========  =====================================
en        24              22               15          (cues)
de        18              16               11          (cues)
pt        12              11               7           pt01 pt04 pt06 pt10 pt11 pt12
es        9               8                5           es01 es05 es07 es08
fr        8               7                5           fr02 fr06 fr08
ja        5               5                3           ja01 ja04 ja05
========  ==============  ===============  ==========  =====================================

69 conversations, 46 answered. Seven posts come without ``lang`` (ja02, fr06, es07, pt10, de15,
en21, en22) so that detection runs. Response times, calendar hours: pt01 09:30 -> 10:15 = 0.75 h
(question policy, 4 h: met); ja01 01:00 -> 04:00 = 3.0 h (question, by its full-width ``？``:
met); en15 08:00 -> 14:00 = 6.0 h (complaint policy, 2 h: breached). pt06, pt10 and pt11
share "Comprei a bicicleta no mês passado." and ask three different things: the three
Portuguese questions on which step 6 failed with ``KeyError: 'label'``
(``content._clusters_of_language``, issue 13).
"""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.config import STEPS
from socialcrm_utils.conversations import clock_conversations
from socialcrm_utils.nlp.intent import classify_intent
from socialcrm_utils.nlp.languages import coverage_note, language_coverage, language_rules
from socialcrm_utils.nlp.sentiment import score_sentiment
from socialcrm_utils.nlp.tokens import stop_words, tokenize
from socialcrm_utils.nlp.topics import weekly_topics
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.steps.prepare import detect_language, fill_languages, normalize_mentions
from socialcrm_utils.steps.workflow import department_workload, route

from .conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "multilingual"
PLAYBOOK = FIXTURE / "multilingual.yaml"

CUSTOMER_POSTS = {"en": 24, "de": 18, "pt": 12, "es": 9, "fr": 8, "ja": 5}
ANSWERED = {"en": 15, "de": 11, "pt": 7, "es": 5, "fr": 5, "ja": 3}
UNSCORED = ("pt", "es", "fr", "ja")
QUESTIONS = {
    "pt": ["pt01", "pt04", "pt06", "pt10", "pt11", "pt12"],
    "es": ["es01", "es05", "es07", "es08"],
    "fr": ["fr02", "fr06", "fr08"],
    "ja": ["ja01", "ja04", "ja05"],
}
DETECTED = {
    "ja02": "ja",
    "fr06": "fr",
    "es07": "es",
    "pt10": "pt",
    "de15": "de",
    "en21": "en",
    "en22": "en",
}
NOTE = (
    "4 languages without sentiment/intent rules: pt (12 posts), es (9), fr (8), ja (5): "
    "counted in volumes, response times and SLAs, not scored (questions found by their "
    "question mark only)"
)
# One text per language without rules, and one whose language is unknown.
OTHER_TEXTS = pd.Series(
    [
        "Como faço para trocar a bateria da minha bicicleta?",
        "¿Cuándo llega mi pedido? Lo pedí hace diez días.",
        "Mon vélo est arrivé avec un pneu crevé. Pas content du tout.",
        "注文した自転車がまだ届きません。いつ届きますか？",
        "👍 ok",
    ]
)
OTHER_LANGS = pd.Series(["pt", "es", "fr", "ja", "und"])


@pytest.fixture(scope="module")
def playbook():
    return load_playbook(PLAYBOOK)


@pytest.fixture(scope="module")
def mentions(playbook) -> pd.DataFrame:
    """The fixture as step 1 reads it (canonical schema)."""
    return read_mentions(playbook).mentions


@pytest.fixture(scope="module")
def normalized(mentions, playbook) -> pd.DataFrame:
    """Languages filled, duplicates flagged, brands tagged; intent from the rules."""
    out = normalize_mentions(mentions, playbook)
    return out.join(classify_intent(out["text"], out["lang"]))


def _customers(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["is_brand"].astype(bool)]


# --- the fixture itself ------------------------------------------------------------------------


def test_fixture_reads_completely(mentions):
    assert len(mentions) == 131 and mentions["mention_id"].is_unique
    assert int(mentions["is_brand"].sum()) == 55
    assert set(mentions["platform"]) == {"twitter", "facebook", "instagram", "trustpilot"}
    assert mentions["created_at"].min() == pd.Timestamp("2026-03-02 08:00", tz="UTC")
    assert mentions["created_at"].max() == pd.Timestamp("2026-03-27 08:00", tz="UTC")
    assert sorted(mentions.loc[mentions["lang"].isna(), "mention_id"]) == sorted(DETECTED)


# --- step 1: languages -------------------------------------------------------------------------


def test_missing_languages_are_detected_japanese_included(mentions, playbook):
    lang = fill_languages(mentions, playbook)
    detected = dict(zip(mentions["mention_id"], lang, strict=True))
    assert {k: detected[k] for k in DETECTED} == DETECTED
    customers = ~mentions["is_brand"].to_numpy(bool)
    assert lang[customers].value_counts().to_dict() == CUSTOMER_POSTS


def test_detect_language_names_own_script_languages():
    texts = pd.Series(
        [
            "荷物はどこですか？",
            "배송은 언제 되나요?",
            "Где мой заказ? Жду две недели.",
            "我的订单什么时候到？",
            "ok",
        ]
    )
    assert detect_language(texts).tolist() == ["ja", "ko", "ru", "zh", "und"]


# --- step 3: sentiment, intent, topics ---------------------------------------------------------


def test_sentiment_leaves_languages_without_rules_unscored():
    out = score_sentiment(OTHER_TEXTS, OTHER_LANGS)
    assert out["sentiment_label"].tolist() == ["unscored"] * 5
    assert out["sentiment"].isna().all()


def test_intent_finds_questions_in_any_language_by_their_mark():
    texts = pd.Series(
        [
            *OTHER_TEXTS,
            "Est-ce que vous livrez en Belgique ?",
            "متى يصل طلبي؟",
            "いつですか？明日ですか",
            "Bonjour tout le monde",
        ]
    )
    langs = pd.Series([*OTHER_LANGS, "fr", "ar", "ja", "fr"])
    out = classify_intent(texts, langs)
    assert out["intent"].tolist() == [
        "question",
        "question",
        "other",
        "question",
        "other",
        "question",
        "question",
        "question",
        "other",
    ]
    assert out["intent_cue"].tolist()[3] == "？" and out["intent_cue"].tolist()[6] == "؟"


def test_intent_of_the_fixture_unscored_languages(normalized):
    customers = _customers(normalized)
    for lang in UNSCORED:
        rows = customers[customers["lang"] == lang]
        assert sorted(rows.loc[rows["intent"] == "question", "mention_id"]) == QUESTIONS[lang]
        assert set(rows["intent"]) == {"question", "other"}, lang


def test_stop_words_and_tokens_per_language():
    assert tokenize("Como faço para trocar a bateria da minha bicicleta?", "pt") == [
        "faço",
        "trocar",
        "bateria",
        "bicicleta",
    ]
    assert tokenize("¿Cuándo llega mi pedido?", "es") == ["cuándo", "llega", "pedido"]
    assert tokenize("Mon vélo est arrivé avec un pneu crevé", "fr") == [
        "vélo",
        "arrivé",
        "pneu",
        "crevé",
    ]
    # No segmentation for Japanese: a run of characters is one word; nothing fails.
    assert tokenize("注文した自転車がまだ届きません。いつ届きますか？", "ja") == [
        "注文した自転車がまだ届きません",
        "いつ届きますか",
    ]
    assert "para" in stop_words("pt") and "the" not in stop_words("pt")
    assert "the" in stop_words("und") and "und" in stop_words("und")  # English + German


def test_weekly_topics_per_language(normalized, playbook):
    topics = weekly_topics(
        normalized.rename(columns={"text": "text_redacted"}),
        playbook.timezone,
        exclude_terms=["velomira", "@velomira"],
    )
    assert set(topics["lang"]) <= set(CUSTOMER_POSTS)
    other = topics[topics["lang"].isin(UNSCORED)]
    # Week 10, pt01 and pt03 of 3 Portuguese posts say "bicicleta"; week 11, es03 and es04 of
    # 3 Spanish posts "funciona" (Portuguese and Spanish stop words removed).
    assert other[["week", "lang", "rank", "term", "mentions"]].values.tolist() == [
        ["2026-W10", "pt", 1, "bicicleta", 2],
        ["2026-W11", "es", 1, "funciona", 2],
    ]
    assert other["share"].tolist() == pytest.approx([2 / 3, 2 / 3])


def test_language_coverage_of_the_fixture(normalized):
    coverage = language_coverage(normalized)
    assert coverage["lang"].tolist() == list(CUSTOMER_POSTS)
    assert coverage["posts"].tolist() == list(CUSTOMER_POSTS.values())
    assert coverage["scored"].tolist() == [True, True, False, False, False, False]
    assert (
        coverage["rules"].tolist()
        == ["sentiment, intent, stop words"] * 2 + ["question mark, stop words"] * 4
    )
    assert coverage_note(coverage) == NOTE


def test_language_coverage_edge_cases():
    assert coverage_note(language_coverage(pd.DataFrame({"lang": []}))) == "No customer posts."
    frame = pd.DataFrame({"lang": ["EN-us", " ", None, "xx"], "is_customer": True})
    coverage = language_coverage(frame)
    assert coverage[["lang", "posts", "scored"]].values.tolist() == [
        ["und", 2, False],
        ["en", 1, True],
        ["xx", 1, False],
    ]
    assert coverage_note(coverage).startswith(
        "2 languages without sentiment/intent rules: und (2 posts), xx (1): "
    )
    assert language_rules("xx") == ("question mark",)
    with pytest.raises(KeyError, match="lang"):
        language_coverage(pd.DataFrame({"text": ["hi"]}))


# --- steps 4 and 5: SLA clocks and workflow, whatever the language -----------------------------


def test_sla_clocks_count_every_language(normalized, playbook):
    clocks = clock_conversations(normalized, playbook)
    assert len(clocks) == 69 and clocks["conversation_id"].is_unique
    lang = normalized.set_index("mention_id")["lang"]
    clocks = clocks.assign(lang=clocks["conversation_id"].map(lang))
    assert clocks["lang"].value_counts().to_dict() == {
        "en": 22,
        "de": 16,
        "pt": 11,
        "es": 8,
        "fr": 7,
        "ja": 5,
    }
    answered = clocks[clocks["first_response_at"].notna()]
    assert answered["lang"].value_counts().to_dict() == ANSWERED
    by_id = clocks.set_index("conversation_id")
    assert by_id.loc["pt01", ["policy", "first_response_h", "status"]].tolist() == [
        "question/any platform",
        pytest.approx(0.75),
        "met",
    ]
    assert by_id.loc["ja01", ["policy", "first_response_h", "status"]].tolist() == [
        "question/any platform",
        pytest.approx(3.0),
        "met",
    ]
    assert by_id.loc["en15", ["policy", "first_response_h", "status"]].tolist() == [
        "complaint/any platform",
        pytest.approx(6.0),
        "breached",
    ]


def test_routing_and_workload_in_any_language(normalized, playbook):
    routed = route(_customers(normalized), playbook)
    dept = routed.set_index("mention_id")["department"]
    assert dept[QUESTIONS["pt"] + QUESTIONS["ja"]].eq("service").all()
    assert dept[["pt02", "es02", "ja03"]].eq("marketing").all()  # "other" -> marketing
    assert len(department_workload(routed)) > 0


# --- the other steps' main functions on posts without rules ------------------------------------


@pytest.fixture(scope="module")
def scored(mentions, playbook) -> pd.DataFrame:
    from socialcrm_utils.steps.listening import score_mentions
    from socialcrm_utils.steps.prepare import prepare_mentions

    return score_mentions(prepare_mentions(mentions, playbook), playbook)


def test_listening_scores_the_fixture(scored):
    customers = scored[scored["is_customer"]]
    assert customers["lang"].value_counts().to_dict() == CUSTOMER_POSTS
    unscored = customers["sentiment_label"] == "unscored"
    assert set(customers.loc[unscored, "lang"]) == set(UNSCORED)
    assert int(unscored.sum()) == sum(CUSTOMER_POSTS[code] for code in UNSCORED)
    assert customers.loc[~unscored, "sentiment"].notna().all()


def test_steps_1_2_5_accept_every_language(scored, mentions, playbook):
    from socialcrm_utils.kpis import compute_kpis
    from socialcrm_utils.steps.goals import measure_kpis
    from socialcrm_utils.steps.platforms import summarize_platforms

    clocks = clock_conversations(scored, playbook)
    table = summarize_platforms(scored, clocks)
    assert set(table.get("platform", table.index)) == {
        "twitter",
        "facebook",
        "instagram",
        "trustpilot",
    }
    kpis = compute_kpis(scored, clocks, playbook.costs)
    assert kpis["volume"] == 76
    assert kpis["response_rate"] == pytest.approx(46 / 69)
    baselines = measure_kpis(scored, playbook)
    assert baselines["response_rate"] == pytest.approx(46 / 69)


def test_spikes_accept_every_language(scored, playbook):
    from socialcrm_utils.steps.listening import daily_volume, detect_spikes

    daily = daily_volume(scored, playbook.timezone)
    assert int(daily["mentions"].sum()) == 131 and int(daily["customer_mentions"].sum()) == 76
    # Complaints and negative posts come from the English and German rules only.
    assert int(daily["complaints"].sum()) == 15 and int(daily["negative"].sum()) == 14
    assert isinstance(detect_spikes(daily), pd.DataFrame)


def test_voice_accepts_replies_in_every_language(scored, playbook):
    from socialcrm_utils.nlp.voice import check_voice

    violations = check_voice(
        scored, playbook.voice, handles=playbook.brand.handles, default_lang=playbook.language
    )
    assert isinstance(violations, pd.DataFrame)


def test_posts_of_unknown_language_go_through_every_step(scored, playbook):
    from socialcrm_utils.kpis import compute_kpis
    from socialcrm_utils.steps.listening import daily_volume

    # Portuguese posts labelled "und", Spanish, French and Japanese ones without a language.
    lang = scored["lang"].astype("string")
    unknown = scored.assign(lang=lang.where(lang.isin(["en", "de"])).mask(lang == "pt", "und"))
    coverage = language_coverage(unknown)
    assert coverage[["lang", "posts", "scored"]].values.tolist() == [
        ["und", 34, False],
        ["en", 24, True],
        ["de", 18, True],
    ]
    topics = weekly_topics(unknown, playbook.timezone)
    assert set(topics["lang"]) <= {"en", "de", "und"}
    clocks = clock_conversations(unknown, playbook)
    assert len(clocks) == 69
    assert compute_kpis(unknown, clocks, playbook.costs)["volume"] == 76
    assert int(daily_volume(unknown, playbook.timezone)["customer_mentions"].sum()) == 76
    assert len(route(unknown, playbook)) == 131


def test_step_6_faq_on_the_three_portuguese_questions(scored, playbook):
    from socialcrm_utils.steps.content import complaint_topics, faq_candidates, reply_templates

    exclude = [*playbook.brand.terms, *playbook.brand.handles, "rollwerk"]
    three = scored[scored["mention_id"].isin(["pt06", "pt10", "pt11"])]
    faq = faq_candidates(three, exclude_terms=exclude)
    assert set(faq["lang"]) <= {"pt"}
    faq = faq_candidates(scored, exclude_terms=exclude)
    assert set(faq["lang"]) <= set(CUSTOMER_POSTS)
    topics = complaint_topics(scored, exclude_terms=exclude)
    templates = reply_templates(topics, playbook.voice, ["twitter"])
    assert len(templates) == len(topics)


# --- end to end --------------------------------------------------------------------------------


def _run_dir(out):
    runs = [p for p in out.iterdir() if p.is_dir() and p.name != "latest"]
    assert len(runs) == 1
    return runs[0]


@pytest.fixture(scope="module")
def multilingual_run(tmp_path_factory):
    from socialcrm_utils.cli import main

    out = tmp_path_factory.mktemp("reports")
    code = main(["run", str(PLAYBOOK), "--out", str(out)])
    run_dir = _run_dir(out / "velomira-multilingual")
    return code, run_dir


@pytest.mark.e2e
def test_all_six_steps_and_the_report_run(multilingual_run):
    code, run_dir = multilingual_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert code == 0, summary
    assert [s["status"] for s in summary["steps"]] == ["ok"] * 6
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    positions = [html.index(f"Step {s.number}: {s.title}") for s in STEPS]
    assert positions == sorted(positions)
    assert NOTE in html


@pytest.mark.e2e
def test_run_counts_every_language(multilingual_run):
    _, run_dir = multilingual_run
    scored = pd.read_parquet(run_dir / "mentions_scored.parquet")
    customers = scored[scored["is_customer"]]
    assert customers["lang"].value_counts().to_dict() == CUSTOMER_POSTS
    labels = customers.groupby("lang")["sentiment_label"].agg(lambda s: set(s) == {"unscored"})
    assert sorted(labels[labels].index) == sorted(UNSCORED)
    sla = pd.read_csv(run_dir / "sla.csv")
    assert len(sla) == 69 and int(sla["first_response_h"].notna().sum()) == 46
    pt01 = sla.set_index("conversation_id").loc["pt01"]
    assert pt01["first_response_h"] == pytest.approx(0.75) and pt01["status"] == "met"
    executed = nbformat.read(run_dir / "03_listen.ipynb", as_version=4)
    printed = [
        o.get("text", "")
        for c in executed.cells
        if c.get("id") == "s3-langs"
        for o in c.get("outputs", [])
    ]
    assert NOTE + "\n" in printed
    assert np.isclose(sla["first_response_h"].dropna().max(), 6.0)
