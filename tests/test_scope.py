"""Client scope (step 1): the client's conversations out of an export of many companies.

Every expected value below is worked out by hand from the fixture's comments.
"""

from __future__ import annotations

import pandas as pd
import pytest

from socialcrm_utils.playbook import Brand
from socialcrm_utils.steps.scope import SCOPE_REASONS, scope_mentions

# id, author_id, author_name, is_brand (as exported), in_reply_to_id, text -> expected scope
ROWS = [
    # a client thread: the customer, the client's reply, the customer's thanks
    ("1", "ann", "Ann", False, None, "@AcmeAir where is my bag?", "client"),
    ("2", "AcmeAir", "ACME Air", True, "1", "@ann we are on it ^AB", "client"),
    ("3", "ann", "Ann", False, "2", "thanks", "client"),
    # another company's thread: left out whole
    ("4", "bob", "Bob", False, None, "@OtherCo help", "other_company_thread"),
    ("5", "OtherCo", "Other Co", True, "4", "@bob DM us", "other_company_post"),
    ("6", "bob", "Bob", False, "5", "ok", "other_company_thread"),
    # a competitor named in a post of its own
    ("7", "cat", "Cat", False, None, "globex lost my bag", "competitor"),
    # a competitor with an account of its own: the naming post counts, the rest does not
    ("8", "dan", "Dan", False, None, "@globex refund?", "competitor"),
    ("9", "globex", "Globex", True, "8", "@dan sure", "other_company_post"),
    ("10", "dan", "Dan", False, "9", "thanks", "other_company_thread"),
    # a competitor thread among customers
    ("11", "eve", "Eve", False, None, "globex is awful", "competitor"),
    ("12", "fay", "Fay", False, "11", "agreed", "competitor_thread"),
    # a post naming no brand, in no company's thread: other companies are in this export
    ("13", "gus", "Gus", False, None, "my flight was great", "unnamed_dropped"),
    # a client thread another company joins: its reply is out, the thread stays whole
    ("14", "hal", "Hal", False, None, "@AcmeAir @OtherCo who pays?", "client"),
    ("15", "OtherCo", "Other Co", True, "14", "@hal not us", "other_company_post"),
    ("16", "hal", "Hal", False, "15", "great, thanks", "client"),
    # an agent account the playbook names in brand.accounts (not flagged by the export)
    ("17", "ida", "Ida", False, None, "acme air lost my bag", "client"),
    ("18", "12345", "Agent 7", False, "17", "@ida sorry, DM us", "client"),
    # the client's handle is the author's name, the id a number
    ("19", "joe", "Joe", False, None, "refund please, acme air", "client"),
    ("20", "999", "@AcmeAirHelp", True, "19", "@joe done ^CD", "client"),
    # a customer addressing another company, unanswered
    ("21", "kim", "Kim", False, None, "@OtherCo still waiting", "other_company_thread"),
]

BRAND = Brand(
    handles=["@AcmeAir", "@AcmeAirHelp"],
    accounts=["12345"],
    terms=["acme air"],
    competitors={"Globex": ["globex", "@globex"]},
)


def _frame(rows=ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "mention_id": [r[0] for r in rows],
            "author_id": [r[1] for r in rows],
            "author_name": [r[2] for r in rows],
            "is_brand": [r[3] for r in rows],
            "in_reply_to_id": [r[4] for r in rows],
            "conversation_id": pd.NA,
            "text": [r[5] for r in rows],
            "platform": "twitter",
            "created_at": pd.date_range(
                "2026-01-05 09:00", periods=len(rows), freq="min", tz="UTC"
            ),
        }
    )


def test_every_row_gets_the_hand_worked_reason():
    result = scope_mentions(_frame(), BRAND)
    expected = {r[0]: r[6] for r in ROWS}
    kept = dict(zip(result.mentions["mention_id"], result.mentions["scope"], strict=True))
    assert kept == {i: s for i, s in expected.items() if s in ("client", "competitor", "unnamed")}
    counts = result.counts.set_index("reason")["posts"].to_dict()
    assert counts == {
        reason: sum(s == reason for s in expected.values()) for reason in SCOPE_REASONS
    }
    assert result.counts["posts"].sum() == len(ROWS)  # every post kept or left out, once


def test_only_the_clients_accounts_are_brand_posts():
    kept = scope_mentions(_frame(), BRAND).mentions.set_index("mention_id")
    assert kept.index[kept["is_brand"]].tolist() == ["2", "18", "20"]
    assert "5" not in kept.index and "9" not in kept.index and "15" not in kept.index


def test_threads_stay_whole_after_another_companys_reply_is_left_out():
    kept = scope_mentions(_frame(), BRAND).mentions.set_index("mention_id")
    assert kept.loc["16", "conversation_id"] == "14"  # its parent (15) is gone
    assert kept.loc[["1", "2", "3"], "conversation_id"].tolist() == ["1", "1", "1"]


def test_accounts_table_counts_each_company_account():
    accounts = scope_mentions(_frame(), BRAND).accounts.set_index("account")
    # client accounts first, then by posts (all 1 here), customers addressing them, name
    assert accounts.index.tolist()[:3] == ["AcmeAir", "12345", "@AcmeAirHelp"]
    assert accounts.loc["AcmeAir", "addressed_by"] == 2  # ann and hal start with @AcmeAir
    columns = ["client", "posts", "conversations", "customer_posts"]
    assert accounts.loc["AcmeAir", columns].tolist() == [True, 1, 1, 2]
    # OtherCo posts in two conversations (4-6 and 14-16), with 2 + 2 customer posts
    assert accounts.loc["OtherCo", columns].tolist() == [False, 2, 2, 4]
    assert accounts.loc["globex", ["client", "posts"]].tolist() == [False, 1]


def test_unnamed_posts_follow_the_playbook():
    keep = Brand(**{**BRAND.model_dump(), "unnamed_posts": "keep"})
    assert (
        scope_mentions(_frame(), keep).mentions.set_index("mention_id").loc["13", "scope"]
        == "unnamed"
    )
    # auto: kept when the export holds no other company's account
    alone = [r for r in ROWS if r[0] in {"1", "2", "3", "13"}]
    result = scope_mentions(_frame(alone), BRAND)
    assert result.mentions["mention_id"].tolist() == ["1", "2", "3", "13"]
    assert result.other_companies == 0
    drop = Brand(**{**BRAND.model_dump(), "unnamed_posts": "drop"})
    assert scope_mentions(_frame(alone), drop).mentions["mention_id"].tolist() == ["1", "2", "3"]


def test_note_names_the_export_and_warns_when_no_client_account_posts():
    result = scope_mentions(_frame(), BRAND)
    assert result.note.startswith(
        "This export holds 5 company accounts: 3 of the client and 2 of other companies"
    )
    assert "Kept 12 of 21 posts: 9 in client conversations, 3 naming a competitor" in result.note
    wrong = Brand(handles=["@OtherCompany"], terms=["acme air"])
    note = scope_mentions(_frame(), wrong).note
    assert "Warning: none of the client's accounts (@OtherCompany) posts in this data" in note
    assert "Is one of OtherCo" in note


@pytest.mark.parametrize("rows", [[], ROWS[:1]])
def test_small_inputs(rows):
    result = scope_mentions(_frame(rows), BRAND)
    assert len(result.mentions) == len(rows)
    assert result.counts["posts"].sum() == len(rows)


def test_accounts_many_customers_address_are_other_companies():
    # A listening export of posts to several airlines, none of their own posts: 12 customers
    # write to @OtherAir, 3 to @AcmeAir; a post naming nobody is then somebody else's too.
    rows = [
        (f"o{i}", f"c{i}", f"C{i}", False, None, f"@OtherAir delayed again #{i}", "")
        for i in range(12)
    ]
    rows += [
        (f"a{i}", f"d{i}", f"D{i}", False, None, f"@AcmeAir lost bag {i}", "") for i in range(3)
    ]
    rows += [("u1", "e1", "E1", False, None, "what a day at the airport", "")]
    result = scope_mentions(_frame(rows), BRAND)
    assert result.mentions["mention_id"].tolist() == ["a0", "a1", "a2"]
    counts = result.counts.set_index("reason")["posts"]
    assert counts["other_company_thread"] == 12 and counts["unnamed_dropped"] == 1
    other = result.accounts.set_index("account").loc["OtherAir"]
    assert (other["client"], other["posts"], other["addressed_by"]) == (False, 0, 12)
    assert "OtherAir (addressed by 12 customers)" in result.note
    # 9 customers are too few to make an account a company's: the unnamed post stays
    few = [r for r in rows if r[0] not in {"o9", "o10", "o11"}]
    assert "u1" in scope_mentions(_frame(few), BRAND).mentions["mention_id"].tolist()


def test_addresses_are_the_same_with_and_without_the_prefilter(monkeypatch):
    from socialcrm_utils.steps import scope

    texts = pd.Series(
        ["@Globex hi", "@GLOBEX_help hi", "mail x@globex.com", "hey @globex!", "@ÄrgerBahn", None],
        dtype="string",
    )
    expected = [True, False, False, True, False, False]
    assert scope._addresses(texts, {"globex"}).tolist() == expected
    assert scope._addresses(texts, {"globex", "ärgerbahn"}).tolist()[4] is True  # not ASCII
    monkeypatch.setattr(scope, "candidates", lambda t, p: t.notna().to_numpy())
    assert scope._addresses(texts, {"globex"}).tolist() == expected


def test_without_mentions_keeps_everything_but_the_rows():
    # step 1 drops the raw mentions (personal data) once they are prepared
    from socialcrm_utils.sources import ReadResult

    result = scope_mentions(_frame(), BRAND)
    light = result.without_mentions()
    assert light.mentions.empty and light.mentions.columns.equals(result.mentions.columns)
    assert light.mentions.dtypes.equals(result.mentions.dtypes)
    assert light.counts is result.counts and light.accounts is result.accounts
    assert light.note == result.note and len(result.mentions) == 12  # the original is intact
    read = ReadResult(_frame(), pd.DataFrame({"reason": ["x"]}), pd.DataFrame({"kept": [21]}))
    dropped = read.without_mentions()
    assert dropped.mentions.empty and list(dropped.mentions.columns) == list(_frame().columns)
    assert dropped.rejected is read.rejected and dropped.counts is read.counts
