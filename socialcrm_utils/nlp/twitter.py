"""twitter-text-parser, imported once and quietly.

The package (Twitter's own length and URL rules, twitter-text v3) imports ``pkg_resources``,
which setuptools deprecates with a ``UserWarning`` on import (setuptools 81 removes it; the
suite declares ``setuptools<81``). The warning is about the library's packaging, not about the
client's data, so it is silenced here, for that import only, instead of being printed in every
notebook that counts a post's length or finds its links.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from twitter_text import extract_urls_with_indices, parse_tweet

__all__ = ["extract_urls_with_indices", "parse_tweet"]
