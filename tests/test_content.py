"""Unit tests of step 6 (socialcrm_utils.steps.content); expected values are computed by hand.

The arithmetic behind the clustering expectations (damped idf ``1 + ln(ln(9/(1 + df)) + 1)``
with N = 8 English questions) is spelled out next to the fixture.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from socialcrm_utils.nlp.pii import private_channel_reply
from socialcrm_utils.nlp.voice import check_voice
from socialcrm_utils.playbook import Voice
from socialcrm_utils.steps import content
from socialcrm_utils.steps.content import (
    CALENDAR_COLUMNS,
    COMPLAINT_COLUMNS,
    FAQ_COLUMNS,
    TEMPLATE_COLUMNS,
    VOLUME_COLUMNS,
    best_slots,
    complaint_topics,
    content_calendar,
    engagement_by_slot,
    faq_candidates,
    labels,
    platform_volumes,
    reply_templates,
    vectors,
)

# --------------------------------------------------------------------------------------------
# FAQ clusters
# --------------------------------------------------------------------------------------------

QUESTIONS: list[tuple[str, str, bool, str, str]] = [
    # mention_id, lang, is_brand, intent, text_redacted
    ("1", "en", False, "question", "@AcmeAir can I change my seat?"),  # change seat
    ("2", "en", False, "question", "How do I change my seat?"),  # change seat
    ("3", "en", False, "question", "can i change my seat"),  # same text as 1 (case, @, ?)
    ("4", "en", False, "question", "Is there wifi on board?"),  # wifi board
    ("5", "en", False, "question", "Is the wifi on board free?"),  # wifi board free
    ("6", "en", False, "question", "Free wifi?"),  # free wifi
    ("7", "en", False, "question", "Do you sell gift cards?"),  # words in 1 question only
    ("8", "en", False, "question", "How?"),  # no content word
    ("9", "de", False, "question", "Wie viel Gepäck darf ich mitnehmen?"),  # gepäck mitnehmen
    ("10", "de", False, "question", "Darf ich Gepäck mitnehmen?"),  # gepäck mitnehmen
    ("11", "de", False, "question", "Gibt es WLAN im Zug?"),  # wlan zug
    ("12", "de", False, "question", "Ist das WLAN im Zug kostenlos?"),  # wlan zug kostenlos
    ("13", "en", True, "question", "@jane Can we help you change your seat?"),  # brand
    ("14", "en", False, "complaint", "My seat was broken, change it now"),  # not a question
    ("15", "de", False, "complaint", "Koffer verloren!"),
    ("16", "de", False, "complaint", "Mein Koffer ist verloren"),
]

# English, N = 8 questions (1 and 3 are one distinct text asked twice). Words in at least
# min_df = 2 questions: change 3, seat 3, wifi 3, board 2, free 2 ("sell", "gift", "cards"
# once: dropped, so 7 has no vector; 8 has no word). Damped idf: df 3 -> 1 + ln(1 + ln(9/4))
# = 1.5938, df 2 -> 1 + ln(1 + ln 3) = 1.7413. Normalised: 1/2/3 = (0.7071, 0.7071);
# 4 = wifi 0.6752, board 0.7377; 5 = 0.5433, 0.5936, free 0.5936; 6 = wifi 0.6752, free 0.7377.
# cos(4, 5) = cos(5, 6) = 0.8047, cos(4, 6) = 0.6752^2 = 0.4559, seat vs wifi 0.
# Density (sum of cosines to every question): "can i change my seat" 3 (asked twice),
# "how do i change my seat" 3, 5: 2.6094, 4 and 6: 2.2606 (tie: "free wifi" < "is there ...").
# Leaders at threshold 0.4: "can i change my seat" (2 joins), then 5 (6 and 4 join).
# Sizes: seat 3 of 8 (0.375), wifi 3 of 8. Centroid of wifi = 4 + 5 + 6; 5 is closest
# (2.6094 > 2.2606), then 6 and 4 tie and the shorter text comes first.
# German, N = 4: gepäck, mitnehmen, wlan, zug in 2 questions each ("kostenlos" once): two
# clusters of 2 (0.5 each); representatives: the shorter of two identical vectors.
# Labels (plain idf, words and pairs): all terms of the seat cluster weigh the same, the
# pair "change seat" wins the tie; wifi cluster centroid: wifi 1.6201, free 1.2739, board and
# "wifi board" 1.1204: "wifi" is replaced by "wifi board" (>= half its weight), then "free".
EXPECTED_FAQ = [
    # topic, lang, questions, share, distinct, terms, example, example_id, more_examples
    ("change seat", "en", 3, 0.375, 2, "change seat", "can I change my seat?", "1", ""),
    ("wifi board", "en", 3, 0.375, 3, "wifi board, free", "Is the wifi on board free?", "5",
     "Free wifi? | Is there wifi on board?"),
    ("Gepäck mitnehmen", "de", 2, 0.5, 2, "gepäck mitnehmen", "Darf ich Gepäck mitnehmen?",
     "10", ""),
    ("WLAN Zug", "de", 2, 0.5, 2, "wlan zug", "Gibt es WLAN im Zug?", "11",
     "Ist das WLAN im Zug kostenlos?"),
]  # fmt: skip


@pytest.fixture
def scored() -> pd.DataFrame:
    return pd.DataFrame(
        QUESTIONS, columns=["mention_id", "lang", "is_brand", "intent", "text_redacted"]
    ).astype({"mention_id": "string", "lang": "string", "text_redacted": "string"})


def test_faq_candidates_clusters_shares_and_representatives(scored: pd.DataFrame) -> None:
    before = scored.copy()
    faq = faq_candidates(scored)
    pd.testing.assert_frame_equal(scored, before)  # input untouched
    assert list(faq.columns) == list(FAQ_COLUMNS)
    got = list(faq.itertuples(index=False, name=None))
    assert [r[:3] + r[4:] for r in got] == [e[:3] + e[4:] for e in EXPECTED_FAQ]
    assert faq["share"].tolist() == pytest.approx([e[3] for e in EXPECTED_FAQ])


def test_faq_candidates_keeps_the_columns_the_notebook_and_report_use(scored: pd.DataFrame) -> None:
    faq = faq_candidates(scored)
    assert {"topic", "lang", "questions", "share", "example"} <= set(faq.columns)
    assert faq["questions"].is_monotonic_decreasing
    assert faq.dtypes["questions"] == "int64" and faq.dtypes["share"] == "float64"


def test_threshold_decides_whether_a_question_joins(scored: pd.DataFrame) -> None:
    # cos(4, 5) = cos(5, 6) = 0.8047: at 0.81 every wifi question leads its own cluster ...
    faq = faq_candidates(scored, threshold=0.81, merge_threshold=0.81)
    assert "wifi board" not in set(faq["topic"])  # ... of 1, dropped by min_size = 2
    alone = faq_candidates(scored, threshold=0.81, merge_threshold=0.81, min_size=1)
    assert alone[alone["lang"] == "en"]["questions"].tolist() == [3, 1, 1, 1]
    # ... and the centroids (single questions here, cosine 0.8047) merge at 0.5
    merged = faq_candidates(scored, threshold=0.81)
    assert merged[merged["topic"] == "wifi board"]["questions"].tolist() == [3]


def test_faq_candidates_n_per_language_and_row_order_independent(scored: pd.DataFrame) -> None:
    assert faq_candidates(scored, n=1)[["topic", "lang"]].values.tolist() == [
        ["change seat", "en"],
        ["Gepäck mitnehmen", "de"],
    ]
    for seed in (1, 7, 42):
        shuffled = scored.sample(frac=1.0, random_state=seed)
        pd.testing.assert_frame_equal(faq_candidates(shuffled), faq_candidates(scored))


def test_text_column_fallback_and_customer_flag(scored: pd.DataFrame) -> None:
    plain = scored.rename(columns={"text_redacted": "text"})
    pd.testing.assert_frame_equal(faq_candidates(plain), faq_candidates(scored))
    # without is_brand, is_customer decides (the brand question 13 then stays out too)
    flagged = scored.drop(columns="is_brand").assign(is_customer=~scored["is_brand"])
    pd.testing.assert_frame_equal(faq_candidates(flagged), faq_candidates(scored))


def test_exclude_terms_and_placeholders_never_make_questions_similar() -> None:
    frame = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3"],
            "lang": "en",
            "is_brand": False,
            "intent": "question",
            "text_redacted": [
                "Acme Air lounge [BOOKING]?",
                "Acme Air wifi [BOOKING]?",
                "Acme Air pets [BOOKING]?",
            ],
        }
    )
    # with the brand's name excluded, the three share no word: no cluster of 2
    assert faq_candidates(frame, exclude_terms=["acme air"]).empty
    # without: "acme" and "air" in all three (placeholders never count)
    faq = faq_candidates(frame)
    assert faq["questions"].tolist() == [3] and faq["terms"].tolist() == ["acme air"]


def _questions(texts: list[str], lang: str = "en") -> pd.DataFrame:
    return pd.DataFrame(
        {"mention_id": [str(i) for i in range(len(texts))], "lang": lang, "is_brand": False,
         "intent": "question", "text": texts}
    )  # fmt: skip


def test_questions_that_ask_nothing_but_the_brand_s_name_are_no_faq() -> None:
    jokes = [
        "acme air? I thought that was a vacuum cleaner brand",
        "ACME Air? I thought that was a vacuum cleaner brand 😂",
        "@AcmeAir ??? vacuum cleaner brand lol",
    ]
    asked = [
        "ACME Air is there a student discount? Want to book Rome for the semester break.",
        "is there a student discount? I want to fly home for the semester break",
        "Acme Air student discount? Flying to Lisbon in the semester break.",
    ]
    faq = faq_candidates(_questions(jokes + asked), exclude_terms=["acme air", "@acmeair"])
    # the jokes are gone, also from the share's base (3 questions, not 6)
    assert faq[["questions", "share"]].values.tolist() == [[3, 1.0]]
    # "student discount" and "semester break" are in every text with the same weight (the
    # alphabet would pick "semester break"); the label comes from what is asked
    assert faq.loc[0, "topic"] == "student discount"
    assert faq.loc[0, "terms"] == "student discount"
    # a decimal point or a domain does not end a sentence: "12.50?" is asked about a fee
    fees = faq_candidates(
        _questions(["Why is the bag fee 12.50?", "Bag fee 12.50? On acme.com 9.90"])
    )
    assert fees[["topic", "questions"]].values.tolist() == [["bag fee", 2]]
    # complaints keep every sentence for their labels
    complaints = _questions(asked).assign(intent="complaint")
    assert complaint_topics(complaints, exclude_terms=["acme air"]).loc[0, "terms"] == (
        "semester break, student discount"
    )


def test_single_word_labels_take_the_next_term_and_words_grow_into_phrases() -> None:
    # "lounge" and "oslo" are in different clauses: no phrase, two single words
    faq = faq_candidates(_questions(["Lounge, Oslo?"] * 3))
    assert faq.loc[0, "topic"] == "lounge, Oslo" and faq.loc[0, "terms"] == "lounge, oslo"
    # a phrase with a word chosen alone replaces it, however light (above the 30 % floor)
    assert labels.label_phrases(
        ["fahrrad", "fahrrad mitnehmen", "kostet"], [1.0, 0.4, 0.35], None
    ) == ["fahrrad mitnehmen", "kostet"]


def test_empty_inputs_give_empty_well_formed_tables(scored: pd.DataFrame) -> None:
    for frame in (
        scored[scored["intent"] == "lead"],  # no questions
        scored.iloc[0:0],  # no rows
        scored[scored["mention_id"].isin(["7", "8"])],  # questions without shared words
    ):
        faq = faq_candidates(frame)
        assert faq.empty and list(faq.columns) == list(FAQ_COLUMNS)
        assert faq.dtypes["questions"] == "int64"
    assert faq_candidates(scored, n=0).empty
    with pytest.raises(ValueError, match="intent"):
        faq_candidates(scored.drop(columns="intent"))
    with pytest.raises(ValueError, match="threshold"):
        faq_candidates(scored, threshold=0)


def test_complaint_topics_use_the_same_clustering(scored: pd.DataFrame) -> None:
    topics = complaint_topics(scored)
    assert list(topics.columns) == list(COMPLAINT_COLUMNS)
    # 15 and 16: koffer, verloren, "koffer verloren" -> one cluster of both German complaints;
    # 14 is alone in English
    assert topics[["topic", "lang", "complaints", "share"]].values.tolist() == [
        ["Koffer verloren", "de", 2, 1.0]
    ]


# A complaint asked as a question (issue 15): rows 0-2 ask why the app keeps crashing (primary
# intent question, but complaints), rows 3-5 ask how to reset a password (real questions).
FLAGGED_TEXTS = [
    "Why does the app keep crashing?",
    "why does the app keep crashing again?",
    "Why does the app keep crashing on login?",
    "How do I reset my password?",
    "how to reset my password?",
    "How can I reset the password?",
]
FLAG_CASES = [
    # (flags, FAQ topics with counts, complaint topics with counts)
    (
        {"is_question": True, "is_complaint": [True] * 3 + [False] * 3},
        [["reset password", 3]],
        [["app crashing", 3]],
    ),
    ({}, [["app crashing", 3], ["reset password", 3]], []),  # old artifact: intent only
]


@pytest.mark.parametrize(
    ("flags", "faq_topics", "complaint_topics_"), FLAG_CASES, ids=["flags", "old-artifact"]
)
def test_faq_leaves_complaints_asked_as_questions_to_complaint_topics(
    flags: dict[str, object], faq_topics: list[list[object]], complaint_topics_: list[list[object]]
) -> None:
    frame = _questions(FLAGGED_TEXTS).assign(**flags)
    faq = faq_candidates(frame).sort_values("topic")
    assert faq[["topic", "questions"]].values.tolist() == faq_topics
    assert complaint_topics(frame)[["topic", "complaints"]].values.tolist() == complaint_topics_


def _naive_leaders(rows: list[dict[int, float]], threshold: float, cap: int) -> list[int]:
    """The textbook one-at-a-time leader algorithm on dict vectors (the order is given)."""
    leaders: list[dict[int, float]] = []
    labels = []
    for vec in rows:
        if not vec:
            labels.append(-1)
            continue
        sims = [sum(v * lead.get(t, 0.0) for t, v in vec.items()) for lead in leaders]
        best = int(np.argmax(sims)) if sims else -1
        if sims and sims[best] >= threshold:
            labels.append(best)
        elif len(leaders) < cap:
            labels.append(len(leaders))
            leaders.append(vec)
        else:
            labels.append(-1)
    return labels


@pytest.mark.parametrize("block", [1, 7, 64])
def test_blockwise_leader_clustering_equals_the_sequential_algorithm(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    rng = np.random.default_rng(3)
    n, n_terms = 300, 12
    dense = rng.random((n, n_terms)) * (rng.random((n, n_terms)) < 0.25)
    dense[::17] = 0.0  # some rows without terms
    norms = np.linalg.norm(dense, axis=1)
    dense = np.divide(dense, norms[:, None], out=np.zeros_like(dense), where=norms[:, None] > 0)
    matrix = vectors.TermMatrix(
        sparse.csr_array(dense), np.array([f"t{i}" for i in range(n_terms)], dtype=object)
    )
    order = rng.permutation(n)
    monkeypatch.setattr(vectors, "_MAX_BLOCK", block)
    monkeypatch.setattr(vectors, "_BLOCK_CELLS", block)  # blocks of `block` rows at most
    for threshold, cap in ((0.5, 1000), (0.8, 1000), (0.6, 15)):
        got = vectors.leader_clusters(matrix, order, threshold, cap)
        rows = [{t: dense[i, t] for t in np.flatnonzero(dense[i])} for i in order]
        expected = _naive_leaders(rows, threshold, cap)
        assert got[order].tolist() == expected


def test_weighted_tfidf_by_hand() -> None:
    # "wifi free" once, "wifi" twice, "seat" once: N = 4 mentions; df wifi 3, free 1, seat 1.
    # idf = ln(5 / (1 + df)) + 1: wifi ln(5/4) + 1 = 1.223144, free/seat ln(5/2) + 1 = 1.916291
    docs = [["wifi", "free"], ["wifi", "wifi"], ["seat"]]
    counts = np.array([1, 2, 1])
    plain = vectors.weighted_tfidf(vectors.count_terms(docs), counts, min_df=1)
    assert plain.terms.tolist() == ["free", "seat", "wifi"]
    # row 0: (free 1.916291, wifi 1.223144) / 2.273379; row 1: tf 1 + ln 2, only wifi -> 1.0
    assert plain.vectors.toarray() == pytest.approx(
        np.array([[0.842926, 0.0, 0.538029], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]), abs=1e-6
    )
    # damped idf 1 + ln(idf): wifi 1.201424, free 1.650391; / 2.041375 -> 0.588537, 0.808470
    damped = vectors.weighted_tfidf(vectors.count_terms(docs), counts, min_df=1, damped=True)
    assert damped.vectors.toarray()[0] == pytest.approx([0.808470, 0.0, 0.588537], abs=1e-6)
    # min_df counts mentions, not distinct texts: wifi is in 3 mentions, free and seat in 1
    kept = vectors.weighted_tfidf(vectors.count_terms(docs), counts, min_df=2)
    assert kept.terms.tolist() == ["wifi"] and kept.vectors.toarray().ravel().tolist() == [
        1.0,
        1.0,
        0.0,
    ]
    nothing = vectors.weighted_tfidf(vectors.count_terms([[], ["x"]]), np.array([1, 1]), 2)
    assert nothing.vectors.shape == (2, 0) and nothing.terms.tolist() == []


def test_density_order_and_centroids_by_hand() -> None:
    # unit rows a, (a+b)/sqrt 2, b; asked 1, 1 and 3 times: sum_j count_j v_j = (1.7071, 3.7071)
    matrix = vectors.TermMatrix(
        sparse.csr_array(np.array([[1.0, 0.0], [0.5**0.5, 0.5**0.5], [0.0, 1.0]])),
        np.array(["a", "b"], dtype=object),
    )
    counts = np.array([1.0, 1.0, 3.0])
    # densities 1.7071, 3.8284, 3.7071 -> rows 1, 2, 0
    assert vectors.density_order(matrix, counts).tolist() == [1, 2, 0]
    # threshold 0.7: row 1 leads, row 2 joins it (cosine 0.7071), row 0 too
    assert vectors.leader_clusters(matrix, np.array([1, 2, 0]), 0.7, 10).tolist() == [0, 0, 0]
    # threshold 0.8: three leaders in the order they are found
    assert vectors.leader_clusters(matrix, np.array([1, 2, 0]), 0.8, 10).tolist() == [2, 0, 1]
    cent = vectors.centroids(matrix, np.array([0, -1, 0]), counts).toarray()
    assert cent.tolist() == [[1.0, 3.0]]


# --------------------------------------------------------------------------------------------
# Reply templates
# --------------------------------------------------------------------------------------------

#: A client's rules: a greeting, agent initials at the end on twitter, 280 characters on
#: twitter, banned phrases, a tone floor.
VOICE = Voice(
    greeting=["Hallo", "Hi"],
    sign_off=[{"regex": r"\^[A-Z]{2}", "platforms": ["twitter"]}],
    max_length={"twitter": 280},
    banned_phrases=["calm down", "as I said", "sorry for the trouble"],
    min_sentiment=-0.6,
    max_canned_reuse=0,  # not applied to templates (they are meant to be reused)
)

TOPICS = pd.DataFrame(
    {
        "topic": ["lost luggage", "change booking", "Erstattung", "Verspätung"],
        "lang": ["en", "en", "de", "de"],
        "complaints": [9, 5, 4, 3],
        "terms": ["lost luggage", "change booking, website", "erstattung", "verspätung"],
    }
)


def _as_replies(templates: pd.DataFrame) -> pd.DataFrame:
    """The templates as brand replies to a customer post, as check_voice reads them."""
    return pd.DataFrame(
        {
            "mention_id": [f"b{i}" for i in range(len(templates))],
            "platform": templates["platform"].to_numpy(),
            "author_id": "AcmeAirHelp",
            "text_redacted": templates["template"].to_numpy(),
            "lang": templates["lang"].to_numpy(),
            "is_brand": True,
            "in_reply_to_id": "c0",
        }
    )


def test_reply_templates_pass_the_clients_voice_rules() -> None:
    out = reply_templates(TOPICS, VOICE, ["twitter", "facebook"])
    assert list(out.columns) == list(TEMPLATE_COLUMNS)
    assert out[["topic", "platform"]].values.tolist() == [
        [t, p] for t in TOPICS["topic"] for p in ("twitter", "facebook")
    ]
    assert out["passes_voice"].all() and (out["violations"] == "").all()
    # the independent check: every template as a brand reply breaks no rule
    rules = VOICE.model_copy(update={"max_canned_reuse": None})
    assert check_voice(_as_replies(out), rules).empty
    # ... and the check is not vacuous: without the initials the twitter ones break sign_off
    broken = out.assign(template=out["template"].str.replace(r" \^XX$", "", regex=True))
    assert set(check_voice(_as_replies(broken), rules)["rule"]) == {"sign_off"}


def test_reply_templates_wording_hand_checked() -> None:
    out = reply_templates(TOPICS, VOICE, ["twitter", "facebook"]).set_index(["topic", "platform"])
    # the playbook's English greeting ("Hi") comes first for English, "Hallo" for German;
    # initials on twitter only. "lost luggage" names no kind: the general wording, a full
    # reply, never the topic's keywords pasted into a sentence.
    assert out.loc[("lost luggage", "twitter"), "template"] == (
        "Hi, thanks for telling us, and sorry this didn't go as it should. We're looking into "
        "it and will get back to you here as soon as we can. ^XX"
    )
    assert out.loc[("lost luggage", "facebook"), "template"] == (
        "Hi, thanks for telling us, and sorry this didn't go as it should. We're looking into "
        "it and will get back to you here as soon as we can."
    )
    # personal data (a booking): "sorry for the trouble" is banned, so the other
    # acknowledgement, then the private channel of nlp/pii.py for the platform
    dm = private_channel_reply("booking", "en", "twitter").split(". ")[-1]
    assert dm == "Please send us a DM and we'll take care of it right away."
    assert out.loc[("change booking", "twitter"), "template"] == (
        f"Hi, thanks for reaching out about your booking. {dm} ^XX"
    )
    assert out.loc[("change booking", "facebook"), "template"] == (
        "Hi, thanks for reaching out about your booking. Please send us a private message and "
        "we'll take care of it right away."
    )
    assert out.loc[("change booking", "twitter"), "personal_data"] == "booking"
    # German: "Erstattung" is about money (payment), "Verspätung" about waiting
    assert out.loc[("Erstattung", "twitter"), "personal_data"] == "payment"
    assert out.loc[("Erstattung", "twitter"), "template"] == (
        "Hallo, tut uns leid, dass es mit deiner Zahlung Probleme gibt. Schreib uns einfach "
        "eine Direktnachricht (DM), dann kümmern wir uns sofort darum. ^XX"
    )
    assert out.loc[("Verspätung", "facebook"), "template"] == (
        "Hallo, tut uns leid, dass du warten musstest. Wir prüfen, woran es hakt, und melden "
        "uns hier, sobald wir mehr wissen."
    )
    assert out.loc[("Verspätung", "facebook"), "personal_data"] == ""
    lengths = out["template"].str.len()
    assert (out["chars"] == lengths).all() and (lengths <= 280).all()
    assert out.loc[(slice(None), "twitter"), "max_chars"].tolist() == [280] * 4
    assert out.loc[(slice(None), "facebook"), "max_chars"].isna().all()


def test_reply_templates_default_voice_and_personal_data_kinds() -> None:
    topics = pd.DataFrame(
        {
            "topic": ["login problems", "Rückerstattung", "order missing", "wifi"],
            "lang": ["en", "de-AT", "en", "fr"],
        }
    )
    out = reply_templates(topics, Voice(), ["trustpilot"])
    assert out["personal_data"].tolist() == ["account", "payment", "order", ""]
    assert out["passes_voice"].all()
    # review site: e-mail or contact form; no greeting rule: "Hi there" / "Hallo"
    assert out.loc[0, "template"] == (
        "Hi there, sorry for the trouble with your account. Please contact us by e-mail or "
        "through the contact form on our website and we'll take care of it right away."
    )
    assert out.loc[1, "template"].startswith(
        "Hallo, tut uns leid, dass es mit deiner Zahlung Probleme gibt."
    )
    assert out.loc[1, "lang"] == "de-AT"
    assert out.loc[3, "template"].startswith("Hi there, thanks")  # unknown language: English


def test_reply_templates_report_rules_they_cannot_meet() -> None:
    # 40 characters: the shortest acknowledgement still fits ...
    fits = reply_templates(TOPICS.head(1), Voice(max_length={"twitter": 40}), ["twitter"])
    assert fits.loc[0, "template"] == "Hello, thanks for telling us about this."
    assert fits.loc[0, "passes_voice"] and fits.loc[0, "chars"] == 40
    # ... 20 do not: the template is kept, flagged, with the violation
    out = reply_templates(TOPICS.head(1), Voice(max_length={"twitter": 20}), ["twitter"])
    assert not out.loc[0, "passes_voice"]
    assert "chars > 20 on twitter" in out.loc[0, "violations"]


def test_reply_templates_empty_and_errors() -> None:
    empty = reply_templates(TOPICS.iloc[0:0], VOICE, ["twitter"])
    assert empty.empty and list(empty.columns) == list(TEMPLATE_COLUMNS)
    with pytest.raises(ValueError, match="platforms"):
        reply_templates(TOPICS, VOICE, [])
    with pytest.raises(ValueError, match="lang"):
        reply_templates(TOPICS.drop(columns="lang"), VOICE)


# --------------------------------------------------------------------------------------------
# platform_volumes
# --------------------------------------------------------------------------------------------


def test_platform_volumes_per_language() -> None:
    frame = pd.DataFrame(
        {
            "platform": ["Twitter", "twitter", "facebook", "twitter", "instagram", " twitter"],
            "lang": ["en", "en-GB", "en", "de", "de", None],
            "is_brand": [False, False, False, False, pd.NA, True],
        }
    )
    out = platform_volumes(frame)
    assert list(out.columns) == list(VOLUME_COLUMNS)
    assert out[["platform", "lang", "mentions"]].values.tolist() == [
        ["instagram", "de", 1],
        ["twitter", "de", 1],
        ["twitter", "en", 2],
        ["facebook", "en", 1],
    ]
    assert out["share"].tolist() == pytest.approx([0.5, 0.5, 2 / 3, 1 / 3])
    assert platform_volumes(frame.iloc[0:0]).empty


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
    by_slot = engagement_by_slot(posts, "Europe/Berlin", min_brand_posts=20)
    pd.testing.assert_frame_equal(posts, before)
    assert by_slot.attrs == {"basis": "brand_proactive", "posts": 20, "outliers": 0,
                             "spike_days": 0, "spike_days_kept": 0,
                             "brand_posts": 20}  # fmt: skip
    assert (by_slot["basis"] == "brand_proactive").all()
    got = by_slot[["weekday", "weekday_name", "hour", "posts"]].values.tolist()
    assert got == [[0, "Mon", 0, 1], [0, "Mon", 9, 12], [1, "Tue", 11, 4], [2, "Wed", 15, 3]]
    assert by_slot["mean_engagement"].tolist() == pytest.approx([100.0, 1.0, 25.0, 7.0])
    assert by_slot["median_engagement"].tolist() == pytest.approx([100.0, 1.0, 25.0, 7.0])
    # one platform: index = engagement / mean of all 20 posts (100 + 12 + 100 + 21) / 20
    mean = 233 / 20
    assert by_slot["engagement_index"].tolist() == pytest.approx(
        [100 / mean, 1 / mean, 25 / mean, 7 / mean]
    )


def _platform_posts() -> pd.DataFrame:
    """14 proactive brand posts on two platforms, one of them a crisis statement.

    twitter: 10 x4 (Mon 09 local), 20 x3 (Tue 18), 1000 (Wed 15) -> median 15;
    instagram: 100 x2 (Mon 09), 300 x2 (Tue 18), 100 x2 (Thu 12) -> median 100.
    ln(1 + engagement / platform median), sorted: 0.5108 x4, 0.6931 x4, 0.8473 x3,
    1.3863 x2, 4.2146; Q1 0.5564, Q3 0.8473, IQR 0.29 < ln 2, so the fence is
    0.8473 + 3 ln 2 = 2.93 and only the 1000 is left out. Means of the kept posts:
    twitter 100/7, instagram 1000/6 -> index 0.7 (10), 1.4 (20), 0.6 (100), 1.8 (300).
    """
    rows = (
        [("2026-06-01 07:10", "twitter", 10)] * 4 + [("2026-06-02 16:20", "twitter", 20)] * 3
        + [("2026-06-03 13:05", "twitter", 1000)] + [("2026-06-08 07:30", "instagram", 100)] * 2
        + [("2026-06-09 16:40", "instagram", 300)] * 2
        + [("2026-06-04 10:00", "Instagram ", 100)] * 2
    )  # fmt: skip
    frame = pd.DataFrame(rows, columns=["created_at", "platform", "likes"])
    return frame.assign(
        created_at=pd.to_datetime(frame["created_at"], utc=True), shares=0, replies=0,
        is_brand=True, in_reply_to_id=None,
    )  # fmt: skip


def test_engagement_index_per_platform_without_outliers() -> None:
    by_slot = engagement_by_slot(_platform_posts(), "Europe/Berlin", min_brand_posts=10)
    assert by_slot.attrs == {"basis": "brand_proactive", "posts": 13, "outliers": 1,
                             "spike_days": 0, "spike_days_kept": 0,
                             "brand_posts": 14}  # fmt: skip
    got = by_slot[["weekday_name", "hour", "posts"]].values.tolist()
    assert got == [["Mon", 9, 6], ["Tue", 18, 5], ["Thu", 12, 2]]  # Wed 15: the outlier
    # Mon: (4 x 0.7 + 2 x 0.6) / 6; Tue: (3 x 1.4 + 2 x 1.8) / 5; Thu: 0.6
    assert by_slot["engagement_index"].tolist() == pytest.approx([4 / 6, 1.56, 0.6])
    # raw engagement would put Thu (instagram only) before Mon
    assert by_slot["mean_engagement"].tolist() == pytest.approx([40.0, 132.0, 100.0])
    # fewer than 8 posts: nothing is an outlier
    few = engagement_by_slot(_platform_posts().iloc[4:11], "Europe/Berlin", min_brand_posts=1)
    assert few.attrs["outliers"] == 0 and few["posts"].sum() == 7


def test_engagement_by_slot_daylight_saving_time_and_blank_reply_ids() -> None:
    # 09:30 UTC is 11 in Berlin in June (UTC+2) and 10 in December (UTC+1)
    posts = _posts()
    winter = posts.assign(created_at=posts["created_at"] + pd.Timedelta(days=182))
    # 2026-12-01 is a Tuesday as 2026-06-02 is; every post moves by 26 weeks
    by_slot = engagement_by_slot(winter, "Europe/Berlin", min_brand_posts=20)
    assert by_slot[["weekday", "hour"]].values.tolist() == [[0, 8], [1, 10], [2, 14], [6, 23]]
    # an export with "" for "no parent" still counts the posts as proactive
    blank = posts.assign(in_reply_to_id=posts["in_reply_to_id"].fillna(""))
    pd.testing.assert_frame_equal(
        engagement_by_slot(blank, "Europe/Berlin", min_brand_posts=20),
        engagement_by_slot(posts, "Europe/Berlin", min_brand_posts=20),
    )


def test_engagement_by_slot_falls_back_to_all_posts(caplog: pytest.LogCaptureFixture) -> None:
    posts = _posts()  # 20 proactive brand posts, fewer than MIN_BRAND_POSTS
    assert content.MIN_BRAND_POSTS > 20
    with caplog.at_level(logging.WARNING, logger="socialcrm_utils.steps.content"):
        by_slot = engagement_by_slot(posts, "Europe/Berlin")
    assert f"only 20 proactive brand posts (< {content.MIN_BRAND_POSTS})" in caplog.text
    assert by_slot.attrs["basis"] == "all_posts"
    tue = by_slot[(by_slot["weekday"] == 1) & (by_slot["hour"] == 11)].iloc[0]
    # 10, 20, 30, 40 (proactive) + 500 (reply) + 1000 (customer). Median of the 22 posts 1;
    # ln(1 + x / 1): Q1 ln 2, Q3 2.88, fence 2.88 + 3 x 2.19 = 9.45: no outlier (1000: 6.9)
    assert by_slot.attrs["outliers"] == 0
    assert tue["posts"] == 6
    assert tue["mean_engagement"] == pytest.approx(1600 / 6)
    assert tue["median_engagement"] == pytest.approx(35.0)
    assert engagement_by_slot(_posts(), "Europe/Berlin", brand_only=False).attrs["basis"] == (
        "all_posts"
    )


def test_no_brand_posts_and_no_posts_at_all() -> None:
    customers = _posts().assign(is_brand=False)
    by_slot = engagement_by_slot(customers, "Europe/Berlin")
    assert by_slot.attrs["basis"] == "all_posts"
    assert by_slot["posts"].sum() + by_slot.attrs["outliers"] == len(customers)
    empty = engagement_by_slot(_posts().iloc[0:0], "Europe/Berlin")
    assert empty.empty and list(empty.columns) == [
        "weekday", "weekday_name", "hour", "posts", "engagement_index", "mean_engagement",
        "median_engagement", "basis",
    ]  # fmt: skip
    assert best_slots(empty).empty
    assert list(best_slots(empty).columns) == list(content.BEST_SLOT_COLUMNS)
    undated = engagement_by_slot(_posts().assign(created_at=pd.NaT), "Europe/Berlin")
    assert undated.empty


def _cells() -> pd.DataFrame:
    """Slots by hand: Mon 09 6 posts at 0.5, Mon 18 2 at 1.5, Tue 09 2 at 1.0, Tue 18 6 at
    1.5, Wed 10 3 at 2.0 (Wed has too few posts to be ranked)."""
    cells = pd.DataFrame(
        {"weekday": [0, 0, 1, 1, 2], "hour": [9, 18, 9, 18, 10], "posts": [6, 2, 2, 6, 3],
         "engagement_index": [0.5, 1.5, 1.0, 1.5, 2.0]}
    )  # fmt: skip
    cells.attrs = {"basis": "brand_proactive", "posts": 19, "outliers": 0}
    return cells


def test_best_slots_weekday_times_time_window() -> None:
    # weekdays: Mon (3 + 3) / 8 = 0.75, Tue (2 + 9) / 8 = 1.375; Wed 3 posts < 8.
    # 1-hour windows (16 of 19 posts are in windows with 8 posts: >= 80 %, so 1 hour):
    # 09 (3 + 2) / 8 = 0.625, 18 (3 + 9) / 8 = 1.5; 10 has 3 posts.
    best = best_slots(_cells(), n=5, min_posts=8)
    got = best[["weekday_name", "window", "expected_index", "posts"]].values.tolist()
    assert got == [
        ["Tue", "18-19", pytest.approx(1.375 * 1.5), 6],
        ["Mon", "18-19", pytest.approx(0.75 * 1.5), 2],
        ["Tue", "09-10", pytest.approx(1.375 * 0.625), 2],
        ["Mon", "09-10", pytest.approx(0.75 * 0.625), 6],
    ]
    assert best[["weekday_posts", "window_posts"]].values.tolist() == [[8, 8]] * 4
    assert best.attrs == {"basis": "brand_proactive", "posts": 19, "outliers": 0, "hours": 1,
                          "min_posts": 8, "min_posts_wanted": 8}  # fmt: skip
    assert best_slots(_cells(), n=2, min_posts=8)["window"].tolist() == ["18-19", "18-19"]


def test_best_slots_wider_windows() -> None:
    # 3-hour windows: 09-12 holds Mon 09, Tue 09 and Wed 10: (3 + 2 + 6) / 11 = 1.0
    best = best_slots(_cells(), min_posts=8, hours=3)
    got = best[["weekday_name", "window", "expected_index", "posts"]].values.tolist()
    assert got == [
        ["Tue", "18-21", pytest.approx(2.0625), 6],
        ["Tue", "09-12", pytest.approx(1.375), 2],
        ["Mon", "18-21", pytest.approx(1.125), 2],
        ["Mon", "09-12", pytest.approx(0.75), 6],
    ]
    # 9 posts needed: no window width gets 80 % of the posts into such windows -> 6 hours,
    # and no weekday has 9 posts -> rather than nothing, every weekday and window with a
    # post is ranked, and attrs say so
    few = best_slots(_cells(), min_posts=9)
    assert len(few) == 5 and few.attrs["hours"] == 6  # n = 5 of 3 weekdays x 2 windows
    assert (few.attrs["min_posts"], few.attrs["min_posts_wanted"]) == (1, 9)
    with pytest.raises(ValueError, match="hours must be one of"):
        best_slots(_cells(), hours=5)
    with pytest.raises(ValueError, match="n must be >= 0"):
        best_slots(_cells(), n=-1)


def test_slot_note_says_what_the_slots_rest_on() -> None:
    cells = _cells()
    note = content.slot_note(cells, best_slots(cells, min_posts=8))
    assert note.startswith("Based on 19 proactive brand posts. A slot's score is its weekday")
    assert "1-hour window" in note and "fewer than 8 posts" in note
    cells.attrs.update(basis="all_posts", outliers=2, spike_days=1)
    note = content.slot_note(cells, best_slots(cells, min_posts=9))
    assert note.startswith(
        "Too few proactive brand posts to judge engagement, so these are the hours when the "
        "audience is most active, from 19 posts of all authors; left out: 2 posts far above "
        "their platform's usual engagement (such as crisis statements) and the posts of 1 "
        "incident day (more than 3x the usual posts per day). A slot's score is its weekday's "
        "activity index"
    )
    assert "No weekday and window had 9 posts, so every one with a post is ranked" in note
    assert note.endswith(
        "Treat the best slots as a starting point: post there for a few weeks and compare."
    )
    assert content.slot_note(cells, best_slots(cells.iloc[0:0], min_posts=9)).endswith(
        "No slot can be ranked yet: publish more, or plan with the audience's hours."
    )


def test_all_posts_leave_out_spike_days() -> None:
    # customer posts, engagement 5 each: 2 a day on Mon 1 ... Mon 8 June (Berlin), 10 on
    # Tue 9 June. Median posts per day 2; 10 > 3 x 2: an incident day
    times = [f"2026-06-{d:02d} 10:00" for d in range(1, 9) for _ in range(2)]
    times += ["2026-06-09 08:00"] * 10
    posts = pd.DataFrame(
        {"created_at": pd.to_datetime(times, utc=True), "likes": 5, "shares": 0, "replies": 0,
         "is_brand": False, "in_reply_to_id": None}
    )  # fmt: skip
    by_slot = engagement_by_slot(posts, "Europe/Berlin")
    assert by_slot.attrs == {"basis": "all_posts", "posts": 16, "outliers": 0, "spike_days": 1,
                             "spike_days_kept": 0, "brand_posts": 0}  # fmt: skip
    assert by_slot["hour"].unique().tolist() == [12]  # 10:00 UTC; the 08:00 posts are gone
    # brand posts are never left out by day: a campaign day is what the brand did
    brand = posts.assign(is_brand=True)
    assert engagement_by_slot(brand, "Europe/Berlin", min_brand_posts=1).attrs["spike_days"] == 0
    # fewer than 7 days: no day is a spike
    short = posts[posts["created_at"] >= pd.Timestamp("2026-06-05", tz="UTC")]
    assert engagement_by_slot(short, "Europe/Berlin").attrs["spike_days"] == 0


def test_best_slots_rank_audience_activity_when_the_brand_hardly_posts() -> None:
    # Mon 09: 10 posts, Mon 18: 4, Tue 09: 2, Tue 18: 6 (22). Tue 18 engages best, but with
    # all posts as the basis only activity counts: Mon 14 / (22 / 7), Tue 8 / (22 / 7);
    # window 09 12 / (22 / 24), window 18 10 / (22 / 24) (1-hour windows).
    cells = pd.DataFrame(
        {"weekday": [0, 0, 1, 1], "hour": [9, 18, 9, 18], "posts": [10, 4, 2, 6],
         "engagement_index": [0.5, 0.5, 0.5, 3.0]}
    )  # fmt: skip
    cells.attrs = {"basis": "all_posts", "posts": 22, "outliers": 0, "spike_days": 0}
    best = best_slots(cells, min_posts=8)
    mon, tue, w09, w18 = 14 * 7 / 22, 8 * 7 / 22, 12 * 24 / 22, 10 * 24 / 22
    got = best[["weekday_name", "window", "expected_index"]].values.tolist()
    assert got == [
        ["Mon", "09-10", pytest.approx(mon * w09)],
        ["Mon", "18-19", pytest.approx(mon * w18)],
        ["Tue", "09-10", pytest.approx(tue * w09)],
        ["Tue", "18-19", pytest.approx(tue * w18)],
    ]
    assert (best["basis"] == "all_posts").all()
    cells.attrs["basis"] = "brand_proactive"  # the same cells as brand posts: engagement
    assert best_slots(cells, min_posts=8).loc[0, ["weekday_name", "window"]].tolist() == [
        "Tue",
        "18-19",
    ]


@pytest.mark.parametrize("seed", range(5))
def test_best_slots_find_the_sample_s_best_times(seed: int) -> None:
    """The sample's proactive posts do best Tue-Thu at 11-13 and 18-20 local time (crisis
    statements on the outage day get far more): about 100 posts are enough to find them."""
    from socialcrm_utils.sample import generate_mentions

    mentions = generate_mentions(6000, seed=seed)
    by_slot = engagement_by_slot(mentions, "Europe/Berlin")
    assert by_slot.attrs["basis"] == "brand_proactive" and by_slot.attrs["outliers"] >= 2
    best = best_slots(by_slot, n=3)
    for slot in best.itertuples(index=False):
        hours = set(range(slot.hour, slot.hour + slot.hours))
        assert slot.weekday_name in ("Tue", "Wed", "Thu") and hours & {11, 12, 18, 19}, best


# --------------------------------------------------------------------------------------------
# content_calendar
# --------------------------------------------------------------------------------------------


@pytest.fixture
def slots() -> pd.DataFrame:
    """Three best slots as :func:`best_slots` gives them: Tue 11, Wed 15, Mon 09."""
    return pd.DataFrame(
        {"weekday": [1, 2, 0], "hour": [11, 15, 9], "hours": [1, 1, 1],
         "expected_index": [1.94, 1.2, 0.8]}
    )  # fmt: skip


FAQ = pd.DataFrame(
    {"topic": ["change seat", "Gepäck"], "lang": ["en", "de"], "questions": [3, 2],
     "share": [0.375, 0.5]}
)  # fmt: skip
COMPLAINTS = pd.DataFrame(
    {"topic": ["lost luggage"], "lang": ["en"], "complaints": [5], "share": [0.5],
     "example": ["My bag never arrived in Rome"]}
)  # fmt: skip
VOLUMES = pd.DataFrame(
    {
        "platform": ["instagram", "twitter", "facebook", "trustpilot"],
        "lang": ["de", "en", "en", "en"],
        "mentions": [5, 60, 30, 10],
        "share": [1.0, 0.6, 0.3, 0.1],
    }
)


def test_content_calendar_rows_and_dates_for_a_fixed_start(slots: pd.DataFrame) -> None:
    plan = content_calendar(FAQ, COMPLAINTS, slots, VOLUMES, date(2026, 6, 1), weeks=2)
    assert list(plan.columns) == list(CALENDAR_COLUMNS)
    # Posts k = 0..5: week 0 Tue 11 (best), Wed 15, Mon 09; week 1 the same. Kinds: question,
    # complaint, question, question, complaint, question. FAQ topics in turn: change seat,
    # Gepäck, change seat, Gepäck. English platforms by smooth weighted round robin over
    # twitter 60, facebook 30 (trustpilot: a review site): twitter, facebook, twitter,
    # twitter; German: instagram. Formats turn per platform and kind.
    expected = [
        (date(2026, 6, 1), "09:00", "instagram", "Gepäck", "de", "question", "carousel"),
        (date(2026, 6, 2), "11:00", "twitter", "change seat", "en", "question", "FAQ post"),
        (date(2026, 6, 3), "15:00", "facebook", "lost luggage", "en", "complaint",
         "how-to video"),
        (date(2026, 6, 8), "09:00", "instagram", "Gepäck", "de", "question", "how-to video"),
        (date(2026, 6, 9), "11:00", "twitter", "change seat", "en", "question", "FAQ thread"),
        (date(2026, 6, 10), "15:00", "twitter", "lost luggage", "en", "complaint",
         "status update"),
    ]  # fmt: skip
    got = list(plan.drop(columns=["example", "rationale"]).itertuples(index=False, name=None))
    assert got == expected
    assert plan.loc[2, "example"] == "My bag never arrived in Rome"
    assert plan["example"].isna().sum() == 4  # the FAQ table here has no examples
    assert plan.loc[1, "rationale"] == (
        "FAQ: 3 English questions (38%) ask this; Tue 11:00 has the highest expected "
        "engagement (1.9x an average post); twitter has 60% of English customer posts."
    )
    assert plan.loc[2, "rationale"] == (
        "Proactive: 5 English complaints (50%) are about this; Wed 15:00 has the 2nd-highest "
        "expected engagement (1.2x an average post); facebook has 30% of English customer "
        "posts."
    )
    assert plan.loc[0, "rationale"] == (
        "FAQ: 2 German questions (50%) ask this; Mon 09:00 has the 3rd-highest expected "
        "engagement (0.8x an average post); instagram has 100% of German customer posts."
    )


def test_content_calendar_says_activity_when_the_slots_rest_on_all_posts(
    slots: pd.DataFrame,
) -> None:
    plan = content_calendar(FAQ, None, slots.assign(basis="all_posts"), VOLUMES,
                            date(2026, 6, 1), weeks=1)  # fmt: skip
    assert plan.loc[1, "rationale"] == (
        "FAQ: 3 English questions (38%) ask this; Tue 11:00 has the highest audience activity "
        "(1.9x an average slot); twitter has 60% of English customer posts."
    )
    # best_slots of a table without attrs leaves basis NA: engagement, as before
    unknown = slots.assign(basis=pd.array([pd.NA] * 3, dtype="string"))
    plan = content_calendar(FAQ, None, unknown, VOLUMES, date(2026, 6, 1), weeks=1)
    assert "Tue 11:00 has the highest expected engagement (1.9x" in plan.loc[1, "rationale"]


def test_content_calendar_four_weeks_deterministic(slots: pd.DataFrame) -> None:
    start = date(2026, 6, 3)  # a Wednesday: no post before it, none after four weeks
    plan = content_calendar(FAQ, COMPLAINTS, slots, VOLUMES, start)
    assert len(plan) == 12
    assert plan["date"].min() == start and plan["date"].max() < start + timedelta(weeks=4)
    assert plan["date"].tolist()[:3] == [date(2026, 6, 3), date(2026, 6, 8), date(2026, 6, 9)]
    assert plan["kind"].value_counts().to_dict() == {"question": 8, "complaint": 4}
    # 8 English posts (4 FAQ, 4 complaint), twitter 60 : facebook 30 in turn: tw fb tw tw
    # fb tw tw fb
    english = plan[plan["lang"] == "en"]["platform"].value_counts().to_dict()
    assert english == {"twitter": 5, "facebook": 3}
    pd.testing.assert_frame_equal(plan, content_calendar(FAQ, COMPLAINTS, slots, VOLUMES, start))


def test_content_calendar_without_complaints_or_unknown_language(slots: pd.DataFrame) -> None:
    faq = pd.DataFrame({"topic": ["refund"], "lang": ["fr"], "questions": [1], "share": [1.0]})
    plan = content_calendar(faq, None, slots, VOLUMES, date(2026, 6, 1), weeks=1)
    # no French volumes: all languages (twitter 60 of 105 posts)
    assert plan["kind"].tolist() == ["question"] * 3
    # twitter 60, facebook 30, instagram 5: posts k0 (Tue), k1 (Wed), k2 (Mon) get twitter,
    # facebook, twitter; sorted by date: Mon, Tue, Wed
    assert plan["platform"].tolist() == ["twitter", "twitter", "facebook"]
    assert plan.loc[1, "rationale"].endswith("twitter has 57% of customer posts.")  # 60/105


def test_content_calendar_empty_inputs(slots: pd.DataFrame) -> None:
    start = date(2026, 6, 1)
    reviews_only = VOLUMES[VOLUMES["platform"] == "trustpilot"]
    for plan in (
        content_calendar(FAQ.iloc[0:0], COMPLAINTS.iloc[0:0], slots, VOLUMES, start),
        content_calendar(FAQ, COMPLAINTS, slots.iloc[0:0], VOLUMES, start),  # no brand posts
        content_calendar(FAQ, COMPLAINTS, slots, reviews_only, start),
        content_calendar(FAQ, COMPLAINTS, slots, VOLUMES, start, weeks=0),
    ):
        assert plan.empty and list(plan.columns) == list(CALENDAR_COLUMNS)
    with pytest.raises(ValueError, match="max_platforms"):
        content_calendar(FAQ, COMPLAINTS, slots, VOLUMES, start, max_platforms=0)
    with pytest.raises(ValueError, match="share"):
        content_calendar(FAQ.drop(columns="share"), None, slots, VOLUMES, start)


def test_the_vocabulary_shortcut_asks_the_same_questions():
    """With thousands of excluded names the exclusion pattern is slow (step 6 at 1M mentions
    took 1,023 s); the vocabulary shortcut skips it for sentences holding another word and must
    give exactly the same sentences."""
    from socialcrm_utils.steps.content.questions import questions_asked, term_vocabulary
    from socialcrm_utils.steps.content.text import term_pattern

    terms = ["ACME Air", "@acmeair", "Anna", "Jo-Anne", "a320"]
    pattern, vocabulary = term_pattern(terms), term_vocabulary(terms)
    texts = [
        "acme air? Anna?",  # only excluded terms: nothing asked
        "Jo-Anne, a320?",  # a hyphenated name and a term with digits: nothing asked
        "Is the air conditioning on? ACME AIR?",  # "conditioning" is not excluded
        "Anna, where is my bag? https://x.example/why?",
        "Anna? b320?",
    ]
    for text in texts:
        assert questions_asked(text, pattern, "en", vocabulary) == questions_asked(
            text, pattern, "en"
        )
    assert [questions_asked(t, pattern, "en", vocabulary) for t in texts] == [
        [],
        [],
        ["Is the air conditioning on?"],
        ["Anna, where is my bag?"],
        ["b320?"],  # "b" is no excluded word
    ]


def test_excluded_terms_substitute_like_the_whole_pattern():
    """ExcludedTerms builds patterns of only the terms that can match a sentence (step 6 at 1M
    mentions compiled one pattern of 59,000 names for two sentences): the same text out as the
    pattern of every term, also where re.IGNORECASE folds letters str.lower does not."""
    from socialcrm_utils.steps.content.questions import (
        ExcludedTerms,
        questions_asked,
        term_vocabulary,
    )
    from socialcrm_utils.steps.content.text import term_pattern

    terms = ["ACME Air", "@acmeair", "#acme", "Anna", "Jo-Anne", "a320", "747", "sam",
             "ſusi", "Kai", " @ Bob "]  # fmt: skip
    pattern, prepared = term_pattern(terms), ExcludedTerms(terms)
    vocabulary = term_vocabulary(terms)
    sentences = [
        "acme air? Anna?", "Jo-Anne, a320?", "Is ACME AIR's 747 late?", "@acmeair #acme?",
        "ſam?", "SAM and Sam?", "susi?", "SUSI?", "\u212aai?", "İanna?", "Bob? bob?",
        "anna-maria?", "www.acme.com/anna?", "Ärger mit Anna?", "",
    ]  # fmt: skip
    for sentence in sentences:
        assert prepared.sub(" ", sentence) == pattern.sub(" ", sentence), sentence
        assert questions_asked(sentence, prepared, "en") == questions_asked(
            sentence, pattern, "en", vocabulary
        )
    # Known answers: "ſam" is "sam" to re.IGNORECASE (the whole pattern ran); "acme air?
    # Anna?" needed a pattern of only acme air, acme and anna.
    assert prepared.sub("_", "ſam?") == "_?"
    assert prepared.sub("_", "SAM and Sam?") == "_ and _?"
    assert prepared.sub("_", "Anna-Maria, acme air?") == "_-Maria, _?"
    assert questions_asked("acme air? Anna? Anna, why?", prepared, "en") == ["Anna, why?"]
    assert prepared.vocabulary >= {"acme", "air", "anna", "jo", "bob"}


def test_texts_to_cluster_per_distinct_text_gives_every_row():
    """Display texts, keys and question sentences are computed once per distinct text (and
    language) and spread back to every mention, missing texts and languages included."""
    from socialcrm_utils.steps.content.faq import _texts_to_cluster

    df = pd.DataFrame({
        "mention_id": ["1", "2", "3", "4", "5"], "is_brand": False, "intent": "question",
        "lang": ["en-US", "en", None, "de", "en"],
        "text": ["@acme Is wifi free?", "@acme Is wifi free?", "Is wifi free?", None,
                 "Anna? Who is Anna?"],
    })  # fmt: skip
    frame = _texts_to_cluster(df, "question", ("acme", "anna"))
    assert frame["mention_id"].tolist() == ["1", "2", "3", "5"]
    assert frame["lang"].tolist() == ["en", "en", "und", "en"]
    assert frame["display"].tolist() == ["Is wifi free?"] * 3 + ["Anna? Who is Anna?"]
    assert frame["words_text"].tolist() == ["Is wifi free?"] * 3 + ["Who is Anna?"]
    assert frame["key"].tolist() == ["is wifi free"] * 3 + ["anna who is anna"]


def test_tokenize_clauses_boundaries_in_one_scan():
    """Clause boundaries and words are found in one scan: the same clauses as splitting at the
    boundaries first (dashes and slashes between spaces end a clause, inside a word they
    do not); repeated words are judged once and give the same answer."""
    from socialcrm_utils.nlp.tokens import tokenize_clauses

    text = "Check-in app -- broken / gate B12 closed; staff's rude!! (lounge) legroom - cramped"
    expected = [["check-in", "app"], ["broken"], ["gate", "b12", "closed"], ["staff", "rude"],
                ["lounge"], ["legroom"], ["cramped"]]  # fmt: skip
    assert tokenize_clauses(text, "en") == expected
    assert tokenize_clauses(text, "en") == expected  # second time from the memo
    assert tokenize_clauses("x -y z - w", "en", ["acme"]) == []  # nothing of 3+ letters
    assert tokenize_clauses("lounge -bar lounge", "en", ["bar"]) == [["lounge", "lounge"]]
    assert tokenize_clauses("Seat – window/aisle | legroom: cramped", "en") == [
        ["seat"], ["window", "aisle"], ["legroom"], ["cramped"]]  # fmt: skip
