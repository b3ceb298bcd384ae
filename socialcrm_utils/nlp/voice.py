"""Brand-voice rules: do the brand's replies sound like the brand? (steps 4 and 6)

The playbook's ``voice`` section (:class:`~socialcrm_utils.playbook.Voice`) lists the rules;
:func:`check_voice` checks them against every **brand reply** and returns one row per
violation. Step 4 (:mod:`socialcrm_utils.steps.voice`) turns the violations into a score per
brand handle and picks the replies to show a client; step 6 checks its reply templates with
the same rules.

A brand reply (:func:`brand_replies`) is a mention posted by the brand (``is_brand``, or an
``author_id`` among the handles given) that answers another post: its ``in_reply_to_id`` is
set, or its ``conversation_id`` is set and is not its own ``mention_id``. The brand's own
broadcasts (offers, travel tips) are not replies and are not checked. A frame with neither
column (an export without reply links) has every brand post checked. The text is
:func:`~socialcrm_utils.schema.text_of`: ``text_redacted`` in every artifact, so placeholders
such as ``[PHONE]`` are read as written.

Rules (:data:`RULES`), each named after the ``voice`` key that switches it on:

``max_length`` (key ``max_length: {twitter: 280}``)
    A reply on a platform listed (case-insensitive) is longer than allowed, counted the
    platform's way (:func:`~socialcrm_utils.nlp.length.count_length`): on ``twitter`` and
    ``x`` Twitter's weighted length (twitter-text v3: every URL counts 23, CJK characters and
    emoji count 2); elsewhere Unicode characters (code points after NFC normalisation).
    The text is ``text_redacted``: a placeholder counts as written. Detail:
    ``312 chars > 280 on twitter``.
``banned_phrase`` (``banned_phrases: ["calm down", "as I said"]``)
    A reply contains a banned phrase: case-insensitive, whole words only (``"calm down"`` is
    not found in ``"calm downtown"``), any run of spaces matching any other, and umlauts
    matching their ASCII spellings (``"Grüße"`` finds ``"Gruesse"``). One violation per
    phrase found. Detail: ``banned phrase "calm down"``.
``greeting`` (``greeting: ["Hi", "Hello", "Hallo", {regex: ...}]``)
    A reply does not open with an accepted greeting. The opening is the text after any
    leading @mentions (``@anna @bob Hi Anna`` opens with ``Hi Anna``). A phrase must start
    the opening and end at a word boundary (``"Hi"`` accepts ``Hi,`` and ``Hi Anna`` but not
    ``Hilfe``), case-insensitively; a regex (``{regex: '(?i)(hi|hallo) \\w+'}``) must match at
    the start of the opening, as written (case-sensitive unless it sets ``(?i)``). A cue with
    ``platforms`` counts only there; a reply on a platform no cue applies to is not checked.
``sign_off`` (``sign_off: [{regex: '\\^[A-Z]{2}', platforms: [twitter]}, "Best,"]``)
    A reply does not end with an accepted sign-off. A phrase must be followed by at most three
    words (the agent's name: ``Best, Lukas``, ``Viele Grüße, Katrin``) and punctuation or
    emoji, case-insensitively; a regex must match at the very end of the reply (trailing
    spaces ignored), as written: ``\\^[A-Z]{2}`` accepts agent initials such as ``^AM``. A
    regex needs no ``$``. ``platforms`` works as for greetings.
``private_channel`` (``must_offer_private_channel_for_pii: true``, the default)
    A reply asks for personal data in public without offering a private channel. *Asking*
    is a request (EN: send/DM/give/tell us, share, provide, include, confirm, reply with, let
    us know, what's your, can we have, we'll need; DE: schick/nenn/gib/sende uns, teil uns
    ... mit, wie lautet, magst du uns, brauchen/benötigen, and verb-final ``... deine
    Buchungsnummer schicken/nennen/mitteilen``, ``... bitte``) in the same sentence as a
    kind of personal data (booking reference, PNR, order/customer/ticket/account/membership
    number, e-mail address, phone number, postal address, IBAN, bank or card details, date
    of birth, passport number, "your details"; Buchungsnummer, Bestellnummer, Kundennummer,
    E-Mail-Adresse, Telefonnummer, Adresse/Anschrift, IBAN, Bankverbindung, Kartennummer,
    Geburtsdatum, "deine Daten" ...). Negated requests ("please don't share your phone
    number", "we'll send your booking reference") are not requests. A *private channel* is
    any of: DM, direct/private message, PM, inbox, Messenger, WhatsApp, e-mail us, contact
    form or a ``/contact`` link, call us/hotline, live chat; DE: Direktnachricht, DN, PN,
    private/persönliche Nachricht, privat, per (E-)Mail, Kontaktformular, ``/kontakt``,
    Hotline, ruf uns an. Every reply written by
    :func:`~socialcrm_utils.nlp.pii.private_channel_reply` offers one. English and German
    patterns are applied to every reply, whatever its ``lang``. The detail names the data
    asked for and the platform's channel (:func:`~socialcrm_utils.nlp.pii.private_channel`).
``negative_tone`` (``min_sentiment: -0.3``)
    A reply's sentiment is below the threshold. The ``sentiment`` column is reused when the
    frame has one (the scored mentions of step 3; NaN there means unscored, not negative);
    otherwise the replies are scored with :func:`~socialcrm_utils.nlp.score_sentiment`, their
    language from ``lang`` (``default_lang`` where it is missing). Apologies and empathy score
    negative too ("we're very sorry", "we understand your frustration": about -0.5 in
    English), so a threshold around -0.6 flags rude replies rather than sympathetic ones.
    Detail: ``sentiment -0.62 < -0.30``.
``canned_reply`` (``max_canned_reuse: 20``)
    The same reply text was reused more than the limit: the first reply with a text is the
    original, each later one a reuse, and every reuse after the first ``max_canned_reuse`` (in
    ``created_at`` order, then row order) is a violation. Texts are compared normalised
    (:func:`normalize_reply`): lower-cased, without URLs (also bare ``example.com/help``
    links), @mentions, agent initials (``^AM``), numbers and punctuation, spaces collapsed, so
    ``@anna Sorry, flight AC 123! ^AM`` and ``@bob sorry flight AC 456 ^JK`` are the same
    text; and without the words of the name and handle of the customer replied to (the author
    of ``in_reply_to_id``, else of ``conversation_id``, when that post is in the frame), so
    ``Hi Anna, we're on it`` and ``Hi Bob, we're on it`` are one template. Replies that
    normalise to nothing (only emoji) are not compared. Texts are counted over all brand
    handles and platforms of the frame (on a Dask partition: that partition).

Words and boundaries: a word character is a letter of any script, a digit or ``_``; the
symbol blocks (arrows, dingbats such as ✈) and emoji are not. A leading @mention ends at a
space, comma, colon or semicolon.

Speed: every rule is a few vectorised pandas string operations over all replies, written so
that pandas runs them on pyarrow's RE2 (no ``\\w``, ``\\s``, ``\\b`` or lookarounds; phrase
cues with the same platforms share one pattern); the exact patterns that need Python's ``re``
run only on the candidates those leave (replies naming a phrase, or personal data without a
private channel). A cue's pass reads only the replies it can still accept (on its platforms,
not accepted by an earlier cue), with whichever engine pandas picks for it. Twitter's weighted
length is counted only where a cheap upper bound exceeds the limit
(:func:`~socialcrm_utils.nlp.length.find_too_long`). The canned-reply rule drops each reply's
customer name in one Python pass, the largest cost left. The 292,584 replies of the generated
1,000,000 mentions take about 5 seconds on a 2-core machine with every rule on, reusing
``sentiment``; without that column the replies are scored first, which takes longer.

Nothing here reads files or touches the network.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..playbook import Voice, VoiceCue
from ..schema import TEXT_COLUMNS, text_of
from .german import umlaut_aware
from .length import find_too_long
from .pii import private_channel
from .sentiment import score_sentiment

__all__ = [
    "RULES",
    "VIOLATION_COLUMNS",
    "SCORE_COLUMNS",
    "EXAMPLE_COLUMNS",
    "EXCERPT_CHARS",
    "SIGN_OFF_NAME_WORDS",
    "brand_replies",
    "normalize_reply",
    "check_voice",
]

logger = logging.getLogger(__name__)

#: Every rule :func:`check_voice` reports, in the order violations of one reply are listed.
RULES: tuple[str, ...] = (
    "max_length",
    "banned_phrase",
    "greeting",
    "sign_off",
    "private_channel",
    "negative_tone",
    "canned_reply",
)
#: Columns of :func:`check_voice`, in order.
VIOLATION_COLUMNS: tuple[str, ...] = (
    "mention_id",
    "handle",
    "platform",
    "created_at",
    "rule",
    "detail",
    "excerpt",
    "url",
)
#: Columns of :func:`voice_scores`, in order: then one column per rule of :data:`RULES`.
SCORE_COLUMNS: tuple[str, ...] = ("handle", "replies", "replies_with_violations", "score", *RULES)
#: Columns of :func:`worst_examples`, in order.
EXAMPLE_COLUMNS: tuple[str, ...] = (
    "mention_id",
    "handle",
    "platform",
    "created_at",
    "violations",
    "rules",
    "details",
    "excerpt",
    "url",
)
#: Excerpts are cut to this many characters (an ellipsis included).
EXCERPT_CHARS = 120
#: A sign-off phrase may be followed by up to this many words (the agent's name).
SIGN_OFF_NAME_WORDS = 3

# --------------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------------

# Patterns that run on every reply spell their character classes out and avoid \s, \w, \b and
# lookarounds: pandas then runs them on pyarrow's RE2 instead of Python's re, 10 to 20 times
# faster on non-ASCII text (as nlp/pii.py does). Characters are literal, not \u escapes, for the
# same reason. Exact patterns with lookarounds run only on the few candidates such a pattern
# leaves.
_SPACE = " \t\n\r\f\v\u00a0\u2009\u202f\u3000"
#: Word characters: ASCII letters, digits and "_", and letters of every script (Latin-1 and
#: on, without the symbol blocks U+2000-U+2BFF, which hold arrows, dingbats and ✈).
_WORD = (
    "0-9A-Za-z_\u00aa\u00b5\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u1fff\u2c00-\ud7ff"
    "\uf900-\ufdcf\ufe70-\ufefe\uff10-\uffef"
)
_SP = f"[{_SPACE}]"
#: Where a run of spaces is not already one " " (excerpts).
_SPACE_TO_FLATTEN = f"[{_SPACE.replace(' ', '')}]|  "
_W = f"[{_WORD}]"
_NOT_WORD = f"[^{_WORD}]"


def _german(fragment: str) -> str:
    """A German fragment: umlauts also match ae/oe/ue/ss; ``<SP>`` and ``<W>`` are the space
    and word classes (filled in after, so the umlauts in the classes stay as they are)."""
    return umlaut_aware(fragment).replace("<SP>", _SP).replace("<W>", _W)


# Leading @mentions (also Mastodon's @user@instance) and the dot some write before them. A
# mention ends at a space, comma, colon or semicolon, so "Hi" is not found inside "@hiroshi".
_LEADING_MENTIONS = f"\\A[{_SPACE}.]*(?:@[{_WORD}.@\\-]+(?:[{_SPACE},:;]+|\\Z))*"
_GLOBAL_FLAGS = re.compile(r"\A\(\?[aiLmsux]+\)")

# Normalising replies for the canned-reply count (on lower-cased text): URLs (also bare
# domains with a path), @mentions, agent initials and numbers go, then every run of
# non-letters becomes one space.
_NORMALISE = (
    f"https?://[^{_SPACE}]+|www\\.[^{_SPACE}]+|(?:[a-z0-9\\-]+\\.)+[a-z]{{2,}}(?:/[^{_SPACE}]*)?"
    f"|@[{_WORD}.\\-]+|\\^[{_WORD}]+|[0-9]+"
)
# (One class, the word characters but "_": the same runs as (?:[^<word>]|_)+, found faster.)
_NON_LETTERS = f"[^{_WORD.replace('_', '')}]+"

# A sentence: no sentence end in between; a dot followed by a letter or digit is not one
# (URLs, "z.B.").
_SAME_SENTENCE = r"(?:[^.!?\n]|\.(?=\w))"

# Personal data, English. Multi-word names are specific enough on their own; bare words
# ("email", "address", "number", "details") only after "your".
_DATA_EN = (
    "(?:e-?tickets?|booking|reservation|confirmation|order|ticket|customer|client|account|"
    f"membership|member|loyalty|frequent[{_SPACE}-]?fl[iy]er|passport|id|"
    f"(?:credit|debit)?{_SP}*card|phone|telephone|mobile|cell|contact|tracking|policy|reference)"
    f"{_SP}+(?:reference|ref|number|no|nr|code|id|details|#)"
    f"|pnrs?|ibans?|bank{_SP}+(?:details|account(?:{_SP}+(?:number|details))?)|sort{_SP}+code|"
    f"(?:e-?mail|mail|home|postal|post|delivery|billing|shipping|street){_SP}+address(?:es)?|"
    f"full{_SP}+name|date{_SP}+of{_SP}+birth|birth{_SP}*date|"
    f"(?:your|ur){_SP}+(?:e-?mail(?:{_SP}+address)?|address|number|details|"
    f"personal{_SP}+(?:data|details|info))"
)
# Personal data, German (umlaut-aware). Compounds are found inside longer words
# ("Flugbuchungsnummer").
_DATA_DE_COMPOUND = _german(
    "(?:buchungs|reservierungs|bestätigungs|bestell|auftrags|kunden|ticket|vorgangs|"
    "mitglieds|vielflieger|konto|karten|telefon|handy|mobil|ruf|pass|ausweis|sendungs|"
    "rechnungs|vertrags|versicherten|referenz)-?(?:nummer|nr|code|referenz|daten|id)"
)
_DATA_DE = _german(
    "e-?mail-?adresse|mailadresse|(?:post|wohn|liefer|rechnungs)?(?:adresse|anschrift)|"
    "iban|bankverbindung|bankdaten|kontodaten|kontoverbindung|geburtsdatum|kontaktdaten|"
    "(?:deine[nmrs]?|ihre[nmrs]?|eure[nmrs]?)<SP>+(?:persönlichen<SP>+)?"
    "(?:daten|nummer|e-?mail|mail)"
)
#: Cheap test (RE2) for "names a kind of personal data": the exact test follows.
_DATA_PREFILTER = f"(?i)(?:{_DATA_EN}|{_DATA_DE_COMPOUND}|{_DATA_DE})"
_DATA = f"(?:(?<![\\w-])(?:{_DATA_EN}|{_DATA_DE})|{_DATA_DE_COMPOUND})(?![\\w-])"

# Requests before the data. Negated or brand-side verbs ("don't share", "we'll send") are not.
_NOT_A_REQUEST = "".join(
    f"(?<!{w} )"
    for w in ("n't", "n’t", "not", "never", "we", "we'll", "we’ll", "will", "i'll", "i’ll",
              "can", "cannot", "wir", "nicht")
)  # fmt: skip
_REQUEST_EN = (
    r"(?:send|sending|dm|pm|message|e-?mail|mail|text|tweet|give|tell|drop|pass|forward)"
    r"(?:\s+(?:it|them|this|that))?\s+(?:over\s+)?(?:to\s+)?(?:us|me)"
    rf"|{_NOT_A_REQUEST}(?:send|share|sharing|provide|providing|include|confirm|post|give|"
    r"enter|reply\s+with|let\s+us\s+know|pass\s+(?:on|along))"
    r"|what(?:'s|’s|\s+is|\s+was|\s+are|\s+were)|(?:can|could|may)\s+(?:we|i)\s+"
    r"(?:please\s+)?(?:have|get|ask\s+for|take)"
    r"|we(?:'ll|’ll|\s+will|'d|’d|\s+would)?\s+(?:also\s+)?(?:need|require)"
)
_REQUEST_DE = umlaut_aware(
    rf"{_NOT_A_REQUEST}(?:schick|send|nenn|gib|geb|teil|verrat|schreib|sag|mail)\w*"
    r"\s+(?:uns|mir)"
    r"|wie\s+(?:lautet|lauten|ist|war)|(?:magst|kannst|könntest|würdest)\s+du\s+uns"
    r"|(?:können|könnten|würden)\s+sie\s+uns|brauchen|benötigen|bräuchten|benötigten"
)
# Requests after the data: German verb-final clauses and a trailing "please"/"bitte".
_REQUEST_AFTER = umlaut_aware(
    r"please|pls|plz|bitte|schicken|senden|zusenden|nennen|mitteilen|geben|durchgeben|"
    r"verraten|zukommen\s+lassen|posten|hinterlassen"
)
_REQUEST = re.compile(
    rf"(?<![\w'’])(?:{_REQUEST_EN}|{_REQUEST_DE})(?!\w){_SAME_SENTENCE}{{0,80}}?"
    rf"(?P<data1>{_DATA})"
    rf"|(?P<data2>{_DATA}){_SAME_SENTENCE}{{0,60}}?(?<!\w)(?:{_REQUEST_AFTER})(?!\w)",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"\A(?:your|ur|deine[nmrs]?|ihre[nmrs]?|eure[nmrs]?)\s+")

# Private channels, English and German (case-insensitive except the acronyms PM, DN, PN);
# RE2-friendly, it runs on every reply that names a kind of personal data.
_PRIVATE_CHANNEL = (
    f"(?i)(?:\\A|{_NOT_WORD})(?:"
    f"d\\.?m\\.?s?|(?-i:PMs?)|(?-i:DN|PN)|pm{_SP}+(?:us|me)|direct(?:ly)?{_SP}+messag{_W}*|"
    f"private(?:ly)?{_SP}+(?:messag{_W}*|chat|channel)|privately|in{_SP}+private|inbox{_SP}+us|"
    f"our{_SP}+inbox|messenger|whats{_SP}?app|live{_SP}*chat|chat{_SP}+with{_SP}+us|"
    f"e-?mail{_SP}+(?:us|me)|mail{_SP}+us|(?:by|via|per|through){_SP}+e-?mail|"
    f"(?:send|drop|write){_SP}+us{_SP}+an?{_SP}+e-?mail|"
    f"contact{_SP}+(?:form|page|us{_SP}+(?:by|via){_SP}+(?:e-?mail|phone))|web{_SP}?form|"
    f"call{_SP}+us|give{_SP}+us{_SP}+a{_SP}+(?:call|ring)|hotline|"
    + _german(
        "direktnachricht<W>*|privatnachricht<W>*|privat|(?:private|persönliche)[nr]?<SP>+"
        "nachricht<W>*|(?:per|via|über)<SP>+(?:e-?)?mail|kontaktformular<W>*|"
        "ruf<W>*<SP>+uns<SP>+an|telefonisch"
    )
    + f")(?:{_NOT_WORD}|\\Z)|[^{_SPACE}]+/(?:contact|kontakt)"
)

#: The columns of the mentions that the rules read (the replies keep only these).
_REPLY_COLUMNS = frozenset(
    {*TEXT_COLUMNS, "mention_id", "platform", "author_id", "author_name", "created_at", "url",
     "lang", "sentiment", "in_reply_to_id", "conversation_id"}
)  # fmt: skip

_CHANNEL_WORDS = {"dm": "a DM", "pm": "a private message", "contact": "e-mail or a contact form"}


# --------------------------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------------------------


def _strings(frame: pd.DataFrame, column: str) -> pd.Series:
    if column in frame.columns:
        return frame[column].astype("string")
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _filled(values: pd.Series) -> pd.Series:
    """True where a string value is present and not blank."""
    return values.astype("string").str.strip().fillna("").ne("")


def brand_replies(mentions: pd.DataFrame, handles: Iterable[str] | None = None) -> pd.DataFrame:
    """The brand's replies: brand posts that answer another post (see the module docstring).

    Args:
        mentions: Canonical mentions (``is_brand``; ``in_reply_to_id`` and/or
            ``conversation_id``).
        handles: The client's own handles (``playbook.brand.handles``): posts by these
            ``author_id`` values count as the brand's too (case-insensitive, ``@`` optional).

    Returns:
        The rows of ``mentions`` that are brand replies, all columns, index kept.

    Examples:
        >>> mentions = pd.DataFrame({
        ...     "mention_id": ["1", "2", "3"], "author_id": ["anna", "AcmeAir", "AcmeAir"],
        ...     "is_brand": [False, True, True], "in_reply_to_id": [None, "1", None]})
        >>> brand_replies(mentions)["mention_id"].tolist()
        ['2']
    """
    return mentions.loc[_brand_rows(mentions, handles)]


def _brand_rows(mentions: pd.DataFrame, handles: Iterable[str] | None) -> np.ndarray:
    """Where :func:`brand_replies` finds a brand reply, as a numpy bool array."""
    brand = pd.Series(False, index=mentions.index)
    if "is_brand" in mentions.columns:
        brand = mentions["is_brand"].astype("boolean").fillna(False).astype(bool)
    keys = {h.strip().lower().lstrip("@") for h in (handles or ()) if h and h.strip()}
    if keys:
        authors = _strings(mentions, "author_id").str.strip().str.lower().str.lstrip("@")
        brand = brand | authors.isin(keys).fillna(False).astype(bool)
    has_parent = "in_reply_to_id" in mentions.columns
    has_thread = "conversation_id" in mentions.columns
    if has_parent or has_thread:
        reply = pd.Series(False, index=mentions.index)
        if has_parent:
            reply |= _filled(mentions["in_reply_to_id"])
        if has_thread:
            thread = _strings(mentions, "conversation_id")
            own = _strings(mentions, "mention_id")
            reply |= _filled(thread) & thread.ne(own).fillna(True).astype(bool)
        brand &= reply
    return brand.to_numpy(dtype=bool)


def normalize_reply(texts: pd.Series, names: pd.Series | None = None) -> pd.Series:
    """Reply texts normalised for comparing canned replies.

    Lower-cased; URLs (also bare ``example.com/help``), @mentions, agent initials (``^AM``)
    and numbers removed; every run of punctuation, emoji and spaces becomes one space; trimmed.
    With ``names``, the words of each row's name (normalised the same way) are removed too, so
    a template personalised with the customer's name is still one text.

    Args:
        texts: Reply texts (NA allowed).
        names: Optional, on the same index: the name and handle of the customer each reply
            answers (e.g. ``"Anna Schmidt anna_s"``); NA where unknown.

    Returns:
        A ``string`` Series on the same index (NA stays NA).

    Examples:
        >>> normalize_reply(pd.Series(["@anna Sorry, flight AC 123! acme.example.com/help ^AM",
        ...                            "@bob  sorry flight AC 456 ^JK"])).tolist()
        ['sorry flight ac', 'sorry flight ac']
        >>> normalize_reply(pd.Series(["Hi Anna, sorry!", "Hi Bob, sorry!"]),
        ...                 pd.Series(["Anna Schmidt", "bob_1980"])).tolist()
        ['hi sorry', 'hi sorry']
    """
    out = _normalise(texts)
    if names is None:
        return out
    name = _normalise(names.astype("string")).fillna("")
    rows = np.flatnonzero(out.notna().to_numpy(bool) & name.ne("").to_numpy(bool))
    if len(rows):
        # One pass over the rows with a name: each row drops its own words, which no
        # vectorised string method can express (about 0.3 s per 100,000 replies).
        kept = [
            " ".join([word for word in text.split() if word not in drop])
            for text, drop in zip(
                out.iloc[rows].tolist(),
                (set(n.split()) for n in name.iloc[rows].tolist()),
                strict=True,
            )
        ]
        out = out.copy()
        out.iloc[rows] = kept
    return out


def _normalise(texts: pd.Series) -> pd.Series:
    out = texts.astype("string").str.lower().str.replace(_NORMALISE, " ", regex=True)
    return out.str.replace(_NON_LETTERS, " ", regex=True).str.strip()


def _customer_names(mentions: pd.DataFrame, replies: pd.DataFrame) -> pd.Series | None:
    """Name and handle of the author of the post each reply answers (NA if not in the frame).

    The parent is the first mention with the reply's ``in_reply_to_id`` (else
    ``conversation_id``).
    """
    if "mention_id" not in mentions.columns:
        return None
    parent = _strings(replies, "in_reply_to_id")
    parent = parent.mask(~_filled(parent), _strings(replies, "conversation_id"))
    ids = _strings(mentions, "mention_id")
    # One hash pass over the ids and the parents (a missing parent is the first missing id).
    codes, uniques = pd.factorize(
        pd.concat([ids, parent], ignore_index=True), use_na_sentinel=False
    )
    first = np.full(len(uniques), -1, dtype=np.int64)
    present, at = np.unique(codes[: len(ids)], return_index=True)  # first row of each id
    first[present] = at
    rows = first[codes[len(ids) :]]
    found = rows >= 0
    name, author = (
        pd.Series(_strings(mentions, c).array.take(rows, allow_fill=True), index=replies.index)
        for c in ("author_name", "author_id")
    )
    return (name.fillna("") + " " + author.fillna("")).where(found)


# --------------------------------------------------------------------------------------------
# Rules: each returns (positions in the replies, details)
# --------------------------------------------------------------------------------------------


def _found(values: pd.Series, pattern: str | re.Pattern[str]) -> np.ndarray:
    """Where ``pattern`` is found, as a numpy bool array (pandas picks RE2 when it can)."""
    with warnings.catch_warnings():  # patterns with groups are fine for a yes/no answer
        warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression")
        found = values.str.contains(pattern, regex=True)
    return found.fillna(False).to_numpy(dtype=bool)


def _max_length(text: pd.Series, platform: pd.Series, limits: dict[str, int]) -> pd.DataFrame:
    key = platform.str.strip().str.lower()
    limit = key.map({k.strip().lower(): v for k, v in limits.items()})
    length = find_too_long(text, key, limit)
    over = length.notna().to_numpy(bool)
    detail = (
        length[over].astype("string")
        + " chars > "
        + limit[over].astype("Int64").astype("string")
        + " on "
        + platform[over].fillna("?")
    )
    return pd.DataFrame({"pos": np.flatnonzero(over), "detail": detail.to_numpy(dtype=object)})


def _phrase_body(phrase: str) -> str:
    """A plain phrase as a case-insensitive, umlaut-aware pattern; any spaces match any."""
    words = [umlaut_aware(re.escape(word)) for word in phrase.split()]
    return f"(?i:{(_SP + '+').join(words)})"


def _word_edges(phrase: str) -> tuple[bool, bool]:
    """Whether the phrase starts and ends with a word character (so needs a boundary there)."""
    text = phrase.strip()
    return bool(re.match(r"\w", text)), bool(re.search(r"\w\Z", text))


def _banned_phrases(text: pd.Series, phrases: list[str]) -> pd.DataFrame:
    distinct = list(dict.fromkeys(" ".join(p.split()) for p in phrases))
    bodies = [_phrase_body(p) for p in distinct]
    exact = []
    for i, (phrase, body) in enumerate(zip(distinct, bodies, strict=True)):
        starts, ends = _word_edges(phrase)
        before = r"(?<!\w)" if starts else ""
        after = r"(?!\w)" if ends else ""
        exact.append(f"(?P<b{i}>{before}{body}{after})")
    pattern = re.compile("|".join(exact))
    # Candidates in one RE2 pass (the phrases without word boundaries), then the exact test.
    candidates = np.flatnonzero(_found(text, "|".join(bodies)))
    if not len(candidates):
        return pd.DataFrame({"pos": [], "detail": []})
    found = text.iloc[candidates].reset_index(drop=True).str.extractall(pattern)
    if found.empty:
        return pd.DataFrame({"pos": [], "detail": []})
    hits = found.notna().groupby(level=0).any()  # candidate x phrase
    rows, columns = np.nonzero(hits.to_numpy())
    positions = candidates[hits.index.to_numpy()[rows]]
    details = [f'banned phrase "{distinct[int(c[1:])]}"' for c in hits.columns[columns]]
    return pd.DataFrame({"pos": positions, "detail": details})


def _phrase_cues(phrases: list[str], where: str) -> str:
    """One pattern for several phrase cues: at the opening (after @mentions) or the end."""
    parts = []
    for phrase in phrases:
        starts, ends = _word_edges(phrase)
        body = _phrase_body(phrase)
        if where == "start":
            parts.append(body + (f"(?:{_NOT_WORD}|\\Z)" if ends else ""))
        else:
            before = f"(?:\\A|{_NOT_WORD})" if starts else ""
            name = f"(?:{_NOT_WORD}+[{_WORD}][{_WORD}'’.\\-]*){{0,{SIGN_OFF_NAME_WORDS}}}"
            parts.append(f"{before}{body}{name}{_NOT_WORD}*\\Z")
    joined = "|".join(parts)
    return f"{_LEADING_MENTIONS}(?:{joined})" if where == "start" else f"(?:{joined})"


def _regex_cue(regex: str, where: str) -> re.Pattern[str]:
    """A regex cue anchored at the start of the opening or at the end of the text."""
    flags = ""
    while match := _GLOBAL_FLAGS.match(regex):  # inline global flags must stay in front
        flags += match.group()
        regex = regex[match.end() :]
    return re.compile(rf"{flags}\A(?:{regex})" if where == "start" else rf"{flags}(?:{regex})\Z")


def _cue_rule(
    text: pd.Series, platform: pd.Series, cues: list[VoiceCue], where: str, what: str
) -> pd.DataFrame:
    """Replies on a platform some cue applies to that match none of the cues there.

    Phrase cues with the same platforms share one pattern (one RE2 pass); each regex cue is
    one pass. Each pass reads only the replies it can still accept: with text, on the cue's
    platforms, not yet accepted by an earlier cue. Greeting regexes see the text after its
    leading @mentions. Replies without text are not checked.
    """
    plat = platform.str.strip().str.lower().fillna("")
    scope = [tuple(sorted({p.strip().lower() for p in cue.platforms})) for cue in cues]
    masks = {
        key: np.ones(len(text), bool) if not key else plat.isin(key).to_numpy(bool)
        for key in dict.fromkeys(scope)
    }
    # Replies without text (a picture only) have nothing to greet or sign with.
    has_text = text.str.strip().fillna("").ne("").to_numpy(bool)
    checked = np.logical_or.reduce(list(masks.values())) & has_text
    ok = np.zeros(len(text), bool)
    for key, mask in masks.items():
        phrases = [c.phrase for c, k in zip(cues, scope, strict=True) if k == key and c.phrase]
        rows = np.flatnonzero(mask & has_text & ~ok)
        if phrases and len(rows):
            ok[rows] = _found(text.iloc[rows], _phrase_cues(phrases, where))
    for cue, key in zip(cues, scope, strict=True):
        rows = np.flatnonzero(masks[key] & has_text & ~ok)
        if cue.regex is None or not len(rows):
            continue
        subject = text.iloc[rows]
        if where == "start":
            subject = subject.str.replace(_LEADING_MENTIONS, "", regex=True)
        ok[rows] = _found(subject, _regex_cue(cue.regex, where))
    missing = checked & ~ok
    expected: dict[str, str] = {}
    for name in plat[missing].unique():
        labels = [
            f'"{c.label}"' if c.phrase is not None else c.label
            for c, key in zip(cues, scope, strict=True)
            if not key or name in key
        ]
        shown = ", ".join(labels[:4]) + (", ..." if len(labels) > 4 else "")
        expected[name] = f"no accepted {what} (expected e.g. {shown})"
    details = plat[missing].map(expected)
    return pd.DataFrame({"pos": np.flatnonzero(missing), "detail": details.to_numpy(dtype=object)})


def _private_channel(text: pd.Series, platform: pd.Series) -> pd.DataFrame:
    # RE2 passes first: replies naming personal data, and of those the ones without a private
    # channel; the request pattern (Python's re) runs only on what is left.
    candidates = np.flatnonzero(_found(text, _DATA_PREFILTER))
    candidates = candidates[~_found(text.iloc[candidates], _PRIVATE_CHANNEL)]
    positions = candidates[_found(text.iloc[candidates], _REQUEST)]
    if not len(positions):
        return pd.DataFrame({"pos": [], "detail": []})
    found = text.iloc[positions].str.extract(_REQUEST)
    data = found["data1"].fillna(found["data2"]).str.lower().str.split().str.join(" ")
    data = data.str.replace(_POSSESSIVE, "", regex=True)
    channel = [
        _CHANNEL_WORDS[private_channel(p)] for p in platform.iloc[positions].fillna("").tolist()
    ]
    details = [
        f'asks for "{d}" in public without offering a private channel (offer {c})'
        for d, c in zip(data.tolist(), channel, strict=True)
    ]
    return pd.DataFrame({"pos": positions, "detail": details})


def _negative_tone(
    replies: pd.DataFrame, text: pd.Series, threshold: float, default_lang: str
) -> pd.DataFrame:
    if "sentiment" in replies.columns:
        sentiment = pd.to_numeric(replies["sentiment"], errors="coerce").astype("float64")
    else:
        lang = _strings(replies, "lang").fillna(default_lang)
        logger.info("check_voice: scoring the sentiment of %d replies", len(replies))
        sentiment = score_sentiment(text, lang)["sentiment"]
    values = sentiment.to_numpy(dtype="float64")
    below = np.nan_to_num(values, nan=np.inf) < threshold
    details = [f"sentiment {v:.2f} < {threshold:.2f}" for v in values[below]]
    return pd.DataFrame({"pos": np.flatnonzero(below), "detail": details})


def _canned_replies(
    replies: pd.DataFrame, text: pd.Series, names: pd.Series | None, max_reuse: int
) -> pd.DataFrame:
    normal = normalize_reply(text, names).fillna("")
    codes = pd.factorize(normal)[0]  # one code per normalised text
    order = np.arange(len(text))  # by created_at (missing last), then row order
    if "created_at" in replies.columns:
        at = pd.to_datetime(replies["created_at"], utc=True).dt.tz_localize(None).to_numpy()
        order = np.argsort(at, kind="stable")  # numpy sorts NaT last
    order = order[normal.ne("").to_numpy(bool)[order]]
    code = codes[order]
    reuse = pd.Series(code).groupby(code, sort=False).cumcount().to_numpy()  # 0: the original
    total = np.bincount(code, minlength=len(codes))[code]
    over = reuse > max_reuse
    details = [
        f"canned reply: reuse {r} of the same text (sent {t} times; max_canned_reuse {max_reuse})"
        for r, t in zip(reuse[over], total[over], strict=True)
    ]
    return pd.DataFrame({"pos": order[over], "detail": details})


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def _excerpt(text: pd.Series) -> pd.Series:
    flat = text.astype("string")
    # Runs of spaces become one " ": only texts with another space or two in a row change.
    spaced = np.flatnonzero(_found(flat, _SPACE_TO_FLATTEN))
    if len(spaced):
        flat = flat.copy()
        flat.iloc[spaced] = flat.iloc[spaced].str.replace(f"{_SP}+", " ", regex=True).array
    flat = flat.str.strip()
    long = flat.str.len().fillna(0) > EXCERPT_CHARS
    return flat.where(~long, flat.str.slice(0, EXCERPT_CHARS - 1).str.rstrip() + "…")


def _created_at(replies: pd.DataFrame, pos: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``created_at`` (UTC) of the replies at ``pos``, in the column's resolution; in seconds
    where every value taken is missing (as converting Timestamps one by one gives)."""
    if "created_at" in replies.columns:
        created = pd.to_datetime(replies["created_at"], utc=True).array.take(pos)
        if not created.isna().all():
            return created
    return pd.array(np.full(len(pos), np.datetime64("NaT", "s")), dtype="datetime64[s, UTC]")


def _empty_violations() -> pd.DataFrame:
    columns = {c: pd.Series(dtype="string") for c in VIOLATION_COLUMNS}
    columns["created_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    return pd.DataFrame(columns)


def check_voice(
    mentions: pd.DataFrame,
    voice: Voice,
    *,
    handles: Iterable[str] | None = None,
    default_lang: str = "en",
) -> pd.DataFrame:
    """Check every brand reply against the playbook's brand-voice rules.

    See the module docstring for the rules, what counts as a brand reply and what each rule
    matches. The input is not modified.

    Args:
        mentions: The (scored) canonical mentions: ``mention_id``, ``is_brand``,
            ``text_redacted`` or ``text``, ``platform``, ``author_id`` (or ``author_name``),
            ``created_at``, ``url``, ``lang``, reply links; ``sentiment`` is reused when
            present.
        voice: The playbook's ``voice`` section.
        handles: The client's handles (``playbook.brand.handles``); their posts count as the
            brand's even where ``is_brand`` is false.
        default_lang: The language of replies whose ``lang`` is missing, for sentiment scoring
            (``playbook.language``).

    Returns:
        One row per violation, columns :data:`VIOLATION_COLUMNS`: ``mention_id``, ``handle``
        (the reply's ``author_id``, else ``author_name``), ``platform``, ``created_at``,
        ``rule`` (one of :data:`RULES`), ``detail`` (human-readable), ``excerpt`` (the reply,
        cut to :data:`EXCERPT_CHARS`) and ``url``; in reply order, then rule order. A reply can
        break several rules, and ``banned_phrase`` once per phrase.

    Raises:
        KeyError: If the frame has no text column.
        ResourceMissingError: If sentiment must be scored and the VADER lexicon is missing.

    Examples:
        >>> from socialcrm_utils.playbook import Voice
        >>> mentions = pd.DataFrame({
        ...     "mention_id": ["c1", "b1", "b2"], "platform": "twitter",
        ...     "author_id": ["anna", "AcmeAirHelp", "AcmeAirHelp"],
        ...     "text": ["Where is my bag?", "@anna Calm down, we are on it. ^AM",
        ...              "@anna Please send us your booking reference. ^AM"],
        ...     "is_brand": [False, True, True], "in_reply_to_id": [None, "c1", "c1"]})
        >>> voice = Voice(banned_phrases=["calm down"], max_length={"twitter": 30})
        >>> for row in check_voice(mentions, voice).itertuples():  # doctest: +ELLIPSIS
        ...     print(row.mention_id, row.rule, "|", row.detail)
        b1 max_length | 34 chars > 30 on twitter
        b1 banned_phrase | banned phrase "calm down"
        b2 max_length | 48 chars > 30 on twitter
        b2 private_channel | asks for "booking reference" in public without ... (offer a DM)
    """
    rows = _brand_rows(mentions, handles)
    if not rows.any():
        return _empty_violations()
    replies = mentions.loc[rows, [c for c in mentions.columns if c in _REPLY_COLUMNS]]
    text = text_of(replies).astype("string")
    platform = _strings(replies, "platform")
    parts: dict[str, pd.DataFrame] = {}
    if voice.max_length:
        parts["max_length"] = _max_length(text, platform, voice.max_length)
    if voice.banned_phrases:
        parts["banned_phrase"] = _banned_phrases(text, voice.banned_phrases)
    if voice.greeting:
        parts["greeting"] = _cue_rule(text, platform, voice.greeting, "start", "greeting")
    if voice.sign_off:
        parts["sign_off"] = _cue_rule(
            text.str.rstrip(), platform, voice.sign_off, "end", "sign-off"
        )
    if voice.must_offer_private_channel_for_pii:
        parts["private_channel"] = _private_channel(text, platform)
    if voice.min_sentiment is not None:
        parts["negative_tone"] = _negative_tone(replies, text, voice.min_sentiment, default_lang)
    if voice.max_canned_reuse is not None:
        names = _customer_names(mentions, replies)
        parts["canned_reply"] = _canned_replies(replies, text, names, voice.max_canned_reuse)
    found = [part.assign(rule=rule) for rule, part in parts.items() if len(part)]
    if not found:
        return _empty_violations()
    hits = pd.concat(found, ignore_index=True)
    hits["rank"] = hits["rule"].map({rule: i for i, rule in enumerate(RULES)})
    hits = hits.sort_values(["pos", "rank"], kind="stable")
    pos = hits["pos"].to_numpy(dtype=np.int64)
    rows, back = np.unique(pos, return_inverse=True)  # excerpts of the replies with violations
    handle = _strings(replies, "author_id").fillna(_strings(replies, "author_name"))
    out = pd.DataFrame(
        {
            "mention_id": _strings(replies, "mention_id").array.take(pos),
            "handle": handle.array.take(pos),
            "platform": platform.array.take(pos),
            "created_at": _created_at(replies, pos),
            "rule": hits["rule"].to_numpy(),
            "detail": hits["detail"].to_numpy(),
            "excerpt": _excerpt(text.iloc[rows]).array.take(back),
            "url": _strings(replies, "url").array.take(pos),
        }
    )
    out = out.astype({c: "string" for c in VIOLATION_COLUMNS if c != "created_at"})
    out["created_at"] = pd.to_datetime(out["created_at"], utc=True)
    logger.info(
        "check_voice: %d replies, %d violations (%s)",
        len(replies),
        len(out),
        ", ".join(f"{r} {n}" for r, n in out["rule"].value_counts().items()),
    )
    return out
