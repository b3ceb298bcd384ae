"""The listening step's outputs, pinned: speed work must not change one score (issue 18).

A SHA-256 over every column of step 1's prepared and scored mentions on the shipped sample,
both ways step 1 can get them (``prepare_mentions`` then ``score_mentions``; and as notebook
01 does, workers started with the playbook searching the texts for personal data and scoring
them for ``prepare_and_start_scores``, ``score_mentions`` collecting), and, when
``../shared/data`` is there, on the real public texts (airline, twcs, GermEval: only the hash
is kept here, nothing of the data). Both hashes were computed with the release before issue
18's session-9 speed levers (commit c57ea1c) and are unchanged since. A change that means to
alter scores or redactions updates a hash and says why in its commit; a speed change never does.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from socialcrm_utils.config import EXAMPLE_PLAYBOOK
from socialcrm_utils.playbook import load_playbook
from socialcrm_utils.schema import conform_mentions
from socialcrm_utils.sources import read_mentions
from socialcrm_utils.steps.listening import score_mentions
from socialcrm_utils.steps.prepare import (
    prepare_and_start_scores,
    prepare_mentions,
    start_scoring_workers,
)
from socialcrm_utils.steps.scope import scope_mentions

from .conftest import SHARED_DATA, real_public_texts

SAMPLE_SHA256 = "e6a72c98d8ef31c29063cb5747fca3f79c8bac6ee8f1a510cabde54b82a9e579"
REAL_SHA256 = "8141b314ec49247ce2a12527d9ff9d7588f44dc834ce54c3467f8c0c44497cda"


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of every column's name and values (``repr`` of each, in row order)."""
    digest = hashlib.sha256()
    for column in sorted(frame.columns):
        digest.update(column.encode())
        values = "\x1f".join(map(repr, frame[column].tolist()))
        digest.update(values.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


#: Why a hash can change without a code change: the libraries whose data the step reads.
CHANGED = (
    "the listening step's output changed: if no score was meant to change, compare "
    "score_mentions(prepare_mentions(...)) with the previous release column by column; if a "
    "dependency changed it (phonenumbers' metadata, the VADER lexicon), say so and update the hash"
)


def test_fingerprint_sees_one_changed_score():
    frame = pd.DataFrame({"sentiment": [0.5, -0.25], "intent": ["praise", "complaint"]})
    changed = frame.assign(sentiment=[0.5, -0.2500001])
    assert fingerprint(frame) == fingerprint(frame.copy())
    assert fingerprint(frame) != fingerprint(changed)


def scored_both_ways(mentions: pd.DataFrame, caplog: pytest.LogCaptureFixture) -> list[str]:
    """Fingerprints of the mentions prepared then scored, and with workers started early."""
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    whole = score_mentions(prepare_mentions(mentions, playbook), playbook)
    prepared, scores = prepare_and_start_scores(
        mentions, playbook, pool=start_scoring_workers(playbook)
    )
    with caplog.at_level("WARNING"):
        early = score_mentions(prepared, playbook, started=scores)
    assert "scoring again" not in caplog.text  # the started scores were the ones collected
    assert len(whole) == len(early)
    return [fingerprint(whole), fingerprint(early)]


def test_the_sample_scores_as_before(caplog):
    playbook = load_playbook(EXAMPLE_PLAYBOOK)
    mentions = scope_mentions(read_mentions(playbook).mentions, playbook.brand).mentions
    assert scored_both_ways(mentions, caplog) == [SAMPLE_SHA256] * 2, CHANGED
    assert len(mentions) == 6000


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"{SHARED_DATA} not found (optional)")
def test_the_real_public_texts_score_as_before(caplog):
    real = real_public_texts()
    mentions = conform_mentions(
        pd.DataFrame(
            {
                "mention_id": [f"r{i}" for i in range(len(real))],
                "platform": "twitter",
                "author_id": [f"a{i % 5000}" for i in range(len(real))],
                "text": real["text"].tolist(),
                "lang": real["lang"].tolist(),
                "created_at": pd.Timestamp("2026-10-01", tz="UTC"),
            }
        )
    )
    assert len(mentions) == 22_224
    assert scored_both_ways(mentions, caplog) == [REAL_SHA256] * 2, CHANGED
