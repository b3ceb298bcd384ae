"""Platform rules and personal data (issue 13, item 6), with hand-computed answers.

Length counted the platform's way, HTML entities decoded once at import, links never redacted,
identifier columns of rejected rows never redacted, international phone numbers found whatever
``listening.phone_regions`` says.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from socialcrm_utils.nlp.length import count_length
from socialcrm_utils.nlp.pii import find_pii, redact_texts
from socialcrm_utils.nlp.voice import check_voice
from socialcrm_utils.playbook import FileSource, RssSource, Voice, load_playbook
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.sources.feeds import fetch_rss
from socialcrm_utils.sources.files import read_file_source
from socialcrm_utils.steps.prepare import redact_frame

from .conftest import SHARED_DATA

URL_60 = "https://example.com/orders/status?id=abcdefghijklmnopqrstuvw"  # 60 characters
TWCS = SHARED_DATA / "twcs" / "twcs_subset.csv"


def _replies(texts: list[str], platform: str = "twitter") -> pd.DataFrame:
    n = len(texts)
    return pd.DataFrame(
        {
            "mention_id": [f"b{i}" for i in range(n)],
            "platform": platform,
            "author_id": "AcmeHelp",
            "text": texts,
            "is_brand": True,
            "in_reply_to_id": [f"c{i}" for i in range(n)],
        }
    )


# --------------------------------------------------------------------------------------------
# Length per platform
# --------------------------------------------------------------------------------------------


def test_url_counts_23_on_twitter():
    assert len(URL_60) == 60
    tweet = "a" * 124 + " " + URL_60 + " " + "b" * 124  # 250 characters besides the URL
    assert len(tweet) == 310
    assert count_length(pd.Series([tweet]), "twitter").tolist() == [250 + 23]
    assert count_length(pd.Series([tweet]), "X").tolist() == [273]
    assert count_length(pd.Series([tweet]), "facebook").tolist() == [310]  # plain characters
    limits = Voice(max_length={"twitter": 280, "facebook": 280})
    on_twitter = check_voice(_replies([tweet]), limits)
    assert on_twitter.empty
    on_facebook = check_voice(_replies([tweet], "facebook"), limits)
    assert on_facebook["detail"].tolist() == ["310 chars > 280 on facebook"]


def test_short_links_and_bare_domains_count_23():
    # a t.co link (23 characters) and a bare domain with a path (12 characters) both count 23
    text = "see https://t.co/AbCdEf1234 and ex.com/a/b/c"
    assert count_length(pd.Series([text]), "twitter").tolist() == [4 + 23 + 5 + 23]


def test_cjk_and_emoji_weights_on_twitter():
    texts = pd.Series(["日本語", "ok 👍🏽", "👨‍👩‍👧", "Grüße", "e\u0301"])
    # CJK 2 each; an emoji sequence (with skin tone or ZWJ) counts 2; Latin letters 1; NFC
    assert count_length(texts, "twitter").tolist() == [6, 5, 2, 5, 1]
    assert count_length(texts, "instagram").tolist() == [3, 5, 5, 5, 1]
    over = "日" * 141  # 282 weighted, 141 characters
    found = check_voice(_replies([over, "日" * 140]), Voice(max_length={"twitter": 280}))
    assert found[["mention_id", "detail"]].values.tolist() == [["b0", "282 chars > 280 on twitter"]]


def test_many_short_urls_are_not_skipped_by_the_fast_path():
    # 13 links of 4 characters: 64 characters, but 13 * 23 + 12 = 311 weighted
    text = " ".join(["a.co"] * 13)
    assert len(text) == 64
    found = check_voice(_replies([text]), Voice(max_length={"twitter": 280}))
    assert found["detail"].tolist() == ["311 chars > 280 on twitter"]


# --------------------------------------------------------------------------------------------
# Links are never redacted
# --------------------------------------------------------------------------------------------


def test_digits_inside_a_link_are_not_a_card():
    texts = pd.Series(
        [
            "Status: https://example.com/order/4111111111111111",
            "card 4111 1111 1111 1111, see www.example.com/o/4111111111111111.",
            "t.co/4111111111111111 and http://localhost:8080/4111111111111111",
        ]
    )
    out = redact_texts(texts, regions=["US"])
    assert out["text_redacted"].tolist() == [
        "Status: https://example.com/order/4111111111111111",
        "card [CARD], see www.example.com/o/4111111111111111.",
        "t.co/4111111111111111 and http://localhost:8080/4111111111111111",
    ]
    assert out["pii_count"].tolist() == [0, 1, 0]


def test_patterns_phones_and_emails_inside_links_stay():
    text = (
        "https://acme.example/b/ACM-7H2K9P?tel=+442079460958 "
        "https://example.com/u/anna@example.com mailto:bob@example.org ACM-1A2B3C"
    )
    out = redact_texts(pd.Series([text]), patterns={"booking": r"ACM-[A-Z0-9]{6}"})
    assert out["text_redacted"].tolist() == [
        "https://acme.example/b/ACM-7H2K9P?tel=+442079460958 "
        "https://example.com/u/anna@example.com mailto:[EMAIL] [BOOKING]"
    ]


def test_rejected_rows_keep_their_ids(tmp_path, write_playbook):
    (tmp_path / "m.csv").write_text("mention_id,text,created_at\n", encoding="utf-8")
    playbook = load_playbook(
        write_playbook("""
        client: tiny
        name: Tiny Co
        timezone: Europe/Berlin
        brand: {handles: ["@Tiny"]}
        listening: {phone_regions: [US]}
        sources:
          - {kind: file, path: m.csv, mapping: {conversation_id: Thread}}
    """)
    )
    rejected = pd.DataFrame(
        {
            "source": ["s", "s"],
            "row": [1, 2],
            "reason": ["empty text", "missing mention_id"],
            "tweet_id": ["4111111111111111", "5555555555554444"],
            "in_response_to_tweet_id": ["4111111111111111", pd.NA],
            "mention_id": ["4111111111111111", pd.NA],
            "Post ID": ["4111111111111111", "x"],
            "Thread": ["4111111111111111", "x"],
            "url": ["https://x.example/4111111111111111", pd.NA],
            "text": ["", "my card 4111111111111111 call +44 20 7946 0958"],
        }
    )
    out = redact_frame(rejected, playbook)
    ids = ["tweet_id", "in_response_to_tweet_id", "mention_id", "Post ID", "Thread", "url"]
    pd.testing.assert_frame_equal(out[ids], rejected[ids].astype("string"), check_dtype=False)
    assert out["text"].tolist() == ["", "my card [CARD] call [PHONE]"]
    assert rejected.loc[1, "text"].startswith("my card 4111")  # input not modified


# --------------------------------------------------------------------------------------------
# International phone numbers, whatever phone_regions says
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "+44 20 7946 0958",
        "+234 802 123 4567",
        "+91 98765 43210",
        "0044 20 7946 0958",
        "00234 802 123 4567",
        "0091 98765 43210",
        "011 44 20 7946 0958",
    ],
)
def test_international_numbers_found_with_us_regions(number):
    text = f"Call me on {number} today"
    assert [(m.kind, m.value) for m in find_pii(text, regions=["US"])] == [("phone", number)]
    out = redact_texts(pd.Series([text]), regions=["US"])
    assert out["text_redacted"].tolist() == ["Call me on [PHONE] today"]


def test_phone_regions_govern_national_numbers_only():
    text = "Call 020 7946 0958"  # a London number without a country code
    assert find_pii(text, regions=["US"]) == []
    assert [m.value for m in find_pii(text, regions=["GB"])] == ["020 7946 0958"]


# --------------------------------------------------------------------------------------------
# HTML entities decoded once, at import
# --------------------------------------------------------------------------------------------


def test_file_import_decodes_entities_once(minimal_playbook):
    path = minimal_playbook("""
        mention_id,author_name,text,created_at
        1,Fish &amp; Co,Fish &amp; chips &lt;3 &#39;yum&#39;,2026-07-01T10:00:00Z
        2,Anna,Escaped twice: &amp;amp; stays &amp;,2026-07-01T11:00:00Z
        3,Ben,AT&T Q&A &notice &foo; 5 &gt 3,2026-07-01T12:00:00Z
        4,Cy,&amp;,not a date
    """)
    result = read_mentions(load_playbook(path))
    assert result.mentions["text"].tolist() == [
        "Fish & chips <3 'yum'",
        "Escaped twice: &amp; stays &",
        "AT&T Q&A &notice &foo; 5 &gt 3",
    ]
    assert result.mentions["author_name"].tolist()[0] == "Fish & Co"
    assert result.rejected["text"].tolist() == ["&amp;"]  # rejected rows: the file's values


class _FeedClient:
    """Serves one feed text, like HttpClient.get_text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def get_text(self, url: str) -> str:
        return self.text


def test_feed_entities_decoded_once():
    atom = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
    <entry><id>e1</id><updated>2026-07-01T10:00:00Z</updated>
      <title type="text">AT&amp;amp;T</title>
      <summary type="text">Fish &amp;amp; chips &lt;3</summary></entry>
    <entry><id>e2</id><updated>2026-07-01T11:00:00Z</updated>
      <title type="html">AT&amp;amp;T</title>
      <summary type="html">&lt;p&gt;Fish &amp;amp;amp; chips&lt;/p&gt;</summary></entry>
    </feed>"""
    source = RssSource.model_validate({"kind": "rss", "url": "https://feeds.example/a.xml"})
    frame = fetch_rss(source, _FeedClient(atom))
    # type="text" is plain text: its (XML-decoded) "&amp;" is meant literally;
    # type="html" is HTML: its "&amp;" is an ampersand, its "&amp;amp;" a literal "&amp;"
    assert frame.sort_values("mention_id")["text"].tolist() == [
        "AT&amp;T\n\nFish &amp; chips <3",
        "AT&T\n\nFish &amp; chips",
    ]


# --------------------------------------------------------------------------------------------
# The real twcs dump (skipped when ../shared/data is absent)
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.skipif(not TWCS.exists(), reason="../shared/data/twcs is absent")
def test_twcs_lengths_entities_and_links():
    source = FileSource.model_validate({"kind": "file", "path": str(TWCS), "preset": "twcs"})
    mentions = read_file_source(source, timezone="UTC").mentions
    raw = pd.read_csv(TWCS, index_col=0, lineterminator="\n")
    assert raw["text"].str.contains("&amp;", regex=False).sum() > 100
    assert not mentions["text"].str.contains(r"&(?:amp|lt|gt);", regex=True).any()
    # brand replies (inbound False) over 280: 7 by plain characters and 7 by Twitter's rules
    # (the dump's links are t.co links already); none is over only because of "&amp;"
    brand_ids = set(raw.loc[~raw["inbound"], "tweet_id"].astype(str))
    replies = mentions[mentions["mention_id"].isin(brand_ids)].assign(
        is_brand=True, in_reply_to_id="x"
    )
    assert len(replies) == 2222
    assert int((replies["text"].str.len() > 280).sum()) == 7
    violations = check_voice(
        replies, Voice(max_length={"twitter": 280}, must_offer_private_channel_for_pii=False)
    )
    assert (violations["rule"] == "max_length").sum() == 7
    # every link survives redaction as written
    links = re.compile(r"https?://\S+")
    red = redact_texts(mentions["text"], regions=["US"])["text_redacted"]
    before = mentions["text"].str.findall(links)
    after = red.str.findall(links)
    assert before.map(len).sum() > 1000
    assert (before == after).all()
