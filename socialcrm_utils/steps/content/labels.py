"""Naming a cluster: label phrases from its centroid's top terms, spelled as customers write.

Used by :mod:`~socialcrm_utils.steps.content.faq` for FAQ groups and complaint topics.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .text import SENTENCE_START, WORD_RE


def capitalised_spellings(texts: Iterable[str]) -> dict[str, str]:
    """Words written with a capital inside a sentence, lower case -> most common spelling.

    In German these are the nouns (and names), in English names ("Dubai", "ACME"). The first
    word of a sentence (at the start, after ``. ! ? :``, quotes or brackets) does not count.

    Examples:
        >>> capitalised_spellings(
        ...     ["Mein Koffer ist weg. Wo ist er?", "Koffer verloren, IT-Störung"])
        {'koffer': 'Koffer', 'it-störung': 'IT-Störung'}
    """
    spellings: dict[str, Counter[str]] = {}
    for text in texts:
        for match in WORD_RE.finditer(text):
            word = match.group()
            before = text[: match.start()].rstrip()
            if word[0].isupper() and before and before[-1] not in SENTENCE_START:
                spellings.setdefault(word.lower(), Counter())[word] += 1
    return {word: counts.most_common(1)[0][0] for word, counts in spellings.items()}


def label_phrases(
    terms: Sequence[str], weights: Sequence[float], nouns: Iterable[str] | None, k: int = 3
) -> list[str]:
    """Up to ``k`` label phrases from a centroid's top terms.

    Terms are taken heaviest first (with ``nouns``, for German, terms without a noun count
    half: verbs and adverbs make poor labels; ties: two-word phrases first, then
    alphabetically). A word that a two-word phrase among ``terms`` contains, weighing at
    least half as much, is replaced by that phrase ("wifi" -> "wifi board"). A phrase that
    continues a chosen one and weighs at least three quarters of it is chained to it
    ("frequent flyer" + "flyer status" -> "frequent flyer status", at most three words); one
    that contains a word chosen alone takes its place ("fahrrad" -> "fahrrad mitnehmen"). A
    new phrase must weigh at least 30 % of the heaviest term; one whose words are all chosen
    already is skipped.

    Examples:
        >>> label_phrases(["flyer status", "frequent flyer", "lounge", "status", "dubai"],
        ...                [1.0, 1.0, 0.9, 0.8, 0.1], None)
        ['frequent flyer status', 'lounge']
        >>> label_phrases(["wifi", "free", "board", "wifi board"], [1.6, 1.3, 1.1, 1.1], None)
        ['wifi board', 'free']
    """
    noun_set = None if nouns is None else set(nouns)

    def score(term: str, weight: float) -> float:
        """The weight to rank by: halved for German terms without a noun."""
        if noun_set is not None and not any(w in noun_set for w in term.split()):
            return weight * 0.5
        return weight

    pairs = sorted(
        ((t, score(t, w)) for t, w in zip(terms, weights, strict=True)),
        key=lambda tw: (-tw[1], " " not in tw[0], tw[0]),
    )
    if not pairs:
        return []
    floor = 0.3 * pairs[0][1]
    bigrams = [(t, w) for t, w in pairs if " " in t]
    phrases: list[tuple[list[str], float]] = []

    def take(words: list[str], weight: float, rank_weight: float) -> None:
        """Chain ``words`` to a chosen phrase, or add them as a new one if they qualify."""
        covered = {w for phrase, _ in phrases for w in phrase}
        if len(words) == 2:
            first, last = words
            for phrase, _ in phrases:  # "fahrrad" + "fahrrad mitnehmen"
                if len(phrase) == 1 and phrase[0] in words and rank_weight >= floor:
                    phrase[:] = words
                    return
            for phrase, head in phrases:
                if len(phrase) >= 3 or weight < 0.75 * head:
                    continue
                if phrase[-1] == first and last not in phrase:
                    phrase.append(last)
                    return
                if phrase[0] == last and first not in phrase:
                    phrase.insert(0, first)
                    return
        if set(words) <= covered or rank_weight < floor or len(phrases) >= k:
            return
        phrases.append((words, rank_weight))

    for term, weight in pairs:
        if " " in term:
            take(term.split(), weight, weight)
            continue
        wider = [(b, bw) for b, bw in bigrams if term in b.split() and bw >= 0.5 * weight]
        if wider:  # the heaviest phrase with the word stands in for it, at its rank
            take(wider[0][0].split(), wider[0][1], weight)
        else:
            take([term], weight, weight)
    return [" ".join(phrase) for phrase, _ in phrases]


def surface_spelling(phrase: str, texts: Sequence[str], capitalised: dict[str, str]) -> str:
    """A label as customers write it inside a sentence.

    A word mostly written in capitals (``IT``, ``WLAN``) is in capitals; a word written with
    a capital inside a sentence (German nouns, names) is spelled so; others are lower case.

    Examples:
        >>> surface_spelling("koffer verloren", ["Koffer verloren!"], {"koffer": "Koffer"})
        'Koffer verloren'
        >>> surface_spelling("it outage", ["IT outage again", "the IT outage"], {})
        'IT outage'
    """
    out = []
    for word in phrase.split():
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        spellings = Counter(m.group() for text in texts for m in pattern.finditer(text))
        upper = sum(n for s, n in spellings.items() if len(s) > 1 and s.isupper())
        if spellings and upper * 2 > sum(spellings.values()):
            out.append(word.upper())
        else:
            out.append(capitalised.get(word, word))
    return " ".join(out)
