"""Runs on the real public data in ../shared/data (skipped when it is absent; never copied here)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from socialcrm_utils.artifacts import read_artifact
from socialcrm_utils.cli import main

from .conftest import SHARED_DATA

TWCS = SHARED_DATA / "twcs" / "twcs_subset.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not TWCS.is_file(), reason=f"{TWCS} not found (real data is optional)"),
]


def test_playbook_on_twcs_through_its_preset(tmp_path, write_playbook, capsys):
    path = write_playbook(
        f"""
        client: twcs-delta
        name: Delta (twcs)
        language: en
        timezone: America/New_York
        brand:
          handles: ["@Delta"]
          terms: ["delta", "@delta"]
          competitors: {{American: ["@americanair", "american airlines"], United: ["@united"]}}
        sources:
          - {{kind: file, path: {TWCS}, preset: twcs}}
        sla:
          policies: [{{first_response: 1h}}]
        """
    )
    assert main(["run", str(path), "--out", str(tmp_path), "--steps", "1-4", "--no-report"]) == 0
    run_dir = next(p for p in (tmp_path / "twcs-delta").iterdir() if p.name != "latest")
    mentions = read_artifact(run_dir, "mentions.parquet")
    counts = read_artifact(run_dir, "import_counts.json")[0]
    assert counts["read"] == 5000 and counts["kept"] + counts["rejected"] == 5000
    assert counts["kept"] >= 4990
    assert "text" not in mentions.columns
    # twcs brand replies (inbound False) of 76 brands: only Delta's are the client's, the
    # other brands' posts are left out in step 1 (client scope)
    assert set(mentions.loc[mentions["is_brand"], "author_id"]) == {"Delta"}
    assert not mentions["author_id"].isin(["AmericanAir", "AppleSupport", "AmazonHelp"]).any()
    assert set(mentions["lang"].dropna()) >= {"en"}
    # no e-mail address survives redaction in any stored text
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    assert not mentions["text_redacted"].str.contains(email).any()
    scored = read_artifact(run_dir, "mentions_scored.parquet")
    customers = scored[scored["is_customer"]]
    # English and German posts are scored; other languages in the dump (es, ja, ...) stay unscored
    en_de = customers["lang"].isin(["en", "de"])
    assert en_de.mean() > 0.85
    assert customers.loc[en_de, "sentiment_label"].isin(["negative", "neutral", "positive"]).all()
    assert (customers.loc[~en_de, "sentiment_label"] == "unscored").all()
    negative = (customers.loc[en_de, "sentiment_label"] == "negative").mean()
    assert negative > 0.2, "customer-support tweets are largely negative"
    platforms = pd.read_csv(run_dir / "platforms.csv")
    assert platforms["platform"].tolist() == ["twitter"]
    # Step 4 on real threads: Delta's conversations, every one answered by a brand handle of
    # the dump, clocked against the 1h calendar policy.
    sla = pd.read_csv(run_dir / "sla.csv")
    assert len(sla) > 20 and sla["conversation_id"].is_unique
    assert sla["policy"].eq("any intent/any platform").all()
    answered = sla[sla["first_response_at"].notna()]
    assert answered["first_response_h"].gt(0).all()
    assert set(sla["status"]) <= {"met", "breached", "open", "open_breached"}
    assert (
        read_artifact(run_dir, "conversations.parquet")["conversation_id"]
        .isin(sla["conversation_id"].astype(str))
        .all()
    )


def test_complaint_detection_generalises_beyond_airlines():
    # Customer posts to phone, telecom, retail, food-delivery, software and airline support:
    # the general complaint cues flag about 27% (the airline-only cues flagged about 6%).
    from socialcrm_utils.nlp.intent import classify_intent

    frame = pd.read_csv(TWCS, index_col=0, lineterminator="\n", dtype=str)
    inbound = frame[frame["inbound"] == "True"]
    intents = classify_intent(inbound["text"], pd.Series("en", index=inbound.index))
    assert (intents["intent"] == "complaint").mean() > 0.25


# ---------------------------------------------------------------------------------------------
# One client inside a multi-brand export: the suite's KPIs against a plain computation


def _plain_brand_kpis(handle: str, term: str) -> tuple[set[str], dict[str, float]]:
    """The brand's own conversations in twcs, computed without the suite (pandas and dicts).

    A conversation is a reply chain (``in_response_to_tweet_id``) followed to its first tweet
    in the file (a reply to a tweet not in the file starts at that missing tweet). The brand's
    conversations are those it posts in or whose customers write its handle or name. Volume:
    customer tweets in them; a conversation is answered when the brand posts after its first
    customer tweet; first response in calendar hours.
    """
    frame = pd.read_csv(TWCS, index_col=0, lineterminator="\n", dtype=str)
    frame["parent"] = frame["in_response_to_tweet_id"].str.replace(r"\.0$", "", regex=True)
    parent = dict(zip(frame["tweet_id"], frame["parent"], strict=True))

    def root(tweet: str) -> str:
        seen = set()
        while isinstance(parent.get(tweet), str) and tweet not in seen:
            seen.add(tweet)
            if parent[tweet] not in parent:
                return parent[tweet]
            tweet = parent[tweet]
        return tweet

    frame["conversation"] = [root(t) for t in frame["tweet_id"]]
    frame["at"] = pd.to_datetime(frame["created_at"], format="%a %b %d %H:%M:%S %z %Y")
    customer = frame["inbound"] == "True"
    ours = frame["author_id"] == handle
    names = customer & frame["text"].str.contains(
        rf"(?<!\w)(?:@{handle}|{term})(?!\w)", case=False, regex=True
    )
    threads = set(frame.loc[ours | names, "conversation"])
    mine = frame[frame["conversation"].isin(threads)]
    posts = mine[mine["inbound"] == "True"]
    first_customer = posts.groupby("conversation")["at"].min()
    replies = mine[mine["author_id"] == handle].join(
        first_customer.rename("opened"), on="conversation"
    )
    replies = replies[replies["at"] > replies["opened"]]
    first_reply = replies.groupby("conversation")["at"].min()
    hours = (first_reply - first_customer.reindex(first_reply.index)).dt.total_seconds() / 3600
    return set(posts["tweet_id"]), {
        "volume": len(posts),
        "response_rate": len(first_reply) / len(first_customer),
        "median_first_response_h": hours.median(),
        "p90_first_response_h": hours.quantile(0.9),
    }


BRANDS = [("ChipotleTweets", "chipotle"), ("AppleSupport", "apple"), ("SpotifyCares", "spotify")]


@pytest.mark.e2e
@pytest.mark.parametrize(("handle", "term"), BRANDS)
def test_one_brand_of_twcs_matches_a_plain_computation(tmp_path, write_playbook, handle, term):
    client = f"twcs-{handle.lower()}"
    path = write_playbook(
        f"""
        client: {client}
        name: {handle}
        timezone: America/New_York
        brand: {{handles: ["@{handle}"], terms: ["{term}"]}}
        sources: [{{kind: file, path: {TWCS}, preset: twcs}}]
        sla: {{policies: [{{first_response: 1h}}]}}
        """
    )
    assert main(["run", str(path), "--out", str(tmp_path)]) == 0  # all six steps and the report
    run_dir = tmp_path / client / "latest"
    assert (run_dir / "report.html").is_file()
    ids, plain = _plain_brand_kpis(handle, term)
    kpis = {k["name"]: k["value"] for k in read_artifact(run_dir, "kpis.json")["kpis"]}
    assert kpis["volume"] == plain["volume"]
    assert kpis["response_rate"] == pytest.approx(plain["response_rate"])
    assert kpis["median_first_response_h"] == pytest.approx(plain["median_first_response_h"])
    assert kpis["p90_first_response_h"] == pytest.approx(plain["p90_first_response_h"])
    scored = read_artifact(run_dir, "mentions_scored.parquet")
    customers = scored[~scored["is_brand"]]
    assert set(customers["mention_id"]) == ids  # the very same posts, not only as many
    assert kpis["complaint_rate"] == pytest.approx((customers["intent"] == "complaint").mean())
    assert set(scored.loc[scored["is_brand"], "author_id"]) == {handle}
    accounts = pd.read_csv(run_dir / "scope.csv")
    assert accounts.loc[0, "account"] == handle and accounts.loc[0, "client"]
    # 76 accounts post as brands (inbound False); 2 main accounts the dump anonymised (T-Mobile,
    # Uber) are found because dozens of customers open their tweets with them
    assert (accounts["posts"] > 0).sum() >= 76 and len(accounts) == 78


AIRLINE = SHARED_DATA / "airline" / "Tweets.csv"


@pytest.mark.skipif(not AIRLINE.is_file(), reason=f"{AIRLINE} not found (real data is optional)")
def test_one_airline_of_a_listening_export_without_brand_posts(write_playbook):
    from socialcrm_utils.playbook import load_playbook
    from socialcrm_utils.sources import read_mentions
    from socialcrm_utils.steps.scope import scope_mentions

    path = write_playbook(
        f"""
        client: airline-united
        name: United
        timezone: America/New_York
        brand: {{handles: ["@united"], terms: ["united airlines"],
                 competitors: {{Delta: ["@delta"], American: ["@americanair"]}}}}
        sources: [{{kind: file, path: {AIRLINE}, preset: airline}}]
        """
    )
    playbook = load_playbook(path)
    mentions = read_mentions(playbook).mentions
    result = scope_mentions(mentions, playbook.brand)
    # Plainly: a tweet is United's when it writes @united or "united airlines" (no threads here)
    plain = mentions["text"].str.contains(
        r"(?<!\w)(?:@united|united\s+airlines)(?!\w)", case=False, regex=True
    )
    kept = result.mentions
    assert set(kept.loc[kept["scope"] == "client", "mention_id"]) == set(
        mentions.loc[plain, "mention_id"]
    )
    # The other airlines never post here, but customers address them: they are companies
    others = set(result.accounts.loc[~result.accounts["client"], "account"].str.lower())
    assert {"usairways", "americanair", "southwestair", "jetblue", "virginamerica"} <= others
    assert not kept["is_brand"].any()  # United's own account never posts in this export
    assert "None of the client's accounts posts in this data" in result.note
