"""The customer-service extension of VADER for English, version :data:`CS_EXTENSION_VERSION`.

VADER (Hutto & Gilbert, 2014) was built for general social media. Customer-service posts have
their own vocabulary, and VADER misreads it in two systematic ways:

1. **Request and transaction words count as praise.** "Please help, I need a refund" scores
   positive because *please* (+1.3) and *help* (+1.7) are positive words in VADER's lexicon;
   "no help at all" is positive too (*no* -1.2, *help* +1.7). In a service channel these words
   mark a request, not a feeling. :data:`LEXICON` sets them to 0.
2. **Service failures are not sentiment words.** "Order delayed 3 days", "still waiting for
   my refund", "on hold for 2 hours", "nobody answers", "never arrived" carry little or no
   valence in VADER; sarcasm such as "great, another delay" or "thanks for nothing" scores
   positive. :data:`LEXICON` adds or strengthens domain words (*delayed*, *cancelled*,
   *stranded*, *late* ...), :data:`PHRASE_RULES` add valence for multi-word cues, and
   :data:`SARCASM_RULES` negate a praise word that a sarcastic frame turns around.

Every entry was written by hand from general customer-service language, not fitted on labelled
data (the accuracy benchmark in ``benchmarks/accuracy.py`` measures the effect on real data the
project does not ship). This module is data only; :mod:`socialcrm_utils.nlp.sentiment` applies
it on top of VADER's unchanged algorithm. Changing any value is a new
:data:`CS_EXTENSION_VERSION`.

Valences use VADER's scale (about -4 to +4; *bad* is -2.5, *good* +1.9).

MIT licence, part of this project.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "CS_EXTENSION_VERSION",
    "FORMULA_RULES",
    "HASHTAG_WORDS",
    "IRREALIS",
    "LEXICON",
    "FoldedOnce",
    "PHRASE_RULES",
    "SARCASM_RULES",
    "extension_rules",
    "fold_case",
    "trigger_groups",
    "triggers_present",
]

#: Version of the extension (lexicon, phrase and sarcasm rules). Recorded with every run.
CS_EXTENSION_VERSION = "1.1"

#: Word valences that replace or add to VADER's lexicon (lower case, as VADER looks them up).
#: VADER's own rules still apply to them: negation ("not delayed"), boosters ("very late"),
#: ALL CAPS and "but".
LEXICON: dict[str, float] = {
    # 1. Request, politeness and transaction words: neutral in a service channel.
    "please": 0.0,
    "pls": 0.0,
    "plz": 0.0,
    "help": 0.0,
    "helps": 0.0,
    "helping": 0.0,
    "hope": 0.0,
    "hoping": 0.0,
    "hopefully": 0.0,
    "want": 0.0,
    "like": 0.0,  # mostly "looks like", "feel like", "like 3 hours"
    "yes": 0.0,
    "ok": 0.0,
    "okay": 0.0,
    "sure": 0.0,
    "chance": 0.0,  # "any chance you could ..."
    "number": 0.0,  # "phone number", "confirmation number"
    "credit": 0.0,  # "travel credit", "credit card"
    "free": 0.0,  # price: "change for free", "free of charge"
    "support": 0.0,  # the department: "customer support"
    "care": 0.0,  # the department: "customer care"; "don't care" is a phrase rule
    "party": 0.0,  # "a party of four"
    "friend": 0.0,  # people, not feelings: "my friend's bag"
    "friends": 0.0,
    "dear": 0.0,  # salutation: "Dear ACME"
    "promised": 0.0,  # reported commitments; an unkept promise is a phrase rule
    "promises": 0.0,
    "joke": -1.5,  # "your service is a joke" (VADER: +1.2)
    # 2. Service failures.
    "delay": -1.3,
    "delays": -1.3,
    "delayed": -1.5,
    "delaying": -1.3,
    "cancelled": -1.5,
    "canceled": -1.5,
    "cancelling": -1.2,
    "canceling": -1.2,
    "cancellation": -1.5,
    "cancellations": -1.5,
    "late": -1.0,
    "stranded": -2.0,
    "stuck": -1.5,
    "waiting": -0.6,
    "waited": -0.8,
    "refund": -0.6,
    "refunds": -0.6,
    "unanswered": -1.5,
    "unresolved": -1.5,
    "unreachable": -1.2,
    "unhelpful": -1.8,
    "disconnected": -1.2,
    "issue": -1.0,  # "problem" is -1.7 in VADER
    "issues": -1.0,
    "fix": -0.5,  # something needs fixing
    "glitch": -1.2,
    "outage": -1.5,
    # 3. Complaint adjectives and nouns missing from VADER (or positive there).
    "unbelievable": -1.0,  # VADER +0.8; in a complaint it is disbelief
    "laughable": -1.5,
    "inexcusable": -2.2,
    "inept": -2.0,
    "mishandled": -1.8,
    "nightmare": -2.5,
    "hassle": -1.5,
    "inconvenienced": -1.5,
    "unorganized": -1.5,
    "understaffed": -1.5,
    "overpriced": -1.5,
    "overcharged": -1.8,
    "ripoff": -2.2,
    "nonexistent": -1.5,
    "subpar": -1.8,
    "mediocre": -1.2,
    "sloppy": -1.5,
    "filthy": -2.2,
    "smelly": -1.5,
    "cramped": -1.2,
    "absurd": -1.5,
    "pointless": -1.5,
    "atrocious": -2.8,
    "abysmal": -2.8,
}

_NUMBER = (
    r"(?:half\s+)?(?:\d+(?:[.,]\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"twelve|several|many)"
)
_DURATION = (
    rf"(?:\d+(?:[.,]\d+)?\+?\s*h|{_NUMBER}\+?\s*(?:-\s*)?(?:hours?|hrs?|minutes?|mins?|days?))"
)
_WAIT = r"(?:wait\w*|hold|delay\w*|late|stuck|sitting|sat|line|queue|stranded)"
# Every match of _WAIT holds one of these (the second trigger group of "time lost").
_WAIT_TRIGGERS = (
    "wait",
    "hold",
    "delay",
    "late",
    "stuck",
    "sitting",
    "sat",
    "line",
    "queue",
    "stranded",
)
# Every "n't", "...nt" or "not" a rule's negation matches holds one of these (a further group).
_NEGATION_TRIGGERS = ("n't", "nt ", "not")
_NOBODY = r"(?:no\s*one|nobody|noone|no\s+body)"
_RESPONSE_VERB = (
    r"(?:answers?|answered|answering|responds?|responded|responding|replies|replied|replying|"
    r"helps?|helped|helping|cares?|knows?|picks?\s+up|picked\s+up|calls?\s+back|called\s+back|"
    r"tells?|told|explains?|explained|is\s+(?:there|at\s+the\s+desk|answering|helping)|came|showed)"
)
_SERVICE_NOUN = (
    r"(?:help|assistance|support|info|information|updates?|explanation|apology|apologies|"
    r"compensation|response|answer|reply|communication|customer\s+service|one\s+to\s+help)"
)
# Angry, weary, crying, sad, eye-rolling, thumbs-down and pile-of-poo faces.
_NEGATIVE_EMOJI = (
    "\U0001f621\U0001f620\U0001f92c\U0001f624\U0001f629\U0001f62b\U0001f622\U0001f62d"
    "\U0001f61e\U0001f614\U0001f612\U0001f644\U0001f44e\U0001f4a9\U0001f615\u2639"
    "\U0001f641\U0001f616\U0001f623\U0001f625\U0001f611"
)

#: Multi-word cues: ``(name, triggers, regular expression, valence)``. The regex is matched
#: case-insensitively, and only in texts whose lower-cased, whitespace-normalised form holds one
#: of the trigger strings (a fast pre-check: the regex cannot match without one). Triggers are
#: either strings (one of them must occur) or groups of strings (one of *each* group must
#: occur, :func:`triggers_present`): "time lost" needs a duration and a wait word, so texts
#: with a digit but no wait word skip its regex. Further groups only narrow the texts the regex
#: runs on (each holds a string of every match, in the text :func:`fold_case` folds), so adding
#: one never changes a score. Each match adds its valence at the cue's first word, before
#: VADER's "but" rule and normalisation.
PHRASE_RULES: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    (
        "still waiting",
        ("wait",),
        r"\b(?:still|been|keep|kept|am|are|is)\s+(?:\w+\s+){0,2}?wait(?:ing|ed)\b",
        -1.5,
    ),
    ("on hold", (("hold",), ("on hold",)), r"\bon\s+hold\b", -1.2),
    (
        "time lost",
        (("hour", "hr", "min", "day", *"0123456789"), _WAIT_TRIGGERS),
        rf"\b{_WAIT}\W+(?:\w+\W+){{0,3}}?(?:for\s+|over\s+|almost\s+|nearly\s+|another\s+)?{_DURATION}\b"
        rf"|\b{_DURATION}\W+(?:\w+\W+){{0,2}}?{_WAIT}",
        -1.5,
    ),
    (
        "nobody answers",
        ("nobody", "noone", "no one", "no body"),
        rf"\b{_NOBODY}\s+(?:\w+\s+){{0,2}}?{_RESPONSE_VERB}\b",
        -1.8,
    ),
    (
        "no help",
        (
            ("no", "zero", "without", "not any", "not a single"),
            (
                *("help", "assistance", "support", "info", "update", "explanation", "apolog"),
                *("compensation", "response", "answer", "reply", "communication", "customer"),
            ),
        ),
        rf"\b(?:no|zero|without\s+(?:any\s+)?|not\s+(?:any|a\s+single))\s+{_SERVICE_NOUN}\b",
        -1.5,
    ),
    (
        "no response",
        (
            ("never", "not", "didn", "haven", "hasn", "still no", "no one"),
            ("heard back", "got", "responded", "replied", "called back"),
        ),
        r"\b(?:never|not|didn'?t|did\s+not|haven'?t|have\s+not|hasn'?t|has\s+not|still\s+no|"
        r"no\s+one\s+has)\s+(?:\w+\s+){0,2}?(?:heard\s+back|got(?:ten)?\s+(?:a\s+|any\s+)?"
        r"(?:response|reply|answer|call)|responded|replied|called\s+back|gotten\s+back)\b",
        -1.5,
    ),
    (
        "time spent",
        (
            ("hour", "hr", "min", "day", *"0123456789"),
            (
                "for",
                "over",
                "after",
                "almost",
                "nearly",
                "another",
                "more",
                "spent",
                "wasted",
                "extra",
            ),
        ),
        rf"\b(?:for|over|after|almost|nearly|another|more\s+than|spent|wasted|extra|an\s+extra)\s+"
        rf"(?:\w+\s+)?{_DURATION}\b",
        -1.0,
    ),
    (
        "service fails",
        (
            (
                "won",
                "wont",
                "doesn",
                "don",
                "didn",
                "isn",
                "wasn",
                "can",
                "couldn",
                "wouldn",
                "not",
            ),
            _NEGATION_TRIGGERS,
            (
                *("work", "load", "help", "answer", "respond", "refund", "let", "allow", "accept"),
                *("hono", "fix", "show", "arrive", "come", "connect", "open", "print", "reply"),
                "get",
            ),
        ),
        r"\b(?:won'?t|doesn'?t|don'?t|didn'?t|isn'?t|wasn'?t|can'?t|cannot|couldn'?t|wouldn'?t|not)\s+"
        r"(?:\w+\s+)?(?:work|working|load|loading|help|answer|respond|refund|let|allow|accept|honou?r|"
        r"fix|show|arrive|arrived|come|connect|open|print|reply|get\s+(?:through|a|any|my|an|us|me))\b",
        -1.2,
    ),
    (
        "system down",
        ("down", "crash", "error", "broken", "not working"),
        r"\b(?:system|website|site|app|link|page|kiosk|server|phone\s+line|lines?)\s+(?:\w+\s+)?"
        r"(?:down|crash\w*|errors?|broken|not\s+working)\b",
        -1.2,
    ),
    (
        "expectation",
        ("suppos", "told", "promis", "yet", "still"),
        r"\b(?:supposed\s+to|(?:was|were|been|am|are)\s+told|promised|(?:has|have|had)\s+yet\s+to|"
        r"not\s+yet|still\s+(?:no|not|nothing|haven'?t|hasn'?t|don'?t|can'?t|stuck|sitting|here|"
        r"without|on\s+the\s+phone))\b",
        -1.0,
    ),
    (
        "futile effort",
        ("tried", "trying", "times", "keep"),
        r"\b(?:tried|trying)\s+(?:\w+\s+){0,2}?(?:call\w*|reach\w*|contact\w*|get\w*\s+(?:through|a\s+hold|"
        r"ahold|someone|anyone)|several|multiple|twice|again)\b|\b(?:several|multiple|many|\d+|three|"
        r"four|five)\s+times\b|\bkeeps?\s+(?:getting|saying|telling|hanging|dropping|crashing)\b",
        -0.8,
    ),
    (
        "money",
        ("paid", "charg", "fee", "money"),
        r"\b(?:i|we|have|had|already)\s+paid\b|\bpaid\s+for\b|\bcharged\s+(?:me|us|twice|extra|again)\b|"
        r"\b(?:change|extra|hidden|service|late)\s+fees?\b|\bmoney\s+back\b",
        -0.8,
    ),
    (
        "nothing",
        ("nothing",),
        r"\bnothing\b(?!\s+(?:beats|better|compares|like|wrong|but\s+(?:love|praise|good|great)))",
        -0.8,
    ),
    (
        "why",
        ("why",),
        r"\bwhy\s+(?:is|are|was|were|do|does|did|would|can'?t|won'?t|isn'?t|wasn'?t|hasn'?t|"
        r"haven'?t|didn'?t|doesn'?t|don'?t|has|have|no|not|on\s+earth)\b",
        -0.8,
    ),
    (
        "disbelief",
        (
            ("really", "seriously", "srsly", "how", "joke", "believe"),
            ("?", "hard", "difficult", "how is", "joke", "believe"),
        ),
        r"\b(?:really|seriously|srsly)\s*\?|\bhow\s+(?:hard|difficult)\s+is\s+it\b|"
        r"\bhow\s+is\s+(?:this|that|it)\s+(?:ok|okay|acceptable|fair|possible|legal)\b|"
        r"\bis\s+this\s+a\s+joke\b|\b(?:can'?t|cannot)\s+believe\b",
        -1.2,
    ),
    ("negative emoji", tuple(_NEGATIVE_EMOJI), f"[{_NEGATIVE_EMOJI}]", -1.5),
    (
        "hung up",
        (("hung", "hang"), ("hung up", "hang up", "hangs up")),
        r"\bhung\s+up\b|\bhangs?\s+up\s+on\b",
        -1.5,
    ),
    (
        "can't reach",
        (
            ("can", "unable", "impossible"),
            (*_NEGATION_TRIGGERS, "unable", "impossible"),
            ("get", "reach", "talk", "speak"),
        ),
        r"\b(?:can'?t|cannot|unable\s+to|impossible\s+to)\s+(?:get\s+through|reach|get\s+a\s+hold|"
        r"get\s+ahold|talk\s+to|speak\s+to)\b",
        -1.3,
    ),
    (
        "never again",
        ("never",),
        r"\bnever\s+(?:again|(?:\w+\s+){0,2}?(?:book|booking|use|using|buy|order|"
        r"ordering|shop|shopping)\s+(?:\w+\s+){0,2}?(?:again|you|with\s+you))\b",
        -2.0,
    ),
    (
        "don't care",
        (("care",), _NEGATION_TRIGGERS),
        r"\b(?:don'?t|doesn'?t|didn'?t|do\s+not|does\s+not|did\s+not)\s+(?:even\s+)?care\b",
        -1.5,
    ),
    (
        "are you kidding",
        ("kidding", "serious", "joking"),
        r"\b(?:are|r)\s+(?:you|u)\s+(?:kidding|serious|joking)\b",
        -1.5,
    ),
    ("what is going on", ("going on",), r"\bwhat(?:'s|\s+is)\s+going\s+on\b", -1.0),
    (
        "yeah right",
        (("right",), ("yeah right", "yea right", "ya right")),
        r"\b(?:yeah|yea|ya)\s+right\b",
        -1.5,
    ),
    ("sarcasm tag", ("#not", "#sarcasm"), r"#(?:not|sarcasm)\b", -2.0),
    (
        "fail hashtag",
        (
            ("#",),
            (
                *("fail", "worst", "sucks", "neveragain", "disappoint", "unacceptable", "ripoff"),
                "badservice",
            ),
        ),
        r"#\w*(?:fail|worst|sucks|neveragain|disappoint\w*|unacceptable|ripoff|badservice)\w*",
        -1.5,
    ),
)

_PRAISE = (
    r"(?:great|awesome|fantastic|perfect|wonderful|brilliant|nice|excellent|amazing|lovely|"
    r"love\s+it|love|thanks|thank\s+you|thx|good\s+job|well\s+done)"
)
_FAILURE = (
    r"(?:delays?|delayed|cancell?ations?|cancell?ed|hours?|queues?|waits?|excuses?|outages?|"
    r"(?:\w+\s+)?(?:delays?|cancell?ations?))"
)

#: Sarcastic frames: ``(name, triggers, regular expression)``. The first group is a praise word
#: that the frame turns around; its valence is negated as VADER negates a word after "not"
#: (x -0.74). Triggers as in :data:`PHRASE_RULES`.
SARCASM_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "praise, another failure",
        (
            ("another", "more", "again"),
            (
                *("great", "awesome", "fantastic", "perfect", "wonderful", "brilliant", "nice"),
                *(
                    "excellent",
                    "amazing",
                    "lovely",
                    "love",
                    "thank",
                    "thx",
                    "good job",
                    "well done",
                ),
            ),
        ),
        rf"\b({_PRAISE})\W{{0,3}}\s*(?:yet\s+|just\s+)?(?:another|one\s+more|more|again)\s+"
        rf"(?:\w+\s+){{0,2}}?{_FAILURE}\b",
    ),
    (
        "thanks for the failure",
        (
            ("thank", "thx"),
            ("for",),
            (
                *("nothing", "delay", "cancel", "losing", "lost", "wasting", "ruining"),
                *("stranding", "making", "the wait", "leaving", "ignoring", "hanging"),
            ),
        ),
        r"\b(thanks|thank\s+you|thx)\s+(?:\w+\s+){0,2}?for\s+(?:\w+\s+){0,2}?(?:nothing|delay\w*|"
        r"cancel\w*|losing|lost|wasting|ruining|stranding|making\s+(?:me|us)\s+wait|the\s+wait|"
        r"leaving|ignoring|hanging\s+up)\b",
    ),
)

_THANKS = r"(?:thanks|thank|thx|ty)"
_THANKS_TRIGGERS = ("thank", "thx", "ty")

#: Politeness formulas: ``(name, triggers, regular expression)``. The first group that takes
#: part in a match is a positive word that is courtesy here, not praise: its valence becomes 0.
#: Thanks in a text that asks something ("Can you move my seat? Thanks") close a request.
FORMULA_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "thanks in advance",
        ("advance", "tia"),
        rf"\b({_THANKS})\s+(?:\w+\s+)?in\s+advance\b|\b(tia)\b",
    ),
    ("thanks before a question", (("?",), _THANKS_TRIGGERS), rf"\b({_THANKS})\b(?=[^?]*\?)"),
    ("thanks after a question", (("?",), _THANKS_TRIGGERS), rf"\?[^?]*?\b({_THANKS})\b"),
)

#: Irrealis markers: a positive word up to three words after one is a wish or a condition
#: ("would love an update", "it would be great if someone answered"), not present praise; its
#: valence becomes 0.
IRREALIS: frozenset[str] = frozenset(
    {"would", "could", "should", "wish", "i'd", "we'd", "you'd", "it'd", "that'd", "wouldn't"}
)

#: Hashtags: VADER skips ``#word``; the extension reads a hashtag whose word is negative in
#: VADER's lexicon as that word ("#frustrated", "#rude"), as VADER's authors recommend.
HASHTAG_WORDS = True


# What re.IGNORECASE matches to an ASCII letter but str.lower() keeps apart ("ı", "ſ", the dot
# that lower() adds to "İ"): folded before a text is searched for a second trigger group.
_FOLD = str.maketrans(
    {"\u0131": "i", "\u017f": "s", "\u0307": None, "\ufb05": "st", "\ufb06": "st"}
)


def fold_case(normalised: str) -> str:
    """A lower-cased text with the letters ``re.IGNORECASE`` also matches folded to ASCII.

    Most non-ASCII texts hold no character the table changes; testing their distinct
    characters is much cheaper than folding a long text (German posts, 500 characters).

    Examples:
        >>> fold_case("ſtill waıting"), fold_case("schöne grüße")
        ('still waiting', 'schöne grüße')
    """
    if normalised.isascii():
        return normalised
    distinct = "".join(set(normalised))
    return normalised if distinct.translate(_FOLD) == distinct else normalised.translate(_FOLD)


def trigger_groups(triggers: Sequence[str | Sequence[str]]) -> tuple[tuple[str, ...], ...]:
    """A rule's triggers as groups: strings form one group, groups stay groups.

    Examples:
        >>> trigger_groups(("hold", "wait"))
        (('hold', 'wait'),)
        >>> trigger_groups((("1", "2"), ("wait",)))
        (('1', '2'), ('wait',))
    """
    if all(isinstance(t, str) for t in triggers):
        return (tuple(triggers),)
    return tuple((t,) if isinstance(t, str) else tuple(t) for t in triggers)


def triggers_present(triggers: Sequence[str | Sequence[str]], normalised: str) -> bool:
    """Whether a text may match a rule: one trigger of each group occurs in it.

    The first group is looked up in ``normalised`` as written (as the scorers always did); the
    others in :func:`fold_case` of it, so that a letter the regex matches case-insensitively
    never hides a match.

    Args:
        triggers: The rule's triggers (strings, or groups of strings).
        normalised: The text lower-cased, whitespace runs as single spaces.

    Examples:
        >>> rule = (("hour", "3"), ("wait", "hold"))
        >>> triggers_present(rule, "on hold for 3 hours"), triggers_present(rule, "3 bags")
        (True, False)
    """
    first, *rest = trigger_groups(triggers)
    return any(t in normalised for t in first) and FoldedOnce(normalised).holds_all(rest)


class FoldedOnce:
    """A normalised text whose :func:`fold_case` is made once, for the first rule that needs
    it: the test of a rule's further trigger groups (:func:`triggers_present`), shared by the
    English extension and the German scorer, which test many rules against one text.

    Examples:
        >>> text = FoldedOnce("ſtill on hold")
        >>> text.holds_all([("still",), ("hold", "wait")]), text.holds_all([])
        (True, True)
    """

    __slots__ = ("_folded", "normalised")

    def __init__(self, normalised: str) -> None:
        self.normalised = normalised
        self._folded: str | None = None

    def holds_all(self, groups: Sequence[Sequence[str]]) -> bool:
        """Whether one trigger of every group occurs in the case-folded text (True for none)."""
        if not groups:
            return True
        folded = self._folded
        if folded is None:
            folded = self._folded = fold_case(self.normalised)
        for group in groups:  # loops, not all(any(...)): called for many rules of each text
            for trigger in group:
                if trigger in folded:
                    break
            else:
                return False
        return True


def extension_rules(
    packs: Iterable[str] = (),
) -> tuple[dict[str, float], tuple[tuple[str, tuple[str, ...], str, float], ...]]:
    """:data:`LEXICON` and :data:`PHRASE_RULES` with the English entries of domain packs added.

    The extension itself is industry-neutral; airline words ("lost luggage", "missed
    connection", "mechanical issue", "award" miles, "never flying again") live in the airline
    pack (:mod:`~socialcrm_utils.nlp.packs`), turned on by ``listening.domain_packs``.

    Args:
        packs: Domain pack names.

    Returns:
        The lexicon (pack entries win) and the phrase rules (the packs' after the defaults).

    Examples:
        >>> lexicon, phrases = extension_rules(["airline"])
        >>> lexicon["award"], "award" in extension_rules()[0]
        (0.0, False)
        >>> [rule[0] for rule in phrases][-1]
        'never flying again'
    """
    from .packs import pack_sentiment

    lexicon = {**LEXICON, **{str(w): float(v) for w, v in pack_sentiment(packs, "en", "lexicon")}}
    extra = tuple(
        (str(n), tuple(t), str(r), float(v))
        for n, t, r, v in pack_sentiment(packs, "en", "phrases")
    )
    return lexicon, PHRASE_RULES + extra
