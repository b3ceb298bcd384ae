"""Shared fixtures: project paths, a temporary run folder, playbook files written on the fly."""

from __future__ import annotations

import csv
import textwrap
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

#: The repository (tests run from a clone).
ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
#: Whether the real public data sets are there (tests that read them skip otherwise).
HAS_SHARED_DATA = (SHARED_DATA / "twcs" / "twcs_subset.csv").is_file()


def real_public_texts() -> pd.DataFrame:
    """Every text of the three real data sets with its language: airline and twcs tweets
    (``en``), GermEval 2017 dev posts (``de``). Read from ``../shared/data``, never copied."""
    airline = pd.read_csv(SHARED_DATA / "airline" / "Tweets.csv", dtype=str)
    twcs = pd.read_csv(
        SHARED_DATA / "twcs" / "twcs_subset.csv", index_col=0, lineterminator="\n", dtype=str
    )
    with (SHARED_DATA / "germeval2017" / "dev.tsv").open(encoding="utf-8") as handle:
        german = [
            row[1]
            for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            if len(row) > 1
        ]
    english = [*airline["text"].dropna(), *twcs["text"].dropna()]
    return pd.DataFrame(
        {"text": [*english, *german], "lang": ["en"] * len(english) + ["de"] * len(german)}
    )


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """An empty run folder."""
    path = tmp_path / "run"
    path.mkdir()
    return path


@pytest.fixture
def write_playbook(tmp_path: Path) -> Callable[..., Path]:
    """Write a playbook YAML into tmp_path; `body` is dedented; returns its path."""

    def write(body: str, name: str = "client.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body).lstrip(), encoding="utf-8")
        return path

    return write


MINIMAL = """
client: tiny
name: Tiny Co
timezone: Europe/Berlin
brand: {{handles: ["@Tiny"], terms: ["tiny co"]}}
sources:
  - {{kind: file, path: {path}}}
"""


@pytest.fixture
def minimal_playbook(write_playbook, tmp_path: Path) -> Callable[[str], Path]:
    """A minimal valid playbook around one data file given as CSV text."""

    def make(csv_text: str, extra: str = "") -> Path:
        data = tmp_path / "mentions.csv"
        data.write_text(textwrap.dedent(csv_text).lstrip(), encoding="utf-8")
        return write_playbook(MINIMAL.format(path="mentions.csv") + textwrap.dedent(extra))

    return make


@pytest.fixture(scope="session")
def postgres_url():
    """URL of a PostgreSQL database for the store tests (see tests/pg.py).

    ``SOCIALCRM_TEST_POSTGRES_URL`` when set (``.ci/run`` sets it), else a throw-away server of
    its own when ``initdb``/``pg_ctl`` are installed; skips, naming what is missing, otherwise.
    """
    import contextlib

    from .pg import Unavailable
    from .pg import postgres_url as start

    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(start())
        except Unavailable as exc:
            pytest.skip(f"no PostgreSQL server for the store tests: {exc}")
        yield url


#: The tiny fixture playbook; its KPIs were computed by hand (:data:`EXPECTED`).
TINY = ROOT / "tests" / "fixtures" / "tiny" / "tiny.yaml"

#: KPIs of the tiny fixture playbook, every figure computed by hand:
#:
#: tests/fixtures/tiny/mentions.csv (Europe/Berlin = UTC+2 in September 2026; business hours
#: Mon-Fri 09:00-17:00; complaint 1h and question 2h in business time, anything else 4h calendar):
#:
#:   conversation first customer post        first brand reply         policy / due        status
#:   t1 (+t2,t11) Tue 01.09 08:00Z complaint 08:30Z  = 0.5h            1h business 09:00Z  met
#:   t3 (+t4)     Tue 01.09 09:00Z question  12:00Z  = 3.0h            2h business 11:00Z  breached
#:   t5           Wed 02.09 10:00Z praise    none                      4h calendar 14:00Z  open_br.
#:   t6 (+t7)     Fri 04.09 14:45Z complaint Mon 07.09 07:30Z = 64.75h 1h business:        met
#:                (business: Fri 16:45-17:00 + Mon 09:00-09:30 = 0.75h; due Mon 07:45Z)
#:   t10          Fri 04.09 16:00Z lead      none                      4h calendar 20:00Z  open_br.
#:   (open_br. = open_breached; t8, t9 name only Globex: no conversation the brand owes; t12 is a
#:    brand post without replies; t13 has no text and is rejected; as_of = latest timestamp =
#:    Mon 07:30Z, after every open due time)
#:
#: Customer posts about the brand: t1, t3, t5, t6, t10, t11 -> volume 6.
#: Sentiment (VADER with the customer-service extension): positive t5, t11; negative t1, t6;
#: neutral t3 and t10 ("I would love a group fare...": a wish, not praise) -> net (2 - 2) / 6 = 0.
#: Complaints t1, t6 -> 2 / 6. Share of voice 6 / (6 + 2 Globex posts) = 0.75.
#: Response rate 3 answered / 5 = 0.6; median of 0.5, 3.0, 64.75 = 3.0 h;
#: attainment 2 met / 5 decided.
#: p90 (numpy, linear): position 0.9 * 2 = 1.8 -> 3.0 + 0.8 * (64.75 - 3.0) = 52.4 h.
#: Reach: largest follower count per author and platform: ann 200 (two posts, counted once), ben 80,
#: cara 150, dan 12000, gus 300 -> 12,730.
#: Advocacy: answered conversations that opened negative: t1 and t6; ann's later "ok thanks" (t11,
#: after the reply t2) is positive, dan never wrote again -> 1 / 2.
#: Costs (defaults): social 1 per contact; 3 answered x (phone 15 - social 1) = 42 saved.
EXPECTED = {
    "volume": 6,
    "reach": 12_730,
    "response_rate": 0.6,
    "median_first_response_h": 3.0,
    "p90_first_response_h": 52.4,
    "net_sentiment": 0.0,
    "share_of_voice": 0.75,
    "sla_attainment": 0.4,
    "complaint_rate": 2 / 6,
    "advocacy": 0.5,
    "cost_per_contact": 1.0,
    "savings_vs_phone": 42.0,
}


@pytest.fixture(scope="module")
def tiny():
    """The tiny fixture read, scored and clocked: (playbook, mentions, scored, clocks)."""
    from socialcrm_utils.conversations import brand_threads, build_conversations, sla_clocks
    from socialcrm_utils.playbook import load_playbook
    from socialcrm_utils.sources import read_mentions
    from socialcrm_utils.steps.listening import score_mentions

    playbook = load_playbook(TINY)
    mentions = read_mentions(playbook).mentions
    scored = score_mentions(mentions, playbook)
    conversations = build_conversations(brand_threads(scored), playbook.brand.handles)
    clocks = sla_clocks(conversations, playbook.sla, playbook.timezone)
    return playbook, mentions, scored, clocks
