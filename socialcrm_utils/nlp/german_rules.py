"""The German scorer's word lists and phrase rules: service failures, sarcasm and formulas
(docs/languages.md).

The word lists (negations, degree words, subjunctives) are matched against lower-cased words.
Each rule is ``(name, triggers, regular expression[, valence])``: a text is only matched against
a rule when it contains one of the rule's trigger strings (lower case), or, for triggers given
as groups, one string of each group
(:func:`~socialcrm_utils.nlp.cs_lexicon.triggers_present`). The expressions are
compiled case- and umlaut-insensitively by :mod:`socialcrm_utils.nlp.german`, which applies
them; they are data, kept apart from the scorer's algorithm.
"""

from __future__ import annotations

__all__ = [
    "DAMPENERS",
    "FORMULA_RULES",
    "INTENSIFIERS",
    "IRREALIS",
    "NEGATIONS",
    "PHRASE_RULES",
    "SARCASM_RULES",
]

#: Words that negate the sentiment words after them (VADER's ``N_SCALAR``, -0.74).
NEGATIONS: frozenset[str] = frozenset(
    {
        "nicht",
        "nichts",
        "nie",
        "niemals",
        "nimmer",
        "ohne",
        "kaum",
        "niemand",
        "weder",
        "nix",
        "kein",
        "keine",
        "keinen",
        "keiner",
        "keinem",
        "keines",
        "keins",
    }
)
#: Degree adverbs that raise the magnitude of the next sentiment word (VADER's 0.293).
INTENSIFIERS: frozenset[str] = frozenset(
    {
        "sehr",
        "total",
        "extrem",
        "echt",
        "wirklich",
        "absolut",
        "besonders",
        "richtig",
        "äußerst",
        "höchst",
        "unglaublich",
        "unheimlich",
        "völlig",
        "komplett",
        "enorm",
        "mega",
        "ultra",
        "voll",
        "zu",
        "so",
        "derart",
        "dermaßen",
        "super",
        "sowas",
        "wahnsinnig",
        "unfassbar",
        "einfach",
    }
)
#: Degree adverbs that lower it.
DAMPENERS: frozenset[str] = frozenset(
    {
        "etwas",
        "bisschen",
        "eher",
        "ziemlich",
        "leicht",
        "relativ",
        "halbwegs",
        "einigermaßen",
        "fast",
        "teilweise",
        "weitgehend",
    }
)
#: Subjunctives (Konjunktiv II), "sollte" and "hoffentlich": praise in their clause states a
#: wish or a condition, not an experience ("Wäre schön", "wenn er pünktlich käme", "sollte
#: pünktlich sein").
IRREALIS: frozenset[str] = frozenset(
    {
        "sollte",
        "solltet",
        "sollten",
        "müsste",
        "müssten",
        "müsstet",
        "könnte",
        "könnten",
        "könntet",
        "wäre",
        "wären",
        "wärt",
        "würde",
        "würden",
        "würdet",
        "hätte",
        "hätten",
        "hättet",
        "käme",
        "kämen",
        "gäbe",
        "gäben",
        "ginge",
        "bräuchte",
        "hoffentlich",
    }
)

_NUMBER = (
    r"(?:\+?\d+(?:[.,]\d+)?|eine?|einer|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|"
    r"zwölf|zwanzig|dreißig|vierzig|fünfzig|sechzig|anderthalb|mehrere|mehreren|vielen)"
)
_DURATION = (
    rf"(?:\+?\d+\s*h|{_NUMBER}\s*(?:min\.?|minuten|minute|std\.?|stunden|stunde|tage?n?))(?!\w)"
)
_LOST = (
    r"(?:verspätung\w*|verspätet\w*|zu\s+spät|später|warte\w*|gewartet|steh\w*|stand|standen|"
    r"fest\w*|warteschleife\w*|hänge\w*|hängt|gehangen|sitze\w*|sitzt|verzögert\w*|verzögerung\w*)"
)
# Every match of _LOST holds one of these, lower-cased, umlauts either way (the second trigger
# group of "time lost").
_LOST_TRIGGERS = (
    "spät",
    "spaet",
    "wart",
    "steh",
    "stand",
    "fest",
    "häng",
    "haeng",
    "hang",
    "sitz",
    "verzög",
    "verzoeg",
)
# Every match of "resolved" names what was resolved (its second trigger group).
_RESOLVED_TRIGGERS = (
    "chaos",
    "störung",
    "stoerung",
    "sperrung",
    "problem",
    "ausfall",
    "panne",
    "fehler",
)
_SERVICE_NOUN = (
    r"(?:antwort|info|infos|information|informationen|hilfe|rückmeldung|durchsage|ansage|"
    r"entschuldigung|erstattung|entschädigung|service|ansprechpartner|reaktion|anschluss|"
    r"wlan|netz|empfang|personal|verbindung|ahnung|strom|wasser|heizung|toilette|ersatz)"
)
_PRAISE = (
    r"(?:toll|super|klasse|prima|spitze|großartig|wunderbar|perfekt|herrlich|danke|bravo|"
    r"na\s+toll)"
)
_PRAISE_TRIGGERS = (
    "toll",
    "super",
    "klasse",
    "prima",
    "spitze",
    "großartig",
    "grossartig",
    "wunderbar",
    "perfekt",
    "herrlich",
    "danke",
    "bravo",
)
# Every match of _SERVICE_NOUN holds one of these.
_SERVICE_TRIGGERS = (
    "antwort",
    "info",
    "hilfe",
    "rückmeldung",
    "rueckmeldung",
    "durchsage",
    "ansage",
    "entschuldigung",
    "erstattung",
    "entschädigung",
    "entschaedigung",
    "service",
    "ansprechpartner",
    "reaktion",
    "anschluss",
    "wlan",
    "netz",
    "empfang",
    "personal",
    "verbindung",
    "ahnung",
    "strom",
    "wasser",
    "heizung",
    "toilette",
    "ersatz",
)
# What the "wishes" formula wishes: every match holds one of these.
_WISHED_TRIGGERS = (
    "woche",
    "abend",
    "tag",
    "urlaub",
    "start",
    "reise",
    "weihnachten",
    "ostern",
    "rutsch",
    "nacht",
    "aufenthalt",
    "zeit",
    "spaß",
    "spass",
    "erfolg",
    "glück",
    "glueck",
    "freude",
    "vergnügen",
    "vergnuegen",
)

#: Service phrases: ``(name, triggers, regular expression, valence on VADER's scale)``, case-
#: and umlaut-insensitive; each match adds its valence at its first word. A match of a rule
#: with a positive valence (a resolved failure) also sets the negative valences of its own
#: words to 0: in "Störung behoben" the outage is over, not a complaint.
PHRASE_RULES: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    (
        "time lost",
        (("min", "std", "stunde", "tag", *"0123456789"), _LOST_TRIGGERS),
        # Not after "in" or "vor": "in 10 Minuten" and "vor 3 Minuten" are times.
        rf"(?<!\w)(?<!\bin\s)(?<!\bvor\s){_DURATION}\W+(?:\w+\W+){{0,3}}?{_LOST}|"
        rf"\b{_LOST}\W+(?:\w+\W+){{0,3}}?(?:seit\s+|über\s+|fast\s+|knapp\s+)?{_DURATION}",
        -1.5,
    ),
    (
        "still waiting",
        (("wart", "immer"), ("warte", "immer noch", "noch immer")),
        r"\bwarte\w*\s+(?:\w+\s+){0,2}?(?:immer\s+noch|noch\s+immer|seit|schon)\b|"
        r"\b(?:immer\s+noch|noch\s+immer)\s+(?:kein\w*|nicht|nichts)\b",
        -1.5,
    ),
    (
        "again",
        (
            ("wieder", "mal"),
            ("schon wieder", "mal wieder", "wieder mal", "wieder einmal", "zum ", "jedes mal"),
        ),
        r"\b(?:schon\s+wieder|mal\s+wieder|wieder\s+mal|wieder\s+einmal|zum\s+\w+\s+mal|"
        r"jedes\s+mal)\b",
        -0.8,
    ),
    (
        "nobody answers",
        ("niemand", "keiner", "keine sau"),
        r"\b(?:niemand|keiner|keine\s+sau)\s+(?:\w+\s+){0,2}?(?:geht\s+ran|antwortet|hilft|"
        r"meldet\s+sich|reagiert|weiß|informiert|kümmert|kommt|da|zuständig)\b",
        -1.8,
    ),
    (
        "no service",
        (("kein", "ohne"), _SERVICE_TRIGGERS),
        rf"\b(?:kein|keine|keinen|keiner|keinem|ohne)\s+(?:\w+\s+)?{_SERVICE_NOUN}\b",
        -1.5,
    ),
    (
        "cancelled",
        ("fällt", "faellt", "fallen", "fiel"),
        r"\bf(?:ällt|allen|iel|ielen)\s+(?:\w+\s+){0,3}?aus\b",
        -1.2,
    ),
    ("too late", (("spät", "spaet"), ("zu spät", "zu spaet")), r"\bzu\s+spät\b", -1.2),
    (
        "why",
        ("warum", "wieso", "weshalb"),
        r"\b(?:warum|wieso|weshalb)\s+(?:\w+\s+){0,3}?(?:nicht|kein\w*|nie|immer|schon\s+wieder|"
        r"muss|müssen|dauert)\b",
        -0.8,
    ),
    ("at least", ("wenigstens", "zumindest"), r"\b(?:wenigstens|zumindest)\b", -0.6),
    (
        "suspended",
        ("eingestellt", "unterbrochen", "gesperrt"),
        r"\b(?:betrieb|service|dienst|zugang|konto)\s+(?:\w+\s+){0,3}?(?:eingestellt|"
        r"unterbrochen|gesperrt)\b",
        -1.2,
    ),
    (
        "out of order",
        (
            ("betrieb", "erliegen", "bleib"),
            ("außer betrieb", "ausser betrieb", "zum erliegen", "wo bleib"),
        ),
        r"\baußer\s+betrieb\b|\bzum\s+erliegen\b|\bwo\s+bleib(?:t|st|en)\b",
        -1.2,
    ),
    (
        "no use",
        ("nichts", "nix"),
        r"\b(?:hat|haben|hatte|bringt|bringen|brachte|hilft|half|nützt|nutzt)\s+(?:\w+\s+)"
        r"{0,2}?(?:nichts|nix)(?:\s+gebracht|\s+genützt|\s+geholfen)?\b",
        -1.2,
    ),
    (
        "for ages",
        (
            ("seit", "schon"),
            tuple(
                f"{since} {span}"
                for since in ("seit", "schon")
                for span in ("stunden", "tagen", "wochen", "ewigkeiten", "einer ewigkeit")
            ),
        ),
        r"\b(?:seit|schon)\s+(?:stunden|tagen|wochen|ewigkeiten|einer\s+ewigkeit)\b",
        -1.2,
    ),
    (
        "not available",
        (
            ("nicht", "kein"),
            (
                "möglich",
                "moeglich",
                "erreichbar",
                "verfügbar",
                "verfuegbar",
                "buchbar",
                "nutzbar",
                "lieferbar",
                "zu erreichen",
                "zu gebrauchen",
            ),
        ),
        r"\b(?:nicht|kaum|nie)\s+(?:mehr\s+)?(?:möglich|erreichbar|verfügbar|buchbar|nutzbar|"
        r"benutzbar|lieferbar|zu\s+erreichen|zu\s+gebrauchen)\b",
        -1.2,
    ),
    (
        "censored swearing",
        # "sch" or "schei", then "..", "…" or "*"; or "**".
        (("sch", "f*", "a*"), ("h..", "h…", "h*", "i..", "i…", "i*", "**")),
        r"\bsch(?:ei)?(?:\.{2,}|…|\*+)|\b(?:f|a)\*{2,}",
        -1.5,
    ),
    (
        "resolved",
        (
            (
                "beend",
                "vorbei",
                "aufgehoben",
                "behoben",
                "gelöst",
                "geloest",
                "beseitigt",
                "ende",
                "aufhebung",
            ),
            _RESOLVED_TRIGGERS,
            # What ends it, as the expression names it.
            (
                "beendet",
                "vorbei",
                "aufgehoben",
                "behoben",
                "gelöst",
                "geloest",
                "beseitigt",
                "ende ",
                "aufhebung ",
            ),
        ),
        r"(?:chaos|störung|sperrung|problem|ausfall|panne|fehler)"
        r"\w*\s+(?:\w+\s+){0,6}?(?:beendet|vorbei|aufgehoben|behoben|gelöst|beseitigt)\b|"
        r"\b(?:behoben|gelöst)\W+(?:\w+\W+){0,2}?\w*?(?:störung|problem)|"
        r"\b(?:ende|aufhebung)\s+(?:de[sr]\s+|vom\s+|im\s+)?\w*?(?:störung|sperrung)\w*",
        2.5,
    ),
    (
        "working again",
        (("wieder",), ("läuft", "laeuft", "laufen", "funktion", "geht", "gehen", "klappt")),
        r"\b(?:läuft|laufen|funktioniert|funktionieren|geht|gehen|klappt)\s+(?:\w+\s+)?wieder\b",
        1.0,
    ),
    (
        "never again",
        (("nie",), ("nie mehr ", "nie wieder ")),
        r"\bnie\s+(?:mehr|wieder)\s+(?:mit|bei|buchen|bestellen|kaufen)\b",
        -2.0,
    ),
    (
        "outrage",
        (
            ("geht", "soll", "kann"),
            (
                "geht's noch",
                "geht es noch",
                "geht gar nicht",
                "was soll das",
                "wie kann es sein",
                "wie kann das sein",
                "kann nicht",
                "kann doch nicht",
            ),
        ),
        r"\b(?:geht(?:'s|\s+es)\s+noch|geht\s+gar\s+nicht|was\s+soll\s+das|wie\s+kann\s+(?:es|das)"
        r"\s+sein|kann\s+(?:doch\s+)?nicht\s+(?:wahr\s+)?sein)\b",
        -1.5,
    ),
)
#: Sarcastic frames: the first group is a praise word, negated like VADER negates.
SARCASM_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "oh great",
        ("toll", "super", "klasse", "prima", "groß", "gross", "herrlich", "spitze"),
        r"\b(?:oh|na|ja|wie)\W+(toll|super|klasse|prima|großartig|herrlich|spitze)\b",
    ),
    (
        "praise, again",
        (("wieder",), _PRAISE_TRIGGERS),
        rf"\b({_PRAISE})\W{{0,3}}\s*(?:schon\s+wieder|mal\s+wieder|wieder\s+mal|wieder\s+einmal|"
        rf"wieder)\b",
    ),
    (
        "thanks for nothing",
        (("nichts",), ("für nichts", "fuer nichts")),
        r"\b(danke|vielen\s+dank)\s+(?:\w+\s+){0,2}?für\s+nichts\b",
    ),
)
#: Formulas: the first group is a positive word that is a greeting, not an opinion (valence 0).
FORMULA_RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "greeting",
        (("gute",), ("morgen", "tag", "abend", "nacht", "reise", "besserung")),
        r"\b(gute[nr]?)\s+(?:morgen|tag|abend|nacht|reise|heimreise|besserung)\b",
    ),
    (
        "salutation",
        ("liebe",),
        # Not after "ich"/"wir": "Ich liebe die Bahn" is love, not a salutation.
        r"\b(?<!ich\s)(?<!wir\s)(liebe[rns]?)\s+(?:\w+\s+)?(?:grüße|gruß|grüßen|\w*team|"
        r"kunde\w*|frau|herr|leute|kolleg\w*|community|alle|gäste|nutzer\w*)\b|"
        r"^\W*(?:@\w+\W+)*(liebe[rns]?)\s+[@#]?\w+",
    ),
    (
        "salutation by name",
        ("liebe",),
        r"(?-i:\b(Liebe[rns]?|Liebste[rn]?)\s+(?=[@#+]|[A-ZÄÖÜ]))(?!(?i:grüße|gruß)\b)",
    ),
    (
        "farewell",
        (("gut",), ("mach", "alles gute", "na gut", "schon gut")),
        r"\bmach(?:t|s|['’]s)?\s+(?:es\s+|['’]s\s+)?(gut)\b|\balles\s+(gute)\b|"
        r"\b(?:na|schon)\s+(gut)\b",
    ),
    (
        "thanks in a question",
        (("?",), ("dank",)),
        r"\b(danke|dankeschön|vielen\s+dank)\b(?=[^?]*\?)|\?[^?]*?\b(danke|dankeschön)\b",
    ),
    (
        "wishes",
        (
            ("schön", "schoen", "gute", "angenehm", "frohe", "erholsam", "toll", "viel"),
            _WISHED_TRIGGERS,
        ),
        r"\b(schöne[nsr]?|gute[nsr]?|angenehme[nsr]?|frohe[nsr]?|erholsame[nsr]?|tolle[nsr]?)"
        r"\s+(?:\w+\s+)?(?:wochenende|abend|tag|feierabend|urlaub|start|reise|heimreise|"
        r"weihnachten|ostern|feiertage|rutsch|nacht|woche|sonntag|aufenthalt|zeit)\b|"
        r"\bviel\s+(spaß|erfolg|glück|freude|vergnügen)\b",
    ),
    (
        "dank as a preposition",
        (("dank",), ("dank d", "dank e", "dank i", "dank s", "dank u")),
        r"\b(dank)\s+(?:der|des|dem|den|eines|einer|einem|ihre[rsmn]?|seine[rsmn]?|unsere[rsmn]?|"
        r"eure[rsmn]?|deren|dessen)\b",
    ),
    (
        "sign-off",
        ("grüß", "grüss", "grueß", "gruess", "gruß", "gruss"),
        r"\b(?:mit\s+)?(freundliche[nr]?|beste[nr]?|herzliche[nr]?|schöne[nr]?|liebe[nr]?|"
        r"viele[nr]?)\s+(?:grüße[n]?|gruß)\b",
    ),
)
