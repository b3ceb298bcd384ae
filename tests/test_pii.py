"""Unit tests of personal-data detection and redaction (socialcrm_utils.nlp.pii).

All personal data here is from ranges reserved for examples or fiction: e-mail domains of
RFC 2606, UK Ofcom drama numbers (+44 7700 900xxx, 01632 960xxx), US 555-01xx numbers, the IBAN
documentation examples, the Visa test card and clearly made-up German numbers.
"""

from __future__ import annotations

import pandas as pd
import pytest

from socialcrm_utils import config
from socialcrm_utils.nlp import pii, prefilter
from socialcrm_utils.nlp.pii import (
    PiiMatch,
    find_pii,
    placeholder,
    private_channel_reply,
    redact_texts,
    suggest_private_replies,
)

BOOKING = {"booking": r"ACM-[A-Z0-9]{6}"}


def spans(text: str, **kwargs: object) -> list[tuple[str, str]]:
    """(kind, value) of every match, checking that each value is the text at its span."""
    found = find_pii(text, **kwargs)  # type: ignore[arg-type]
    for m in found:
        assert text[m.start : m.end] == m.value
    return [(m.kind, m.value) for m in found]


# --------------------------------------------------------------------------------------------
# find_pii: each kind
# --------------------------------------------------------------------------------------------


def test_email_exact_span() -> None:
    text = "Write to anna.mueller+acme@mail.example.co.uk."
    assert find_pii(text) == [PiiMatch("email", 9, 45, "anna.mueller+acme@mail.example.co.uk")]


@pytest.mark.parametrize(
    "text", ["@AcmeAir @AcmeAirHelp help!", "meet me @ the gate", "user@localhost", "a@b.c"]
)
def test_handles_and_non_addresses_are_not_emails(text: str) -> None:
    assert find_pii(text) == []


@pytest.mark.parametrize(
    ("text", "regions", "number"),
    [
        ("Ruf an: +49 30 12345678 danke", ("DE", "GB", "US"), "+49 30 12345678"),
        ("Handy 0151 23456789, bitte", ("DE",), "0151 23456789"),
        ("Tel. 030 12345678", ("DE",), "030 12345678"),
        ("call +44 7700 900123 pls", ("DE", "GB", "US"), "+44 7700 900123"),
        ("call 07700 900123 pls", ("GB",), "07700 900123"),
        ("call +44 (0)7700 900 456", ("US",), "+44 (0)7700 900 456"),
        ("office 01632 960123", ("GB",), "01632 960123"),
        ("Call +44 20 7946 0123 today", ("US",), "+44 20 7946 0123"),
        ("call me +1 202-555-0143!", ("DE",), "+1 202-555-0143"),
        ("call me (415) 555-0199.", ("US",), "(415) 555-0199"),
        ("text 617.555.0150 later", ("US",), "617.555.0150"),
    ],
)
def test_phone_numbers_in_german_uk_and_us_formats(
    text: str, regions: tuple[str, ...], number: str
) -> None:
    (match,) = find_pii(text, regions=regions)
    assert (match.kind, match.value) == ("phone", number)
    assert match.start == text.index(number)
    assert match.end == match.start + len(number)


def test_national_format_needs_its_region() -> None:
    assert find_pii("call me (415) 555-0199", regions=("DE",)) == []
    assert spans("call me (415) 555-0199", regions=("de", "us")) == [("phone", "(415) 555-0199")]


@pytest.mark.parametrize(
    "text",
    [
        "Flight AC 1234 delayed",
        "on 2026-10-14 please",
        "am 14.10.2026 um 12:30 Uhr",
        "boarding 12:30, gate 10:00-12:00",
        "only € 189 or 1.189,00 EUR",
        "LH 400 from FRA, seat 12A, PLZ 10115",
        "Order 1234567 and 2026 2027",
    ],
)
def test_dates_times_flights_and_prices_are_not_phone_numbers(text: str) -> None:
    assert find_pii(text) == []


def test_iban_spaced_and_compact() -> None:
    text = "IBAN: DE89 3704 0044 0532 0130 00, BIC x"
    assert find_pii(text) == [PiiMatch("iban", 6, 33, "DE89 3704 0044 0532 0130 00")]
    assert spans("gb82west12345698765432") == [("iban", "gb82west12345698765432")]
    assert spans("Konto GB82 WEST 1234 5698 7654 32 bitte") == [
        ("iban", "GB82 WEST 1234 5698 7654 32")
    ]


def test_iban_after_other_iban_like_word() -> None:
    assert spans("ref AB12 DE89 3704 0044 0532 0130 00") == [
        ("iban", "DE89 3704 0044 0532 0130 00")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "IBAN DE89 3704 0044 0532 0130 01",  # last digit changed
        "IBAN DE88 3704 0044 0532 0130 00",  # check digits changed
        "IBAN GB82 WEST 1234 5698 7654 33",
    ],
)
def test_iban_with_wrong_checksum_is_not_flagged_at_all(text: str) -> None:
    # The digits of the first one even pass Luhn: they must not come back as a card.
    assert find_pii(text) == []


def test_card_numbers_spaced_dashed_and_compact() -> None:
    text = "card 4111 1111 1111 1111, old one 5500-0000-0000-0004 or 4111111111111111"
    assert find_pii(text) == [
        PiiMatch("card", 5, 24, "4111 1111 1111 1111"),
        PiiMatch("card", 34, 53, "5500-0000-0000-0004"),
        PiiMatch("card", 57, 73, "4111111111111111"),
    ]


@pytest.mark.parametrize(
    "text", ["card 4111 1111 1111 1112", "card 0000 0000 0000 0000", "id 1234567890123"]
)
def test_card_failing_luhn_or_starting_with_zero_is_not_flagged(text: str) -> None:
    assert find_pii(text) == []


def test_card_followed_by_other_digits() -> None:
    assert spans("card 4111 1111 1111 1111 2027") == [("card", "4111 1111 1111 1111")]


def test_playbook_pattern_named_by_its_key() -> None:
    text = "Buchungsnummer ACM-7H2K9P, nicht acm-7h2k9p"
    assert find_pii(text, patterns=BOOKING) == [PiiMatch("booking", 15, 25, "ACM-7H2K9P")]
    assert find_pii(text) == []


def test_multiple_kinds_in_one_text_in_text_order() -> None:
    text = (
        "Booking ACM-7H2K9P: refund to DE89 3704 0044 0532 0130 00 or card 4111 1111 1111 1111; "
        "mail jo@example.org, call +44 7700 900123"
    )
    assert spans(text, patterns=BOOKING) == [
        ("booking", "ACM-7H2K9P"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("card", "4111 1111 1111 1111"),
        ("email", "jo@example.org"),
        ("phone", "+44 7700 900123"),
    ]


def test_overlaps_resolved_by_priority() -> None:
    # email beats a pattern inside it
    email = "ACM-7H2K9P@example.com"
    assert spans(email, patterns=BOOKING) == [("email", email)]
    # a pattern beats a phone number it overlaps
    assert spans("ref 0151 23456789", patterns={"ref": r"ref \d{4}"}) == [("ref", "ref 0151")]
    # a card beats the phone number inside it
    assert spans("+49 4111 1111 1111 1111") == [("card", "4111 1111 1111 1111")]


def test_overlapping_phone_spans_from_several_regions_are_merged() -> None:
    # DE and GB both read "030 12345678" (GB: a non-geographic number): reported once.
    assert spans("Tel. 030 12345678", regions=("DE", "GB")) == [("phone", "030 12345678")]


def test_long_emoji_and_empty_texts_do_not_crash() -> None:
    long_text = ("Kein Flug heute, nur Warten. 0151 23456789 ist meine Nummer. " * 900)[:50_000]
    found = find_pii(long_text)
    assert len(long_text) == 50_000
    assert found and {m.kind for m in found} == {"phone"}
    assert find_pii("😡✈️🧳" * 50) == []
    assert find_pii("") == []
    assert find_pii(None) == []  # type: ignore[arg-type]


def test_bad_region_and_pattern_raise_value_error() -> None:
    with pytest.raises(ValueError, match="'XX' is not a phone region"):
        find_pii("0151 23456789", regions=("XX",))
    with pytest.raises(ValueError, match="pii pattern 'booking'"):
        find_pii("ACM", patterns={"booking": "[A-Z"})


def test_placeholder() -> None:
    assert [placeholder(k) for k in ("email", "booking", "order-ref", "3ds")] == [
        "[EMAIL]",
        "[BOOKING]",
        "[ORDER_REF]",
        "[PII_3DS]",
    ]


# --------------------------------------------------------------------------------------------
# redact_texts
# --------------------------------------------------------------------------------------------


def test_redact_texts_exact_output() -> None:
    texts = pd.Series(
        [
            "@AcmeAir refund ACM-7H2K9P to DE89 3704 0044 0532 0130 00 please",
            "Mail jo@example.org or call 07700 900123",
            "Flight AC 1234 on 2026-10-14 at 12:30",
            None,
            "card 4111 1111 1111 1111 charged twice",
        ],
        index=[10, 11, 12, 13, 14],
    )
    before = texts.copy()
    out = redact_texts(texts, regions=("GB",), patterns=BOOKING)
    assert list(out.columns) == ["text_redacted", "pii_types", "pii_count"]
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert out["text_redacted"].tolist() == [
        "@AcmeAir refund [BOOKING] to [IBAN] please",
        "Mail [EMAIL] or call [PHONE]",
        "Flight AC 1234 on 2026-10-14 at 12:30",
        pd.NA,
        "card [CARD] charged twice",
    ]
    assert out["pii_types"].tolist() == ["booking,iban", "email,phone", "", "", "card"]
    assert out["pii_count"].tolist() == [2, 2, 0, 0, 1]
    assert str(out["pii_count"].dtype) == "int64"
    pd.testing.assert_series_equal(texts, before)


def test_redact_texts_runs_find_pii_once_per_distinct_candidate(monkeypatch) -> None:
    calls: list[str] = []
    real = pii.find_pii

    def counting(text: str, **kwargs: object) -> list[PiiMatch]:
        calls.append(text)
        return real(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pii, "find_pii", counting)
    texts = pd.Series(["call 0151 23456789"] * 500 + ["thanks!"] * 500 + ["no digits @AcmeAir"])
    out = redact_texts(texts)
    assert calls == ["call 0151 23456789"]
    assert (out["pii_count"] == 1).sum() == 500
    assert out["text_redacted"].iat[0] == "call [PHONE]"


def test_redact_texts_prefilter_keeps_every_kind() -> None:
    texts = pd.Series(
        [
            "a jo@example.net b",
            "x +1 202-555-0143",
            "GB82WEST12345698765432",
            "ACM-7H2K9P",
            "Grüße, jürgen.müß@example.de",
            "Tel. ０１５１ ２３４５６７８９",  # fullwidth digits
        ]
    )
    out = redact_texts(texts, patterns=BOOKING)
    assert out["pii_types"].tolist() == ["email", "phone", "iban", "booking", "email", "phone"]
    assert out["text_redacted"].iat[4] == "Grüße, [EMAIL]"


def test_redact_texts_pattern_with_groups_and_empty_input() -> None:
    out = redact_texts(pd.Series(["ref ACM-7H2K9P"]), patterns={"booking": r"(ACM)-(\w{6})"})
    assert out["text_redacted"].tolist() == ["ref [BOOKING]"]
    empty = redact_texts(pd.Series([], dtype="string"))
    assert empty.empty and list(empty.columns) == ["text_redacted", "pii_types", "pii_count"]


def test_redact_texts_removes_all_personal_data_of_the_sample() -> None:
    sample = pd.read_csv(config.PROJECT_ROOT / "data" / "sample" / "mentions.csv")
    out = redact_texts(sample["text"], regions=("DE", "GB", "US"), patterns=BOOKING)
    leftovers = r"@example\.(?:com|org|net)|7700 900|555-01|DE89|GB82|4111|ACM-"
    assert sample["text"].str.contains(leftovers, na=False).sum() >= 15
    assert not out["text_redacted"].str.contains(leftovers, na=False).any()
    assert 15 <= (out["pii_count"] > 0).sum() <= 30


# --------------------------------------------------------------------------------------------
# Private-channel replies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("types", "lang", "platform", "must"),
    [
        ("phone", "en", "twitter", ["phone number", "DM", "publicly"]),
        ("email,phone", "en", "instagram", ["phone number and e-mail address", "DM"]),
        ("iban", "en", "facebook", ["bank details (IBAN)", "private message"]),
        ("card", "en", "reddit", ["card number", "private message"]),
        ("booking", "en", "trustpilot", ["booking reference", "contact form", "e-mail", "review"]),
        ("phone", "de", "twitter", ["Telefonnummer", "Direktnachricht", "nicht öffentlich"]),
        ("email", "de-AT", "instagram", ["E-Mail-Adresse", "Direktnachricht"]),
        ("iban", "de", "forum", ["Bankverbindung", "private Nachricht"]),
        ("card,booking", "de", "facebook", ["Kartennummer und Buchungsnummer"]),
        ("booking_ref", "de", "trustpilot", ["Buchungsnummer", "Kontaktformular", "Bewertung"]),
    ],
)
def test_private_channel_reply_names_data_and_channel(
    types: str, lang: str, platform: str, must: list[str]
) -> None:
    reply = private_channel_reply(types, lang, platform)
    for phrase in must:
        assert phrase in reply
    assert len(reply) <= 280
    assert reply.startswith("Thanks for reaching out!" if lang == "en" else "Danke für deine")


def test_private_channel_reply_fallbacks() -> None:
    reply = private_channel_reply("membership", "fr", "somewhere")
    assert "personal details publicly" in reply and "private message" in reply


def test_every_reply_fits_a_tweet() -> None:
    everything = "booking,card,email,iban,phone"
    for lang in ("en", "de"):
        for platform in ("twitter", "facebook", "trustpilot"):
            assert len(private_channel_reply(everything, lang, platform)) <= 280


def test_suggest_private_replies_only_for_rows_with_pii() -> None:
    frame = pd.DataFrame(
        {
            "pii_types": ["phone", "", "email", "phone"],
            "pii_count": [1, 0, 1, 1],
            "lang": ["en", "en", "de", None],
            "platform": ["twitter", "twitter", "trustpilot", "facebook"],
        },
        index=["a", "b", "c", "d"],
    )
    replies = suggest_private_replies(frame)
    assert replies.name == "private_reply" and list(replies.index) == ["a", "b", "c", "d"]
    assert replies["a"] == private_channel_reply("phone", "en", "twitter")
    assert pd.isna(replies["b"])
    assert "Kontaktformular" in replies["c"] and "E-Mail-Adresse" in replies["c"]
    assert "private message" in replies["d"]
    with pytest.raises(ValueError, match="pii_count"):
        suggest_private_replies(frame.drop(columns="pii_count"))


def test_a_region_pass_is_skipped_only_where_no_number_of_the_region_fits():
    # Fewest digits of a valid number per calling code, from phonenumbers' metadata (+1: CA
    # has 7-digit numbers; +44 includes GG, JE, IM).
    assert [pii._min_national_digits(r) for r in ("US", "GB", "DE", "ZZ")] == [7, 7, 4, 1]
    found = {
        text: [(m.kind, m.value) for m in pii.find_pii(text, regions=("US",))]
        for text in (
            "Call 914-329-0185.",  # 10 digits: the US pass runs
            "flight 123 at 4:30, seat 7",  # 6 digits: skipped, nothing to find anyway
            "+49 30 901820 please",  # international: every pass runs
        )
    }
    assert found == {
        "Call 914-329-0185.": [("phone", "914-329-0185")],
        "flight 123 at 4:30, seat 7": [],
        "+49 30 901820 please": [("phone", "+49 30 901820")],
    }


# --------------------------------------------------------------------------------------------
# Where the phone matcher runs: pieces and the shortcut
# --------------------------------------------------------------------------------------------


def test_pieces_are_runs_of_number_characters_around_digits():
    text = "@115712 Flight 12 at 10:30, call (030) 1234-5678 ext. 9!"
    assert [text[a:b] for a, b in prefilter.phone_pieces(text)] == [
        "115712 ",
        "t 12 at 10:30, ",
        " (030) 1234-5678 ext. 9",
    ]
    assert prefilter.phone_pieces("no digits here") == []


def test_piece_shortcut_known_answers():
    # A twcs handle is no German, British or US number; a dated flight is no US number.
    assert [prefilter.phone_piece_may_hold("115712 ", r) for r in ("DE", "GB", "US")] == [False] * 3
    assert prefilter.phone_piece_may_hold(" 14.10.2026 ", "US") is False
    # National numbers, a national prefix, the country code without "+", the call prefix.
    assert prefilter.phone_piece_may_hold(" 030 12345678", "DE")
    assert prefilter.phone_piece_may_hold("(415) 555-0199", "US")
    assert prefilter.phone_piece_may_hold("49 30 12345678", "DE")
    assert prefilter.phone_piece_may_hold("00 44 ", "DE")
    # No shortcut: "+", letters that may be digits, a long block.
    assert prefilter._piece_blocks("+1 ") is None
    assert prefilter._piece_blocks("030 1234 ext. 5") is None
    assert prefilter._piece_blocks("1234567890") is None
    assert prefilter._piece_blocks("t 12 at 10:30") == ("12", "10", "30")


@pytest.mark.parametrize(
    "text",
    [
        "call (415) 555-0199 or 030 12345678, ext. 12",
        "Tel.:030 1234 ext. 5!",  # extension letters may become digits
        "1-800-FLOWERS or 0800 FLOWERS",
        "am 14.10.2026 um 12:30, 2012-01-02 08:00",  # dates and a time stamp
        "x4155550199y 4155550199% $4155550199",  # letters, % and currency around a number
        "@115712 Kennung 49301234567 and 4930 1234567",
        "０３０ １２３４５６７８ or ٠٣٠١٢٣٤٥٦٧٨",  # full-width and Arabic-Indic digits
        "0 0 44 20 7946 0958; 011 44 20 7946 0958",
        "650-253-0000 ext 123# / 650-253-0001 x 4",
    ],
)
def test_piecewise_matcher_equals_the_whole_text_matcher(text: str) -> None:
    import phonenumbers

    for region in ("DE", "GB", "US", "FR", "JE"):
        whole = {
            (m.start, m.end)
            for m in phonenumbers.PhoneNumberMatcher(
                text, region, leniency=phonenumbers.Leniency.VALID
            )
        }
        assert set(pii._national_matches(text, region, prefilter.phone_pieces(text))) == whole


def test_email_and_card_first_tests_keep_every_match():
    # An address needs a local-part character before "@" and a letter or digit after it.
    assert list(pii._emails("@115712 @AcmeAir thanks")) == []
    assert list(pii._emails("mail:jo@example.org")) == [(5, 19)]
    assert list(pii._emails("x-@b.example.com")) == [(0, 16)]
    # A card needs 13 digits.
    assert list(pii._cards("4111 1111 1111")) == []
    assert list(pii._cards("5105 1051 0510 5100")) == [(0, 19)]
