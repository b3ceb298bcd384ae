"""Sending one message on one channel, once: SMTP with STARTTLS, or an HTTP POST to a webhook.

Each function makes a single attempt and returns an :class:`Outcome` (never raises for a
network, TLS, login or HTTP problem): whether it was delivered, why not, whether another
attempt could help, and how long the server asked to wait. Retrying is the caller's
(:mod:`socialcrm_utils.alerts.delivery`).

``${NAME}`` placeholders (SMTP host, login, addresses; webhook URL and headers) are filled in
from the environment for the attempt only. Every reason is cleaned before it leaves: the values
of those variables are written back as ``${NAME}`` (:func:`~socialcrm_utils.credentials.hide_env`)
and URL credentials are masked (:func:`~socialcrm_utils.credentials.mask_urls_in_text`), so a
reason can go to the store, a log or the report.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import __version__
from ..credentials import expand_env, hide_env, mask_urls_in_text
from ..playbook.alerts import EmailChannel, WebhookChannel, env_names
from ..sources.retry import RETRY_STATUS, parse_retry_after

__all__ = ["Outcome", "clean_reason", "hidden_in_logs", "hide_values", "post_webhook", "send_email"]

logger = logging.getLogger(__name__)

_REASON_CHARS = 300
#: A URL path this long or longer (slashes aside) is hidden with its variable's value.
_MIN_SECRET_PATH = 8


@dataclass(frozen=True)
class Outcome:
    """The result of one attempt on one channel.

    Attributes:
        ok: Delivered (the server accepted it).
        reason: Why not (or a note on a partial success); safe to show and store.
        retry: Another attempt could succeed (connection trouble, 4xx SMTP, HTTP 429/5xx).
        wait: Seconds the server asked to wait first (``Retry-After``), if it did.
    """

    ok: bool
    reason: str = ""
    retry: bool = False
    wait: float | None = None


def clean_reason(text: str, template: str, environ: Mapping[str, str] | None = None) -> str:
    """A reason safe to store and show: one line, secrets of ``template`` and URLs masked.

    Args:
        text: The raw reason (an exception's text, a server's answer).
        template: The channel's settings as written, with their ``${NAME}`` placeholders.
        environ: The variables (default ``os.environ``).

    Examples:
        >>> clean_reason("POST https://hooks.example/T0/s3cr3t: 500", "${HOOK}",
        ...              {"HOOK": "https://hooks.example/T0/s3cr3t"})
        'POST ${HOOK}: 500'
    """
    line = mask_urls_in_text(hide_values(" ".join(str(text).split()), template, environ))
    return line if len(line) <= _REASON_CHARS else line[: _REASON_CHARS - 1] + "…"


def hide_values(text: str, template: str, environ: Mapping[str, str] | None = None) -> str:
    """:func:`~socialcrm_utils.credentials.hide_env`, and a URL value's path too.

    A webhook's secret is often its path (``https://hooks.slack.com/services/T0/B0/XXXX``) and
    HTTP errors and log lines name the path without the host, so the path (with its query) of
    a URL-valued variable is written back as ``${NAME}`` as well.

    Examples:
        >>> hide_values("POST /services/T0/s3cr3t failed", "${HOOK}",
        ...             {"HOOK": "https://hooks.example/services/T0/s3cr3t"})
        'POST ${HOOK} failed'
    """
    text = hide_env(text, template, environ)
    variables = os.environ if environ is None else environ
    for name in env_names(template):
        parts = urlsplit(variables.get(name, ""))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if parts.scheme and len(path.strip("/")) >= _MIN_SECRET_PATH:
            text = text.replace(path, f"${{{name}}}")
    return text


def _template(channel: EmailChannel | WebhookChannel) -> str:
    """Every value of the channel as written (the placeholders :func:`clean_reason` hides)."""
    values = channel.model_dump(by_alias=True, mode="json")
    return json.dumps(values, ensure_ascii=False)


def _smtp_reason(exc: smtplib.SMTPResponseException) -> str:
    message = exc.smtp_error
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{exc.smtp_code} {text}".strip()


def send_email(
    channel: EmailChannel,
    message: EmailMessage,
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> Outcome:
    """Send one e-mail over SMTP: EHLO, STARTTLS (unless switched off), login, send.

    Args:
        channel: The playbook's e-mail channel.
        message: The message without ``From`` / ``To`` (:func:`~.messages.email_message`).
        timeout: Seconds to wait on the server at each step.
        environ: The variables for ``${NAME}`` (default ``os.environ``).

    Returns:
        The outcome; refused logins, refused recipients, a server without STARTTLS and TLS
        errors are not worth retrying, connection problems and ``4xx`` answers are.
    """
    template = _template(channel)
    try:
        host = expand_env(channel.host, environ)
        user = None if channel.user is None else expand_env(channel.user, environ)
        password = None if channel.password is None else expand_env(channel.password, environ)
        sender = expand_env(channel.sender, environ)
        recipients = [expand_env(address, environ) for address in channel.to]
    except KeyError as exc:
        return Outcome(False, f"the environment variable {exc.args[0]} is not set")
    mail = EmailMessage()
    for name, value in message.items():
        mail[name] = value
    mail.set_content(message.get_content())
    mail["From"], mail["To"] = sender, ", ".join(recipients)
    where = f"{host}:{channel.port}"
    try:
        outcome = _smtp_session(channel, mail, host, user, password, timeout)
    except smtplib.SMTPAuthenticationError as exc:
        outcome = Outcome(
            False,
            f"{where} refused the login ({_smtp_reason(exc)}); check the "
            "variables the channel's user and password name",
        )
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        outcome = Outcome(False, f"{where} refused the addresses ({exc}); check from and to")
    except smtplib.SMTPResponseException as exc:
        transient = 400 <= exc.smtp_code < 500
        outcome = Outcome(False, f"{where} answered {_smtp_reason(exc)}", retry=transient)
    except smtplib.SMTPNotSupportedError as exc:
        outcome = Outcome(False, f"{where}: {exc}")
    except ssl.SSLError as exc:
        outcome = Outcome(
            False,
            f"{where}: TLS failed ({exc.reason or exc}); check the host "
            "name, the server's certificate or the channel's ca_file",
        )
    except TimeoutError:
        outcome = Outcome(False, f"{where}: no answer within {timeout:g} s", retry=True)
    except (smtplib.SMTPException, OSError) as exc:
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        outcome = Outcome(False, f"cannot connect to {where} ({detail})", retry=True)
    if not outcome.ok or outcome.reason:
        outcome = Outcome(
            outcome.ok, clean_reason(outcome.reason, template, environ), outcome.retry, outcome.wait
        )
    return outcome


def _smtp_session(
    channel: EmailChannel,
    mail: EmailMessage,
    host: str,
    user: str | None,
    password: str | None,
    timeout: float,
) -> Outcome:
    """One SMTP conversation; protocol errors are raised to :func:`send_email`."""
    with smtplib.SMTP(host, channel.port, timeout=timeout) as smtp:
        smtp.ehlo()
        if channel.starttls:
            if not smtp.has_extn("starttls"):
                return Outcome(
                    False,
                    f"{host}:{channel.port} does not offer STARTTLS; the "
                    "login and the alert would travel unencrypted (use the server's "
                    "submission port, or starttls: false on a trusted network)",
                )
            cafile = str(channel.ca_file) if channel.ca_file else None
            smtp.starttls(context=ssl.create_default_context(cafile=cafile))
            smtp.ehlo()
        if user is not None and password is not None:
            smtp.login(user, password)
        refused = smtp.send_message(mail)
    if refused:
        return Outcome(
            True, f"sent, but {len(refused)} recipient(s) refused: {', '.join(sorted(refused))}"
        )
    return Outcome(True)


_FIX_4XX = {
    400: "the service rejected the message",
    401: "the webhook wants a login; check the URL or headers",
    403: "access denied; the webhook may have been revoked",
    404: "no webhook at this URL; check the variable the url names",
    410: "the webhook was deleted; make a new one",
}


def post_webhook(
    channel: WebhookChannel,
    payload: Mapping[str, Any],
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
) -> Outcome:
    """POST one JSON body to a webhook; any ``2xx`` answer is success.

    Args:
        channel: The playbook's webhook channel (``slack``, ``teams``, ``mattermost``,
            ``webhook``).
        payload: The body (:func:`~.messages.webhook_payload`).
        timeout: Seconds to wait on the server (connect, each read).
        environ: The variables for ``${NAME}`` (default ``os.environ``).
        session: A requests session to reuse (a fresh request otherwise).

    Returns:
        The outcome; ``429`` and ``5xx`` answers and connection problems may be retried
        (``wait`` carries a ``Retry-After``), other statuses and redirects are final.
    """
    template = _template(channel)
    try:
        url = expand_env(channel.url, environ)
        headers = {k: expand_env(v, environ) for k, v in channel.headers.items()}
    except KeyError as exc:
        return Outcome(False, f"the environment variable {exc.args[0]} is not set")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"socialcrm-suite/{__version__}",
        **headers,
    }
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    post = session.post if session is not None else requests.post
    try:
        with hidden_in_logs(template, environ):
            resp = post(url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
    except requests.exceptions.SSLError as exc:
        outcome = Outcome(False, f"TLS failed ({exc}); check the URL's host and certificate")
    except requests.exceptions.Timeout:
        outcome = Outcome(False, f"no answer within {timeout:g} s", retry=True)
    except requests.exceptions.ConnectionError as exc:
        outcome = Outcome(False, f"cannot connect ({_first_cause(exc)})", retry=True)
    except (requests.exceptions.RequestException, ValueError) as exc:
        outcome = Outcome(False, f"not sent ({exc}); check the url")
    else:
        outcome = _answer(resp)
    if not outcome.ok:
        outcome = Outcome(
            False, clean_reason(outcome.reason, template, environ), outcome.retry, outcome.wait
        )
    return outcome


#: Loggers of the HTTP stack that name the request's path (urllib3 at DEBUG level).
_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.connection")


class _HideValues(logging.Filter):
    """Writes the values of a channel's ``${NAME}`` variables back as ``${NAME}``."""

    def __init__(self, template: str, environ: Mapping[str, str] | None) -> None:
        super().__init__()
        self.template, self.environ = template, environ

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging's name
        message = record.getMessage()
        hidden = hide_values(message, self.template, self.environ)
        if hidden != message:
            record.msg, record.args = hidden, None
        return True


@contextlib.contextmanager
def hidden_in_logs(template: str, environ: Mapping[str, str] | None = None) -> Iterator[None]:
    """While open, the HTTP stack's log lines show ``${NAME}`` for the channel's secrets.

    A Slack, Teams or Mattermost webhook carries its secret in the URL's path, which urllib3
    writes into its DEBUG lines (``"POST /services/T0/B0/XXXX HTTP/1.1" 200``) and which
    :class:`~socialcrm_utils.credentials.MaskSecretsFilter` cannot recognise as a secret.

    Args:
        template: The channel's settings as written, with their ``${NAME}`` placeholders.
        environ: The variables (default ``os.environ``).
    """
    hide = _HideValues(template, environ)
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for each in loggers:
        each.addFilter(hide)
    try:
        yield
    finally:
        for each in loggers:
            each.removeFilter(hide)


def _answer(resp: requests.Response) -> Outcome:
    """The outcome of a webhook's HTTP answer."""
    status = resp.status_code
    if 200 <= status < 300:
        return Outcome(True)
    said = " ".join(resp.text.split())[:120] if resp.text else ""
    said = f": {said}" if said else ""
    if status in RETRY_STATUS:
        wait = parse_retry_after(resp.headers.get("Retry-After"), time.time())
        return Outcome(False, f"HTTP {status}{said}", retry=True, wait=wait)
    if 300 <= status < 400:
        return Outcome(False, f"HTTP {status}: redirected; put the final URL in the variable")
    fix = _FIX_4XX.get(status, "check the webhook's URL and settings")
    return Outcome(False, f"HTTP {status}{said} ({fix})")


def _first_cause(exc: BaseException) -> str:
    """The innermost reason of a requests connection error, e.g. ``Connection refused``."""
    seen = exc
    while seen.__context__ is not None and seen.__context__ is not seen:
        seen = seen.__context__
    text = getattr(seen, "strerror", None) or str(seen.args[-1] if seen.args else seen)
    return text.split("] ", 1)[-1]
