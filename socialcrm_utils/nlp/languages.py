"""Which languages the suite has rules for, and what it does with the others.

Sentiment (:mod:`~socialcrm_utils.nlp.sentiment`) and intent cues
(:mod:`~socialcrm_utils.nlp.intent`) exist for English and German. A post in any other
language, or one whose language could not be told (``und``), is never dropped and never makes
a step fail: it is counted in volumes, reach, response times, SLA clocks, workflow and spikes
(which read no words), its sentiment is ``unscored`` and its intent is found by a question mark
only (``?``, ``？``, ``؟``; the English and German cues run too but are not written for it).
Topics and FAQ clusters tokenise it with its own stop-word list where the ``stop_words``
package has one (:data:`~socialcrm_utils.nlp.tokens.STOP_WORD_LANGUAGES`).

:func:`language_coverage` tells, per language of the customer posts, how many there are and
which of these rules apply; :func:`coverage_note` says it in one line for a notebook or the
report. ``docs/languages.md`` is the long version.
"""

from __future__ import annotations

import logging

import pandas as pd

from .intent import CUES
from .sentiment import SCORED_LANGUAGES, normalize_lang
from .tokens import STOP_WORD_LANGUAGES

__all__ = [
    "COVERAGE_COLUMNS",
    "INTENT_LANGUAGES",
    "UNDETERMINED",
    "coverage_note",
    "language_coverage",
    "language_rules",
]

logger = logging.getLogger(__name__)

#: Code of posts whose language is missing or could not be told (ISO 639-2 "undetermined").
UNDETERMINED = "und"
#: Languages with intent cues of their own.
INTENT_LANGUAGES: frozenset[str] = frozenset(CUES)
#: Columns of :func:`language_coverage`.
COVERAGE_COLUMNS: tuple[str, ...] = ("lang", "posts", "scored", "rules")


def language_rules(lang: str) -> tuple[str, ...]:
    """The rules the suite has for a language, as short names.

    ``sentiment`` (a sentiment model), ``intent`` (intent cues; without them, ``question
    mark``: a question is still found by its ``?``), ``stop words`` (its own list for topics
    and FAQ clusters).

    Args:
        lang: A language code (``en``, ``pt-BR``, ``und`` ...).

    Returns:
        The names, in that order.

    Examples:
        >>> language_rules("de-AT")
        ('sentiment', 'intent', 'stop words')
        >>> language_rules("pt"), language_rules("und")
        (('question mark', 'stop words'), ('question mark',))
    """
    code = normalize_lang(pd.Series([lang], dtype="string")).iloc[0]
    code = UNDETERMINED if pd.isna(code) else str(code)
    rules = ["sentiment"] if code in SCORED_LANGUAGES else []
    rules.append("intent" if code in INTENT_LANGUAGES else "question mark")
    if code in STOP_WORD_LANGUAGES:
        rules.append("stop words")
    return tuple(rules)


def _customer_rows(scored: pd.DataFrame) -> pd.Series:
    """True for customer posts: ``is_customer`` when present, else not ``is_brand``, else all."""
    if "is_customer" in scored.columns:
        return scored["is_customer"].astype("boolean").fillna(False).astype(bool)
    if "is_brand" in scored.columns:
        return ~scored["is_brand"].astype("boolean").fillna(False).astype(bool)
    return pd.Series(True, index=scored.index)


def language_coverage(scored: pd.DataFrame) -> pd.DataFrame:
    """Per language of the customer posts: how many, and whether the suite scores them.

    Customer posts are the rows with ``is_customer`` true (the listening step's column), else
    those with ``is_brand`` false, else every row. Their ``lang`` is reduced to its primary
    subtag; a missing or blank one counts as ``und``.

    Args:
        scored: Mentions with a ``lang`` column (scored or not).

    Returns:
        One row per language, columns :data:`COVERAGE_COLUMNS`: ``lang``, ``posts`` (customer
        posts), ``scored`` (True when the language has sentiment *and* intent rules) and
        ``rules`` (:func:`language_rules`, joined by ``", "``; ``"question mark"`` alone:
        nothing but questions is told apart). Sorted by ``posts`` descending, then ``lang``;
        empty with these columns when there are no customer posts. The input is not modified.

    Raises:
        KeyError: If ``lang`` is missing.

    Examples:
        >>> df = pd.DataFrame({"lang": ["en", "pt", "pt", None, "de-AT", "en"],
        ...                    "is_brand": [False, False, False, False, False, True]})
        >>> language_coverage(df)
          lang  posts  scored                          rules
        0   pt      2   False      question mark, stop words
        1   de      1    True  sentiment, intent, stop words
        2   en      1    True  sentiment, intent, stop words
        3  und      1   False                  question mark
    """
    if "lang" not in scored.columns:
        raise KeyError("language_coverage needs a 'lang' column (run step 1 or 3 first)")
    customer = _customer_rows(scored).to_numpy(dtype=bool)
    langs = normalize_lang(scored.loc[customer, "lang"]).fillna(UNDETERMINED)
    counts = langs.value_counts()
    out = pd.DataFrame({"lang": counts.index.astype(str), "posts": counts.to_numpy()})
    out = out.sort_values(["posts", "lang"], ascending=[False, True], kind="stable")
    rules = [language_rules(code) for code in out["lang"]]
    out["scored"] = [("sentiment" in r and "intent" in r) for r in rules]
    out["rules"] = [", ".join(r) for r in rules]
    out = out.astype({"lang": "string", "posts": "int64", "scored": "bool", "rules": "string"})
    logger.debug("language coverage: %s", dict(zip(out["lang"], out["posts"], strict=True)))
    return out.reset_index(drop=True)[list(COVERAGE_COLUMNS)]


def coverage_note(coverage: pd.DataFrame) -> str:
    """One line on the languages without sentiment and intent rules, for a notebook or report.

    Args:
        coverage: Output of :func:`language_coverage`.

    Returns:
        ``"4 languages without sentiment/intent rules: pt (12 posts), es (9), ...: counted
        in volumes, response times and SLAs, not scored (questions found by their question
        mark only)"``; when every language is scored, which ones and their posts; without
        customer posts, ``"No customer posts."``.

    Examples:
        >>> df = pd.DataFrame({"lang": ["en", "pt", "pt", "ja", "en"], "is_brand": False})
        >>> coverage_note(language_coverage(df))
        '2 languages without sentiment/intent rules: pt (2 posts), ja (1): counted in volumes, \
response times and SLAs, not scored (questions found by their question mark only)'
        >>> coverage_note(language_coverage(df[df["lang"] == "en"]))
        'Every language has sentiment/intent rules: en (2 posts)'
    """
    if coverage.empty:
        return "No customer posts."

    def listed(frame: pd.DataFrame) -> str:
        parts = [
            f"{lang} ({posts}{' posts' if i == 0 else ''})"
            for i, (lang, posts) in enumerate(zip(frame["lang"], frame["posts"], strict=True))
        ]
        return ", ".join(parts)

    unscored = coverage[~coverage["scored"].astype(bool)]
    if unscored.empty:
        return f"Every language has sentiment/intent rules: {listed(coverage)}"
    n = len(unscored)
    return (
        f"{n} language{'s' if n != 1 else ''} without sentiment/intent rules: "
        f"{listed(unscored)}: counted in volumes, response times and SLAs, not scored "
        "(questions found by their question mark only)"
    )
