"""Optional domain packs: the vocabulary of one industry, off by default.

The default rules and lexicons (:mod:`~socialcrm_utils.nlp.intent`,
:mod:`~socialcrm_utils.nlp.german`, :mod:`~socialcrm_utils.nlp.cs_lexicon`) hold language that
works in any industry. A domain pack adds what only one industry says: rail (``Lokführer``,
``Liebe Bahn``, ``2. Klasse``, ``Streik beendet``), airlines (``missed my connection``,
``lost luggage``, ``group fares``). A playbook names the packs it wants in
``listening.domain_packs``; every pack is a YAML file in this folder whose ``adds`` field says
what it adds, and ``docs/intent.md`` lists them.

A pack file has these keys (all but ``name`` and ``adds`` optional)::

    name: rail                       # the file's stem
    adds: one paragraph, what the pack adds and why it is not a default
    intent:                          # extra cue fragments (regular expressions, whole words)
      de: {complaint: [...], lead: [...], praise: [...]}
      en: {...}
    sentiment:
      de:
        lexicon: [[Wort|POS, value in [-1, 1], "Form1,Form2"], ...]   # SentiWS-like
        phrases: [[name, [triggers], regex, valence], ...]              # german.PHRASE_RULES
        formulas: [[name, [triggers], regex], ...]                      # german.FORMULA_RULES
      en:
        lexicon: {word: valence}                                        # cs_lexicon.LEXICON
        phrases: [[name, [triggers], regex, valence], ...]              # cs_lexicon.PHRASE_RULES

Examples:
    >>> available_packs()
    ('airline', 'rail')
    >>> "Lokführer" in load_pack("rail")["adds"]
    True
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable
from typing import Any

import yaml

__all__ = ["available_packs", "load_pack", "pack_cues", "pack_sentiment", "check_packs"]

_INTENTS = ("complaint", "question", "lead", "praise")
_LANGS = ("en", "de")


@functools.cache
def available_packs() -> tuple[str, ...]:
    """Names of the domain packs shipped with the package, sorted."""
    folder = importlib.resources.files(__name__)
    return tuple(
        sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))
    )


def check_packs(packs: Iterable[str]) -> tuple[str, ...]:
    """The pack names as a sorted tuple without repeats; ValueError names unknown ones.

    Examples:
        >>> check_packs(["rail", "rail"])
        ('rail',)
        >>> check_packs(["ferry"])
        Traceback (most recent call last):
        ...
        ValueError: unknown domain pack 'ferry' (available: airline, rail)
    """
    names = tuple(sorted(set(packs)))
    for name in names:
        if name not in available_packs():
            raise ValueError(
                f"unknown domain pack '{name}' (available: {', '.join(available_packs())})"
            )
    return names


@functools.cache
def load_pack(name: str) -> dict[str, Any]:
    """The parsed pack file, checked: its regular expressions compile.

    Args:
        name: One of :func:`available_packs`.

    Returns:
        The pack as a dict (``name``, ``adds``, ``intent``, ``sentiment``).

    Raises:
        ValueError: If the pack does not exist or is malformed.
    """
    check_packs([name])
    text = importlib.resources.files(__name__).joinpath(f"{name}.yaml").read_text("utf-8")
    pack = yaml.safe_load(text) or {}
    if pack.get("name") != name or not pack.get("adds"):
        raise ValueError(f"domain pack {name}.yaml needs 'name: {name}' and 'adds'")
    pack.setdefault("intent", {})
    pack.setdefault("sentiment", {})
    for lang, cues in pack["intent"].items():
        if lang not in _LANGS or not set(cues) <= set(_INTENTS):
            raise ValueError(
                f"domain pack {name}: intent.{lang} must be one of {_LANGS} with keys of {_INTENTS}"
            )
        for fragment in (f for fragments in cues.values() for f in fragments):
            re.compile(fragment)
    for rules in pack["sentiment"].values():
        for rule in (*rules.get("phrases", ()), *rules.get("formulas", ())):
            re.compile(rule[2])
    return pack


def pack_cues(packs: Iterable[str], lang: str, intent: str) -> tuple[str, ...]:
    """The intent cue fragments the packs add for one language and intent.

    Examples:
        >>> "lokf(?:ü|ue)hrer" in " ".join(pack_cues(["rail"], "de", "complaint")).lower()
        False
        >>> len(pack_cues([], "de", "complaint"))
        0
    """
    return tuple(
        fragment
        for name in check_packs(packs)
        for fragment in load_pack(name)["intent"].get(lang, {}).get(intent, ())
    )


def pack_sentiment(packs: Iterable[str], lang: str, key: str) -> list[Any]:
    """The sentiment entries (``lexicon``, ``phrases``, ``formulas``) the packs add.

    English ``lexicon`` entries come as ``(word, valence)`` pairs.

    Examples:
        >>> [rule[0] for rule in pack_sentiment(["rail"], "de", "phrases")][:2]
        ['strike resolved', 'running again']
    """
    out: list[Any] = []
    for name in check_packs(packs):
        entries = load_pack(name)["sentiment"].get(lang, {}).get(key, ())
        out.extend(entries.items() if isinstance(entries, dict) else entries)
    return out
