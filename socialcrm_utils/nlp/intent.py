"""Explainable, rule-based intent of mentions in English and German.

Every mention gets one intent of :data:`~socialcrm_utils.schema.INTENTS` and the cue that
decided it, so an analyst can see *why* ("cancelled", "?", "gibt es") and fix a rule instead of
retraining a model. Cues are short regular expressions per language and intent
(:data:`CUES`), matched case-insensitively on word boundaries; German cues are umlaut-aware, so
``verspätet`` also matches ``verspaetet`` and ``Straße`` matches ``Strasse``.

Complaint cues are general for customer service across industries (phones, broadband,
retail, food delivery, software, travel), in families: failure ("not working", "keeps
crashing", "can't log in"; "funktioniert nicht", "kaputt"), outage ("no signal", "down
again"; "Störung", "kein Netz"), billing ("charged twice", "refund"; "doppelt abgebucht",
"Erstattung"), delivery ("wrong order", "never arrived"; "nie angekommen", "falscher
Artikel"), waiting ("been waiting", "no response"; "seit Tagen", "keine Antwort"), anger
("ridiculous", "fed up"; "Frechheit", "Zumutung") and travel ("cancelled", "delayed";
"verspätet"). No cue names a brand.

Precedence, first match wins: **complaint > question > lead > praise > other**. Complaint
cues name a failure or anger, never a bare topic, so a question that is just a question
("How do I change my email?", "Is the store open on Sunday?", "What is your refund policy?")
has no complaint cue and stays a question. A question about a failure ("Why is my order
late?", "Why was my flight cancelled?", "How do I get a refund?") is a complaint: the
customer reports a problem, and the complaint's response-time policy should apply. A purchase
question ("What is the price for 10 seats?") is a question; thanks inside a complaint do not
make it praise. Sarcasm with an obvious pattern ("great, another delay", "toll, schon
wieder") is a complaint cue.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .german import umlaut_aware
from .prefilter import candidates
from .sentiment import normalize_lang

__all__ = ["PRECEDENCE", "CUES", "OPENINGS", "cue_patterns", "classify_intent"]

logger = logging.getLogger(__name__)

#: Intents in the order they win; a text matching none is ``other``.
PRECEDENCE: tuple[str, ...] = ("complaint", "question", "lead", "praise")

# Fragments are regular expressions matched as whole words (case-insensitive). In German
# fragments ä, ö, ü and ß also match ae, oe, ue and ss. Keep each list short and explainable.
# Complaint cues come in families that hold across industries (phones, broadband, retail, food
# delivery, software, travel); none names a brand. Within a text the leftmost cue wins, and at
# the same position the family listed first.

# "doesn't", "doesnt", "does not" ...; "won't"; "can't", "cannot", "unable to" ...
_NEG_AUX_EN = (
    r"(?:(?:does|do|did|is|are|was|were|has|have|had|would|could)(?:n['’]?t|\s+not)"
    r"|won['’]?t|will\s+not|not|never|no\s+longer)"
)
# Not after a negation: "it didn't crash" is no failure.
_NOT_NEGATED_EN = r"(?<!n't\s)(?<!n’t\s)(?<!not\s)(?<!never\s)"
_CANT_EN = (
    r"(?:can['’]?t|cannot|can\s+not|couldn['’]?t|could\s+not|unable\s+to|not\s+able\s+to)"
)

#: Something stopped doing its job: "not working", "won't load", "keeps crashing", "broken".
_FAILURE_EN = (
    _NEG_AUX_EN + r"\s+(?:even\s+|always\s+|seem\s+to\s+|really\s+|properly\s+)?"
    r"(?:work(?:s|ed|ing)?|load(?:s|ed|ing)?|open(?:s|ed|ing)?|connect(?:s|ed|ing)?|"
    r"charg(?:e|es|ed|ing)|turn(?:s|ed|ing)?\s+on|boot(?:s|ed|ing)?|start(?:s|ed|ing)?\s+up|"
    r"play(?:s|ed|ing)?|print(?:s|ed|ing)?|sync(?:s|ed|ing)?|respond(?:s|ed|ing)?|"
    r"stream(?:s|ed|ing)?|download(?:s|ed|ing)?|install(?:s|ed|ing)?|updat(?:e|es|ed|ing)|"
    r"available|online|let(?:s|ting)?\s+me)",
    r"(?:stopped|stops|quit|keeps?|kept)\s+(?:on\s+)?"
    r"(?:working|crashing|freezing|dropping|disconnecting|restarting|rebooting|buffering|"
    r"failing|glitching|lagging|closing|dying|draining|cutting\s+out|turning\s+off|"
    r"shutting\s+(?:down|off)|"
    r"logging\s+(?:me\s+)?out|(?:asking|saying|telling|showing|giving)\s+(?:me\s+)?)",
    _CANT_EN + r"\s+(?:even\s+|seem\s+to\s+|still\s+|get\s+it\s+to\s+)?"
    r"(?:log\s*(?:in|on|into)|login|sign\s*(?:in|on|into)|access|connect|reach|contact|"
    r"get\s+(?:in|into|through|online|a\s+signal)|order|pay|check\s*out|play|load|open|"
    r"download|install|update|upgrade|use|stream|watch|call|make\s+(?:a\s+)?(?:calls?|payments?|"
    r"reservations?|bookings?|orders?)|send|receive|redeem|activate|print|hear|cancel|reset|"
    r"restore|track|book|add|remove|change)",
    _NOT_NEGATED_EN + r"(?:broken|crash(?:es|ed|ing)?|froze|freezes)",
    r"broke\s+(?:my|the|it|down|again)",
    r"glitch(?:es|ed|ing|y)?",
    r"bug(?:s|gy|ged)?",
    r"errors?",
    r"lagg(?:y|ing)",
    r"faulty|defective|damaged|malfunction\w*",
    r"fail(?:s|ed|ing|ure|ures)?",
    r"(?:please|pls|plz)\s+fix",
    r"need\s+(?:this|it|that)\s+fixed",
    r"fix\s+(?:this|it|your|the\s+(?:app|site|website|issue|problem|bug))",
    r"(?:having|experiencing|facing|getting)\s+(?:an?\s+|so\s+much\s+|some\s+|the\s+same\s+|"
    r"lots\s+of\s+|many\s+|constant\s+|major\s+)?(?:issues?|problems?|trouble)",
    r"(?:same|constant|ongoing|recurring|persistent|major|serious|technical)\s+"
    r"(?:issues?|problems?)",
    r"(?:have|has|['’]ve\s+got|got)\s+an?\s+(?:\w+\s+)?(?:issue|problem)",
    r"disappear(?:ed|s|ing)?|vanished",
    r"hacked|hijacked|compromised",
    r"locked\s+out",
    r"(?:kicks?|kicked|boots?|booted|throws?|threw)\s+(?:me|us)\s+(?:off|out)",
    r"(?:issues?|problems?|trouble)\s+with",
    r"(?:that['’]s|this\s+is|it['’]s|is)\s+a\s+(?:big\s+|huge\s+|real\s+|serious\s+)?problem",
)

#: Network, power and site outages: "no signal", "outage", "down again", "so slow".
_OUTAGE_EN = (
    r"no\s+(?:signal|service|internet|connection|connectivity|wi-?fi|network|coverage|reception|"
    r"power|dial\s*tone|data|cable|sound|audio|picture)",
    r"outages?",
    r"(?:is|are|was|were|been|being|goes|going|went|still|keeps?\s+going)\s+(?:it\s+)?down",
    r"down\s+(?:again|for\s+(?:hours|days|over|the\s+past|the\s+last|\d+))",
    r"(?:so|very|super|really|too|extremely|painfully|ridiculously|incredibly)\s+slow",
    r"(?:slow|spotty|patchy|intermittent|unstable|poor|weak|terrible)\s+"
    r"(?:internet|connection|connectivity|signal|service|network|speeds?|wi-?fi|reception)",
    r"drop(?:s|ped|ping)\s+(?:my\s+)?calls?",
    r"dropped\s+calls?",
    r"cuts?\s+out|cutting\s+out",
    r"disconnect(?:s|ed|ing)",
)

#: Money taken wrongly: "charged twice", "overcharged", "refund", "rip-off", "scam".
_BILLING_EN = (
    r"(?:charged|billed)\s+(?:me\s+)?(?:twice|double|two\s+times|again|multiple\s+times|"
    r"\w+\s+times)",
    r"double[\s-]?(?:charged|billed|charges?)",
    r"over\s*-?charg(?:ed|ing|es?)",
    r"(?:wrong|extra|unauthori[sz]ed|hidden|unexpected|incorrect|fraudulent)\s+"
    r"(?:charges?|fees?|amount|bill|billing|transactions?)",
    r"refund(?:s|ed)?(?!\s+polic)",
    r"money\s+back",
    r"rip[\s-]*off|ripped\s+off",
    r"scam(?:s|med|mers?)?",
    r"stolen",
)

#: Orders that went wrong: "wrong order", "never arrived", "still haven't received", "missing item".
_DELIVERY_EN = (
    r"wrong\s+(?:\w+\s+)?(?:order|items?|size|product|address|package|parcel|food|drink|meal|"
    r"delivery|colou?r|model|country|one|thing)",
    r"(?<!if\s)(?<!if\sI\s)(?<!if\syou\s)(?<!if\swe\s)" + _NEG_AUX_EN
    + r"\s+(?:yet\s+|even\s+|actually\s+|been\s+)?"
    r"(?:arriv(?:e|ed|ing)|deliver(?:ed|ing)?|rec(?:ei|ie)v(?:e|ed|ing)|show(?:ed|n)?\s+up|"
    r"turn(?:ed)?\s+up|c[ao]me|got\s+(?:it|my|the|any)|refunded|credited|"
    r"heard?\s+back|got\s+back|call(?:ed)?\s+back|fixed|resolved|sorted)",
    r"yet\s+to\s+(?:receive|arrive|hear|get|be)",
    r"missing\s+(?:items?|orders?|packages?|parcels?|bags?|baggage|parts?|pieces?)",
    r"(?:items?|orders?|packages?|parcels?|deliver(?:y|ies)|food|bags?|baggage)\s+"
    r"(?:(?:is|are|was|were|still|has\s+been|have\s+been|arrived|came)\s+)?"
    r"(?:missing|lost|damaged|stolen|late|cold)",
    r"(?:days?|weeks?|hours?|hrs|mins|minutes|always|so\s+often|running|arrived|is|was)\s+late",
    r"(?:is|was|are|were|it['’]s|arrived|came)\s+(?:stone\s+|ice\s+)?cold",
    r"soggy|stale|mou?ldy?|undercooked",
    r"where(?:['’]s|\s+is)\s+my\s+(?:order|package|parcel|refund|delivery|food|money|items?|"
    r"stuff|driver|bag|luggage)",
    r"lost\s+(?:my\s+|our\s+|the\s+)?"
    r"(?:luggage|baggage|bags?|suitcases?|package|parcel|order|delivery|data|files|photos|account)",
    r"(?:luggage|baggage|bags?|suitcases?)\s+(?:is\s+|are\s+|was\s+|were\s+|got\s+|"
    r"has\s+been\s+|have\s+been\s+)?(?:lost|missing)",
)

#: Service that does not answer: "still waiting", "been waiting", "no response", "on hold".
_WAITING_EN = (
    r"still\s+waiting",
    r"been\s+waiting",
    r"wait(?:ed|ing)\s+(?:for\s+)?(?:over\s+|more\s+than\s+|almost\s+|nearly\s+)?"
    r"(?:\d+|an?|one|two|three|four|five|several|many)\s*"
    r"(?:min\w*|hours?|hrs?|days?|weeks?|months?)",
    r"still\s+(?:no|not|nothing|ha(?:ve|s)n['’]?t|can['’]?t|cannot|won['’]?t|"
    r"do(?:es)?n['’]?t|"
    r"is(?:n['’]?t)?\s+(?:not|broken|down)|having|getting)",
    r"on\s+hold",
    r"no\s+(?:response|reply|replies|answer|help|updates?|resolution|follow[\s-]?up|call\s*back)",
    r"no(?:\s*one|body)\s+(?:has\s+|ever\s+|even\s+|will\s+|seems\s+to\s+)?"
    r"(?:respond|repl|answer|help|call|got\s+back|gets\s+back|get\s+back|cares?|pick|came|"
    r"show|knows)\w*",
    r"hung\s+up\s+on|hang\s+up\s+on",
    r"for\s+(?:the\s+)?(?:past|last)\s+(?:\d+|two|three|several|few)\s*"
    r"(?:min\w*|hours?|hrs?|days?|weeks?)",
    r"nothing\s+(?:since|yet|happened|changed|has\s+(?:happened|changed|been\s+"
    r"(?:done|updated|fixed|resolved|sorted)))",
    r"(?:they|you)\s+never\s+(?:do|did)",
    r"(?:once|yet)\s+again",
    r"(?:for|is|was|now)\s+the\s+(?:\d+(?:st|nd|rd|th)|second|third|fourth|fifth|umpteenth)"
    r"\s+time",
    r"(?:called|rang|phoned|emailed|e-mailed|messaged|contacted|chatted|tried|asked|reported|"
    r"complained|written|wrote|explained|reset|restarted|rebooted|dm['’]?e?d)\s+(?:\w+\s+){0,4}?"
    r"(?:\d+|two|three|four|five|six|several|multiple|many|countless|numerous)\s+times",
    r"(?:\d+|three|four|five|six|several|multiple|many|countless|numerous)\s+"
    r"(?:calls|phone\s+calls|emails|attempts|chats)",
)

#: Anger and judgement: "worst", "ridiculous", "unacceptable", "fed up", "useless".
_ANGER_EN = (
    r"thanks\s+for\s+nothing",
    r"worst",
    r"worse",
    r"never\s+(?:\w+\s+){0,4}?again",
    r"(?:terrible|horrible|awful|unacceptable|ridiculous|disgusting|rude(?:st|ly|ness)?|pathetic|"
    r"useless|"
    r"appall?ing|atrocious|abysmal|dreadful|horrendous|shocking|lousy|shambolic|shambles)",
    r"disappoint(?:ed|ing|ment)",
    r"complain(?:t|ts|ed|ing|s)?",
    r"fed\s+up",
    r"(?:sick|tired)\s+(?:and\s+tired\s+)?of",
    r"frustrat(?:ed|ing|ion)",
    r"annoy(?:ed|ing)",
    r"incompeten(?:t|ce)",
    r"disgrace(?:ful)?|shameful|ashamed",
    r"(?:a|what\s+a|such\s+a|absolute|complete|total)\s+joke",
    r"suck(?:s|ed)?",
    r"trash|rubbish|garbage|crap(?:py)?|shitty|bullshit|bs",
    r"nightmare",
    r"unprofessional|misleading|misled",
    r"outrage(?:d|ous)?|furious|livid|angry|pissed(?:\s+off)?|upset",
    r"(?:not|is\s*n['’]?t|was\s*n['’]?t|are\s*n['’]?t)\s+(?:very\s+|that\s+|so\s+)?"
    r"(?:happy|impressed|acceptable|good|great|fair|cool|ok(?:ay)?)",
    r"unhappy|unfair",
    r"poor\s+(?:\w+\s+)?(?:service|quality|support|experience|apology|network|app)",
    r"bad\s+(?:customer\s+)?(?:service|experience|support)",
    r"(?:really|so|very|pretty|extremely)\s+bad",
    r"(?:i['’]?m|so|really|very|am)\s+mad",
    r"lame|stupid|repulsive|embarrassing|dishonest\w*|dishonou?rable",
    r"not\s+a\s+good\s+(?:first\s+)?(?:impression|experience|look|service|sign)",
    r"waste\s+of\s+(?:time|money)",
    r"hate\s+(?:you|your|this|that|it|how|when|the\s+new)",
    r"lied|lie\s+(?:to|about)|liars?|lying|crooks|criminals|thieves|robbed|robbery",
    r"refus(?:e|es|ed|ing)|denied",
    r"stuck",
    r"what(?:['’]s|\s+is)\s+the\s+point",
    r"wtf|smh|ffs",
    r"#?epic\s*fail|#\w*(?:fail|sucks)",
    r"do\s+better|sort\s+(?:it|this)\s+out",
    r"[😡😠🤬😒🤦]",  # angry, unamused, face-palm
)

#: Travel failures (the original airline cues): "cancelled", "delayed", "stranded".
_TRAVEL_EN = (
    r"cancell?ed",
    r"cancell?ation",
    r"(?<!sorry\sfor\sthe\s)(?<!apologies\sfor\sthe\s)(?<!sorry\sabout\sthe\s)delay(?:ed|s)?",
    r"missed\s+(?:my\s+|our\s+|the\s+)?connection",
    r"stranded",
)

_SARCASM_EN = (
    r"(?:great|awesome|fantastic|perfect|wonderful|brilliant|nice|love it|thanks)\W{0,3}\s*"
    r"(?:yet\s+)?(?:another|one\s+more)\s+(?:\w+\s+){0,2}?"
    r"(?:delays?|cancell?ations?|hours?|queues?|waits?|excuses?|lost\s+bags?)"
)
_SARCASM_DE = (
    r"(?:toll|super|klasse|prima|danke|großartig)\W{0,3}\s*"
    r"(?:schon\s+wieder|mal\s+wieder|wieder\s+mal|wieder\s+einmal)(?:\s+\w+)?"
)

#: Something stopped doing its job: "funktioniert nicht", "geht nicht", "kaputt", "Störung".
_FAILURE_DE = (
    r"(?:funktioniert|funktionieren|funktionierte|klappt|klappen|klappte|läuft|laufen|lädt|"
    r"laden|startet|reagiert|öffnet|lässt\s+sich)\s+(?:\w+\s+){0,3}?(?:nicht|nie|kaum)"
    r"(?:\s+mehr)?(?!\s+(?:so\s+)?schlecht)",
    # not "es geht nicht um ...", "mir geht es nicht gut"
    r"(?:geht|gehen|ging)\s+(?:\w+\s+){0,3}?nicht(?:\s+mehr)?"
    r"(?!\s+(?:um|darum|anders|gut|besser|so\s+gut|schlecht|so\s+schlecht)(?!\w))",
    r"(?:nicht|nie)\s+(?:mehr\s+)?(?:erreichbar|verfügbar|funktionsfähig)",
    r"(?:kann|können|konnte|konnten)\s+(?:\w+\s+){0,4}?nicht\s+(?:mehr\s+)?"
    r"(?:anmelden|einloggen|zugreifen|bezahlen|zahlen|bestellen|telefonieren|surfen|öffnen|"
    r"nutzen|verbinden|streamen|abspielen|herunterladen|installieren|erreichen|buchen|kündigen)",
    r"kaputt\w*",
    r"defekt\w*",
    r"(?:\w*störung\w*|gestört)(?!\s+(?:ist\s+)?(?:beendet|behoben|aufgehoben))",
    r"\w*ausfall\w*",
    r"ausgefallen",
    r"fällt\s+aus",
    r"fehler(?:meldung\w*|code\w*|n)?",  # not "fehlerfrei"
    r"abgestürzt|absturz\w*|abstürz\w*|stürzt\s+(?:\w+\s+){0,3}?ab",
    r"hängt\s+sich\s+(?:\w+\s+){0,2}?auf|aufgehängt",
    r"kein(?:e|en)?\s+(?:netz|empfang|internet|verbindung|signal|wlan|strom|dsl|lte|telefon|"
    r"fernsehen|zugang)\w*",
    r"probleme?\s+(?:mit|bei|beim|seit)",
    r"(?:gleiche|selbe|gleichen|selben|großes?|riesiges?|ständige|ständig)\s+probleme?",
)

#: Money taken wrongly: "doppelt abgebucht", "zu viel berechnet", "Erstattung", "Abzocke".
_BILLING_DE = (
    r"doppelt\s+(?:\w+\s+)?(?:abgebucht|berechnet|belastet|bezahlt|abgerechnet|kassiert|"
    r"eingezogen)",
    r"zu\s+viel\s+(?:\w+\s+)?(?:abgebucht|berechnet|bezahlt|kassiert|eingezogen)",
    r"falsch\w*\s+(?:abgebucht|berechnet|abgerechnet|rechnung|abrechnung|betrag)",
    r"(?:rück)?erstatt\w*",
    r"geld\s+zurück",
    r"abzocke\w*|abgezockt|abzocker\w*",
    r"betrüger\w*|betrogen",  # not "betrug", also the past of "betragen"
)

#: Orders that went wrong: "nie angekommen", "falscher Artikel", "fehlt", "immer noch nicht".
_DELIVERY_DE = (
    r"(?:nie|niemals|nicht|noch\s+nicht|immer\s+noch\s+nicht|noch\s+immer\s+nicht|"
    r"bis\s+heute\s+nicht)\s+(?:\w+\s+){0,2}?(?:angekommen|geliefert|erhalten|zugestellt|"
    r"bekommen|eingetroffen|gekommen|zurückgerufen|beantwortet|überwiesen|gutgeschrieben)",
    r"immer\s+noch\s+(?:nicht|kein\w*)|noch\s+immer\s+(?:nicht|kein\w*)",
    r"falsch\w*\s+(?:artikel|bestellung|lieferung|produkt|ware|größe|paket|essen|adresse|teil)",
    r"(?:es|da|leider|noch|immer)\s+fehl(?:t|en)",
    r"fehl(?:t|en)\s+(?:\w+\s+){0,2}?(?:artikel|teile?|produkte?|pakete?|ware|sachen|\d+)",
    r"(?:kommt|kam|kommen|kamen|ist|war|sind|waren|wieder|immer|viel|minuten|stunden|tage)"
    r"\s+zu\s+spät",
    r"(?:koffer|gepäck)\w*\s+(?:\w+\s+){0,5}?(?:verloren|verschwunden|weg)",
    r"verloren\w*\s+(?:koffer|gepäck|paket|sendung|bestellung)\w*",
    r"(?:paket|sendung|bestellung|lieferung)\w*\s+(?:\w+\s+){0,3}?(?:verloren|verschwunden|"
    r"beschädigt|kaputt)",
)

#: Service that does not answer: "seit Tagen", "warte immer noch", "keine Antwort".
_WAITING_DE = (
    r"seit\s+(?:über\s+|mehr\s+als\s+)?"
    r"(?:(?:\d+|einer|einem|zwei|drei|vier|fünf|sechs|mehreren|einigen|vielen)\s+)?"
    r"(?:tagen|wochen?|monat(?:en)?)|seit\s+(?:(?:\d+|zwei|drei|vier|mehreren|vielen)\s+)?stunden",
    r"(?:warte|warten|wartet|gewartet)\s+(?:\w+\s+){0,2}?(?:seit|immer\s+noch|noch\s+immer|"
    r"schon|ewig|stundenlang|tagelang|wochenlang)",
    r"warteschleife\w*",
    r"keine\s+(?:antwort|rückmeldung|reaktion|hilfe|lösung|rückruf|info|infos|information\w*)",
    r"niemand\s+(?:\w+\s+)?(?:meldet|antwortet|hilft|ruft|kümmert|reagiert|erreichbar)",
    r"zum\s+(?:\d+\.|zweiten|dritten|vierten|fünften|x-ten|wiederholten)\s+mal",
    r"dauert\s+(?:\w+\s+)?(?:ewig|ewigkeiten|eine\s+ewigkeit)",
)

#: Anger and judgement: "Frechheit", "unverschämt", "nie wieder", "Zumutung", "lächerlich".
_ANGER_DE = (
    r"frechheit",
    r"unverschämt\w*",
    r"schon\s+wieder",
    r"nie\s+wieder",
    r"katastroph\w*",
    r"enttäusch\w*",
    r"beschwerde\w*|beschwer(?:e|en|t)",
    r"reklamation\w*|reklamier\w*",
    r"zumutung\w*|unzumutbar\w*",
    r"skandal\w*|sauerei",
    r"(?:ein|so\s+ein|echt\s+ein|schlechter)\s+witz",
    r"lächerlich\w*",
    r"inakzeptabel\w*|nicht\s+akzeptabel",
    r"ärgerlich\w*|verärgert|ärgert",
    r"nervt|nervig\w*|genervt",
    r"(?:schlechteste|schlimmste|mieseste)\w*",
    r"miserabel\w*|unterirdisch\w*|grottig\w*|grottenschlecht\w*",
    r"mies(?:e[nrms]?)?",
    r"unfähig\w*",
    r"sauer|stinksauer|wütend",
    r"schlecht\w*\s+(?:service|kundenservice|kundendienst|support|netz|empfang|erreichbar\w*|"
    r"qualität|erfahrung|beratung)",
    r"(?:mir|jetzt)\s+reicht['’]?s|reicht\s+(?:mir\s+)?(?:jetzt|langsam)",
)

#: Travel failures (the original airline cues): "verspätet", "gestrichen", "annulliert".
_TRAVEL_DE = (
    r"verspät\w*",
    r"flugausfall\w*",
    r"gestrichen",
    r"annulliert",
    r"storniert",
)

#: Cue fragments per language and intent (questions also use :data:`OPENINGS` and ``?``).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "complaint": (
            _SARCASM_EN,
            *_TRAVEL_EN,
            *_WAITING_EN,
            *_DELIVERY_EN,
            *_BILLING_EN,
            *_OUTAGE_EN,
            *_FAILURE_EN,
            *_ANGER_EN,
        ),
        "lead": (
            r"looking\s+for\s+(?:a\s+|an\s+|cheap\s+)?(?:flights?|tickets?|fares?|deals?|offers?)",
            r"group\s+(?:fares?|bookings?|rates?|travel|tickets?)",
            r"price\s+(?:for|of)",
            r"quote\s+for",
            r"(?:want|wanna|would\s+like|'d\s+like|planning|plan)\s+to\s+(?:book|buy)",
            r"(?:interested\s+in|thinking\s+of)\s+(?:booking|buying|flying)",
            r"corporate\s+(?:accounts?|rates?|travel)",
        ),
        "praise": (
            r"thank\s+you",
            r"thanks",
            r"great\s+(?:service|job|flight|crew|staff|experience|support)",
            r"lov(?:e|ed|ing)",
            r"(?:amazing|awesome|excellent|fantastic|brilliant|wonderful)",
            r"well\s+done",
            r"kudos",
            r"appreciate[ds]?",
        ),
    },
    "de": {
        "complaint": (
            _SARCASM_DE,
            *_TRAVEL_DE,
            *_WAITING_DE,
            *_DELIVERY_DE,
            *_BILLING_DE,
            *_FAILURE_DE,
            *_ANGER_DE,
        ),
        "lead": (
            r"angebot\w*",
            r"buchen",
            r"preise?\s+für",
            r"kosten\s+für",
            r"gruppenreise\w*",
            r"gruppentarif\w*",
            r"suche\s+(?:einen\s+|ein\s+|eine\s+)?(?:flug|flüge|angebot|ticket)\w*",
        ),
        "praise": (
            r"(?:vielen\s+)?dank(?:e|eschön)?",
            r"super",
            r"toll\w*",
            r"klasse",
            r"prima",
            r"spitze",
            r"großartig\w*",
            r"hervorragend\w*",
            r"top\s+service",
        ),
    },
}

#: Interrogative openings, matched at the start of the text or of a sentence (after any
#: leading @handles): "how do I ...", "wie kann ich ...". German needs the anchor: "gibt es"
#: starts questions but also follows adverbs in statements ("Heute gibt es ...").
OPENINGS: dict[str, tuple[str, ...]] = {
    "en": (
        r"how\s+(?:do|can|could|should)\s+i",
        r"how\s+(?:long|much|many)",
        r"(?:can|could|may)\s+i",
        r"(?:can|could|will|do|does|did)\s+(?:you|anyone|someone)",
        r"(?:is|are)\s+there",
        r"is\s+it\s+possible",
        r"(?:what|when|where|which|who|why)\s+(?:is|are|do|does|did|can|should|will|time)",
        r"any\s+(?:idea|way)",
        r"anyone\s+know",
    ),
    "de": (
        r"wie\s+(?:kann|könnte|soll|muss)\s+ich",
        r"wie\s+(?:lange|viel|viele)",
        r"(?:darf|kann|könnte|muss|soll)\s+ich",
        r"gibt\s+es",
        r"(?:habt|könnt|seid|wisst)\s+ihr",
        r"(?:haben|können|sind)\s+sie",
        r"ist\s+es\s+möglich",
        r"(?:wann|wo|warum|wieso|weshalb|welche[rsmn]?)(?=\s+\w)",
        r"was\s+(?:kostet|kann|muss|soll\s+ich|passiert)",
        r"weiß\s+jemand",
    ),
}

# "?" ends a question unless it starts a URL query ("...?id=1"). The full-width "？" (Chinese,
# Japanese) and the Arabic "؟" always do: they are what makes questions in languages without cues
# questions too.
_QUESTION_MARK = r"(\?)(?!\w)|([？؟])"
# Start of text or sentence, then any @handles / #tags, then the opening.
_OPENING_ANCHOR = r"(?:^|(?<=[.!?:;\n]))\s*(?:[@#]\w+[\s,:]*)*"
def _words(fragments: Iterable[str]) -> str:
    """One capturing group over the fragments, each a whole word or phrase."""
    return r"(?<!\w)(" + "|".join(f"(?:{f})" for f in fragments) + r")(?!\w)"


def cue_patterns(intent: str, langs: Iterable[str]) -> re.Pattern[str]:
    """The compiled cue regex of an intent for one or more languages.

    Every capturing group holds cue text; the first group that matched is the cue.

    Args:
        intent: One of :data:`PRECEDENCE`.
        langs: Language codes with cues (``en``, ``de``); several give their union.

    Returns:
        A case-insensitive compiled pattern.

    Examples:
        >>> cue_patterns("complaint", ["de"]).search("Flug verspaetet!").group(0)
        'verspaetet'
    """
    langs = list(langs)
    fragments = [
        umlaut_aware(f) if lang == "de" else f
        for lang in langs
        for f in CUES[lang].get(intent, ())
    ]
    parts = [_words(fragments)] if fragments else []
    if intent == "question":
        openings = [
            umlaut_aware(f) if lang == "de" else f for lang in langs for f in OPENINGS[lang]
        ]
        parts = [_QUESTION_MARK, _OPENING_ANCHOR + _words(openings)]
    return re.compile("|".join(parts), re.IGNORECASE | re.MULTILINE)


_PATTERNS: dict[tuple[str, str], re.Pattern[str]] = {
    (intent, group): cue_patterns(intent, ("en", "de") if group == "any" else (group,))
    for intent in PRECEDENCE
    for group in ("en", "de", "any")
}


def _first_cue(text: pd.Series, pattern: re.Pattern[str]) -> pd.Series:
    """The leftmost cue of ``pattern`` in each text (NA where none), vectorised.

    The exact Python pattern only runs on the texts RE2 finds a possible match in
    (:func:`~socialcrm_utils.nlp.prefilter.candidates`); the result is the same as scanning
    every text, several times faster.
    """
    cue = pd.Series(pd.NA, index=text.index, dtype="string")
    maybe = text[candidates(text, pattern)]
    if maybe.empty:
        return cue
    groups = maybe.str.extract(pattern, expand=True)
    found = groups.iloc[:, 0]
    for column in groups.columns[1:]:  # a few groups, never rows
        found = found.fillna(groups[column])
    cue[found.index] = found.astype("string")
    return cue


def classify_intent(texts: pd.Series, langs: pd.Series) -> pd.DataFrame:
    """Classify each text as complaint, question, lead, praise or other, with the cue.

    Rules, first match wins (**complaint > question > lead > praise > other**):

    - complaint: a cue of a failure or of anger (not working, keeps crashing, can't log in,
      no signal, outage, charged twice, refund, wrong order, never arrived, still haven't
      received, been waiting, on hold, worst, ridiculous, fed up, cancelled, delayed, sarcasm
      such as "great, another delay"; funktioniert nicht, geht nicht, kaputt, Störung,
      doppelt abgebucht, Erstattung, nie angekommen, immer noch nicht, seit Tagen, keine
      Antwort, Frechheit, unverschämt, nie wieder, verspätet ...), also in a question;
    - question: ``?`` or an interrogative opening ("how do I", "can I", "wie kann ich",
      "darf ich", "gibt es" ...);
    - lead: purchase intent ("looking for a flight", "group fare", "price for",
      "want to book"; "Angebot", "buchen", "Preis für", "Gruppenreise");
    - praise: "thank you", "great service", "love"; "danke", "super", "toll", "klasse";
    - other: none of these.

    English texts use English cues, German texts German cues; texts whose language is NA or
    another language use the union of both, so in a language without cues a question is
    found by its question mark (``?``, the full-width ``？``, the Arabic ``؟``) and nothing else
    is told apart reliably (see ``docs/languages.md``). Each intent's regex runs once over
    the column (``Series.str.extract``) on the texts no stronger intent has claimed; there is
    no Python loop over rows.

    Args:
        texts: Mention texts (NA gives ``other``).
        langs: Language codes on the same index as ``texts``.

    Returns:
        A frame on ``texts``' index with ``intent`` (one of
        :data:`~socialcrm_utils.schema.INTENTS`) and ``intent_cue`` (the matched cue,
        lower-cased, e.g. ``"cancelled"`` or ``"?"``; NA for ``other``).

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index.

    Examples:
        >>> texts = pd.Series(["Why was my flight cancelled?", "Gibt es WLAN an Bord",
        ...                    "Danke, super Service", "ok", "荷物はどこですか？"])
        >>> classify_intent(texts, pd.Series(["en", "de", "de", "en", "ja"]))
              intent intent_cue
        0  complaint  cancelled
        1   question    gibt es
        2     praise      danke
        3      other       <NA>
        4   question          ？
    """
    if not texts.index.equals(langs.index):
        raise ValueError("texts and langs must share the same index")
    text = texts.astype("string[python]").reset_index(drop=True)  # Python regex semantics
    lang = normalize_lang(langs).reset_index(drop=True)
    group = pd.Series(np.where(lang.isin(["en", "de"]).fillna(False), lang, "any"))
    intent = pd.Series("other", index=text.index, dtype="string")
    cue = pd.Series(pd.NA, index=text.index, dtype="string")
    open_rows = pd.Series((text.str.strip().str.len().fillna(0) > 0).to_numpy(bool))
    for name in PRECEDENCE:
        for code in ("en", "de", "any"):
            rows = open_rows & (group == code)
            if not rows.any():
                continue
            found = _first_cue(text[rows], _PATTERNS[(name, code)]).dropna()
            intent[found.index] = name
            cue[found.index] = found.str.lower()
            open_rows[found.index] = False
    logger.debug("intents: %s", intent.value_counts().to_dict())
    out = pd.DataFrame({"intent": intent, "intent_cue": cue})
    out.index = texts.index
    return out
