"""Alerts: rules on small frames, the playbook section, and delivery to real local servers.

E-mail goes to a real SMTP server on 127.0.0.1 (aiosmtpd), plain and with STARTTLS (a
throw-away certificate made with the ``openssl`` command); webhooks go to tests/httpserver.py's
LocalServer. Nothing touches the internet; no test really waits (``sleep`` is a recorder).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import inspect, text, update

from socialcrm_utils import __version__
from socialcrm_utils.alerts import (
    ALERT_COLUMNS,
    DeliveryReport,
    check_alert_environment,
    deliver_alerts,
    deliver_window_alerts,
    evaluate_rules,
    known_values,
    new_value_alerts,
    pii_alerts,
    reach_complaint_alerts,
    send_test_alerts,
    sla_due_alerts,
    spike_alerts,
)
from socialcrm_utils.exceptions import PlaybookError, PlaybookValidationError
from socialcrm_utils.playbook import Playbook, load_playbook
from socialcrm_utils.store import SCHEMA_VERSION, open_store, schema_version

from .httpserver import LocalServer, Reply, local_server_fixture  # noqa: F401

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
aiosmtpd_smtp = pytest.importorskip("aiosmtpd.smtp")

CLIENT = "acme-air"
SMTP_USER, SMTP_PASSWORD = "relay-user-42", "s3cret-pass-XYZ"
HOOK_SECRET = "T000/B000/zzSecretHookTokenzz"


# -- helpers ------------------------------------------------------------------------------------


def make_playbook(channels: list[dict] = (), rules: list[dict] = (), **settings: Any) -> Playbook:
    """A minimal playbook with an ``alerts`` section."""
    return Playbook.model_validate(
        {
            "client": CLIENT,
            "name": "ACME Air",
            "brand": {"handles": ["@AcmeAir"]},
            "sources": [{"kind": "rss", "url": "https://feeds.example/a.rss"}],
            "alerts": {"rules": list(rules), "channels": list(channels), **settings},
        }
    )


def two_alerts() -> pd.DataFrame:
    """A spike and an SLA alert, as the rules write them."""
    spikes = pd.DataFrame(
        {
            "date": ["2026-01-11"],
            "metric": ["complaints"],
            "count": [30],
            "ratio": [10.0],
            "message": ["Spike: 30 complaints on 2026-01-11."],
        }
    )
    clocks = pd.DataFrame(
        {
            "conversation_id": ["c1"],
            "platform": ["twitter"],
            "status": ["open"],
            "time_to_breach_h": [0.25],
            "due_at": pd.to_datetime(["2026-01-12 11:00"], utc=True),
            "url": ["https://twitter.example/c1"],
        }
    )
    return pd.concat([spike_alerts(spikes), sla_due_alerts(clocks, "30m")], ignore_index=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts, with its session."""

    def __init__(self) -> None:
        self.received: list[tuple[Any, Any]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope, session))
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default)
            for e, _ in self.received
        ]


logins: list[bytes] = []


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
    ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    logins.append(auth_data.login)
    return aiosmtpd_smtp.AuthResult(success=ok, handled=False)


@contextlib.contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) on a free port."""
    inbox = Inbox()
    controller = aiosmtpd_controller.Controller(
        inbox, hostname="127.0.0.1", port=free_port(), **options
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def email_channel(port: int, **extra: Any) -> dict:
    return {
        "kind": "email",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "user": "${SMTP_USER}",
        "password": "${SMTP_PASSWORD}",
        "from": "alerts@acme.example",
        "to": ["ops@acme.example", "pr@acme.example"],
        **extra,
    }


ENV = {"SMTP_USER": SMTP_USER, "SMTP_PASSWORD": SMTP_PASSWORD}


# -- rules: hand-computed answers ------------------------------------------------------------


def test_spike_rule_turns_each_step3_alert_into_one_alert():
    spikes = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-11", "2026-01-12"]),
            "metric": ["complaints", "negative"],
            "count": [30, 12],
            "ratio": [10.0, float("inf")],
            "message": ["m1", "m2"],
        }
    )
    before = spikes.copy()
    out = spike_alerts(spikes)
    assert list(out.columns) == list(ALERT_COLUMNS)
    assert out[["rule", "window", "subject", "message"]].values.tolist() == [
        ["spike", "2026-01-11", "complaints", "m1"],
        ["spike", "2026-01-12", "negative", "m2"],
    ]
    assert out["title"].tolist() == [
        "Spike: 30 complaints on 2026-01-11 (10.0x the usual)",
        "Spike: 12 negative on 2026-01-12",
    ]  # inf ratio left out
    pd.testing.assert_frame_equal(spikes, before)


def test_sla_due_rule_takes_open_clocks_due_within_the_limit():
    clocks = pd.DataFrame(
        {
            "conversation_id": ["a", "b", "c", "d", "e", "f"],
            "platform": ["x"] * 6,
            "status": ["open", "open", "open", "open_breached", "met", "open"],
            "time_to_breach_h": [0.5, 0.51, 0.0, -0.2, 0.1, float("nan")],
            "due_at": pd.to_datetime(["2026-01-05 10:30"] * 6, utc=True),
            "policy": ["urgent"] * 6,
        }
    )
    out = sla_due_alerts(clocks, pd.Timedelta(minutes=30), timezone="Europe/Berlin")
    # a: 30 min left (the limit itself counts); c: due now; b 30.6 min; d late; e answered
    assert out["subject"].tolist() == ["x:a", "x:c"]
    assert out["window"].tolist() == ["2026-01-05T10:30Z", "2026-01-05T10:30Z"]
    assert out["severity"].tolist() == ["critical", "critical"]
    assert out["message"].iloc[0] == (
        "The first response to conversation a on x is due at 2026-01-05 11:30 CET (30 min "
        "left, policy urgent) and nobody has answered yet."
    )


def test_pii_rule_alerts_on_customer_posts_with_personal_data_only():
    mentions = pd.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3"],
            "platform": ["twitter", "twitter", "facebook"],
            "is_brand": [False, True, False],
            "pii_count": [1, 1, 0],
            "pii_types": ["iban", "email", ""],
            "created_at": pd.to_datetime(
                ["2026-01-05 23:30", "2026-01-05 10:00", "2026-01-05 10:00"], utc=True
            ),
            "text_redacted": ["refund to [IBAN] please", "write to [EMAIL]", "hello"],
            "private_reply": ["Please send us a DM.", None, None],
            "url": ["https://twitter.example/m1", None, None],
        }
    )
    out = pii_alerts(mentions, timezone="Europe/Berlin")
    assert out[["rule", "window", "subject", "url"]].values.tolist() == [
        ["pii_public", "2026-01-05", "twitter:m1", "https://twitter.example/m1"]
    ]
    assert out["message"].iloc[0] == (
        "A customer posted iban in public on twitter at 2026-01-06 00:30 CET (mention m1): "
        '"refund to [IBAN] please". Ask them to delete it and move to a private channel: '
        "Please send us a DM."
    )


def test_reach_complaint_rule_uses_the_complaint_flag_and_the_threshold():
    mentions = pd.DataFrame(
        {
            "mention_id": ["m1", "m2", "m3", "m4", "m5"],
            "platform": "twitter",
            "author_name": ["@big", "@exact", "@small", "@brand", "@unknown"],
            "is_brand": [False, False, False, True, False],
            "reach": pd.array([50_000, 10_000, 9_999, 90_000, None], dtype="Int64"),
            "intent": ["question", "complaint", "complaint", "complaint", "complaint"],
            "is_complaint": [True, True, True, True, True],  # m1: a complaint asked as a question
            "created_at": pd.to_datetime(["2026-01-05 10:00"] * 5, utc=True),
        }
    )
    out = reach_complaint_alerts(mentions, 10_000)
    assert out["subject"].tolist() == ["twitter:m1", "twitter:m2"]
    assert out["title"].tolist() == [
        "Complaint from an author with 50,000 followers on twitter",
        "Complaint from an author with 10,000 followers on twitter",
    ]
    assert (
        out["message"]
        .iloc[1]
        .startswith(
            "@exact (10,000 followers) complained on twitter at 2026-01-05 10:00 UTC (mention m2)"
        )
    )


def test_new_platform_and_language_compare_with_the_history():
    mentions = pd.DataFrame(
        {
            "platform": ["twitter", "Bluesky ", "bluesky", "youtube", "bluesky"],
            "lang": ["en", "en", "pt", "pt", "pt"],
            "is_brand": [False, False, False, False, True],
            "created_at": pd.to_datetime(
                ["2026-01-05", "2026-01-07", "2026-01-06", "2026-01-06", "2026-01-01"], utc=True
            ),
        }
    )
    platforms = new_value_alerts(mentions, ["Twitter", "reddit"], "platform")
    assert platforms[["rule", "window", "subject"]].values.tolist() == [
        ["new_platform", "2026-01-06", "bluesky"],
        ["new_platform", "2026-01-06", "youtube"],
    ]
    assert platforms["title"].iloc[0] == "New platform: bluesky (2 customer posts)"
    languages = new_value_alerts(mentions, ["en", "de"], "lang", min_mentions=2)
    assert languages[["rule", "subject"]].values.tolist() == [["new_language", "pt"]]
    assert new_value_alerts(mentions, [], "platform").empty  # no history, nothing is new
    assert new_value_alerts(mentions, ["x"], "lang", min_mentions=3).empty


def test_evaluate_rules_runs_the_playbook_rules_on_the_inputs_given():
    playbook = make_playbook(
        rules=[
            {"kind": "spike"},
            {"kind": "sla_due", "within": "1h"},
            {"kind": "new_platform", "severity": "critical"},
            {"kind": "pii_public"},
        ]
    )
    spikes = pd.DataFrame(
        {
            "date": ["2026-01-11"],
            "metric": ["complaints"],
            "count": [30],
            "ratio": [3.0],
            "message": ["s"],
        }
    )
    mentions = pd.DataFrame(
        {
            "mention_id": ["m1"],
            "platform": ["bluesky"],
            "is_brand": [False],
            "pii_count": [0],
            "pii_types": [""],
            "created_at": pd.to_datetime(["2026-01-05"], utc=True),
        }
    )
    out = evaluate_rules(
        playbook.alerts.rules, spikes=spikes, mentions=mentions, known_platforms={"twitter"}
    )
    # sla_due has no clocks: skipped; the playbook's severity wins over the kind's default
    assert out[["rule", "severity", "subject"]].values.tolist() == [
        ["new_platform", "critical", "bluesky"],
        ["spike", "warning", "complaints"],
    ]
    assert evaluate_rules(playbook.alerts.rules).empty


# -- the playbook section ---------------------------------------------------------------------


def write_playbook(tmp_path: Path, alerts_yaml: str) -> Path:
    path = tmp_path / "playbook.yaml"
    path.write_text(
        "client: acme-air\nname: ACME Air\nbrand: {handles: ['@AcmeAir']}\n"
        "sources: [{kind: rss, url: 'https://feeds.example/a.rss'}]\n" + alerts_yaml,
        encoding="utf-8",
    )
    return path


def test_playbook_alerts_section_round_trip(tmp_path):
    path = write_playbook(
        tmp_path,
        (
            "alerts:\n"
            "  rules:\n"
            "    - {kind: sla_due, within: 30m}\n"
            "    - {kind: reach_complaint, min_reach: 10000}\n"
            "  channels:\n"
            "    - {kind: email, host: smtp.example.com, port: 587, starttls: true,\n"
            "       user: '${SMTP_USER}', password: '${SMTP_PASSWORD}',\n"
            "       from: alerts@acme.example, to: [ops@acme.example]}\n"
            "    - {kind: slack, url: '${SLACK_WEBHOOK}'}\n"
        ),
    )
    alerts = load_playbook(path).alerts
    assert [r.kind for r in alerts.rules] == ["sla_due", "reach_complaint"]
    assert alerts.rules[0].within == pd.Timedelta(minutes=30)
    assert alerts.rules[1].min_reach == 10_000 and alerts.rules[1].level == "warning"
    assert [c.label for c in alerts.channels] == ["email", "slack"]
    assert alerts.channels[0].sender == "alerts@acme.example"
    assert alerts.env_references() == [
        ("alerts.channels[0].user", "SMTP_USER"),
        ("alerts.channels[0].password", "SMTP_PASSWORD"),
        ("alerts.channels[1].url", "SLACK_WEBHOOK"),
    ]


def test_playbook_alerts_errors_name_the_key_and_the_allowed_values(tmp_path):
    path = write_playbook(
        tmp_path,
        (
            "alerts:\n"
            "  rules: [{kind: spikes}]\n"
            "  channels:\n"
            "    - {kind: sms, url: 'https://x.example'}\n"
            "    - {kind: email, host: h, user: '${U}', password: hunter2-literal, from: a@b.c,\n"
            "       to: [x@y.z], prot: 25}\n"
            "    - {kind: slack, url: 'https://hooks.slack.example/services/T/B/literal'}\n"
        ),
    )
    with pytest.raises(PlaybookValidationError) as error:
        load_playbook(path)
    errors = error.value.errors
    assert errors == [
        "line 6: alerts.rules[0]: kind: 'spikes' is not a rule kind (allowed: spike, sla_due, "
        "pii_public, reach_complaint, new_platform, new_language)",
        "line 8: alerts.channels[0]: kind: 'sms' is not a channel kind (allowed: email, slack, "
        "teams, mattermost, webhook)",
        "line 9: alerts.channels[1].password: write the SMTP password as an environment "
        "placeholder such as ${SMTP_PASSWORD} and set that variable before the run (logins "
        "never stand in the playbook)",
        "line 10: alerts.channels[1].prot: unknown key; did you mean 'port'? (allowed: name, "
        "kind, host, port, starttls, user, password, from, to, ca_file)",
        "line 11: alerts.channels[2]: url: a slack webhook URL is a secret: write it as an "
        "environment placeholder such as ${SLACK_WEBHOOK} and set that variable",
    ]
    assert "hunter2-literal" not in str(error.value) and "literal'" not in str(error.value)


def test_two_channels_of_one_kind_need_names():
    with pytest.raises(ValueError, match="two channels are named slack"):
        make_playbook([{"kind": "slack", "url": "${A}"}, {"kind": "slack", "url": "${B}"}])
    playbook = make_playbook(
        [
            {"kind": "slack", "url": "${A}", "name": "ops"},
            {"kind": "slack", "url": "${B}", "name": "pr"},
        ]
    )
    assert [c.label for c in playbook.alerts.channels] == ["ops", "pr"]


def test_a_missing_variable_is_one_line_before_anything_is_sent(local_server):
    playbook = make_playbook(
        [
            {"kind": "webhook", "url": local_server.url + "/hook"},
            email_channel(25),
            {"kind": "teams", "url": "${TEAMS_HOOK}"},
        ]
    )
    with pytest.raises(PlaybookError) as error:
        send_test_alerts(playbook, environ={"SMTP_USER": "u"}, sleep=lambda s: None)
    message = str(error.value)
    assert "\n" not in message
    assert message == (
        "acme-air: the environment variables SMTP_PASSWORD, TEAMS_HOOK are not set "
        "(SMTP_PASSWORD in alerts.channels[1].password; TEAMS_HOOK in alerts.channels[2].url); "
        "set them before the run, e.g. export SMTP_PASSWORD=..."
    )
    assert local_server.requests == []  # nothing ran
    check_alert_environment(playbook, {**ENV, "TEAMS_HOOK": "x"})  # all set: no error


# -- e-mail over SMTP ---------------------------------------------------------------------------


def test_email_reaches_a_real_smtp_server_with_login():
    logins.clear()
    with smtp_server(authenticator=check_login, auth_require_tls=False) as (inbox, port):
        playbook = make_playbook([email_channel(port)])
        report = deliver_alerts(two_alerts(), playbook, environ=ENV, sleep=pytest.fail)
    assert report.lines() == ["alerts to email: 2 sent"]
    assert [(d.status, d.attempts) for d in report.deliveries] == [("sent", 1), ("sent", 1)]
    envelope, session = inbox.received[0]
    assert envelope.mail_from == "alerts@acme.example"
    assert envelope.rcpt_tos == ["ops@acme.example", "pr@acme.example"]
    assert session.authenticated
    assert logins == [SMTP_USER.encode(), SMTP_USER.encode()]  # one login per message
    first, second = inbox.messages()
    assert first["Subject"] == (
        "acme-air alert (warning): Spike: 30 complaints on 2026-01-11 (10.0x the usual)"
    )
    assert first["To"] == "ops@acme.example, pr@acme.example"
    assert first.get_content().replace("\r\n", "\n") == (  # CRLF on the wire
        "Spike: 30 complaints on 2026-01-11.\n\nRule: spike\nWindow: 2026-01-11\n"
        "Subject: complaints\nSeverity: warning\n\n"
        f"Sent by socialcrm-suite {__version__} for acme-air; each alert is sent once.\n"
    )
    assert second["Subject"] == (
        "acme-air alert (critical): SLA due in 15 min: twitter conversation c1"
    )
    assert "Link: https://twitter.example/c1\r\n" in second.get_content()
    assert SMTP_PASSWORD.encode() not in envelope.content


def test_a_wrong_password_fails_at_once_with_a_clear_reason():
    with smtp_server(authenticator=check_login, auth_require_tls=False) as (inbox, port):
        playbook = make_playbook([email_channel(port)])
        lines = send_test_alerts(
            playbook, environ={**ENV, "SMTP_PASSWORD": "wrong-password"}, sleep=pytest.fail
        )
    assert lines == [
        f"email: failed after 1 attempt: 127.0.0.1:{port} refused the login (535 "
        "5.7.8 Authentication credentials invalid); check the variables the "
        "channel's user and password name"
    ]
    assert inbox.received == []


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_starttls_encrypts_before_the_login(certificate):
    import ssl

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # The server offers AUTH only after STARTTLS and refuses mail without it.
    with smtp_server(
        tls_context=context, require_starttls=True, authenticator=check_login, auth_require_tls=True
    ) as (inbox, port):
        playbook = make_playbook([email_channel(port, starttls=True, ca_file=str(cert))])
        assert send_test_alerts(playbook, environ=ENV, sleep=pytest.fail) == ["email: sent"]
        untrusted = make_playbook([email_channel(port, starttls=True)])
        lines = send_test_alerts(untrusted, environ=ENV, sleep=pytest.fail)
    envelope, session = inbox.received[0]
    assert session.ssl is not None and session.authenticated
    assert inbox.messages()[0]["Subject"] == "acme-air alert (info): Test alert for ACME Air"
    assert len(inbox.received) == 1
    assert lines[0].startswith(
        f"email: failed after 1 attempt: 127.0.0.1:{port}: TLS failed (CERTIFICATE_VERIFY_FAILED)"
    )


def test_a_server_without_starttls_is_refused_before_the_login():
    with smtp_server(authenticator=check_login, auth_require_tls=False) as (inbox, port):
        playbook = make_playbook([email_channel(port, starttls=True)])
        lines = send_test_alerts(playbook, environ=ENV, sleep=pytest.fail)
    assert lines == [
        f"email: failed after 1 attempt: 127.0.0.1:{port} does not offer STARTTLS; "
        "the login and the alert would travel unencrypted (use the server's "
        "submission port, or starttls: false on a trusted network)"
    ]
    assert inbox.received == []


def test_unreachable_smtp_is_one_line_and_the_other_channels_deliver(local_server):
    local_server.route("/hook", Reply(200, body="ok"), method="POST")
    port = free_port()  # nothing listens there
    playbook = make_playbook(
        [email_channel(port), {"kind": "webhook", "url": local_server.url + "/hook"}],
        retries=2,
        backoff=1.5,
    )
    waits: list[float] = []
    report = deliver_alerts(two_alerts(), playbook, environ=ENV, sleep=waits.append)
    assert waits == [1.5, 3.0]  # two retries of the first alert, doubling
    assert [(d.channel, d.status, d.attempts) for d in report.deliveries] == [
        ("email", "failed", 3),
        ("email", "failed", 0),
        ("webhook", "sent", 1),
        ("webhook", "sent", 1),
    ]
    refused = f"cannot connect to 127.0.0.1:{port} (Connection refused)"
    assert report.lines() == [
        f"alerts to email: 0 sent, 2 failed ({refused} after 3 attempts)",
        "alerts to webhook: 2 sent",
    ]
    assert report.deliveries[1].reason == f"not tried: email failed earlier in this run ({refused})"
    assert len(local_server.requests_to("/hook")) == 2
    # what the runner prints from the run folder's alerts_delivered.csv
    assert DeliveryReport.from_frame(report.frame()).lines() == report.lines()


# -- webhooks ---------------------------------------------------------------------------------


def test_webhook_bodies_for_slack_teams_mattermost_and_json(local_server):
    for path in ("/slack", "/teams", "/mattermost", "/json"):
        local_server.route(path, Reply(200, body="ok"), method="POST")
    env = {
        "SLACK_WEBHOOK": local_server.url + "/slack",
        "TEAMS_WEBHOOK": local_server.url + "/teams",
        "MM_WEBHOOK": local_server.url + "/mattermost",
    }
    playbook = make_playbook(
        [
            {"kind": "slack", "url": "${SLACK_WEBHOOK}"},
            {"kind": "teams", "url": "${TEAMS_WEBHOOK}"},
            {"kind": "mattermost", "url": "${MM_WEBHOOK}"},
            {
                "kind": "webhook",
                "url": local_server.url + "/json",
                "headers": {"Authorization": "Bearer ${HOOK_TOKEN}"},
            },
        ]
    )
    alerts = two_alerts().iloc[[1]]  # the SLA alert: it has a link
    report = deliver_alerts(
        alerts, playbook, environ={**env, "HOOK_TOKEN": "tok-123"}, sleep=pytest.fail
    )
    assert report.sent == 4 and report.failed == 0
    title = "[CRITICAL] acme-air: SLA due in 15 min: twitter conversation c1"
    message = (
        "The first response to conversation c1 on twitter is due at 2026-01-12 11:00 UTC "
        "(15 min left) and nobody has answered yet."
    )
    (slack,) = local_server.requests_to("/slack")
    assert slack.method == "POST"
    assert slack.headers["content-type"] == "application/json; charset=utf-8"
    assert slack.json() == {"text": f"*{title}*\n{message}\n<https://twitter.example/c1>"}
    (mattermost,) = local_server.requests_to("/mattermost")
    assert mattermost.json() == {"text": f"#### {title}\n{message}\nhttps://twitter.example/c1"}
    (teams,) = local_server.requests_to("/teams")
    assert teams.json() == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": title,
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                            "color": "Attention",
                        },
                        {"type": "TextBlock", "text": message, "wrap": True},
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "Rule", "value": "sla_due"},
                                {"title": "Window", "value": "2026-01-12T11:00Z"},
                                {"title": "Subject", "value": "twitter:c1"},
                                {"title": "Severity", "value": "critical"},
                            ],
                        },
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open",
                            "url": "https://twitter.example/c1",
                        }
                    ],
                },
            }
        ],
    }
    (plain,) = local_server.requests_to("/json")
    assert plain.headers["authorization"] == "Bearer tok-123"
    assert plain.json() == {
        "client": "acme-air",
        "rule": "sla_due",
        "window": "2026-01-12T11:00Z",
        "subject": "twitter:c1",
        "severity": "critical",
        "title": "SLA due in 15 min: twitter conversation c1",
        "message": message,
        "url": "https://twitter.example/c1",
        "sender": f"socialcrm-suite/{__version__}",
    }


def test_5xx_is_retried_then_failed_4xx_is_final_and_other_channels_deliver(local_server):
    local_server.route("/down", Reply(503, body="busy"), method="POST")
    local_server.route("/gone", Reply(404, body="no_service"), method="POST")
    local_server.route(
        "/flaky", Reply(500), Reply(429, {"Retry-After": "7"}), Reply(200), method="POST"
    )
    local_server.route("/fine", Reply(200, body="ok"), method="POST")
    env = {
        f"{n.upper()}_HOOK": f"{local_server.url}/{n}" for n in ("down", "gone", "flaky", "fine")
    }
    playbook = make_playbook(
        [
            {"kind": "slack", "url": f"${{{n.upper()}_HOOK}}", "name": n}
            for n in ("down", "gone", "flaky", "fine")
        ],
        retries=2,
        backoff=1,
    )
    waits: list[float] = []
    alerts = two_alerts().iloc[[0]]
    report = deliver_alerts(alerts, playbook, environ=env, sleep=waits.append)
    assert [(d.channel, d.status, d.attempts) for d in report.deliveries] == [
        ("down", "failed", 3),
        ("gone", "failed", 1),
        ("flaky", "sent", 3),
        ("fine", "sent", 1),
    ]
    assert waits == [1.0, 2.0, 1.0, 7.0]  # down: back-off; flaky: back-off, then Retry-After
    assert report.deliveries[0].reason == "HTTP 503: busy"
    assert report.deliveries[1].reason == (
        "HTTP 404: no_service (no webhook at this URL; check the variable the url names)"
    )
    assert len(local_server.requests_to("/down")) == 3
    assert len(local_server.requests_to("/gone")) == 1
    assert report.lines() == [
        "alerts to down: 0 sent, 1 failed (HTTP 503: busy after 3 attempts)",
        "alerts to gone: 0 sent, 1 failed (HTTP 404: no_service (no "
        "webhook at this URL; check the variable the url names) after "
        "1 attempt)",
        "alerts to flaky: 1 sent",
        "alerts to fine: 1 sent",
    ]


def test_send_test_alerts_prints_one_line_per_channel(local_server):
    local_server.route("/ok", Reply(200, body="ok"), method="POST")
    local_server.route("/bad", Reply(400, body="invalid_payload"), method="POST")
    playbook = make_playbook(
        [
            {"kind": "mattermost", "url": "${OK_HOOK}"},
            {"kind": "webhook", "url": local_server.url + "/bad"},
        ]
    )
    lines = send_test_alerts(
        playbook, environ={"OK_HOOK": local_server.url + "/ok"}, sleep=pytest.fail
    )
    assert lines == [
        "mattermost: sent",
        "webhook: failed after 1 attempt: HTTP 400: invalid_payload (the service "
        "rejected the message)",
    ]
    (request,) = local_server.requests_to("/ok")
    assert request.json()["text"].startswith("#### [INFO] acme-air: Test alert for ACME Air\n")
    assert send_test_alerts(make_playbook()) == [
        "no alert channels: add alerts.channels to the playbook (docs/alerts.md)"
    ]


# -- dedupe and the store ---------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'crm.sqlite'}") as opened:
        yield opened


def test_each_alert_is_delivered_once(local_server, store):
    local_server.route("/hook", Reply(200, body="ok"), method="POST")
    local_server.route("/down", Reply(502), Reply(502), Reply(200), method="POST")
    env = {"HOOK": local_server.url + "/hook", "DOWN": local_server.url + "/down"}
    playbook = make_playbook(
        [{"kind": "slack", "url": "${HOOK}"}, {"kind": "mattermost", "url": "${DOWN}"}], retries=1
    )
    run_id = store.record_run(CLIENT, "reports/acme-air/one")
    first = deliver_alerts(
        two_alerts(), playbook, store, run_id=run_id, environ=env, sleep=lambda s: None
    )
    assert (first.sent, first.failed, first.already_sent) == (2, 2, 0)
    assert len(local_server.requests_to("/hook")) == 2
    # the same alerts again: slack has them; mattermost failed and is tried again
    second = deliver_alerts(two_alerts(), playbook, store, environ=env, sleep=lambda s: None)
    assert (second.sent, second.failed, second.already_sent) == (2, 0, 2)
    assert len(local_server.requests_to("/hook")) == 2
    assert second.lines() == [
        "alerts to mattermost: 2 sent",
        "alerts: 2 already sent before (not sent again)",
    ]
    third = deliver_alerts(two_alerts(), playbook, store, environ=env, sleep=lambda s: None)
    assert (third.sent, third.failed, third.already_sent, third.lines()) == (
        0,
        0,
        4,
        ["alerts: 4 already sent before (not sent again)"],
    )
    assert len(local_server.requests) == 2 + 2 + 2  # slack 2; mattermost 2 (run 1), 2 (run 2)
    rows = store.alert_deliveries(CLIENT).sort_values(["channel", "rule"])
    assert rows[["rule", "window", "subject", "channel", "status", "attempts"]].values.tolist() == [
        ["sla_due", "2026-01-12T11:00Z", "twitter:c1", "mattermost", "sent", 1],
        ["spike", "2026-01-11", "complaints", "mattermost", "sent", 3],
        ["sla_due", "2026-01-12T11:00Z", "twitter:c1", "slack", "sent", 1],
        ["spike", "2026-01-11", "complaints", "slack", "sent", 1],
    ]
    # mattermost: run 1 made 2 attempts on the spike (502, 502) and left the SLA alert untried
    # (0 attempts); run 2 sent each on its first attempt: 2 + 1 and 0 + 1
    assert store.sent_alerts(CLIENT) == {
        tuple(r) for r in rows[["rule", "window", "subject", "channel"]].values.tolist()
    }


def test_no_secret_reaches_the_store_the_report_or_the_logs(local_server, store, caplog):
    local_server.route(f"/services/{HOOK_SECRET}", Reply(500, body="oops"), method="POST")
    hook = f"{local_server.url}/services/{HOOK_SECRET}"
    env = {**ENV, "SLACK_WEBHOOK": hook}
    playbook = make_playbook(
        [{"kind": "slack", "url": "${SLACK_WEBHOOK}"}, email_channel(free_port())], retries=1
    )
    caplog.set_level(logging.DEBUG)
    report = deliver_alerts(two_alerts(), playbook, store, environ=env, sleep=lambda s: None)
    lines = send_test_alerts(playbook, environ=env, sleep=lambda s: None)
    dump = store.alert_deliveries(CLIENT).to_csv(index=False)
    shown = "\n".join(
        [*report.lines(), *lines, dump, caplog.text, report.frame().to_csv(index=False)]
    )
    assert report.failed == 4 and "HTTP 500: oops" in shown
    for secret in (HOOK_SECRET, SMTP_PASSWORD, SMTP_USER, hook):
        assert secret not in shown


def test_schema_3_store_gains_the_deliveries_table(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with open_store(url) as store, store.engine.begin() as conn:
        conn.execute(text("DROP TABLE alert_deliveries"))
        conn.execute(update(schema_version).values(version=3))
    with open_store(url) as store:
        assert store.version() == SCHEMA_VERSION == 5
        assert "alert_deliveries" in inspect(store.engine).get_table_names()
        assert store.alert_deliveries(CLIENT).empty


def test_known_values_are_the_history_before_the_window(store):
    mentions = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3"],
            "platform": ["twitter", "Reddit", "bluesky"],
            "author_id": ["a", "b", "c"],
            "text_redacted": ["x", "y", "z"],
            "created_at": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-10"], utc=True),
            "is_brand": False,
            "lang": ["en", "de", "pt"],
        }
    )
    store.upsert_mentions(CLIENT, mentions)
    assert known_values(store, CLIENT, "platform") == {"twitter", "reddit", "bluesky"}
    assert known_values(store, CLIENT, "lang", before="2026-01-05") == {"en", "de"}
    assert known_values(store, "someone-else", "platform") == set()


def test_window_alerts_from_step3_frames_with_clocks_at_now(local_server, store):
    """The one call notebook 03 makes: rules on the window's frames, clocks judged at as_of,
    the history from the store, delivery recorded."""
    local_server.route("/hook", Reply(200, body="ok"), method="POST")
    playbook = Playbook.model_validate(
        {
            "client": CLIENT,
            "name": "ACME Air",
            "brand": {"handles": ["@AcmeAir"]},
            "sources": [{"kind": "rss", "url": "https://feeds.example/a.rss"}],
            "sla": {"policies": [{"first_response": "1h"}]},
            "alerts": {
                "rules": [
                    {"kind": "sla_due", "within": "30m"},
                    {"kind": "reach_complaint", "min_reach": 1000},
                    {"kind": "pii_public"},
                    {"kind": "new_platform"},
                ],
                "channels": [{"kind": "webhook", "url": local_server.url + "/hook"}],
            },
        }
    )
    store.upsert_mentions(
        CLIENT,
        pd.DataFrame(
            {
                "mention_id": ["old"],
                "platform": ["reddit"],
                "author_id": ["zoe"],
                "text_redacted": ["hi"],
                "created_at": pd.to_datetime(["2025-12-01"], utc=True),
                "is_brand": False,
            }
        ),
    )
    scored = pd.DataFrame(
        {
            "mention_id": ["1", "2", "3"],
            "platform": "twitter",
            "author_id": ["ann", "bob", "@AcmeAir"],
            "created_at": pd.to_datetime(
                ["2026-01-05 10:00", "2026-01-05 10:40", "2026-01-05 10:20"], utc=True
            ),
            "in_reply_to_id": [None, None, "1"],
            "conversation_id": ["1", "2", "1"],
            "is_brand": [False, False, True],
            "mentions_brand": [True, True, False],
            "competitor": None,
            "reach": pd.array([5000, 10, 100], dtype="Int64"),
            "is_complaint": [True, True, False],
            "intent": ["complaint", "complaint", "other"],
            "pii_count": [0, 1, 0],
            "pii_types": ["", "email", ""],
            "text_redacted": ["bad", "mail [EMAIL]", "sorry"],
        }
    )
    alerts, report = deliver_window_alerts(
        playbook,
        scored,
        store=store,
        as_of=pd.Timestamp("2026-01-05 11:15", tz="UTC"),
        sleep=pytest.fail,
    )
    # conversation 2 opened 10:40, due 11:40: 25 min left at 11:15; conversation 1 was answered
    assert alerts[["rule", "window", "subject"]].values.tolist() == [
        ["pii_public", "2026-01-05", "twitter:2"],
        ["sla_due", "2026-01-05T11:40Z", "twitter:2"],
        ["reach_complaint", "2026-01-05", "twitter:1"],
        ["new_platform", "2026-01-05", "twitter"],
    ]
    assert report.lines() == ["alerts to webhook: 4 sent"]
    assert report.frame()["status"].tolist() == ["sent"] * 4
    _, again = deliver_window_alerts(
        playbook,
        scored,
        store=store,
        as_of=pd.Timestamp("2026-01-05 11:20", tz="UTC"),
        sleep=pytest.fail,
    )
    assert (again.sent, again.already_sent) == (0, 4)  # 20 min left now: the same alert


# -- a run: notebook 03 delivers the window's alerts, the runner prints them -------------------


@pytest.mark.e2e
def test_a_run_delivers_its_alerts_once_and_prints_them(local_server, tmp_path):
    """The tiny fixture plus a reach rule and a JSON webhook: dan (12,000 followers) complained
    in t6 on Facebook, the only complaint from an author above 10,000, so one alert; a second
    run of the same data sends nothing (the store remembers it)."""
    from socialcrm_utils.engine.runner import run_playbook

    from .conftest import TINY

    local_server.route("/hook", Reply(200, body="ok"), method="POST")
    for name in ("mentions.csv", "tiny.yaml"):
        shutil.copy(TINY.parent / name, tmp_path / name)
    playbook = tmp_path / "tiny.yaml"
    playbook.write_text(
        playbook.read_text(encoding="utf-8")
        + "alerts:\n  rules: [{kind: reach_complaint, min_reach: 10000}]\n"
        + f"  channels: [{{kind: webhook, url: '{local_server.url}/hook'}}]\n",
        encoding="utf-8",
    )
    printed: list[str] = []
    first = run_playbook(
        playbook, out=tmp_path / "out", steps="1-3", report=False, progress=printed.append
    )
    delivered = pd.read_csv(first.run_dir / "alerts_delivered.csv")
    assert delivered[["rule", "subject", "channel", "status"]].values.tolist() == [
        ["reach_complaint", "facebook:t6", "webhook", "sent"]
    ]
    assert "      alerts to webhook: 1 sent" in printed
    (request,) = local_server.requests_to("/hook")
    assert "t6" in request.body.decode()
    second = run_playbook(playbook, out=tmp_path / "out", steps="1-3", report=False)
    assert pd.read_csv(second.run_dir / "alerts_delivered.csv").empty
    assert len(local_server.requests_to("/hook")) == 1
