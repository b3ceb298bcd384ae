"""Step 4 brand voice: every rule on small hand-built frames (English and German), the canned
reply count, the per-handle score computed by hand, and the playbook keys behind the rules."""

from __future__ import annotations

import pandas as pd
import pytest

from socialcrm_utils.config import EXAMPLE_PLAYBOOK, TEMPLATE_PLAYBOOK
from socialcrm_utils.exceptions import PlaybookValidationError
from socialcrm_utils.nlp.length import count_length, find_too_long, weighted_upper_bound
from socialcrm_utils.nlp.pii import private_channel_reply
from socialcrm_utils.nlp.voice import (
    EXAMPLE_COLUMNS,
    RULES,
    SCORE_COLUMNS,
    VIOLATION_COLUMNS,
    brand_replies,
    check_voice,
    normalize_reply,
)
from socialcrm_utils.playbook import Voice, load_playbook
from socialcrm_utils.steps.voice import voice_scores, worst_examples

# Every rule off: each test switches on the one it checks.
OFF = {"must_offer_private_channel_for_pii": False}


def thread(*replies: str | dict, platform: str = "twitter") -> pd.DataFrame:
    """A customer post ``c0`` by Anna Schmidt and brand replies ``b1``, ``b2`` ... to it.

    A reply is its text, or a dict overriding columns (``platform``, ``author_id``,
    ``created_at``, ``sentiment``, ``in_reply_to_id`` ...). Replies are a minute apart.
    """
    start = pd.Timestamp("2026-09-01 10:00", tz="UTC")
    rows = [
        {"mention_id": "c0", "platform": platform, "author_id": "anna_s",
         "author_name": "Anna Schmidt", "text_redacted": "Where is my bag?", "lang": "en",
         "is_brand": False, "in_reply_to_id": None, "created_at": start}
    ]  # fmt: skip
    for i, reply in enumerate(replies, start=1):
        row = {"mention_id": f"b{i}", "platform": platform, "author_id": "AcmeAirHelp",
               "author_name": "ACME Air Help", "lang": "en", "is_brand": True,
               "in_reply_to_id": "c0", "created_at": start + pd.Timedelta(minutes=i)}  # fmt: skip
        row.update({"text_redacted": reply} if isinstance(reply, str) else reply)
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["url"] = "https://x.example.com/status/" + frame["mention_id"]
    return frame


def flagged(mentions: pd.DataFrame, rule: str, **voice: object) -> list[str]:
    """Mention ids that break ``rule`` with only the given voice keys (and no other rule)."""
    violations = check_voice(mentions, Voice(**{**OFF, **voice}))
    assert set(violations["rule"]) <= {rule}
    return violations["mention_id"].tolist()


# --- brand replies ---------------------------------------------------------------------------


def test_brand_replies_are_brand_posts_that_answer_another_post():
    mentions = thread(
        "@anna_s Hi Anna", {"text_redacted": "New route to Oslo!", "in_reply_to_id": None}
    )
    other = {"mention_id": "x", "is_brand": False, "author_id": "acmeair"}
    mentions.loc[len(mentions)] = {**mentions.iloc[1].to_dict(), **other}
    assert brand_replies(mentions)["mention_id"].tolist() == ["b1"]  # b2 broadcast, x not brand
    # A handle makes its author the brand's; a conversation other than its own is a reply too.
    assert brand_replies(mentions, handles=["@AcmeAir"])["mention_id"].tolist() == ["b1", "x"]
    linked = mentions.assign(in_reply_to_id=None, conversation_id=["c0", "c0", "b2", "c0"])
    assert brand_replies(linked)["mention_id"].tolist() == ["b1"]
    # Without reply links every brand post is checked.
    assert brand_replies(mentions.drop(columns="in_reply_to_id"))["mention_id"].tolist() == [
        "b1",
        "b2",
    ]


def test_no_replies_gives_empty_violations_with_columns():
    violations = check_voice(thread(), Voice(max_length={"twitter": 1}))
    assert violations.empty and list(violations.columns) == list(VIOLATION_COLUMNS)


def test_violation_row_and_input_unchanged():
    mentions = thread("x" * 281)
    before = mentions.copy()
    violations = check_voice(mentions, Voice(**OFF, max_length={"Twitter": 280}))
    pd.testing.assert_frame_equal(mentions, before)
    assert list(violations.columns) == list(VIOLATION_COLUMNS)
    row = violations.iloc[0]
    assert (row["mention_id"], row["handle"], row["platform"], row["rule"]) == (
        "b1",
        "AcmeAirHelp",
        "twitter",
        "max_length",
    )
    assert row["detail"] == "281 chars > 280 on twitter"
    assert row["excerpt"] == "x" * 119 + "…" and len(row["excerpt"]) == 120
    assert row["url"] == "https://x.example.com/status/b1"
    assert row["created_at"] == pd.Timestamp("2026-09-01 10:01", tz="UTC")


def test_minimal_columns_and_replies_without_text():
    # No reply links, platform, author, time or URL: every brand post is checked.
    mentions = pd.DataFrame(
        {"mention_id": ["1", "2", "3"], "text": ["calm down", None, "  "], "is_brand": True}
    )
    voice = Voice(banned_phrases=["calm down"], greeting=["Hi"], sign_off=["Best,"])
    violations = check_voice(mentions, voice)
    assert violations[["mention_id", "rule"]].values.tolist() == [
        ["1", "banned_phrase"],
        ["1", "greeting"],
        ["1", "sign_off"],
    ]  # replies 2 and 3 have no text to greet or sign with
    assert violations["handle"].isna().all() and violations["created_at"].isna().all()
    assert worst_examples(violations.iloc[0:0]).empty


# --- max_length ------------------------------------------------------------------------------


def test_max_length_per_platform():
    mentions = thread(
        "a" * 280,
        "b" * 281,
        {"text_redacted": "c" * 500, "platform": "facebook"},
        {"text_redacted": "Grüße" * 57, "platform": "Twitter"},  # 285 characters
    )
    violations = check_voice(mentions, Voice(**OFF, max_length={"twitter": 280}))
    assert violations["mention_id"].tolist() == ["b2", "b4"]  # exactly 280 is fine; facebook free
    assert violations["detail"].tolist() == [
        "281 chars > 280 on twitter",
        "285 chars > 280 on Twitter",
    ]


# Texts where the weighted length differs from the characters: links (with and without a
# protocol, t.co, several dots, upper-case and non-ASCII top-level domains), CJK, emoji of one
# and several code points (© weighs 1 as a character and 2 as an emoji), line endings, accents
# to compose, and dots that end no domain.
TRICKY = [
    "see https://example.com/help and www.acme.example.org",
    "EXAMPLE.COM/X t.co/abc123 a.b.c.d.co.uk http://127.0.0.1/x",
    "日本語のテキスト 例え.テスト ｅｘａｍｐｌｅ．ｃｏｍ 中国.中国",
    "© ® ©\ufe0f 1\ufe0f\u20e3 ™ ‼ ↔ 👨\u200d👩\u200d👧 🙋🏽 ✈️",
    "line\r\nbreak\rand\n e\u0301 Gru\u0308sse ‘quote’ … €",
    "1.240 € z.B. Nr. 3. ok.. ...",
    "",
    "a.co",  # the shortest link: 4 characters count 23, the bound's 19 more exactly
    "B.CO",
    "x.みんな",  # a non-ASCII top-level domain
    "ab.\u017fu",  # the long s matches "s" ("su") case-insensitively
    "©",  # an emoji of one light code point
]


def test_weighted_upper_bound_is_never_below_the_weighted_length():
    texts = pd.Series([*TRICKY, *(t * 7 for t in TRICKY), None], dtype="string")
    true = count_length(texts, "twitter")
    bound = weighted_upper_bound(texts)
    assert (bound >= true).fillna(True).all()
    assert bound.isna().tolist() == true.isna().tolist()
    exact = pd.Series(["a.co", "B.CO", "©", "日本", "plain words"])
    assert weighted_upper_bound(exact).tolist() == count_length(exact, "twitter").tolist()
    # Every code point of the weight-1 ranges and a few beyond, alone and after a letter.
    points = pd.Series([chr(c) for c in [*range(1, 0x1200), *range(0x2000, 0x2100), 0x1F600]])
    for sample in (points, "a" + points):
        assert (weighted_upper_bound(sample) >= count_length(sample, "twitter")).all()


@pytest.mark.parametrize("platform", ["twitter", "X", "facebook"])
def test_find_too_long_equals_the_full_count_at_every_limit(platform):
    texts = pd.Series([*TRICKY, *(t * 5 for t in TRICKY), None] * 2, dtype="string")
    length = count_length(texts, platform)
    for shift in (-1, 0, 1, 20):  # limits around each text's own length
        limits = (length - shift).astype("Float64")
        expected = length.where((length.astype("Float64") > limits).fillna(False))
        pd.testing.assert_series_equal(find_too_long(texts, platform, limits), expected)
    assert find_too_long(texts, platform, pd.Series(pd.NA, index=texts.index)).isna().all()


# --- banned phrases --------------------------------------------------------------------------


def test_banned_phrases_case_insensitive_whole_words_en_de():
    mentions = thread(
        "@anna_s Please CALM  DOWN, we are on it.",  # case and spaces
        "Meet us in calm downtown Oslo.",  # not the whole word
        "As I said, calm down.",  # two phrases: two violations
        "Beruhige dich bitte, wir sind dran.",  # German
        "Bitte beruhigen Sie sich.",  # another word: fine
        "Schoenen Tag noch!",  # umlaut phrase, ASCII spelling
    )
    violations = check_voice(
        mentions,
        Voice(
            **OFF, banned_phrases=["calm down", "As I said", "beruhige dich", "schönen Tag noch"]
        ),
    )
    assert violations["mention_id"].tolist() == ["b1", "b3", "b3", "b4", "b6"]
    assert violations["detail"].tolist() == [
        'banned phrase "calm down"', 'banned phrase "calm down"', 'banned phrase "As I said"',
        'banned phrase "beruhige dich"', 'banned phrase "schönen Tag noch"',
    ]  # fmt: skip


# --- greeting and sign-off -------------------------------------------------------------------


def test_greeting_after_mentions_whole_word_en_de():
    mentions = thread(
        "@anna_s Hi Anna, sorry!",  # after the @mention
        "@anna_s @bob hello both",  # two mentions, any case
        "Hilfe ist unterwegs.",  # "Hi" must end at a word boundary
        "Hallo Jana, das tut uns leid.",  # German
        "Das ist ärgerlich, Mia.",  # no greeting
        "Moin Jan!",  # the regex cue
        "@hiroshi.zrh Sorry to hear that.",  # "hi" inside the handle is no greeting
        "@anna@mastodon.social Hallo Anna!",  # a Mastodon mention
    )
    voice = {"greeting": ["Hi", "Hello", "Hallo", {"regex": r"(?i)moin\b"}]}
    assert flagged(mentions, "greeting", **voice) == ["b3", "b5", "b7"]
    detail = check_voice(mentions, Voice(**OFF, **voice))["detail"].iloc[0]
    assert detail == 'no accepted greeting (expected e.g. "Hi", "Hello", "Hallo", /(?i)moin\\b/)'


def test_regex_greeting_is_case_sensitive_unless_it_says_so():
    mentions = thread("@anna_s hi Anna", "@anna_s Hi Anna")
    assert flagged(mentions, "greeting", greeting=[{"regex": "Hi|Hello"}]) == ["b1"]
    assert flagged(mentions, "greeting", greeting=[{"regex": "^(Hi|Hello)"}]) == ["b1"]


def test_sign_off_initials_or_phrase_with_name():
    mentions = thread(
        "@anna_s Sorry to hear that. ^AM",  # initials
        "@anna_s Sorry to hear that. ^am",  # not capitals: the regex is case-sensitive
        "Sorry to hear that. Best, Lukas",  # phrase + a name
        "Das tut uns leid. Viele Grüße, Katrin ✈️",  # German, emoji after the name
        "Das tut uns leid. Viele Gruesse, Katrin",  # umlaut spelled out
        "Best of luck with the rest of your trip",  # more than three words after "Best"
        "Sorry to hear that.",  # nothing
    )
    voice = {"sign_off": [{"regex": r"\^[A-Z]{2}$"}, "Best", "Viele Grüße,"]}
    assert flagged(mentions, "sign_off", **voice) == ["b2", "b6", "b7"]


def test_cues_restricted_to_platforms():
    mentions = thread(
        "Sorry! ^AM",  # twitter: initials accepted there
        "Sorry! Best, Lukas",  # twitter: unrestricted phrases count everywhere
        {"text_redacted": "Sorry! ^AM", "platform": "facebook"},  # initials not accepted here
        {"text_redacted": "Sorry! Best, Lukas", "platform": "facebook"},
    )
    voice = {"sign_off": [{"regex": r"\^[A-Z]{2}", "platforms": ["Twitter"]}, "Best,"]}
    assert flagged(mentions, "sign_off", **voice) == ["b3"]
    violations = check_voice(mentions, Voice(**OFF, **voice))
    assert violations["detail"].tolist() == ['no accepted sign-off (expected e.g. "Best,")']
    # A platform no cue applies to is not checked.
    only_twitter = {"sign_off": [{"regex": r"\^[A-Z]{2}", "platforms": ["twitter"]}]}
    assert flagged(mentions, "sign_off", **only_twitter) == ["b2"]


# --- personal data without a private channel -------------------------------------------------

ASKS_IN_PUBLIC = [
    "Send us your booking reference and we'll check.",
    "@anna_s What's your email address?",
    "Could you tell us your order number?",
    "Can we have your phone number so we can call you back?",
    "We'll need your booking reference to look into this.",
    "Please provide your full name and date of birth.",
    "Reply with your IBAN and we'll refund you.",
    "Booking reference please?",
    "Bitte nenne uns deine Buchungsnummer.",
    "Wie lautet deine Buchungsnummer?",
    "Magst du uns deine Bestellnummer schicken?",
    "Schick uns bitte deine E-Mail-Adresse, dann melden wir uns.",
    "Dafür brauchen wir deine Kundennummer.",
    "Teil uns bitte deine Adresse mit.",
]
ASKS_PRIVATELY = [
    "Send us a DM with your booking number and we'll look into it.",
    "Could you DM us your booking reference?",
    "Please send us a private message with your booking number so we can help.",
    "Please email us your order number.",
    "Please send your booking reference via acme.example.com/contact",
    "Magst du uns per DM deine Buchungsnummer schicken?",
    "Bitte schreib uns eine private Nachricht mit deiner Buchungsnummer.",
    "Schick uns deine Buchungsnummer per PN.",
    "Schick uns deine Buchungsnummer per Direktnachricht.",
    "Bitte nenne uns deine Kundennummer über das Kontaktformular.",
]
DOES_NOT_ASK = [
    "Please don't share your phone number publicly.",
    "You'll find your booking reference in the confirmation e-mail.",
    "Please check your email for the booking confirmation.",
    "Your flight number is AC 123.",
    "Deine Buchungsnummer findest du in der App.",
    "Wir schicken dir deine neue Buchungsnummer gleich.",
    "Bitte teile persönliche Daten nicht öffentlich.",
    "Sorry, the order was delayed. We will send it at 3 pm.",
]


@pytest.mark.parametrize(
    ("texts", "expected"),
    [(ASKS_IN_PUBLIC, True), (ASKS_PRIVATELY, False), (DOES_NOT_ASK, False)],
    ids=["asks-in-public", "asks-privately", "does-not-ask"],
)
def test_private_channel_for_personal_data(texts, expected):
    ids = flagged(thread(*texts), "private_channel", must_offer_private_channel_for_pii=True)
    assert ids == ([f"b{i}" for i in range(1, len(texts) + 1)] if expected else [])


def test_private_channel_detail_names_data_and_platform_channel():
    mentions = thread(
        "What's your email address?",
        {"text_redacted": "Bitte nenne uns deine Buchungsnummer.", "platform": "trustpilot"},
    )
    violations = check_voice(mentions, Voice())
    assert violations["detail"].tolist() == [
        'asks for "email address" in public without offering a private channel (offer a DM)',
        'asks for "buchungsnummer" in public without offering a private channel (offer e-mail '
        "or a contact form)",
    ]
    assert check_voice(mentions, Voice(must_offer_private_channel_for_pii=False)).empty


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("platform", ["twitter", "facebook", "trustpilot"])
def test_suggested_private_replies_pass(lang, platform):
    reply = private_channel_reply("booking,email,phone,iban", lang, platform)
    assert flagged(thread(reply), "private_channel", must_offer_private_channel_for_pii=True) == []


# --- negative tone ---------------------------------------------------------------------------


def test_negative_tone_reuses_the_sentiment_column():
    mentions = thread(*({"text_redacted": "...", "sentiment": s} for s in (-0.5, -0.3, 0.2, None)))
    violations = check_voice(mentions, Voice(**OFF, min_sentiment=-0.3))
    assert violations["mention_id"].tolist() == ["b1"]  # -0.3 is not below; NaN is unscored
    assert violations["detail"].tolist() == ["sentiment -0.50 < -0.30"]


def test_negative_tone_scores_replies_without_a_sentiment_column():
    mentions = thread(
        "As I said, this is your own fault. Terrible attitude.",  # -0.70
        "Thanks for flying with us, great to hear!",  # 0.81
        {"text_redacted": "Dein Verhalten ist unverschämt und lächerlich.", "lang": "de"},  # -0.84
        {"text_redacted": "Das ist eine Frechheit, wirklich schlecht.", "lang": None},
    )
    voice = Voice(**OFF, min_sentiment=-0.2)
    # b4 has no language: read as English (no English sentiment words, 0.0) or German (-0.87).
    assert check_voice(mentions, voice)["mention_id"].tolist() == ["b1", "b3"]
    assert check_voice(mentions, voice, default_lang="de")["mention_id"].tolist() == [
        "b1",
        "b3",
        "b4",
    ]


# --- canned replies --------------------------------------------------------------------------


def test_normalize_reply():
    texts = pd.Series(
        [
            "@anna Hi Anna, flight AC 123 is late: acme.example.com/help ^AM 😄",
            "@bob  hi Bob flight ac 456 is LATE https://t.co/x ^JK",
            None,
        ]
    )
    names = pd.Series(["Anna Schmidt anna_s", "Bob bob_1980", None])
    assert normalize_reply(texts).tolist()[:2] == [
        "hi anna flight ac is late",
        "hi bob flight ac is late",
    ]
    assert normalize_reply(texts, names).tolist()[:2] == ["hi flight ac is late"] * 2
    assert normalize_reply(texts).isna().tolist() == [False, False, True]


def test_canned_replies_counted_over_normalised_text_in_time_order():
    at = pd.Timestamp("2026-09-02 10:00", tz="UTC")
    template = "@{} Hi {}, we're on it: acme.example.com/help ^{}"
    mentions = thread(
        {"text_redacted": template.format("anna_s", "Anna", "AM"), "created_at": at},  # original
        {
            "text_redacted": template.format("anna_s", "Anna", "JK"),
            "created_at": at + pd.Timedelta("3h"),
        },
        {
            "text_redacted": template.format("anna_s", "Anna", "TL"),
            "created_at": at + pd.Timedelta("1h"),
        },
        {"text_redacted": "Hi Anna, something else. ^AM", "created_at": at + pd.Timedelta("4h")},
        {
            "text_redacted": template.format("anna_s", "Anna", "SS"),
            "created_at": at + pd.Timedelta("2h"),
        },
        {"text_redacted": "😄", "created_at": at},
        {"text_redacted": "😄", "created_at": at},
        {"text_redacted": "😄", "created_at": at},  # normalises to nothing: not compared
    )
    # Row order b1 b2 b3 b5, time order b1 b3 b5 b2: reuses 1 (b3), 2 (b5), 3 (b2).
    violations = check_voice(mentions, Voice(**OFF, max_canned_reuse=2))
    assert violations["mention_id"].tolist() == ["b2"]
    assert violations["detail"].tolist() == [
        "canned reply: reuse 3 of the same text (sent 4 times; max_canned_reuse 2)"
    ]
    assert flagged(mentions, "canned_reply", max_canned_reuse=0) == ["b2", "b3", "b5"]


def test_canned_replies_ignore_the_customers_name():
    rows = []
    for i, name in enumerate(["Anna", "Bob", "Chen"]):
        rows += [
            {"mention_id": f"c{i}", "author_id": f"{name.lower()}_{i}", "author_name": f"{name} X",
             "text": "Bag lost", "is_brand": False, "in_reply_to_id": None},
            {"mention_id": f"b{i}", "author_id": "AcmeAir", "author_name": "ACME Air",
             "text": f"Sorry {name}, we're on it!", "is_brand": True, "in_reply_to_id": f"c{i}"},
        ]  # fmt: skip
    mentions = pd.DataFrame(rows).assign(platform="twitter")
    assert flagged(mentions, "canned_reply", max_canned_reuse=1) == ["b2"]


def test_canned_replies_missing_times_count_last_in_row_order():
    at = pd.Timestamp("2026-09-02 10:00", tz="UTC")
    text = "Sorry Anna, we're on it"
    mentions = thread(
        *(
            {"text_redacted": text, "created_at": t}
            for t in (None, at + pd.Timedelta("1h"), None, at)
        )
    )
    # Time order b4 (the original), b2, then the untimed b1 and b3 in row order.
    violations = check_voice(mentions, Voice(**OFF, max_canned_reuse=1))
    assert violations["mention_id"].tolist() == ["b1", "b3"]
    assert violations["detail"].str.slice(0, 21).tolist() == [
        "canned reply: reuse 2",
        "canned reply: reuse 3",
    ]


def test_canned_replies_name_of_the_first_mention_with_the_parent_id():
    mentions = thread("Sorry Anna, we're on it", "Sorry, we're on it")
    # A second post with the customer's id (a re-import) by someone else: the first one counts.
    other = {**mentions.iloc[0].to_dict(), "author_id": "bob_o", "author_name": "Bob Other"}
    mentions.loc[len(mentions)] = other
    assert flagged(mentions, "canned_reply", max_canned_reuse=0) == ["b2"]
    # The parent through conversation_id where in_reply_to_id is blank; unknown parents keep
    # the name in the text.
    linked = mentions.assign(in_reply_to_id=["", " ", None, None], conversation_id="c0")
    assert flagged(linked, "canned_reply", max_canned_reuse=0) == ["b2"]
    unknown = mentions.assign(in_reply_to_id=[None, "zz", "zz", None])
    assert flagged(unknown, "canned_reply", max_canned_reuse=0) == []


# --- violation rows --------------------------------------------------------------------------


def test_excerpt_flattens_runs_of_spaces():
    long = thread(
        "x" * 281, "Hi\t Anna,\n\nwe  are\u00a0on it " + "y" * 300, " plain text " + "z" * 300
    )
    violations = check_voice(long, Voice(**OFF, max_length={"twitter": 280}))
    assert violations["excerpt"].tolist() == [
        "x" * 119 + "…",
        "Hi Anna, we are on it " + "y" * 97 + "…",
        "plain text " + "z" * 108 + "…",
    ]
    short = thread("  calm \u3000 down,\tnow ", "calm down")
    excerpts = check_voice(short, Voice(**OFF, banned_phrases=["calm down"]))["excerpt"]
    assert excerpts.tolist() == ["calm down, now", "calm down"]


def test_created_at_keeps_its_resolution():
    mentions = thread("x" * 281, "y" * 281)
    voice = Voice(**OFF, max_length={"twitter": 280})
    micro = mentions.assign(created_at=mentions["created_at"].astype("datetime64[us, UTC]"))
    assert str(check_voice(micro, voice)["created_at"].dtype) == "datetime64[us, UTC]"
    text = mentions.assign(created_at=["2026-09-01T10:00:00+02:00"] * 3)
    assert (
        check_voice(text, voice)["created_at"].tolist()
        == [pd.Timestamp("2026-09-01 08:00", tz="UTC")] * 2
    )
    # Where every time is missing the column is in seconds, as it has always been.
    for frame in (mentions.assign(created_at=pd.NaT), mentions.drop(columns="created_at")):
        created = check_voice(frame, voice)["created_at"]
        assert str(created.dtype) == "datetime64[s, UTC]" and created.isna().all()


def test_extra_columns_are_not_read_and_the_text_column_is_required():
    mentions = thread("x" * 281).assign(
        extra=[[1], [2]], text_redacted=lambda f: f["text_redacted"]
    )
    assert len(check_voice(mentions, Voice(**OFF, max_length={"twitter": 280}))) == 1
    with pytest.raises(KeyError, match="no text column"):
        check_voice(mentions.drop(columns="text_redacted"), Voice())


# --- scores and examples ---------------------------------------------------------------------


def test_voice_scores_by_hand():
    mentions = pd.concat(
        [
            thread("Hi! ^AM", "Hi! " + "x" * 300, "Hi, calm down ^AM", "Hi there ^AM"),
            thread(
                {
                    "text_redacted": "Calm down, " + "y" * 300,
                    "author_id": "AcmeAir",
                    "mention_id": "a1",
                }
            ),
        ],
        ignore_index=True,
    )
    violations = check_voice(
        mentions,
        Voice(
            **OFF,
            max_length={"twitter": 280},
            banned_phrases=["calm down"],
            sign_off=[{"regex": r"\^[A-Z]{2}"}],
        ),
    )
    # AcmeAirHelp: b2 (max_length, sign_off), b3 (banned_phrase); b1, b4 fine -> 2 of 4 = 50.0.
    # AcmeAir: a1 (max_length, banned_phrase, sign_off) -> 0 of 1 = 0.0.
    scores = voice_scores(mentions, violations)
    assert list(scores.columns) == list(SCORE_COLUMNS)
    expected = pd.DataFrame(
        {
            "handle": ["AcmeAirHelp", "AcmeAir"],
            "replies": [4, 1],
            "replies_with_violations": [2, 1],
            "score": [50.0, 0.0],
            "max_length": [1, 1],
            "banned_phrase": [1, 1],
            "greeting": [0, 0],
            "sign_off": [1, 1],
            "private_channel": [0, 0],
            "negative_tone": [0, 0],
            "canned_reply": [0, 0],
        }
    ).astype({"handle": "string"})
    pd.testing.assert_frame_equal(scores, expected)


def test_voice_scores_without_violations_is_100():
    mentions = thread("Hi ^AM", "Hello ^JK")
    scores = voice_scores(mentions, check_voice(mentions, Voice()))
    assert scores[["handle", "replies", "replies_with_violations", "score"]].values.tolist() == [
        ["AcmeAirHelp", 2, 0, 100.0]
    ]
    assert scores[list(RULES)].sum().sum() == 0


def test_worst_examples():
    mentions = thread("x" * 300 + " calm down", "calm down", "y" * 300)
    violations = check_voice(
        mentions, Voice(**OFF, max_length={"twitter": 280}, banned_phrases=["calm down"])
    )
    worst = worst_examples(violations, 2)
    assert list(worst.columns) == list(EXAMPLE_COLUMNS)
    assert worst["mention_id"].tolist() == ["b1", "b3"]  # 2 violations, then the most recent
    assert worst.loc[0, "rules"] == "max_length; banned_phrase"
    assert worst.loc[0, "details"] == '310 chars > 280 on twitter; banned phrase "calm down"'
    assert worst_examples(violations, 5, rule="banned_phrase")["mention_id"].tolist() == [
        "b1",
        "b2",
    ]
    assert worst_examples(violations, 5, rule="greeting").empty
    with pytest.raises(ValueError, match="'tone' is not a brand-voice rule"):
        worst_examples(violations, rule="tone")


# --- playbook keys ---------------------------------------------------------------------------


def test_shipped_playbooks_voice():
    example = load_playbook(EXAMPLE_PLAYBOOK).voice
    assert example.max_length == {"twitter": 280} and example.must_offer_private_channel_for_pii
    assert example.greeting == [] and example.sign_off[0].platforms == ["twitter", "instagram"]
    assert (example.min_sentiment, example.max_canned_reuse) == (-0.6, 20)
    template = load_playbook(TEMPLATE_PLAYBOOK).voice
    assert [c.label for c in template.sign_off] == ["/\\^[A-Z]{2}/", "Best,", "Viele Grüße,"]
    assert template.sign_off[0].platforms == ["twitter", "instagram"]
    assert template.min_sentiment == -0.6 and template.max_canned_reuse == 20


BASE = """
client: c1
name: C
brand: {handles: ["@c"]}
sources: [{kind: file, path: m.csv}]
"""


def _errors(write_playbook, body: str) -> list[str]:
    with pytest.raises(PlaybookValidationError) as info:
        load_playbook(write_playbook(BASE + body), check_files=False)
    return info.value.errors


def test_bad_regex_is_one_line_naming_the_key(write_playbook):
    errors = _errors(write_playbook, "voice:\n  greeting: [Hi, {regex: '(Hallo'}]\n")
    assert errors == [
        "line 6: voice.greeting[1].regex: '(Hallo' is not a regular expression: missing ), "
        "unterminated subpattern at position 0"
    ]


@pytest.mark.parametrize(
    ("voice", "expected"),
    [
        (
            "{sign_off: [{phrase: Best, regex: x}]}",
            "voice.sign_off[0]: set exactly one of phrase or regex",
        ),
        (
            "{sign_off: [{platforms: [twitter]}]}",
            "voice.sign_off[0]: set exactly one of phrase or regex",
        ),
        ("{greeting: ['  ']}", "voice.greeting[0]: a phrase must not be empty"),
        ("{greeting: [3]}", "voice.greeting[0]: 3 is not a greeting or sign-off"),
        (
            "{greeting: [{phrse: Hi}]}",
            "voice.greeting[0].phrse: unknown key; did you mean 'phrase'?",
        ),
        ("{banned_phrases: ['']}", "voice.banned_phrases[0]: a banned phrase must not be empty"),
        (
            "{min_sentiment: -2}",
            "voice.min_sentiment: -2: Input should be greater than or equal to -1",
        ),
        (
            "{max_canned_reuse: -1}",
            "voice.max_canned_reuse: -1: Input should be greater than or equal to 0",
        ),
        (
            "{max_length: {twitter: 0}}",
            "voice.max_length.twitter: 0: Input should be greater than 0",
        ),
        ("{greting: [Hi]}", "voice.greting: unknown key; did you mean 'greeting'?"),
    ],
)
def test_voice_key_errors(write_playbook, voice, expected):
    errors = _errors(write_playbook, f"voice: {voice}\n")
    assert len(errors) == 1 and expected in errors[0], errors
