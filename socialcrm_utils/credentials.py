"""Credentials in URLs: masked wherever a URL becomes data, a message or a log line.

A feed or API URL in a playbook may carry a login (``https://user:password@host/feed``) or a
token in its query string (``?token=...``, ``&api_key=...``). The real URL is used for the
request only; everything the suite writes or shows (the ``source`` label, the ``url`` column,
the HTTP cache, messages, logs, the store, the report) gets the masked form:

- userinfo: ``user:password@`` -> ``user:***@``; a userinfo without password (often a token,
  ``https://TOKEN@host``) -> ``***@``;
- query and fragment parameters whose name is token-like (any case, ``-`` same as ``_``): one of
  :data:`SECRET_PARAMS`, or ending in ``token``, ``secret``, ``password``, ``signature``,
  ``_key`` or ``apikey`` (``private_token``, ``X-Amz-Signature``, ``x-api-key``) -> ``name=***``.

Everything else stays as it was, byte for byte. Masking is idempotent.

Credentials belong in environment variables, not in the playbook: a feed URL may name them as
``${NAME}`` (``https://feeds.example/alerts.xml?token=${ALERTS_TOKEN}``). :func:`expand_env`
fills them in for the request only; the playbook, labels and cache keep the placeholder, and
:func:`hide_env` writes a value that shows up in an error message back as ``${NAME}``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MASK",
    "SECRET_PARAMS",
    "MaskSecretsFilter",
    "expand_env",
    "hide_env",
    "is_secret_param",
    "mask_url",
    "mask_urls_in_text",
]

#: What a secret is replaced with.
MASK = "***"
#: Query/fragment parameter names that carry credentials (lower case, ``-`` written as ``_``).
SECRET_PARAMS: frozenset[str] = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "private_token",
        "api_key",
        "apikey",
        "key",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "pass",
        "sig",
        "signature",
        "auth",
        "authorization",
        "credential",
        "credentials",
        "session",
        "sessionid",
        "session_id",
        "jwt",
        "bearer",
    }
)
_SECRET_SUFFIXES = ("token", "secret", "password", "signature", "_key", "apikey", "_credential")

# scheme://userinfo@ : userinfo may hold a raw '@' (a sloppy password); the greedy class stops
# at the authority's end, so the last '@' before the host is taken, as urllib does.
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#\s\"'<>`]*)@")
# ?name=value, &name=value, ;name=value, #name=value anywhere (also in relative URLs such as
# urllib3's "Max retries exceeded with url: /feed?token=...").
# The value ends at the next parameter, a space or a quote, or at a ':' that ends a clause
# ("GET url?token=x: HTTP 500").
_PARAM = re.compile(
    r"(?P<lead>[?&;#])(?P<name>[A-Za-z0-9_.\-\[\]%]+)="
    r"(?P<value>(?:[^&#;:\s\"'<>`]|:(?![\s\"'<>`]|$))*)"
)


def is_secret_param(name: str) -> bool:
    """Whether a query parameter name is token-like.

    Args:
        name: The parameter name as it appears in the URL.

    Returns:
        True for names in :data:`SECRET_PARAMS` or ending in a secret suffix, any case.

    Examples:
        >>> [is_secret_param(n) for n in ("Token", "X-Amz-Signature", "x-api-key", "q", "limit")]
        [True, True, True, False, False]
    """
    key = name.strip().lower().replace("-", "_")
    return key in SECRET_PARAMS or key.endswith(_SECRET_SUFFIXES)


def _mask_userinfo(match: re.Match[str], keep_user: bool = False) -> str:
    userinfo = match["userinfo"]
    if not userinfo:
        return match.group(0)
    user, colon, password = userinfo.partition(":")
    if colon and user and user != MASK:
        return f"{match['scheme']}{user}:{MASK}@" if password else match.group(0)
    if keep_user and not colon:
        return match.group(0)
    return f"{match['scheme']}{MASK}@"


def _mask_param(match: re.Match[str]) -> str:
    if not match["value"] or not is_secret_param(match["name"]):
        return match.group(0)
    return f"{match['lead']}{match['name']}={MASK}"


def mask_urls_in_text(text: str, *, keep_user: bool = False) -> str:
    """Mask the credentials of every URL in a text (a message, a log line, a cell, a body).

    Args:
        text: Any text; URLs may be absolute or relative (a path with a query string).
        keep_user: Keep a userinfo without password as it is (a database URL's user name);
            by default it is masked, since feeds and APIs put tokens there.

    Returns:
        The text with logins and token-like parameter values replaced by ``***``.

    Examples:
        >>> mask_urls_in_text("GET https://ann:pw@x.example/f?q=a&token=s3 failed; see /f?key=k")
        'GET https://ann:***@x.example/f?q=a&token=*** failed; see /f?key=***'
        >>> mask_urls_in_text("no URL here, token=abc stays")
        'no URL here, token=abc stays'
    """
    if "@" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: _mask_userinfo(m, keep_user), text)
    return _PARAM.sub(_mask_param, text)


def mask_url(url: Any) -> Any:
    """Mask the credentials of one URL; anything that is not text is returned as it is.

    Args:
        url: A URL (or None / NaN, passed through, so a frame's column can be mapped).

    Returns:
        The URL with ``user:***@`` (or ``***@``) and token-like parameters as ``name=***``.

    Examples:
        >>> mask_url("https://user:secret@feeds.example/a.rss?Token=s3cr3t&lang=de#sig=x")
        'https://user:***@feeds.example/a.rss?Token=***&lang=de#sig=***'
        >>> mask_url("https://TOKEN123@api.example/v1")
        'https://***@api.example/v1'
        >>> mask_url("https://mastodon.social/api/v1/timelines/tag/acme?limit=40")
        'https://mastodon.social/api/v1/timelines/tag/acme?limit=40'
        >>> mask_url(None) is None
        True
    """
    return mask_urls_in_text(url) if isinstance(url, str) else url


class MaskSecretsFilter(logging.Filter):
    """A logging filter that masks URL credentials in every record it passes.

    The library never configures logging; an application (the CLI) attaches it to its handlers
    so that third-party debug lines (urllib3's ``"GET /feed?token=..."``) are masked too.

    Examples:
        >>> record = logging.LogRecord("x", logging.INFO, "f", 1, "GET %s", ("/a?token=t",), None)
        >>> MaskSecretsFilter().filter(record), record.getMessage()
        (True, 'GET /a?token=***')
    """

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: A003 - logging's name
        message = record.getMessage()
        masked = mask_urls_in_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Values shorter than this are not written back by :func:`hide_env` (``1`` is everywhere).
_MIN_HIDDEN = 4


def expand_env(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace every ``${NAME}`` in a text by the environment variable ``NAME``.

    Args:
        text: A URL or parameter value; ``$`` without braces is left alone.
        environ: The variables (default ``os.environ``).

    Returns:
        The text with the values filled in.

    Raises:
        KeyError: If a named variable is not set; ``args[0]`` is its name.

    Examples:
        >>> expand_env("https://x.example/f?token=${FEED_TOKEN}&q=$1", {"FEED_TOKEN": "t0k"})
        'https://x.example/f?token=t0k&q=$1'
    """
    variables = os.environ if environ is None else environ

    def value(match: re.Match[str]) -> str:
        name = match[1]
        if name not in variables:
            raise KeyError(name)
        return variables[name]

    return _ENV_REF.sub(value, text) if "${" in text else text


def hide_env(text: str, template: str, environ: Mapping[str, str] | None = None) -> str:
    """Write the values of the variables that ``template`` names back as ``${NAME}``.

    Args:
        text: A message that may contain expanded values (a requests error names the path).
        template: The text with the ``${NAME}`` placeholders (the URL and its parameters).
        environ: The variables (default ``os.environ``).

    Returns:
        ``text`` without those values.

    Examples:
        >>> hide_env("no connection: /f?q=t0k3n", "/f?q=${QUERY_KEY}", {"QUERY_KEY": "t0k3n"})
        'no connection: /f?q=${QUERY_KEY}'
    """
    variables = os.environ if environ is None else environ
    for name in set(_ENV_REF.findall(template)):
        value = variables.get(name, "")
        if len(value) >= _MIN_HIDDEN:
            text = text.replace(value, f"${{{name}}}")
    return text
