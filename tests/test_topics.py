"""Unit tests of weekly topics (socialcrm_utils.nlp.topics) on a hand-built two-week fixture.

Fixture (times UTC, weeks in Europe/Berlin): ISO week 2026-W42 starts Monday 2026-10-12,
2026-W43 on 2026-10-19.

* W42 English, 6 customer posts: "lost luggage" in 4, "seat" in 2.
* W43 English, 5 customer posts: "refund" in 3, "lounge" in 2 (one of them posted Sunday
  2026-10-18 23:30 UTC, which is Monday 01:30 in Berlin, so W43).
* W42 German, 4 posts: "Koffer" in 3; W43 German, 4 posts: "Erstattung" in 3, "Verspätung" in 2.
* Brand posts that would dominate both weeks ("seat" six times) are ignored.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.nlp.tokens import exclusions, lang_key, stop_words, tokenize, tokenize_clauses
from socialcrm_utils.nlp.topics import TOPIC_COLUMNS, weekly_topics

TZ = "Europe/Berlin"


def fixture_posts() -> pd.DataFrame:
    rows = [
        # W42, English
        ("2026-10-12 08:00", "en", False, "@AcmeAir lost luggage in Munich, nobody helps"),
        ("2026-10-12 09:00", "en", False, "Lost luggage again. Third time this year!"),
        ("2026-10-13 10:00", "en", False, "Still no news about my lost luggage"),
        ("2026-10-14 11:00", "en", False, "lost luggage desk closed at the airport"),
        ("2026-10-15 12:00", "en", False, "Can I choose my seat online?"),
        ("2026-10-16 13:00", "en", False, "Paid for a seat and got the middle one"),
        # W43, English (the first one is Monday 01:30 local)
        ("2026-10-18 23:30", "en", False, "Where is my refund? Waiting for weeks"),
        ("2026-10-19 09:00", "en", False, "refund request ignored"),
        ("2026-10-20 10:00", "en", False, "Is the lounge open in Frankfurt?"),
        ("2026-10-21 11:00", "en", False, "Refund please, flight was cancelled"),
        ("2026-10-22 12:00", "en", False, "lounge was great"),
        # W42, German
        ("2026-10-12 08:30", "de", False, "Mein Koffer ist nicht angekommen"),
        ("2026-10-13 08:30", "de", False, "Koffer weg, wer hilft?"),
        ("2026-10-14 08:30", "de", False, "Wo ist mein Koffer??"),
        ("2026-10-15 08:30", "de", False, "Tolles Essen an Bord"),
        # W43, German
        ("2026-10-19 08:30", "de", False, "Wann kommt meine Erstattung?"),
        ("2026-10-20 08:30", "de", False, "Erstattung seit Wochen offen, Verspätung 5 Stunden"),
        ("2026-10-21 08:30", "de", False, "Keine Erstattung erhalten"),
        ("2026-10-22 08:30", "de", False, "Verspätung in Hamburg"),
        # brand posts: ignored
        *[
            (f"2026-10-{d} 10:00", "en", True, "Choose your seat: seat upgrade, seat map")
            for d in (12, 13, 14, 19, 20, 21)
        ],
    ]
    return pd.DataFrame(
        {
            "created_at": pd.to_datetime([r[0] for r in rows], utc=True),
            "lang": [r[1] for r in rows],
            "is_brand": [r[2] for r in rows],
            "text": [r[3] for r in rows],
        }
    )


def top(out: pd.DataFrame, week: str, lang: str) -> list[tuple[str, int]]:
    part = out[(out["week"] == week) & (out["lang"] == lang)].sort_values("rank")
    assert part["rank"].tolist() == list(range(1, len(part) + 1))
    return list(zip(part["term"], part["mentions"], strict=True))


def test_top_terms_per_week_english() -> None:
    out = weekly_topics(fixture_posts(), TZ, n=3)
    assert top(out, "2026-W42", "en") == [("lost luggage", 4), ("seat", 2)]
    assert top(out, "2026-W43", "en") == [("refund", 3), ("lounge", 2)]


def test_top_terms_per_week_german() -> None:
    out = weekly_topics(fixture_posts(), TZ, n=3)
    assert top(out, "2026-W42", "de") == [("koffer", 3)]
    assert top(out, "2026-W43", "de") == [("erstattung", 3), ("verspätung", 2)]


def test_columns_week_start_and_share() -> None:
    out = weekly_topics(fixture_posts(), TZ, n=1)
    assert list(out.columns) == list(TOPIC_COLUMNS)
    assert out[["week", "lang", "term"]].values.tolist() == [
        ["2026-W42", "de", "koffer"],
        ["2026-W42", "en", "lost luggage"],
        ["2026-W43", "de", "erstattung"],
        ["2026-W43", "en", "refund"],
    ]
    assert out["week_start"].tolist() == [dt.date(2026, 10, 12)] * 2 + [dt.date(2026, 10, 19)] * 2
    assert out["share"].tolist() == pytest.approx([3 / 4, 4 / 6, 3 / 4, 3 / 5])
    assert out["rank"].tolist() == [1, 1, 1, 1]


def test_words_of_a_phrase_are_absorbed_but_frequent_words_stay() -> None:
    out = weekly_topics(fixture_posts(), TZ, n=10)
    w42 = [t for t, _ in top(out, "2026-W42", "en")]
    assert "lost luggage" in w42 and "lost" not in w42 and "luggage" not in w42


def test_brand_posts_are_ignored() -> None:
    posts = fixture_posts()
    out = weekly_topics(posts, TZ, n=5)
    assert ("seat", 2) in top(out, "2026-W42", "en")
    assert "seat" not in [t for t, _ in top(out, "2026-W43", "en")]


def test_redacted_text_is_used_and_placeholders_never_become_topics() -> None:
    posts = fixture_posts()
    posts["text_redacted"] = posts["text"] + " [EMAIL] [PHONE], [BOOKING]"
    posts["text"] = "original text must not be read"
    out = weekly_topics(posts, TZ, n=10)
    assert not out["term"].str.contains("email|phone|booking|original|text").any()
    assert top(out, "2026-W42", "en")[0] == ("lost luggage", 4)


def test_exclude_terms_and_min_mentions() -> None:
    out = weekly_topics(fixture_posts(), TZ, n=5, exclude_terms=["refund"])
    assert top(out, "2026-W43", "en") == [("lounge", 2)]
    out = weekly_topics(fixture_posts(), TZ, n=2, min_mentions=1)
    assert top(out, "2026-W42", "de") == [("koffer", 3), ("angekommen", 1)]


def test_iso_week_at_the_turn_of_the_year() -> None:
    posts = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-12-31 12:00", "2027-01-01 12:00"], utc=True),
            "text": ["lost luggage", "lost luggage"],
            "lang": ["en", "en"],
            "is_brand": [False, False],
        }
    )
    out = weekly_topics(posts, TZ)
    assert out[["week", "week_start", "term", "mentions"]].values.tolist() == [
        ["2026-W53", dt.date(2026, 12, 28), "lost luggage", 2]
    ]


def test_unknown_language_and_empty_input() -> None:
    posts = fixture_posts().assign(lang=None)
    out = weekly_topics(posts, TZ, n=1)
    assert set(out["lang"]) == {"und"}
    empty = weekly_topics(fixture_posts().iloc[0:0], TZ)
    assert empty.empty and list(empty.columns) == list(TOPIC_COLUMNS)
    only_brand = weekly_topics(fixture_posts().query("is_brand"), TZ)
    assert only_brand.empty


def test_input_is_not_modified_and_errors() -> None:
    posts = fixture_posts()
    before = posts.copy()
    weekly_topics(posts, TZ)
    pd.testing.assert_frame_equal(posts, before)
    with pytest.raises(ValueError, match="n and min_mentions"):
        weekly_topics(posts, TZ, n=0)
    with pytest.raises(ValueError, match="created_at"):
        weekly_topics(posts.drop(columns="created_at"), TZ)


# --------------------------------------------------------------------------------------------
# The tokenizer behind the topics (socialcrm_utils.nlp.tokens)
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
    assert lang_key("DE_at") == "de" and lang_key("fr") == "" and lang_key(None) == ""


def test_tokenize_multiword_exclude_term_is_removed_only_as_a_phrase() -> None:
    assert tokenize("Acme Air: is the air conditioning on?", "en", ["acme air"]) == [
        "air",
        "conditioning",
    ]
    assert tokenize("only 12 of 2024 ok", "en") == []  # digits-only and short tokens
    assert tokenize(pd.NA, "en") == []  # type: ignore[arg-type]


def test_tokenize_clauses_split_at_punctuation_and_excluded_phrases() -> None:
    assert tokenize_clauses("Can I change my seat? Online, or at the airport?", "en") == [
        ["change", "seat"],
        ["online"],
        ["airport"],
    ]
    # the excluded phrase ends a clause: no "lounge" + "wifi" pair across it
    assert tokenize_clauses("lounge acme air wifi", "en", ["acme air"]) == [["lounge"], ["wifi"]]
    assert tokenize_clauses("", "en") == [] and tokenize_clauses(None, "de") == []


def test_prepared_exclusions_cut_the_same_phrases_as_one_pattern_of_all() -> None:
    # Handles split into phrases ("meilensammler_ham10" -> meilensammler ham10); only phrases
    # whose first word is in a text are tried, longest first, as one pattern of all would.
    terms = ["Meilensammler_HAM10", "meilensammler ham", "acme air", "acme air help", "Anna-Lena"]
    prepared = exclusions(terms)
    assert prepared.singles == {"anna-lena"} and len(prepared.phrases) == 4
    cases = {
        "meilensammler ham10 lounge": [["lounge"]],
        "meilensammler ham lounge": [["lounge"]],
        "meilensammler_ham10 lounge": [["meilensammler", "ham10", "lounge"]],  # "_": no gap
        "xmeilensammler ham10": [["xmeilensammler", "ham10"]],
        "acme air help desk, acme air wifi": [["desk"], ["wifi"]],
        "anna-lena meilensammler": [["meilensammler"]],
    }
    for text, expected in cases.items():
        assert tokenize_clauses(text, "en", prepared) == expected, text
        assert tokenize_clauses(text, "en", terms) == expected, text  # terms work as before
    assert exclusions(prepared) is prepared


def test_stop_words_keep_words_and_the_old_import_path() -> None:
    assert "order" not in stop_words("en") and "the" in stop_words("en")
    assert "gibt" in stop_words("de")  # DOMAIN_STOP_WORDS
    assert "und" in stop_words("") and "the" in stop_words("xx")
    # step modules import nlp/, never the reverse; content re-exports the same function
    from socialcrm_utils.nlp import topics
    from socialcrm_utils.steps import content

    assert content.tokenize is tokenize
    assert "socialcrm_utils.content" not in {
        getattr(v, "__module__", "") for v in vars(topics).values()
    }


def test_term_counts_are_those_of_nltk_from_documents() -> None:
    # Posts of two groups over four distinct documents (one empty), some posted twice; counted
    # by hand and equal to what BigramCollocationFinder.from_documents counts over the posts.
    from nltk.collocations import BigramCollocationFinder

    from socialcrm_utils.nlp.topics import _term_counts

    docs = [["lost", "bag", "lost", "bag"], ["bag"], [], ["bag", "lost"]]
    group = np.array([0, 0, 0, 1, 1, 0])
    doc = np.array([0, 0, 1, 2, 3, 3])
    first, second = _term_counts(group, doc, docs)
    assert first.word_fd == {"lost": 5, "bag": 6} and first.word_df == {"lost": 3, "bag": 4}
    assert first.pair_fd == {("lost", "bag"): 4, ("bag", "lost"): 3}
    assert first.pair_df == {("lost", "bag"): 2, ("bag", "lost"): 3}
    assert second.word_fd == {"lost": 1, "bag": 1} == second.word_df
    assert second.pair_fd == {} == second.pair_df  # ("bag", "lost") once: below the filter
    for g, counts in enumerate((first, second)):
        finder = BigramCollocationFinder.from_documents([docs[d] for d in doc[group == g]])
        assert dict(finder.word_fd) == counts.word_fd
        assert {p: c for p, c in finder.ngram_fd.items() if c >= 2} == counts.pair_fd


def test_posts_without_text_count_in_the_share() -> None:
    posts = pd.DataFrame(
        {
            "created_at": pd.to_datetime(["2026-10-12 09:00"] * 4, utc=True),
            "text": ["lost luggage", None, "Lost luggage!", "lost luggage"],
            "lang": ["en", "en", "EN-gb", None],
            "is_brand": [False, False, False, False],
        }
    )
    # English: three posts (one without text, one "EN-gb"); the NA language is "und"
    out = weekly_topics(posts, TZ, min_mentions=1)
    assert out[["lang", "term", "mentions", "share"]].values.tolist() == [
        ["en", "lost luggage", 2, 2 / 3],
        ["und", "lost", 1, 1.0],
        ["und", "luggage", 1, 1.0],
    ]
