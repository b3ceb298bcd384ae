"""Playbook validation: the format of DESIGN.md, and one clear line per error."""

from __future__ import annotations

import datetime as dt

import pytest

from socialcrm_utils.config import EXAMPLE_PLAYBOOK, TEMPLATE_PLAYBOOK
from socialcrm_utils.exceptions import (
    PlaybookNotFoundError,
    PlaybookSyntaxError,
    PlaybookValidationError,
)
from socialcrm_utils.playbook import format_duration, load_playbook, parse_duration

CSV = "mention_id,text,created_at\n1,hello,2026-09-01T10:00:00Z\n"


@pytest.mark.parametrize("path", [EXAMPLE_PLAYBOOK, TEMPLATE_PLAYBOOK], ids=["example", "template"])
def test_shipped_playbooks_validate(path):
    playbook = load_playbook(path)
    assert playbook.sources[0].path.is_file()
    assert playbook.sla.policies


def test_example_values():
    pb = load_playbook(EXAMPLE_PLAYBOOK)
    assert pb.client == "acme-air"
    assert pb.brand.handle_keys == {"acmeair", "acmeairhelp"}
    assert pb.sla.policies[1].first_response == dt.timedelta(hours=1)
    assert pb.sla.business_hours.start == dt.time(8) and pb.sla.business_hours.end == dt.time(20)
    holidays = pb.sla.business_hours.holidays
    assert (holidays.country, holidays.subdivision) == ("DE", "BE")
    assert pb.costs.per_contact == {"phone": 15, "email": 3, "store": 20, "social": 1}
    assert pb.store_url.endswith("reports/acme-air/crm.sqlite")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30m", 1800),
        ("4h", 14400),
        ("2d", 172800),
        ("1h30m", 5400),
        ("1w", 604800),
        ("90s", 90),
        (" 2 h ", 7200),
        (600, 600),
    ],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["soon", "", "4 hours", "h", "1x", True])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_duration_round_trip():
    for text in ("30m", "4h", "2d", "1h30m", "1d2h"):
        assert format_duration(parse_duration(text)) == text


def test_relative_paths_resolve_against_playbook_folder(tmp_path, write_playbook):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "m.csv").write_text(CSV)
    other = tmp_path / "elsewhere"
    other.mkdir()
    path = write_playbook(
        """
        client: c1
        name: C
        brand: {handles: ["@c"]}
        sources: [{kind: file, path: data/m.csv}]
        store: sqlite:///crm.sqlite
        """
    )
    pb = load_playbook(path)
    assert pb.sources[0].path == (tmp_path / "data" / "m.csv").resolve()
    assert pb.store_url == f"sqlite:///{(tmp_path / 'crm.sqlite').resolve()}"


def test_missing_playbook():
    with pytest.raises(PlaybookNotFoundError, match="nope.yaml: playbook not found"):
        load_playbook("nope.yaml")


def test_invalid_yaml_names_line_and_column(write_playbook):
    path = write_playbook("client: a\nname: [b\n")
    with pytest.raises(PlaybookSyntaxError) as info:
        load_playbook(path)
    assert f"{path}:3:1: invalid YAML" in str(info.value)


def _errors(write_playbook, body: str) -> list[str]:
    path = write_playbook(body)
    with pytest.raises(PlaybookValidationError) as info:
        load_playbook(path, check_files=False)
    return info.value.errors


BASE = """
client: c1
name: C
brand: {handles: ["@c"]}
sources: [{kind: file, path: m.csv}]
"""


def test_unknown_key_suggests_closest(write_playbook):
    errors = _errors(write_playbook, BASE + "golas: []\n")
    assert errors == [
        "line 5: golas: unknown key; did you mean 'goals'? (allowed: client, name, language, "
        "timezone, brand, sources, goals, guidelines, sla, routing, voice, costs, listening, "
        "platforms, http, alerts, window, store)"
    ]


def test_nested_unknown_key(write_playbook):
    errors = _errors(write_playbook, BASE + "sla: {policies: [{first_respons: 1h}]}\n")
    assert any(
        "sla.policies[0].first_respons: unknown key; did you mean 'first_response'?" in e
        for e in errors
    )


def test_wrong_type_and_value(write_playbook):
    errors = _errors(
        write_playbook,
        BASE + "goals: [{metric: response_rate, target: high, by: 2027-03-31}]\n"
        "sla: {policies: [{intent: complaint, first_response: soon}]}\n",
    )
    assert "line 5: goals[0].target: 'high' is not a number (allowed: a number, e.g. 0.9)" in errors
    assert (
        "line 6: sla.policies[0].first_response: 'soon' is not a duration (allowed: a number "
        "with a unit, e.g. 30m, 4h, 2d, 1h30m)"
    ) in errors


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("timezone: Mars/Base\n", "timezone: 'Mars/Base' is not an IANA time zone"),
        ("language: fr\n", "language: 'fr' is not allowed (allowed: 'en' or 'de')"),
        ("routing: {complaint: servce}\n", "did you mean 'service'?"),
        (
            "goals: [{metric: responserate, target: 1, by: 2027-01-01}]\n",
            "did you mean 'response_rate'?",
        ),
        (
            "sla: {business_hours: {start: '20:00', end: '08:00'}}\n",
            "sla.business_hours: end 08:00 must be after start 20:00",
        ),
        ("sla: {business_hours: {holidays: XX}}\n", "'XX' is not a supported holiday country"),
        ("sla: {business_hours: {holidays: DE-XX}}\n", "'XX' is not a subdivision of DE"),
        ("sla: {policies: [{first_response: 0m}]}\n", "'0m' must be longer than zero"),
        (
            "sla: {policies: [{first_response: 1h, business_hours: true}]}\n",
            "sla.business_hours is not set",
        ),
        (
            "sla: {business_hours: {shifts: ['08:00-12:00', '11:00-14:00']}}\n",
            "sla.business_hours: shifts 08:00-12:00 and 11:00-14:00 overlap on mon",
        ),
        (
            "sla: {business_hours: {shifts: ['12:00-08:00']}}\n",
            "sla.business_hours.shifts[0]: end 08:00 must be after start 12:00",
        ),
        (
            "sla: {business_hours: {schedule: {mon: ['08:00-12:00']}, start: '09:00'}}\n",
            "sla.business_hours: schedule cannot be combined with start",
        ),
        (
            "sla: {business_hours: {schedule: {monday: ['08:00-12:00']}}}\n",
            "sla.business_hours.schedule.monday",
        ),
        (
            "sla: {policies: [{first_response: 1h, next_response: 0s}]}\n",
            "sla.policies[0].next_response: '0s' must be longer than zero",
        ),
        (
            "sla: {policies: [{first_response: 1h, priority: urgent}]}\n",
            "'urgent' is not allowed (allowed: 'high', 'normal' or 'low')",
        ),
    ],
)
def test_value_errors(write_playbook, extra, expected):
    errors = _errors(write_playbook, BASE + extra)
    assert any(expected in e for e in errors), errors


def test_bad_client_id(write_playbook):
    errors = _errors(write_playbook, BASE.replace("client: c1", "client: Acme Air"))
    assert errors[0].startswith("line 1: client: 'Acme Air' is not a client id")


def test_missing_source_file_names_resolved_path(tmp_path, write_playbook):
    path = write_playbook(BASE)
    with pytest.raises(PlaybookValidationError) as info:
        load_playbook(path)
    assert info.value.errors == [
        f"line 4: sources[0].path: file not found: {tmp_path / 'm.csv'} (fix the path; relative "
        "paths start at the playbook's folder)"
    ]


def test_all_errors_reported_sorted_by_line(write_playbook):
    errors = _errors(write_playbook, BASE.replace("name: C", "name: C\ntimezone: X") + "foo: 1\n")
    assert len(errors) == 2
    assert errors[0].startswith("line 3: timezone")
    assert errors[1].startswith("line 6: foo: unknown key (allowed: client,")


def test_unquoted_clock_time_is_read_as_time(write_playbook):
    # YAML 1.1 reads 08:00 unquoted as the integer 480 (sexagesimal); it still means 08:00.
    path = write_playbook(BASE + "sla: {business_hours: {start: 08:00, end: 17:30}}\n")
    pb = load_playbook(path, check_files=False)
    hours = pb.sla.business_hours
    assert hours.start == dt.time(8) and hours.end == dt.time(17, 30)


def test_unknown_key_of_a_feed_source_lists_that_kind(write_playbook):
    errors = _errors(
        write_playbook,
        BASE.replace(
            "sources: [{kind: file, path: m.csv}]",
            "sources: [{kind: mastodon, instance: 'https://m.example', tag: acme, taag: x}]",
        ),
    )
    assert errors == [
        "line 4: sources[0].taag: unknown key; did you mean 'tag'? (allowed: name, "
        "since, until, kind, instance, tag, query, limit)"
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{kind: mastodon, instance: 'https://m.example'}", "set exactly one of tag"),
        ("{kind: rss, url: 'feed.xml'}", "'feed.xml' is not an http(s) URL"),
        (
            "{kind: reddit, query: acme, since: 2026-10-01, until: 2026-09-01}",
            "until 2026-09-01 is before since 2026-10-01",
        ),
        ("{kind: twitter, query: acme}", "does not match any of the expected tags"),
        ("{kind: file, path: m.csv, preset: hootsuit}", "did you mean 'hootsuite'?"),
    ],
)
def test_source_errors(write_playbook, source, expected):
    errors = _errors(write_playbook, BASE.replace("[{kind: file, path: m.csv}]", f"[{source}]"))
    assert any(expected in e for e in errors), errors


def test_listening_and_platform_settings(write_playbook):
    errors = _errors(
        write_playbook,
        BASE + "listening: {pii_patterns: {booking: '[A-Z'}, "
        "phone_regions: [XX]}\nplatforms: {weights: {reach: -1}}\n",
    )
    assert any("pii_patterns.booking: '[A-Z' is not a regular expression" in e for e in errors)
    assert any("phone_regions: 'XX' is not a phone region" in e for e in errors)
    assert any("weights must be zero or positive" in e for e in errors)


# --- reading the YAML: encodings, duplicate keys, aliases, dates ------------------------------


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [
        (b"", "utf-8"),
        (b"\xef\xbb\xbf", "utf-8"),
        (b"", "utf-16"),  # utf-16 writes its BOM
    ],
    ids=["utf-8", "utf-8 with BOM", "utf-16 with BOM"],
)
def test_playbook_encodings_with_a_byte_order_mark_load(tmp_path, prefix, encoding):
    path = tmp_path / "c.yaml"
    path.write_bytes(
        prefix + (BASE + "name: Müller Reisen\n").replace("name: C\n", "").encode(encoding)
    )
    assert load_playbook(path, check_files=False).name == "Müller Reisen"


def test_merge_keys_may_be_overridden_and_aliases_within_budget_load(write_playbook):
    body = BASE + (
        "sla:\n  policies:\n    - &d {first_response: 4h}\n"
        "    - {<<: *d, intent: complaint, first_response: 1h}\n"
    )
    policies = load_playbook(write_playbook(body), check_files=False).sla.policies
    assert [(p.intent, format_duration(p.first_response)) for p in policies] == [
        (None, "4h"),
        (["complaint"], "1h"),
    ]


def test_impossible_date_in_a_text_key_stays_text(write_playbook):
    pb = load_playbook(
        write_playbook(BASE.replace("name: C", "name: 2027-13-45")), check_files=False
    )
    assert pb.name == "2027-13-45"


def test_every_duplicate_key_is_named_with_both_lines(write_playbook):
    errors = _errors(write_playbook, "client: a\nclient: b\nname: C\nname: D\n")
    assert errors[:2] == [
        "line 2: client: duplicate key (first on line 1): keep one of them (YAML would silently "
        "use the last)",
        "line 4: name: duplicate key (first on line 3): keep one of them (YAML would silently "
        "use the last)",
    ]
