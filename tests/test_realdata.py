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
    # twcs brand replies (inbound False) are brand posts for every brand in the dump; the
    # playbook's own handle is among them
    assert mentions.loc[mentions["author_id"] == "Delta", "is_brand"].all()
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
    assert (read_artifact(run_dir, "conversations.parquet")["conversation_id"]
            .isin(sla["conversation_id"].astype(str)).all())


def test_complaint_detection_generalises_beyond_airlines():
    # Customer posts to phone, telecom, retail, food-delivery, software and airline support:
    # the general complaint cues flag about 27% (the airline-only cues flagged about 6%).
    from socialcrm_utils.nlp.intent import classify_intent

    frame = pd.read_csv(TWCS, index_col=0, lineterminator="\n", dtype=str)
    inbound = frame[frame["inbound"] == "True"]
    intents = classify_intent(inbound["text"], pd.Series("en", index=inbound.index))
    assert (intents["intent"] == "complaint").mean() > 0.25
