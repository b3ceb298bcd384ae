"""The CRM store: contacts, identities, interactions, cases, runs and KPI snapshots across runs.

Social CRM is still CRM. Each run of a playbook writes its artifacts into its run folder; the
store keeps what must outlive a run folder, per client:

================ ============================================================================
table            one row per
================ ============================================================================
contacts         person (``display_name``, ``first_seen``, ``last_seen``)
identities       account of a person on a platform (``platform`` + ``author_id`` -> contact);
                 unique per client, platform and author id
interactions     mention (post, reply, DM), unique per client, platform and ``mention_id``; the
                 PII-redacted ``text_redacted`` only, never raw text
cases            conversation with a customer (step 4's SLA clocks), unique per client, platform
                 and ``conversation_id``
runs             call of :meth:`Store.record_run` (one per playbook run), with the period its
                 data covers (``period_start``, ``period_end``: local dates of the first and
                 last post) and its ``status``: ``running`` from :meth:`Store.record_run`,
                 ``ok`` once :meth:`Store.save_kpis` stored its KPIs, ``failed`` when the run
                 stopped before (see below); NULL for runs recorded before schema version 3
kpi_snapshots    KPI of a run (``name``, ``value``, ``unit``), unique per run and KPI; one
                 point per data period (see below)
alert_deliveries alert sent (or tried) to a channel, unique per client, ``rule``,
                 ``window``, ``subject`` and ``channel``: ``status`` (``sent`` / ``failed``),
                 ``reason``, ``attempts`` (:mod:`socialcrm_utils.alerts`, ``docs/alerts.md``)
schema_version   the one version number of the tables (:data:`SCHEMA_VERSION`)
================ ============================================================================

**Idempotent.** Upserting the same frames again changes no row count in contacts, identities,
interactions or cases: rows are keyed by the natural keys above and updated in place. Runs are
a history and grow on purpose, one per :meth:`Store.record_run`. KPI snapshots are one point
per **data period**: the KPI values of a run whose data covers the same period as an earlier run
of the client (same first and last day) replace that run's values, so re-running last year's
export neither adds a point nor one at today's date. Runs recorded without a period (and runs of
stores from before schema version 2) are points of their own. :meth:`Store.kpi_history` draws
the trends from these points, placed at the period they cover.

**Killed runs.** A run is ``running`` from :meth:`Store.record_run` until
:meth:`Store.save_kpis` stores its KPIs (one transaction: all or none) and makes it ``ok``. A
run killed in between (SIGKILL, a crash, a power cut) has stored nothing of that transaction
and stays ``running``; the next :meth:`Store.record_run`, :meth:`Store.kpi_history` or
``read("runs")`` of the client finds that the process that recorded it (``pid`` on ``host``)
is gone and marks it ``failed`` (:meth:`Store.settle_runs`). A run recorded on another host is
left as it is (its process cannot be checked from here). The runner also marks a run
``failed`` when its step 5 fails (:meth:`Store.mark_run`).

**Contacts.** A new identity (an author on a platform not seen before) gets a new contact; the
same author on the same platform is always the same contact, also across runs. The same person
on two platforms is two identities and, until someone says otherwise with
:meth:`Store.merge_contacts`, two contacts. The client's own accounts (``is_brand`` posts) are
not contacts: their interactions carry the handle in ``brand_handle`` instead.

**Time.** Timestamps are UTC. PostgreSQL stores ``timestamptz``; SQLite has no time zones, so
naive UTC is stored there, and both come back as tz-aware UTC.

**Why SQLAlchemy Core, not the ORM.** Every write is a set-based, dialect-aware bulk upsert of
DataFrame rows (staged in a temporary table, by executemany on SQLite and COPY on PostgreSQL,
then merged with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` per table) and every read
returns a DataFrame; nothing needs per-object identity, change
tracking or lazy relationships, so mapped classes would be a second copy of the schema to keep
in step with the tables. Core ``Table`` objects are the one schema definition, usable for ad-hoc
SQL (``from socialcrm_utils.store import interactions``). Only SQLAlchemy's public API is used.

**Modules** (``docs/store.md``): ``schema`` (tables, schema version, migrations), ``core``
(:func:`open_store`, :class:`Store`), ``runs`` (runs and KPIs), ``upserts`` (mentions, cases,
contacts), ``reads`` (tables as frames), ``forget`` (an author's rows in the store and the run
folders), ``erasure`` (every other file of the run folders, and the scan that proves it),
``sql`` and ``frames`` (bulk SQL and row conversions). Import from ``socialcrm_utils.store``.

Only SQLite (the default: one file per client under ``reports/<client>/``) and PostgreSQL (for
teams: ``postgresql+psycopg://user@host/db``) are supported; a bare ``postgresql://`` URL uses
the psycopg 3 driver the suite installs.

Typical use in a notebook::

    with open_store(playbook.store_url) as store:
        run_id = store.record_run(playbook.client, run_dir, playbook.path)
        store.upsert_mentions(playbook.client, scored, run_id)
        store.upsert_cases(playbook.client, clocks, run_id)
        store.save_kpis(run_id, kpis)
        history = store.kpi_history(playbook.client)
"""

from .core import Store, open_store
from .deliveries import DELIVERY_KEY
from .erasure import (
    ERASED_TEXT,
    MIN_QUOTE_CHARS,
    MIN_TEXT_CHARS,
    NOTEBOOK_NOTE,
    Hit,
    Traces,
    collect_traces,
    erase_frame,
    erase_notebook,
    erase_runs,
    format_hits,
    normalize_text,
    run_dirs,
    scan_runs,
    scan_store,
)
from .forget import RUN_ARTIFACTS, files_naming, forget_in_runs
from .incremental import (
    HISTORY_SOURCE,
    FileSeen,
    RunLock,
    acquire_lock,
    known_mentions,
    read_cursors,
    read_history,
    read_seen_files,
    release_lock,
    save_cursors,
    save_mention_metrics,
    save_seen_files,
)
from .schema import (
    BATCH_ROWS,
    DELIVERY_STATUSES,
    ERASED,
    RUN_STATUSES,
    SCHEMA_VERSION,
    TABLES,
    UNKNOWN_PLATFORM,
    SchemaVersionError,
    StoreError,
    StoreNotFoundError,
    UnredactedTextError,
    UTCDateTime,
    alert_deliveries,
    cases,
    contacts,
    identities,
    interactions,
    kpi_snapshots,
    metadata,
    runs,
    schema_version,
)

__all__ = [
    "HISTORY_SOURCE",
    "FileSeen",
    "RunLock",
    "acquire_lock",
    "known_mentions",
    "read_cursors",
    "read_history",
    "read_seen_files",
    "release_lock",
    "save_cursors",
    "save_mention_metrics",
    "save_seen_files",
    "SCHEMA_VERSION",
    "RUN_STATUSES",
    "BATCH_ROWS",
    "TABLES",
    "RUN_ARTIFACTS",
    "UNKNOWN_PLATFORM",
    "ERASED",
    "Store",
    "StoreError",
    "SchemaVersionError",
    "StoreNotFoundError",
    "UnredactedTextError",
    "UTCDateTime",
    "open_store",
    "forget_in_runs",
    "files_naming",
    "metadata",
    "contacts",
    "identities",
    "interactions",
    "cases",
    "runs",
    "kpi_snapshots",
    "alert_deliveries",
    "DELIVERY_KEY",
    "DELIVERY_STATUSES",
    "schema_version",
    # erasure of run folders (socialcrm forget --runs)
    "ERASED_TEXT",
    "MIN_TEXT_CHARS",
    "MIN_QUOTE_CHARS",
    "NOTEBOOK_NOTE",
    "Traces",
    "Hit",
    "normalize_text",
    "collect_traces",
    "erase_runs",
    "erase_frame",
    "erase_notebook",
    "run_dirs",
    "scan_runs",
    "scan_store",
    "format_hits",
]
