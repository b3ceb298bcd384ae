"""Reply templates: a reply per complaint topic, language and platform in the brand's voice.

:func:`reply_templates` words a full reply by what the topic is about (personal data first,
then :data:`TEMPLATE_KINDS`), with the playbook's greetings and sign-offs, and checks every
candidate with :func:`socialcrm_utils.nlp.voice.check_voice`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence

import pandas as pd

from ...nlp.length import count_length
from ...nlp.pii import private_channel_reply
from ...nlp.voice import check_voice
from ...playbook import Voice, VoiceCue
from .text import SENTENCE_END, empty_frame, require_columns

__all__ = ["AGENT_INITIALS", "AGENT_NAME", "PERSONAL_DATA_TOPICS", "TEMPLATE_COLUMNS",
           "TEMPLATE_KINDS", "reply_templates"]  # fmt: skip

logger = logging.getLogger(__name__)

#: Placeholders in reply templates that the agent replaces: their name and their initials.
AGENT_NAME: str = "NAME"
AGENT_INITIALS: str = "XX"

#: Review sites and app stores: customers talk there, but the brand cannot publish posts.
NON_PUBLISHING_PLATFORMS: frozenset[str] = frozenset(
    {
        "trustpilot", "google", "google_reviews", "tripadvisor", "yelp", "reviews", "kununu",
        "appstore", "playstore",
    }
)  # fmt: skip

#: Topics that involve personal data: kind -> (the ``pii_types`` named in the reply, word
#: stems). A topic term starting with a stem (or, from five letters on, containing it, for
#: German compounds such as "Rückerstattung") makes the reply move the customer to a private
#: channel. Checked in this order.
PERSONAL_DATA_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "booking": (
        "booking",
        ("booking", "booked", "rebook", "reservation", "reserved", "ticket", "pnr",
         "buchung", "gebucht", "umbuch", "reservierung", "bordkarte"),
    ),
    "payment": (
        "card",
        ("payment", "pay", "paid", "charge", "card", "refund", "invoice", "billing", "money",
         "zahlung", "bezahl", "gezahlt", "abbuchung", "abgebucht", "karte", "erstattung",
         "rechnung", "geld"),
    ),
    "account": (
        "customer",
        ("account", "login", "log-in", "password", "profile", "miles", "points", "membership",
         "loyalty", "konto", "passwort", "anmeld", "profil", "meilen", "punkte", "mitglied"),
    ),
    "order": (
        "order",
        ("order", "delivery", "parcel", "package", "shipment", "bestellung", "bestellt",
         "lieferung", "paket", "sendung"),
    ),
}  # fmt: skip

#: Words that say how a customer feels or chats, never what a topic is about: left out of
#: the words that group and name FAQs and complaint topics ("burritos, smh" and "bad,
#: Columns of :func:`reply_templates` (``reply_templates.csv``), in order.
TEMPLATE_COLUMNS: dict[str, str] = {
    "topic": "string",
    "lang": "string",
    "platform": "string",
    "personal_data": "string",
    "template": "string",
    "chars": "int64",
    "max_chars": "Int64",
    "passes_voice": "boolean",
    "violations": "string",
}
#: What a complaint topic is about, for the wording of its reply: kind -> word stems (English
#: and German; a topic term starting with a stem, or from five letters on containing it,
#: matches). Checked after :data:`PERSONAL_DATA_TOPICS`, in this order; a topic that matches
#: none gets the ``general`` wording. Industry-neutral on purpose.
TEMPLATE_KINDS: dict[str, tuple[str, ...]] = {
    "digital": (
        "app", "website", "site", "online", "login", "log-in", "password", "error", "crash",
        "bug", "update", "link", "webseite", "internetseite", "fehler", "absturz", "abgestürzt",
        "stürzt", "anmeld",
    ),
    "staff": (
        "rude", "staff", "employee", "manager", "cashier", "attitude", "unfriendly", "impolite",
        "mitarbeiter", "personal", "unfreundlich", "unhöflich", "verkäufer", "angestellte",
    ),
    "waiting": (
        "wait", "delay", "late", "slow", "queue", "line", "hold", "hours", "warte", "verspät",
        "spät", "langsam", "schlange", "dauert", "stunden",
    ),
    "quality": (
        "quality", "cold", "broken", "damaged", "dirty", "wrong", "missing", "stale", "taste",
        "portion", "small", "fresh", "qualität", "kalt", "kaputt", "beschädigt", "schmutzig",
        "dreckig", "falsch", "fehlt", "klein", "frisch",
    ),
    "price": ("price", "expensive", "cost", "fee", "preis", "teuer", "kosten", "gebühr"),
}  # fmt: skip

# Plain words for what a digital topic is about (first stem found wins).
_DIGITAL_THINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("update", "the latest update"), ("app", "the app"), ("site", "our website"),
           ("web", "our website"),
           ("log", "logging in"), ("anmeld", "logging in"), ("password", "logging in")),
    "de": (("update", "das letzte Update"), ("app", "die App"), ("site", "unsere Website"),
           ("seite", "unsere Website"),
           ("log", "die Anmeldung"), ("anmeld", "die Anmeldung"), ("passw", "die Anmeldung")),
}  # fmt: skip
_DIGITAL_DEFAULT = {"en": "our app or website", "de": "unsere App oder Website"}
_PERSONAL_WORDS = {
    "en": {"booking": "your booking", "payment": "your payment", "account": "your account",
           "order": "your order"},
    "de": {"booking": "deiner Buchung", "payment": "deiner Zahlung", "account": "deinem Konto",
           "order": "deiner Bestellung"},
}  # fmt: skip

# The sentences of a reply, per language and kind: ``ack`` (acknowledge, with and without an
# apology: a playbook may ban "sorry"), ``next`` (what happens next, public). Topics with
# personal data end with the private channel of nlp/pii.py instead of ``next``. "du" as in
# nlp/pii.py. Mild wording on purpose: an apology full of negative words can fall below
# voice.min_sentiment. Nothing here asks for personal data in public.
_WORDING: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "digital": {
            "ack": (
                "Sorry that {thing} isn't working as it should for you.",
                "Thanks for telling us that {thing} isn't working as it should.",
            ),
            "next": (
                "Could you tell us which device and version you're using and what you see? "
                "We'll help you get it working.",
                "We're on it and will let you know here when it works again.",
            ),
        },
        "staff": {
            "ack": (
                "We're sorry about how you were treated; that's not the service we want "
                "you to get.",
                "Thanks for telling us how you were treated; that's not the service we "
                "want you to get.",
            ),
            "next": (
                "Could you tell us where and when it happened? We'll follow it up with the team.",
                "We'll follow it up with the team.",
            ),
        },
        "waiting": {
            "ack": (
                "Sorry for the wait; we know your time matters.",
                "Thanks for your patience; we know your time matters.",
            ),
            "next": (
                "We're checking what's holding things up and will update you here as soon "
                "as we know more.",
                "We'll update you here as soon as we know more.",
            ),
        },
        "quality": {
            "ack": (
                "Sorry that this wasn't up to our standards.",
                "Thanks for telling us; this isn't up to our standards.",
            ),
            "next": (
                "Could you tell us where and when this was? We'll look into it and make it right.",
                "We'll look into it and make it right.",
            ),
        },
        "price": {
            "ack": (
                "Thanks for your feedback on our prices.",
                "Thanks for your feedback on our prices.",
            ),
            "next": (
                "We'll pass it on to the team, and we're happy to explain what's included.",
                "We'll pass it on to the team.",
            ),
        },
        "personal": {
            "ack": (
                "Sorry for the trouble with {thing}.",
                "Thanks for reaching out about {thing}.",
            ),
            "next": (),
        },
        "general": {
            "ack": (
                "Thanks for telling us, and sorry this didn't go as it should.",
                "Thanks for telling us about this.",
            ),
            "next": (
                "We're looking into it and will get back to you here as soon as we can.",
                "We'll get back to you here as soon as we can.",
            ),
        },
    },
    "de": {
        "digital": {
            "ack": (
                "Tut uns leid, dass {thing} bei dir nicht richtig funktioniert.",
                "Danke für deinen Hinweis, dass {thing} nicht richtig funktioniert.",
            ),
            "next": (
                "Magst du uns sagen, welches Gerät und welche Version du nutzt und was du "
                "siehst? Wir helfen dir gern weiter.",
                "Wir kümmern uns darum und melden uns hier, sobald es wieder geht.",
            ),
        },
        "staff": {
            "ack": (
                "Es tut uns leid, wie du behandelt wurdest; so soll es bei uns nicht sein.",
                "Danke, dass du uns davon erzählst; so soll es bei uns nicht sein.",
            ),
            "next": (
                "Magst du uns sagen, wo und wann das war? Wir klären das mit dem Team.",
                "Wir klären das mit dem Team.",
            ),
        },
        "waiting": {
            "ack": ("Tut uns leid, dass du warten musstest.", "Danke für deine Geduld."),
            "next": (
                "Wir prüfen, woran es hakt, und melden uns hier, sobald wir mehr wissen.",
                "Wir melden uns hier, sobald wir mehr wissen.",
            ),
        },
        "quality": {
            "ack": (
                "Tut uns leid, das entspricht nicht unserem Anspruch.",
                "Danke für deinen Hinweis, das entspricht nicht unserem Anspruch.",
            ),
            "next": (
                "Magst du uns sagen, wo und wann das war? Wir gehen dem nach.",
                "Wir gehen dem nach.",
            ),
        },
        "price": {
            "ack": (
                "Danke für dein Feedback zu unseren Preisen.",
                "Danke für dein Feedback zu unseren Preisen.",
            ),
            "next": (
                "Wir geben es ans Team weiter und erklären dir gern, was alles enthalten ist.",
                "Wir geben es ans Team weiter.",
            ),
        },
        "personal": {
            "ack": (
                "Tut uns leid, dass es mit {thing} Probleme gibt.",
                "Danke für deine Nachricht zu {thing}.",
            ),
            "next": (),
        },
        "general": {
            "ack": ("Danke für deinen Hinweis, das tut uns leid.", "Danke für deinen Hinweis."),
            "next": (
                "Wir kümmern uns darum und melden uns hier so schnell wie möglich.",
                "Wir melden uns hier so schnell wie möglich.",
            ),
        },
    },
}
_DEFAULT_GREETINGS: dict[str, tuple[str, ...]] = {
    "en": ("Hi there", "Hello", "Hi"),
    "de": ("Hallo", "Hi", "Moin"),
}
#: Sign-offs tried when the playbook's ``voice.sign_off`` rule is a regex: initials and name
#: placeholders in the usual forms (``^XX``, ``-Name``, ``Best, NAME`` ...); the first that the
#: regex accepts is used. When none is accepted, a string the regex itself generates
#: (``rstr``) is tried.
# Marks with initials or a name, the same in every language.
_SIGN_OFF_MARKS: tuple[str, ...] = (
    f"^{AGENT_INITIALS}",
    f"-{AGENT_NAME}",
    f"- {AGENT_NAME}",
    f"-{AGENT_NAME.title()}",
    f"- {AGENT_NAME.title()}",
    f"–{AGENT_NAME.title()}",
    f"~{AGENT_NAME.title()}",
    f"^{AGENT_NAME.title()}",
    f"*{AGENT_INITIALS}",
    f"/{AGENT_INITIALS}",
)
_SIGN_OFF_FORMS: dict[str, tuple[str, ...]] = {
    "en": (*_SIGN_OFF_MARKS,
           f"Best, {AGENT_NAME}", f"Cheers, {AGENT_NAME}", f"Kind regards, {AGENT_NAME}",
           f"Best, {AGENT_NAME.title()}", f"Cheers, {AGENT_NAME.title()}", AGENT_NAME.title(),
           AGENT_NAME),
    "de": (*_SIGN_OFF_MARKS,
           f"Viele Grüße, {AGENT_NAME}", f"Liebe Grüße, {AGENT_NAME}", f"Beste Grüße, {AGENT_NAME}",
           f"Viele Grüße, {AGENT_NAME.title()}", f"LG {AGENT_NAME.title()}", AGENT_NAME.title(),
           AGENT_NAME),
}  # fmt: skip
# First words that mark a greeting or sign-off phrase of the playbook as English or German.
_CUE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({"hi", "hello", "hey", "dear", "good", "best", "cheers", "regards", "kind",
                     "warm", "thanks", "thank", "sincerely", "your", "yours"}),
    "de": frozenset({"hallo", "hi", "hey", "moin", "servus", "guten", "liebe", "lieber",
                     "viele", "beste", "herzliche", "grüße", "gruß", "dein", "euer"}),
}  # fmt: skip
_MAX_GREETINGS = 4
_GLOBAL_FLAGS_RE = re.compile(r"\A\(\?[aiLmsux]+\)")


def _stem_match(words: Iterable[str], stems: Iterable[str]) -> str:
    """The first stem that starts a word (or, from five letters on, is inside one), or ``""``."""
    lowered = [w.lower() for w in words]
    for stem in stems:
        for word in lowered:
            if word.startswith(stem) or (len(stem) >= 5 and stem in word):
                return stem
    return ""


def _personal_data_kind(words: Iterable[str]) -> str:
    """The :data:`PERSONAL_DATA_TOPICS` kind the words point to, or ``""``."""
    listed = list(words)
    for kind, (_, stems) in PERSONAL_DATA_TOPICS.items():
        if _stem_match(listed, stems):
            return kind
    return ""


def _template_kind(words: Iterable[str]) -> tuple[str, str]:
    """The :data:`TEMPLATE_KINDS` kind of a topic and the stem that decided it.

    Examples:
        >>> _template_kind(["app"]), _template_kind(["Verspätung"]), _template_kind(["tacos"])
        (('digital', 'app'), ('waiting', 'verspät'), ('general', ''))
    """
    listed = list(words)
    for kind, stems in TEMPLATE_KINDS.items():
        stem = _stem_match(listed, stems)
        if stem:
            return kind, stem
    return "general", ""


def _topic_kinds(topic: list[str], terms: list[str]) -> tuple[str, str, str]:
    """The personal-data kind, the template kind and its stem of a topic.

    The topic's own words decide first (personal data, then :data:`TEMPLATE_KINDS`); the
    further label terms only when the topic's words name no kind: "hold hours" with the
    term "rebook" is about waiting, "change" with "booking" about a booking.

    Examples:
        >>> _topic_kinds(["hold", "hours"], ["hold hours", "rebook"])
        ('', 'waiting', 'hold')
        >>> _topic_kinds(["change"], ["change", "booking"])
        ('booking', 'general', '')
    """
    for words in (topic, [*topic, *terms]):
        personal = _personal_data_kind(words)
        kind, stem = _template_kind(words)
        if personal or kind != "general":
            return personal, kind, stem
    return "", "general", ""


def _applies(cue: VoiceCue, platform: str) -> bool:
    """Whether a greeting or sign-off cue counts on ``platform`` (lower case)."""
    return not cue.platforms or platform in {p.strip().lower() for p in cue.platforms}


def _by_language(phrases: Iterable[str], lang: str) -> list[str]:
    """Phrases whose first word belongs to ``lang`` first, otherwise in the playbook's order."""
    words = _CUE_WORDS.get(lang, frozenset())
    listed = list(dict.fromkeys(phrases))
    return sorted(listed, key=lambda p: (p.split() or [""])[0].lower().strip(",.!") not in words)


def _cue_regex(regex: str, where: str) -> re.Pattern[str]:
    """A regex cue anchored as :mod:`~socialcrm_utils.nlp.voice` reads it: at the start of the
    opening (``where="start"``) or at the very end (trailing spaces ignored)."""
    flags = _GLOBAL_FLAGS_RE.match(regex)
    head, body = (flags.group(), regex[flags.end() :]) if flags else ("", regex)
    if where == "start":
        return re.compile(f"{head}\\A(?:{body})")
    return re.compile(f"{head}(?:{body})\\s*\\Z")


def _generated(regex: str) -> str | None:
    """A string the regex generates (``rstr.xeger`` with a fixed seed), or None without rstr."""
    try:
        import random

        import rstr
    except ImportError:  # pragma: no cover - rstr is a dependency; kept for old environments
        logger.warning("reply_templates: rstr is not installed; cannot fill the regex %r", regex)
        return None
    try:
        text = rstr.Rstr(random.Random(0)).xeger(regex)
    except Exception:  # noqa: BLE001 - any regex rstr cannot expand: no candidate
        return None
    return " ".join(text.split()) or None


def _accepted(candidates: Sequence[str], cues: Sequence[VoiceCue], where: str) -> list[str]:
    """The candidates one of the cues accepts, else strings the cues' regexes generate.

    A phrase cue accepts a candidate that starts with the phrase (a sign-off may add the
    agent's name); a regex cue one it matches where :mod:`~socialcrm_utils.nlp.voice` looks
    (:func:`_cue_regex`). With no cue every candidate is returned; when none is accepted and
    no regex can generate one, too (``check_voice`` then names the rule broken).
    """
    if not cues:
        return list(candidates)
    phrases = [c.phrase.strip().lower() for c in cues if c.phrase]
    patterns = [_cue_regex(c.regex, where) for c in cues if c.regex]

    def ok(text: str) -> bool:
        """Whether a cue accepts ``text``."""
        return any(text.lower().startswith(p) for p in phrases) or any(
            p.search(text) for p in patterns
        )

    fitting = [c for c in candidates if ok(c)]
    if fitting:
        return fitting
    generated = [g for g in (_generated(c.regex) for c in cues if c.regex) if g]
    return [g for g in generated if ok(g)] or list(candidates)


def _greetings(voice: Voice, lang: str, platform: str) -> list[str]:
    """Greetings to try: the playbook's phrases for the platform, then the defaults."""
    cues = [c for c in voice.greeting if _applies(c, platform)]
    phrases = [c.phrase for c in cues if c.phrase]
    ordered = _by_language((p.strip().rstrip(",!") for p in phrases), lang)
    candidates = list(dict.fromkeys([*ordered, *_DEFAULT_GREETINGS[lang]]))
    return _accepted(candidates, cues, "start")[:_MAX_GREETINGS]


def _sign_offs(voice: Voice, lang: str, platform: str) -> list[str]:
    """Sign-offs to try; ``[""]`` (none) when no sign-off rule applies on the platform."""
    cues = [c for c in voice.sign_off if _applies(c, platform)]
    if not cues:
        return [""]
    endings: list[str] = []
    for phrase in _by_language((c.phrase.strip() for c in cues if c.phrase), lang):
        glue = " " if phrase[-1:] in ",:-–" else ", "
        endings += [f"{phrase}{glue}{AGENT_NAME}", phrase]
    candidates = list(dict.fromkeys([*endings, *_SIGN_OFF_FORMS[lang]]))
    return _accepted(candidates, cues, "end")


def _bodies(kind: str, stem: str, personal: str, lang: str, platform: str) -> list[str]:
    """Reply bodies to try, fullest first: acknowledgement and next step, then shorter ones."""
    if personal:
        wording = _WORDING[lang]["personal"]
        thing = _PERSONAL_WORDS[lang][personal]
        pii_types = PERSONAL_DATA_TOPICS[personal][0]
        # nlp/pii.py's private-channel reply ends with the platform's channel sentence.
        channel = SENTENCE_END.split(private_channel_reply(pii_types, lang, platform))[-1]
        acks = [a.format(thing=thing) for a in wording["ack"]]
        return [*(f"{a} {channel}" for a in acks), channel]
    wording = _WORDING[lang][kind]
    thing = next(
        (words for s, words in _DIGITAL_THINGS[lang] if stem.startswith(s) or s in stem),
        _DIGITAL_DEFAULT[lang],
    )
    acks = [a.format(thing=thing) for a in wording["ack"]]
    nexts = list(wording["next"])
    bodies = [f"{a} {n}" for n in nexts for a in acks]
    return list(dict.fromkeys([*bodies, *acks]))


def _compose(greeting: str, body: str, sign_off: str) -> str:
    """``"<greeting>, <body, first letter lower case> <sign-off>"`` ("I" and "We're" kept).

    Examples:
        >>> _compose("Hi", "Sorry for the wait.", "^XX")
        'Hi, sorry for the wait. ^XX'
    """
    first = body.split(" ", 1)[0]
    keep = first in {"I", "I'm", "I'll"} or (first[:1].isupper() and first[1:2].isupper())
    text = f"{greeting}, {body if keep else body[:1].lower() + body[1:]}"
    return f"{text} {sign_off}" if sign_off else text


def reply_templates(
    topics: pd.DataFrame,
    voice: Voice,
    platforms: Sequence[str] = ("twitter",),
    *,
    default_lang: str = "en",
) -> pd.DataFrame:
    """A reply template per complaint topic, language and platform, in the brand's voice.

    Every template is a full reply an agent can send after filling in :data:`AGENT_NAME` or
    :data:`AGENT_INITIALS`: a greeting, an acknowledgement of what the topic is about and what
    happens next, and a sign-off. What the topic is about decides the wording (English or
    German, "du" in German), never the topic's keywords pasted into a sentence:

    * a topic that involves personal data (:data:`PERSONAL_DATA_TOPICS`: bookings, payments,
      accounts, orders) names it ("Sorry for the trouble with your order.") and moves the
      customer to the platform's private channel with the last sentence of
      :func:`~socialcrm_utils.nlp.pii.private_channel_reply` (a DM on twitter, a private
      message on facebook, e-mail or the contact form on review sites);
    * otherwise the topic's words select a kind of :data:`TEMPLATE_KINDS` (app or website,
      staff, waiting, quality, price) with its own acknowledgement and next step (asking
      where and when it happened, which device, or promising an update), else a general one.

    The voice rules come from the playbook: greetings from ``voice.greeting`` (those of the
    topic's language first), else "Hi there" / "Hallo"; sign-offs from ``voice.sign_off`` where
    a rule applies on the platform: a phrase with :data:`AGENT_NAME` after it, or for a regex
    the first of the usual placeholder forms it accepts (``^XX``, ``-Name``, ``Best, NAME``
    ...), else a string the regex generates. Every combination of greeting, body (fullest
    first) and sign-off is checked with :func:`~socialcrm_utils.nlp.voice.check_voice` as a brand
    reply on the platform (every rule of ``voice`` except ``max_canned_reuse``: a template is
    meant to be reused; ``max_length`` per platform included); the first that breaks no rule is
    kept. If none passes, the first is kept with ``passes_voice`` false and its violations, so
    a template never silently breaks the client's rules.

    Args:
        topics: Output of :func:`complaint_topics` (``topic``, ``lang``; ``terms`` is used as
            well when present).
        voice: The playbook's ``voice`` section.
        platforms: Platforms to write templates for (e.g. where most complaints are posted).
        default_lang: Language of topics whose ``lang`` is neither ``"en"`` nor ``"de"`` (the
            playbook's ``language``); the row keeps its own ``lang``.

    Returns:
        One row per topic, language and platform, columns :data:`TEMPLATE_COLUMNS`:
        ``topic``, ``lang``, ``platform``, ``personal_data`` (the kind, ``""`` for none),
        ``template``, ``chars``, ``max_chars`` (the platform's ``max_length``, NA if none),
        ``passes_voice`` and ``violations`` (the details joined by ``"; "``, ``""`` if none).
        In the order of ``topics``, then ``platforms``. Empty with these columns when there
        are no topics.

    Raises:
        ValueError: If ``topic`` or ``lang`` is missing, or ``platforms`` is empty while there
            are topics.
        ResourceMissingError: If ``voice.min_sentiment`` is set and the VADER lexicon is
            missing (the templates' sentiment must be scored).

    Examples:
        >>> topics = pd.DataFrame({"topic": ["app", "Buchung"], "lang": ["en", "de"],
        ...                        "terms": ["app", "buchung"]})
        >>> voice = Voice(max_length={"twitter": 280}, banned_phrases=["calm down"],
        ...               sign_off=[{"regex": "\\\\^[A-Z]{2}", "platforms": ["twitter"]}])
        >>> out = reply_templates(topics, voice, ["twitter"])
        >>> import textwrap
        >>> print(textwrap.fill(out.loc[0, "template"], 88))
        Hi there, sorry that the app isn't working as it should for you. Could you tell us which
        device and version you're using and what you see? We'll help you get it working. ^XX
        >>> print(textwrap.fill(out.loc[1, "template"], 88))
        Hallo, tut uns leid, dass es mit deiner Buchung Probleme gibt. Schreib uns einfach eine
        Direktnachricht (DM), dann kümmern wir uns sofort darum. ^XX
        >>> out.loc[1, "personal_data"], bool(out.loc[1, "passes_voice"])
        ('booking', True)
    """
    require_columns(topics, ("topic", "lang"), "reply_templates")
    if topics.empty:  # no complaint topics (and then no complaint platforms either)
        return empty_frame(TEMPLATE_COLUMNS)
    if not platforms:
        raise ValueError("platforms must name at least one platform, e.g. ('twitter',).")
    fallback = default_lang if default_lang in _WORDING else "en"
    candidates: list[dict[str, object]] = []
    for group, row in enumerate(topics.itertuples(index=False)):
        lang_code = str(row.lang) if not pd.isna(row.lang) else ""
        lang = lang_code.split("-")[0].lower()
        wording = lang if lang in _WORDING else fallback
        terms = str(getattr(row, "terms", "") or "")
        personal, kind, stem = _topic_kinds(
            str(row.topic).replace(",", " ").split(), terms.replace(",", " ").split()
        )
        for platform_no, platform in enumerate(platforms):
            plat = str(platform).strip().lower()
            combos = [
                _compose(g, b, s)
                for b in _bodies(kind, stem, personal, wording, plat)
                for g in _greetings(voice, wording, plat)
                for s in _sign_offs(voice, wording, plat)
            ]
            for rank, text in enumerate(dict.fromkeys(combos)):
                candidates.append(
                    {"group": (group, platform_no), "rank": rank, "topic": row.topic,
                     "lang": lang_code or wording, "wording": wording, "platform": plat,
                     "personal_data": personal, "template": text}
                )  # fmt: skip
    frame = pd.DataFrame(candidates)
    frame["mention_id"] = [f"template-{i}" for i in range(len(frame))]
    replies = pd.DataFrame(
        {
            "mention_id": frame["mention_id"],
            "platform": frame["platform"],
            "author_id": "brand",
            "text_redacted": frame["template"],
            "lang": frame["wording"],
            "is_brand": True,
            "in_reply_to_id": "customer-post",
        }
    )
    rules = voice.model_copy(update={"max_canned_reuse": None})
    violations = check_voice(replies, rules, default_lang=fallback)
    details = violations.groupby("mention_id", sort=False)["detail"].agg("; ".join).to_dict()
    frame["violations"] = [details.get(m, "") for m in frame["mention_id"]]
    frame["passes_voice"] = frame["violations"] == ""
    # Per group: the first candidate that passes, else the first candidate.
    frame = frame.sort_values(
        ["group", "passes_voice", "rank"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("group")
    limits = {k.strip().lower(): v for k, v in voice.max_length.items()}
    frame["chars"] = count_length(frame["template"], frame["platform"])  # as the voice check
    frame["max_chars"] = frame["platform"].map(limits).astype("Int64")
    logger.info(
        "reply_templates: %d templates, %d pass the voice rules",
        len(frame),
        int(frame["passes_voice"].sum()),
    )
    return frame[list(TEMPLATE_COLUMNS)].astype(TEMPLATE_COLUMNS).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
