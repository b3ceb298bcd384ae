"""steps.prepare (step 1): language detection, near-duplicate and retweet flags, normalize_mentions,
and the hand-over of started scores to score_mentions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import psutil
import pytest
from py3langid.langid import LanguageIdentifier

from socialcrm_utils.nlp import parallel, sentiment
from socialcrm_utils.playbook import Playbook, load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.steps import listening
from socialcrm_utils.steps import prepare as normalize
from socialcrm_utils.steps.listening import score_mentions
from socialcrm_utils.steps.prepare import (
    UNDETERMINED,
    detect_language,
    flag_near_duplicates,
    normalize_mentions,
    normalize_text,
    prepare_and_start_scores,
    prepare_mentions,
)

ENGLISH = [
    "My flight was delayed for three hours and nobody told us anything.",
    "Where is my luggage? I have been waiting since yesterday.",
    "Thanks for the quick help, great service!",
    "Can you tell me how to change my booking?",
    "The app keeps crashing when I try to check in.",
]
GERMAN = [
    "Mein Zug hatte schon wieder 40 Minuten Verspätung.",
    "Wo ist mein Koffer? Ich warte seit gestern.",
    "Vielen Dank für die schnelle Hilfe!",
    "Wie kann ich meine Buchung ändern?",
    "Die App stürzt ständig ab, wenn ich einchecken will.",
]


def test_detect_language_english_and_german():
    texts = pd.Series(ENGLISH + GERMAN, index=range(100, 110))
    result = detect_language(texts)
    assert result.index.tolist() == list(range(100, 110))
    assert str(result.dtype) == "string"
    assert result.tolist() == ["en"] * 5 + ["de"] * 5


def test_detect_language_undetermined_and_mixed():
    texts = pd.Series(
        [
            "",
            "   ",
            None,
            "👍🙏🔥",
            "ok",
            "https://t.co/abc @AcmeAir #1",
            "@DB_Bahn super service, thanks a lot, aber der Zug war wieder zu spät",
            "RT @anna: Where is my bag? https://t.co/x",
        ]
    )
    result = detect_language(texts).tolist()
    assert result[:6] == [UNDETERMINED] * 6
    assert result[6] in ("de", "en")  # mixed: one of the two, never a third language
    assert result[7] == "en"  # the retweet prefix and the URL are not read


def test_detect_language_only_chooses_allowed_languages():
    texts = pd.Series(["Où est ma valise ? J'attends depuis hier soir.", *ENGLISH[:2]])
    assert detect_language(texts)[0] == "fr"  # French is in the default set
    restricted = detect_language(texts, allowed=("en", "de"))
    assert restricted[0] in ("en", "de", UNDETERMINED)
    assert restricted[1:].tolist() == ["en", "en"]
    with pytest.raises(ValueError, match="xx"):
        detect_language(texts, allowed=("en", "xx"))
    with pytest.raises(ValueError, match="at least one"):
        detect_language(texts, allowed=())


def test_detect_language_classifies_each_distinct_text_once(monkeypatch):
    calls = []
    original = LanguageIdentifier.classify

    def spy(self, text):
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(LanguageIdentifier, "classify", spy)
    texts = pd.Series(
        [ENGLISH[0]] * 1000 + [GERMAN[0]] * 1000 + [f"RT @user{i}: {GERMAN[1]}" for i in range(50)]
    )
    result = detect_language(texts)
    assert len(calls) == 3  # three cleaned texts, 2,050 rows
    assert result.value_counts().to_dict() == {"de": 1050, "en": 1000}


def test_detect_language_long_text_does_not_crash():
    result = detect_language(pd.Series(["Der Zug ist schon wieder ausgefallen. " * 1400]))
    assert result.tolist() == ["de"]


def test_normalize_text_key():
    texts = pd.Series(
        [
            "RT @anna: Where is MY bag?! https://t.co/x @AcmeAir",
            "where is my bag",
            "Wo ist mein Koffer? 🙄",
            None,
        ]
    )
    assert normalize_text(texts).tolist() == [
        "whereismybag",
        "whereismybag",
        "woistmeinkoffer",
        pd.NA,
    ]


def test_normalize_text_two_passes_equal_the_single_pattern():
    # normalize_text removes prefixes, URLs and handles first, then separators; the documented
    # single pattern (_NOT_KEY) must give the same keys, also on the edge cases.
    from socialcrm_utils.steps.prepare import _NOT_KEY

    texts = pd.Series(
        [
            "RT @a: RT @b hi",
            "x@y.com",
            "a_@b_c",
            "@http://x.com",
            "!!http://x.y/z?q=1 ok",
            "foowww.bar.de baz",
            "HTTP://LOUD.example",
            "__init__",
            "@",
            "@@x",
            " RT @x: y",
            "Grüße aus Köln 🙂 #Bahn",
            "a.b-c,d",
            "ünïcödé_wörds @Ünï",
            "tab\tand\nnewline",
        ]
    )
    expected = texts.str.replace(_NOT_KEY, "", regex=True).str.lower()
    assert normalize_text(texts).tolist() == expected.tolist()


def _mentions() -> pd.DataFrame:
    rows = [  # (mention_id, created_at, text)
        ("c", "2026-03-01 10:05", "My flight LH123 was cancelled and nobody helps! https://t.co/a"),
        ("a", "2026-03-01 10:00", "my flight lh123 was cancelled, and nobody helps"),
        ("b", "2026-03-01 10:10", "RT @angry: My flight LH123 was cancelled and nobody helps!"),
        ("d", "2026-03-01 10:20", "@AcmeAir my flight LH123 was cancelled and nobody helps!!!"),
        ("e", "2026-03-01 10:30", "Ok 👍"),
        ("f", "2026-03-01 10:31", "ok"),
        ("g", "2026-03-01 10:40", "Completely different complaint about the lounge"),
    ]
    frame = pd.DataFrame(rows, columns=["mention_id", "created_at", "text"])
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.astype({"mention_id": "string", "text": "string"})


def test_flag_near_duplicates_points_to_the_earliest_post():
    mentions = _mentions()
    before = mentions.copy()
    out = flag_near_duplicates(mentions)
    pd.testing.assert_frame_equal(mentions, before)  # input untouched
    assert len(out) == len(mentions)  # flagged, never dropped
    flags = out.set_index("mention_id")
    assert flags["duplicate_of"].fillna("-").to_dict() == {
        "c": "a",
        "a": "-",
        "b": "a",
        "d": "a",  # "a" is earliest although not first
        "e": "-",
        "f": "-",  # too short to call a copy
        "g": "-",
    }
    assert flags["is_retweet"].to_dict() == {k: k == "b" for k in "cabdefg"}
    assert str(out["duplicate_of"].dtype) == "string"


def test_flag_near_duplicates_without_timestamps_uses_row_order_and_handles_edges():
    texts = ["Copy paste campaign text here!", "copy paste campaign text here", None]
    frame = pd.DataFrame({"mention_id": ["1", "2", "3"], "text": texts})
    assert flag_near_duplicates(frame)["duplicate_of"].tolist() == [pd.NA, "1", pd.NA]
    empty = flag_near_duplicates(frame.iloc[:0])
    assert empty.columns.tolist()[-2:] == ["duplicate_of", "is_retweet"] and empty.empty
    shorts = flag_near_duplicates(pd.DataFrame({"mention_id": ["1", "2"], "text": ["ok", "ok"]}))
    assert shorts["duplicate_of"].isna().all()
    missing = flag_near_duplicates(pd.DataFrame({"mention_id": ["1", "2"], "text": [None, None]}))
    assert missing["duplicate_of"].isna().all() and not missing["is_retweet"].any()
    # keys compared per distinct text: two different texts with one key are copies
    bag = "Where is my bag, the blue one?!"  # key "whereismybagtheblueone": 22 >= 20
    texts = [bag, bag.lower().rstrip("?!"), bag, "another text, long enough"]
    frame = pd.DataFrame({"mention_id": ["a", "b", "c", "d"], "text": texts})
    duplicate_of = flag_near_duplicates(frame)["duplicate_of"]
    assert duplicate_of.isna().tolist() == [True, False, False, True]
    assert duplicate_of.dropna().tolist() == ["a", "a"]


def test_flag_near_duplicates_long_text():
    text = "Eine sehr lange Beschwerde über den Kundenservice. " * 1000  # 50,000+ characters
    frame = pd.DataFrame({"mention_id": ["1", "2"], "text": [text, text.upper()]})
    assert flag_near_duplicates(frame)["duplicate_of"].tolist() == [pd.NA, "1"]


def test_normalize_mentions(write_playbook):
    path = write_playbook(
        """
        client: acme
        name: ACME
        language: de
        brand: {handles: ["@AcmeAir"], terms: ["acme air"], competitors: {Globex: ["globex"]}}
        sources: [{kind: file, path: mentions.csv}]
        """
    )
    playbook = load_playbook(path, check_files=False)
    mentions = _mentions()
    mentions["lang"] = pd.Series(["EN-us", None, None, None, None, "", None], dtype="string")
    mentions.loc[6, "text"] = "Globex hat die bessere Lounge als ACME Air, leider"
    before = mentions.copy()
    out = normalize_mentions(mentions, playbook)
    pd.testing.assert_frame_equal(mentions, before)
    assert out["lang"].tolist() == ["en", "en", "en", "en", UNDETERMINED, UNDETERMINED, "de"]
    assert out["duplicate_of"].tolist()[:4] == ["a", pd.NA, "a", "a"]
    assert out["mentions_brand"].tolist() == [False, False, False, True, False, False, True]
    assert out["competitor"].tolist()[-1] == "Globex"
    assert list(out.columns[: len(mentions.columns)]) == list(mentions.columns)


def test_default_languages_are_known_to_the_model():
    assert detect_language(
        pd.Series(["hello world, how are you"]), allowed=normalize.DEFAULT_LANGUAGES
    ).tolist() == ["en"]


# --- prepare_and_start_scores: the explicit hand-over to score_mentions ----------------------

TINY = Path(__file__).parent / "fixtures" / "tiny" / "tiny.yaml"


@pytest.fixture
def tiny_raw() -> tuple[Playbook, pd.DataFrame]:
    """The tiny fixture's playbook and its mentions as imported (with ``text``)."""
    playbook = load_playbook(TINY)
    return playbook, read_mentions(playbook).mentions


def _children() -> list[psutil.Process]:
    return [
        p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE
    ]


def _must_not_start(*args: object, **kwargs: object) -> None:
    raise AssertionError("scores were started again")


@pytest.mark.parametrize("in_workers", [False, True], ids=["here", "workers"])
def test_prepare_and_start_scores_hands_over_the_scores_score_mentions_computes(
    monkeypatch, tiny_raw, in_workers
):
    if in_workers:  # the 12 tiny mentions go to two worker processes
        monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
        monkeypatch.setattr(sentiment, "PARALLEL_MIN_TEXTS", 2)
        monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    playbook, raw = tiny_raw
    expected_prepared = prepare_mentions(raw, playbook)
    expected = score_mentions(expected_prepared, playbook)
    mentions, scores = prepare_and_start_scores(raw, playbook)
    assert scores.text.notna().sum() == len(raw) == 12
    pd.testing.assert_frame_equal(mentions, expected_prepared)
    monkeypatch.setattr(listening, "start_text_scores", _must_not_start)
    pd.testing.assert_frame_equal(score_mentions(mentions, playbook, started=scores), expected)
    assert _children() == []  # collected: the handle's workers have stopped


def test_scores_started_for_other_mentions_are_dropped(tiny_raw, caplog):
    playbook, raw = tiny_raw
    mentions, scores = prepare_and_start_scores(raw, playbook)
    fewer = mentions.iloc[:-1]
    out = score_mentions(fewer, playbook, started=scores)
    assert "scoring again" in caplog.text
    pd.testing.assert_frame_equal(out, score_mentions(fewer, playbook))
    assert len(out) == 11


def test_prepare_mentions_starts_no_scores(monkeypatch, tiny_raw):
    from socialcrm_utils.steps import prepare

    monkeypatch.setattr(prepare, "start_text_scores", _must_not_start)
    playbook, raw = tiny_raw
    out = prepare_mentions(raw, playbook)
    assert "text" not in out.columns and out["text_redacted"].notna().all()


def test_near_duplicate_keys_drop_exactly_what_the_non_word_pattern_drops():
    # The key drops every character [\W_]+ would, by a translate table filled from
    # str.isalnum: checked on every code point, and on a text with a bit of everything.
    import re
    import sys

    from socialcrm_utils.steps.prepare import _KEY_CHARACTERS, _key

    separators = re.compile(r"[\W_]+")
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert every.translate(_KEY_CHARACTERS) == separators.sub("", every)
    text = "RT @anna: Zug_fällt aus!! 🚆 12:30 → ½ Ⅻ ٣ x²  https://t.co/x @Bahn"
    assert _key(text) == "zugfälltaus1230½ⅻ٣x²"


def test_workers_started_with_the_playbook_redact_and_score(monkeypatch, tiny_raw):
    from socialcrm_utils.nlp import pii

    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    monkeypatch.setattr(sentiment, "PARALLEL_MIN_TEXTS", 2)
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    playbook, raw = tiny_raw
    assert not normalize.start_scoring_workers(playbook).running  # a small file: no workers
    monkeypatch.setattr(normalize, "EARLY_WORKERS_MIN_BYTES", 1)
    expected_prepared = prepare_mentions(raw, playbook)
    expected = score_mentions(expected_prepared, playbook)
    pools: list[object] = []
    redact_texts = pii.redact_texts
    monkeypatch.setattr(
        pii, "redact_texts", lambda *a, **k: pools.append(k["pool"]) or redact_texts(*a, **k)
    )
    pool = normalize.start_scoring_workers(playbook)
    assert pool.running and pool.wait_ready()
    mentions, scores = prepare_and_start_scores(raw, playbook, pool=pool)
    assert pools == [pool]  # the texts were searched for personal data in the workers
    pd.testing.assert_frame_equal(mentions, expected_prepared)
    monkeypatch.setattr(listening, "start_text_scores", _must_not_start)
    pd.testing.assert_frame_equal(score_mentions(mentions, playbook, started=scores), expected)
    assert _children() == [] and not pool.running  # the scores stopped the pool


def test_file_source_bytes_counts_the_playbooks_files(tiny_raw):
    from socialcrm_utils.playbook import file_source_bytes

    playbook, _ = tiny_raw
    files = [s.path for s in playbook.sources if getattr(s, "path", None) is not None]
    assert file_source_bytes(playbook) == sum(Path(f).stat().st_size for f in files) > 0
