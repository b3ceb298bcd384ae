"""Explainable, rule-based, multi-label intent of mentions in English and German.

Every mention gets four flags, ``is_complaint``, ``is_question``, ``is_praise`` and ``is_lead``
(any combination may hold: "why does the update keep failing?" is a complaint and a question),
a primary ``intent`` of :data:`~socialcrm_utils.schema.INTENTS` for routing and SLA policies,
and the cue that decided it, so an analyst can see *why* ("keeps failing", "?", "gibt es") and
fix a rule instead of retraining a model. Cues are short regular expressions per language and
intent (:data:`CUES`), matched case-insensitively on word boundaries; German cues are
umlaut-aware, so ``verspätet`` also matches ``verspaetet`` and ``Straße`` matches ``Strasse``.

A **complaint** is a statement of a breach of expectations (Preotiuc-Pietro, Gaman & Aletras,
2019, "Automatically Identifying Complaints in Social Media", ACL): something failed, is
missing or broken, took too long, cost too much, or made the customer angry; also when it is
asked ("why does the update keep failing?"), asked angrily or rhetorically ("any news on my
refund???", "still not fixed?!"), or chased ("following up on my email from Monday"). See
``docs/intent.md``. Complaint cues come in industry-neutral families (products, software,
telecom, retail, food, finance, travel, hotels, public services): failure, outage, billing,
delivery, missing or broken, waiting and chasing, problem questions, anger, travel. No cue
names a brand or one industry's jargon: that lives in optional domain packs
(:mod:`~socialcrm_utils.nlp.packs`, ``listening.domain_packs``).

Primary intent, first flag that holds: **complaint > lead > question > praise > other**. A
complaint must get the complaint's response-time policy even when it is asked as a question or
ends in thanks; a purchase question ("What is the price for 10 seats?") goes to sales, not to
the service queue; a question must be answered, praise need not. Thanks inside a complaint
are courtesy or sarcasm, not praise (``is_praise`` stays False unless a praise cue other than
thanks is present: "love the app but it keeps crashing" is both).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from itertools import compress

import numpy as np
import pandas as pd

from .casefree import case_sensitive_twin, fold_safe
from .german import umlaut_aware
from .packs import check_packs, pack_cues
from .prefilter import candidates_each
from .sentiment import normalize_lang

__all__ = [
    "CUES",
    "COURTESY",
    "FLAG_COLUMNS",
    "OPENINGS",
    "PRECEDENCE",
    "classify_intent",
    "cue_patterns",
]

logger = logging.getLogger(__name__)

#: Intents in the order they win as the primary ``intent``; a text with no flag is ``other``.
PRECEDENCE: tuple[str, ...] = ("complaint", "lead", "question", "praise")
#: The flag columns of :func:`classify_intent`, one per intent of :data:`PRECEDENCE`.
FLAG_COLUMNS: tuple[str, ...] = ("is_complaint", "is_question", "is_praise", "is_lead")
#: Praise cues that are courtesy: inside a complaint they do not make it praise.
COURTESY = r"(?:thank|thanks|thank\s+you|thx|ty|appreciate[ds]?|(?:vielen\s+)?dank(?:e|eschön)?)"

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
_CANT_EN = r"(?:can['’]?t|cannot|can\s+not|couldn['’]?t|could\s+not|unable\s+to|not\s+able\s+to)"

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
    r"(?<!if\s)(?<!if\si\s)(?<!if\syou\s)(?<!if\swe\s)"
    + _NEG_AUX_EN
    + r"\s+(?:yet\s+|even\s+|actually\s+|been\s+)?"
    r"(?:arriv(?:e|ed|ing)|deliver(?:ed|ing)?|rec(?:ei|ie)v(?:e|ed|ing)|show(?:ed|n)?\s+up|"
    r"turn(?:ed)?\s+up|c[ao]me|got\s+(?:it|my|the|any)|refunded|credited|"
    r"heard?\s+back|got\s+back|call(?:ed)?\s+back|fixed|resolved|sorted)",
    r"yet\s+to\s+(?:receive|arrive|hear|get|be)",
    r"missing\s+(?:items?|orders?|packages?|parcels?|parts?|pieces?)",
    r"(?:items?|orders?|packages?|parcels?|deliver(?:y|ies)|food)\s+"
    r"(?:(?:is|are|was|were|still|has\s+been|have\s+been|arrived|came)\s+)?"
    r"(?:missing|lost|damaged|stolen|late|cold)",
    r"(?:days?|weeks?|hours?|hrs|mins|minutes|always|so\s+often|running|arrived|is|was)\s+late",
    r"(?:is|was|are|were|it['’]s|arrived|came)\s+(?:stone\s+|ice\s+)?cold",
    r"soggy|stale|mou?ldy?|undercooked",
    r"where(?:['’]s|\s+is)\s+my\s+(?:order|package|parcel|refund|delivery|food|money|items?|"
    r"stuff|driver)",
    r"lost\s+(?:my\s+|our\s+|the\s+)?"
    r"(?:package|parcel|order|delivery|data|files|photos|account|money|card|booking)",
    r"(?:you|they|u)\s+(?:guys\s+)?lost\s+(?:my|our)",
)

#: Service that does not answer: "still waiting", "been waiting", "no response", "on hold".
_WAITING_EN = (
    r"still\s+waiting",
    r"been\s+waiting",
    r"wait(?:ed|ing)\s+(?:for\s+)?(?:over\s+|more\s+than\s+|almost\s+|nearly\s+)?"
    r"(?:\d+|an?|one|two|three|four|five|several|many)\s*"
    r"(?:min\w*|hours?|hrs?|days?|weeks?|months?)",
    r"still\s+(?:no|not|nothing|ha(?:ve|s)n['’]?t|can['’]?t|cannot|won['’]?t|sit(?:ting)?|"
    r"stuck|here|on\s+hold|"
    r"do(?:es)?n['’]?t|"
    r"is(?:n['’]?t)?\s+(?:not|broken|down)|having|getting)",
    r"on\s+hold",
    r"no\s+(?:response|reply|replies|answer|help|updates?|resolution|follow[\s-]?up|call\s*back)",
    r"no(?:\s*one|body)\s+(?:has\s+|ever\s+|even\s+|will\s+|seems\s+to\s+)?"
    r"(?:respond|repl|answer|help|call|got\s+back|gets\s+back|get\s+back|cares?|pick|came|"
    r"show|knows)\w*",
    r"hung\s+up\s+on|hang\s+up\s+on",
    r"(?:trying|tried)\s+(?:\w+\s+){0,2}?(?:to\s+)?(?:get\s+through|reach|get\s+(?:a\s+)?hold|"
    r"contact|call|talk\s+to|speak\s+to)",
    r"(?:\d+|two|three|an?)[\s-]*(?:hours?|hrs?|minutes?|mins?|days?)[\s-]+(?:wait|hold|"
    r"queue|delay)",
    r"(?:took|takes|taking|take)\s+(?:over\s+|more\s+than\s+|almost\s+|nearly\s+|so\s+|that\s+"
    r"|this\s+)?(?:long|forever|ages|(?:\d+|two|three|four|five|an?)\s*(?:hours?|hrs?|days?|"
    r"weeks?|months?))",
    r"disconnect\w*",
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
    r"useless|horrific|unbelievable|inexcusable|negligen(?:t|ce)|stressful|aggravat(?:ing|ion)|"
    r"unhelpful|clueless|"
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
    r"(?:not|is\s*n['’]?t|was\s*n['’]?t|are\s*n['’]?t)\s+(?:very\s+|that\s+|so\s+|a\s+|"
    r"particularly\s+|too\s+|at\s+all\s+)?"
    r"(?:happy|impressed|acceptable|good|great|fair|cool|ok(?:ay)?|helpful|pleased|satisfied)",
    r"(?:don['’]?t|didn['’]?t|doesn['’]?t|do\s+not|does\s+not|did\s+not)\s+(?:even\s+|seem\s+"
    r"to\s+)?care",
    r"nothing\s+(?:we|they|you|i|anyone)\s+can\s+do",
    r"enough\s+is\s+enough|last\s+straw",
    r"f+u+c+k\w*|damn(?:ed|it)?|sh[i1]t",
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
    r"#?epic\s*fail",
    r"do\s+better|sort\s+(?:it|this)\s+out",
    r"[😡😠🤬😒🤦😤👎😞😩😫]",  # angry, unamused, face-palm, thumbs down, weary
)

#: Complaint hashtags ("#fail", "#worstserviceever", "#neveragain"): matched inside a tag.
_TAGS = (
    r"#\w*(?:fail|sucks|worst|neveragain|disappoint|unacceptable|ripoff|badservice|"
    r"notcool|notimpressed|nothappy|frustrat|annoyed|angry|furious|shame|fml|ugh)\w*",
)

#: Things that did not happen when promised, in any industry (orders, appointments,
#: subscriptions, trips): "cancelled", "delayed", "stranded".
_TRAVEL_EN = (
    r"cancell?ed",
    r"cancell?ation",
    r"(?<!sorry\sfor\sthe\s)(?<!apologies\sfor\sthe\s)(?<!sorry\sabout\sthe\s)delay(?:ed|s)?",
    r"stranded",
)

#: Something missing or broken, reported as a fact: "the app just shows a white screen",
#: "half my order was missing", "arrived cracked", "card declined".
_BROKEN_EN = (
    r"(?:is|are|was|were|went|been|go(?:es)?|still)\s+missing",
    r"missing\s+from",
    r"half\s+(?:of\s+)?(?:my|the|our)\s+(?:order|items?|food|package|parcel|delivery|stuff|"
    r"money|data)",
    r"(?:white|blank|black|grey|gray|empty|frozen)\s+(?:screen|page|display)",
    r"(?:screen|display|page|app|site|website)\s+(?:\w+\s+){0,3}?(?:goes|went|stays?|turns?|"
    r"is|was)\s+(?:white|blank|black|grey|gray|dark|frozen)",
    r"(?:just|only)\s+(?:shows?|showing|displays?|gives?\s+me|loads?|says)\s+(?:a\s+|an\s+)?"
    r"(?:white|blank|black|error|nothing|spinning|loading|the\s+same|an\s+error)",
    r"nothing\s+(?:happens|loads|works|shows\s+up)",
    r"(?:arrived|came|delivered|showed\s+up|turned\s+up)\s+(?:\w+\s+)?(?:broken|damaged|cracked|"
    r"smashed|open(?:ed)?|empty|torn|crushed|dented|leaking|spoil(?:ed|t)|wet|incomplete|"
    r"melted|squashed|expired)",
    r"cracked|shattered|smashed|dented|leak(?:s|ing|ed|y)",
    r"(?:forgot|forgotten|left\s+out)\s+(?:my|the|our|to|half|about)",
    r"(?:was|were)\s*n['’]?t\s+(?:in|included|there|packed)|(?:was|were)\s+not\s+"
    r"(?:in|included|there|packed)",
    r"(?:card|account|payment|transfer|transaction|order)\s+(?:\w+\s+){0,2}?"
    r"(?:declined|rejected|blocked|suspended|frozen|bounced|closed\s+without)",
    r"(?:declined|rejected|blocked|suspended|froze|closed)\s+my\s+(?:card|account|payment|order)",
    r"out\s+of\s+order",
    r"(?:unusable|unplayable|unreadable|inaccessible|inedible|undrinkable)",
    r"(?:no|without)\s+(?:hot\s+water|heating|power|electricity|water)",
    r"(?:was|were|is|are|room|food|place|bathroom|toilet|table|floor)\s+"
    r"(?:(?!not\s|never\s)\w+\s+){0,2}?(?:dirty|filthy|noisy|smelly|smelled|stank|stinks|"
    r"unclean|moldy|mouldy|stained|expired|raw|burnt|tasteless|bland|overpriced|tiny|"
    r"uncomfortable|freezing|unfriendly|unhelpful|rude)",
)

#: The problem asked or chased: "why does it keep failing?", "why can't I ...", "when will it
#: be fixed?", "any news on my refund", "following up on my email", "hello??", "anyone there?".
_ASKED_EN = (
    r"why\s+(?:(?:is|are|was|were|do|does|did|has|have|would|could)n['’]?t|can['’]?t|cannot|"
    r"won['’]?t)",
    r"why\s+(?:(?:is|are|was|were|do|does|did|has|have|would|can|will|could)\s+)?"
    r"(?:\w+\s+){0,5}?(?:still|always|never|again|constantly|keeps?|so\s+(?:slow|long|hard|"
    r"difficult|expensive|bad|late|rude|complicated|confusing)|not|no)",
    r"why\s+(?:on\s+earth|the\s+hell|tf|oh\s+why)",
    r"why\s+(?:do|did|should|must)\s+(?:i|we)\s+(?:\w+\s+)?have\s+to",
    r"(?:when|how\s+long)\s+(?:\w+\s+){0,5}?(?:be\s+|get\s+|gets?\s+)?(?:fixed|resolved|sorted|"
    r"restored|repaired|refunded|back\s+(?:up|online|on)|working\s+again)",
    r"how\s+(?:much|many\s+more)\s+(?:longer|times|days|hours|weeks)",
    r"how\s+long\s+(?:do|must|should|will|am|are)\s+(?:i|we)\s+(?:have\s+to\s+)?"
    r"(?:wait|keep|be\s+waiting)",
    r"how\s+(?:hard|difficult)\s+(?:is\s+it|can\s+it\s+be)",
    r"how\s+(?:is|was)\s+(?:this|that|it)\s+(?:ok(?:ay)?|acceptable|fair|possible|legal|"
    r"allowed)",
    r"(?:is|are)\s+you\s+(?:kidding|serious|joking)|seriously\s*\?",
    r"any\s+(?:news|updates?|word|progress|info(?:rmation)?|response|reply|answer|eta)\s+"
    r"(?:on|about|regarding|re|for|with|yet)",
    r"(?:still\s+)?no\s+news",
    r"follow(?:ing)?[\s-]*up\s+(?:on|again|with|regarding|about)",
    r"(?:as\s+per|re:?|regarding|about)\s+my\s+(?:previous|last|earlier|original)\s+"
    r"(?:message|tweet|email|e-mail|dm|post|request|complaint|ticket)",
    r"(?:sent|messaged|emailed|e-mailed|dm['’]?e?d|wrote|asked|contacted|reported|called|"
    r"submitted|opened|raised)\s+(?:\w+\s+){0,5}?(?:\d+|two|three|four|five|several|a\s+few|few|"
    r"a\s+couple(?:\s+of)?)\s+(?:days?|weeks?|hours?|months?)\s+ago",
    r"(?:asking|writing|messaging|trying|emailing|calling)\s+(?:you\s+)?(?:again|once\s+more)",
    r"(?:awaiting|waiting\s+(?:on|for))\s+(?:a\s+|your\s+|any\s+|an\s+)?(?:reply|response|"
    r"answer|call\s*back|update|refund|resolution|fix)",
    r"ignor(?:e|es|ed|ing)\s+(?:me|us|my|our)|left\s+on\s+read",
    r"hello+\s*\?+|hel+o+\s*!+\?|(?:any(?:one|body)|some(?:one|body))\s+(?:there|home|"
    r"listening|reading|out\s+there|working)\s*\?",
)

#: Angry or rhetorical question marks: "???", "?!", "!?" (no word boundaries needed).
_MARKS = (r"\?\s*\?|\?\s*!|!\s*\?",)

_SARCASM_EN = (
    r"(?:great|awesome|fantastic|perfect|wonderful|brilliant|nice|love it|thanks)\W{0,3}\s*"
    r"(?:yet\s+)?(?:another|one\s+more)\s+(?:\w+\s+){0,2}?"
    r"(?:delays?|cancell?ations?|hours?|queues?|waits?|excuses?|outages?|errors?|bugs?)"
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
    r"verloren\w*\s+(?:paket|sendung|bestellung)\w*",
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

#: Things that did not happen when promised: "verspätet", "gestrichen", "annulliert".
_TRAVEL_DE = (r"verspät\w*", r"gestrichen", r"annulliert", r"storniert")

#: Something missing or broken: "weißer Bildschirm", "die Hälfte fehlte", "kam kaputt an".
_BROKEN_DE = (
    r"fehlte|fehlten|fehlen\s+(?:noch\s+)?(?:immer|schon|wieder)",
    r"(?:nur|fast|knapp)\s+(?:die\s+)?hälfte|unvollständig\w*",
    r"(?:weiß|weiss|schwarz|leer|grau)\w*\s+(?:bildschirm|seite|display|anzeige)",
    r"(?:bildschirm|display|seite|app)\s+(?:\w+\s+){0,3}?(?:bleibt|ist|wird|war)\s+"
    r"(?:weiß|weiss|schwarz|leer|grau|dunkel|eingefroren)",
    r"(?:zeigt|lädt|kommt)\s+(?:\w+\s+){0,2}?nur\s+(?:noch\s+)?(?:eine?\s+)?(?:fehler\w*|"
    r"weiß\w*|schwarz\w*|leer\w*|nichts|ladekreis\w*)",
    r"(?:nichts|nix)\s+passiert|passiert\s+(?:einfach\s+|gar\s+|rein\s+gar\s+)?(?:nichts|nix)|"
    r"tut\s+sich\s+(?:einfach\s+|gar\s+)?nichts",
    r"(?:beschädigt|kaputt|zerbrochen|zerkratzt|leer|nass|geöffnet|unvollständig|verschimmelt|"
    r"abgelaufen)\w*\s+(?:an)?gekommen|kam\s+(?:\w+\s+){0,2}?(?:beschädigt|kaputt|zerbrochen|"
    r"leer|nass|offen|unvollständig)",
    r"zerbrochen|zerkratzt|gerissen|undicht|verbeult|verschimmelt|schimmel\w*",
    r"(?:habt|hat|haben|wurde|wurden|ist|sind)\s+(?:\w+\s+){0,3}?vergessen(?:\s+worden)?",
    r"(?:habt|hat|haben|wurde|wurden|ist|sind)\s+(?:\w+\s+){0,4}?(?:verloren|verschwunden)"
    r"(?:\s+gegangen)?",
    r"(?:konto|karte|kreditkarte|zahlung|account|zugang|überweisung|bestellung)\w*\s+"
    r"(?:\w+\s+){0,3}?(?:gesperrt|abgelehnt|blockiert|eingefroren)",
    r"außer\s+betrieb",
    r"(?:kein|keine|ohne)\s+(?:warm\w*\s+)?(?:wasser|heizung|strom|licht)",
    r"(?:war|waren|ist|sind|zimmer|essen|bad|toilette|personal)\s+"
    r"(?:(?!nicht\s|nie\s|kein)\w+\s+){0,2}?(?:schmutzig\w*|dreckig\w*|verdreckt\w*|laut|"
    r"unfreundlich\w*|kalt|eklig\w*|ungenießbar\w*|abgelaufen|überteuert\w*|winzig\w*|"
    r"unbequem\w*|verschimmelt\w*|abgenutzt\w*|muffig\w*|stickig\w*|überfüllt\w*|"
    r"unhöflich\w*|ranzig\w*|versalzen|angebrannt|roh)",
)

#: The problem asked or chased: "warum geht das schon wieder nicht?", "wann wird das endlich
#: behoben?", "gibt es Neuigkeiten zu meiner Reklamation", "Hallo???", "liest hier jemand mit?".
_ASKED_DE = (
    r"(?:warum|wieso|weshalb)\s+(?:\w+\s+){0,5}?(?:nicht|kein\w*|nie|immer\s+noch|noch\s+immer|"
    r"schon\s+wieder|ständig|dauernd|immer\s+wieder|so\s+(?:lange|langsam|teuer))",
    r"(?:warum|wieso|weshalb)\s+(?:muss|müssen|soll|sollen)\s+(?:ich|wir|man)",
    r"wann\s+(?:\w+\s+){0,5}?endlich",
    r"wann\s+(?:\w+\s+){0,5}?(?:behoben|repariert|gelöst|erledigt|erstattet|"
    r"wieder\s+(?:funktioniert|erreichbar|online|verfügbar|da))",
    r"wie\s+lange\s+(?:\w+\s+){0,3}?(?:noch|soll|muss|müssen|dauert\s+(?:das|es)\s+(?:denn\s+)?"
    r"noch)",
    r"(?:gibt\s+es\s+)?(?:schon\s+)?(?:neuigkeiten|was\s+neues|ein\s+update|eine\s+antwort)\s+"
    r"(?:zu|bei|wegen|bzgl\.?|bezüglich|zur|zum)",
    r"nachfrage\w*|nachhak\w*|frage\s+(?:\w+\s+)?(?:noch\s*mal|nochmal|erneut)|erneut\s+"
    r"(?:nachfragen|schreiben|melden|anfragen)",
    r"(?:habe|hatte|haben|hatten)\s+(?:\w+\s+){0,4}?vor\s+(?:\d+|zwei|drei|vier|mehreren|einigen|"
    r"über\s+\w+)\s+(?:tagen|wochen|stunden|monaten)\s+(?:\w+\s+){0,3}?(?:geschrieben|angerufen|"
    r"gemeldet|gefragt|geschickt|reklamiert|angefragt|eingereicht)",
    r"wie\s+(?:schon|bereits)\s+(?:\w+\s+)?(?:geschrieben|gesagt|erwähnt|gemeldet|mitgeteilt)",
    r"(?:warte|warten)\s+(?:\w+\s+){0,3}?auf\s+(?:eine\s+|ihre\s+|eure\s+|die\s+)?(?:antwort|"
    r"rückmeldung|rückruf|erstattung|lösung|gutschrift)",
    r"ignoriert|ignoriert\s+mich",
    r"hallo+\s*\?+|(?:ist|sitzt)\s+(?:da|dort|hier)\s+(?:überhaupt\s+)?(?:jemand|wer|einer)|"
    r"liest\s+(?:hier\s+|das\s+)?(?:überhaupt\s+)?(?:jemand|einer|wer)",
)

#: Cue fragments per language and intent (questions also use :data:`OPENINGS` and ``?``).
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "complaint": (
            _SARCASM_EN,
            *_TRAVEL_EN,
            *_ASKED_EN,
            *_WAITING_EN,
            *_DELIVERY_EN,
            *_BILLING_EN,
            *_OUTAGE_EN,
            *_FAILURE_EN,
            *_BROKEN_EN,
            *_ANGER_EN,
        ),
        "lead": (
            r"looking\s+(?:for\s+(?:a\s+|an\s+|some\s+|good\s+|cheap\s+)?(?:deals?|offers?|"
            r"quotes?|prices?|discounts?)|to\s+(?:buy|book|order|purchase|switch|upgrade|"
            r"subscribe|sign\s+up))",
            r"group\s+(?:bookings?|rates?|discounts?|orders?)|bulk\s+(?:orders?|pricing|discount)",
            r"price\s+(?:for|of)",
            r"quotes?\s+for",
            r"(?:want|wanna|would\s+like|['’]d\s+like|planning|plan|ready)\s+to\s+"
            r"(?:book|buy|order|purchase|subscribe|sign\s+up|upgrade|switch\s+to)",
            r"(?:interested\s+in|thinking\s+of|considering)\s+(?:booking|buying|ordering|"
            r"purchasing|subscribing|upgrading|switching\s+to|your)",
            r"(?:corporate|business|enterprise|family)\s+(?:accounts?|rates?|plans?|pricing)",
            r"(?:do|does|can)\s+(?:you|u)\s+(?:sell|ship|deliver|offer)\s+(?:to|in|any)?",
            r"(?:free\s+trial|demo)\s+(?:for|of)",
        ),
        "praise": (
            r"thank\s+you",
            r"thanks",
            r"great\s+(?:service|job|team|staff|experience|support|product|food|stay|help)",
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
            *_ASKED_DE,
            *_WAITING_DE,
            *_DELIVERY_DE,
            *_BILLING_DE,
            *_FAILURE_DE,
            *_BROKEN_DE,
            *_ANGER_DE,
        ),
        "lead": (
            r"angebot\w*",
            r"buchen",
            r"bestellen\s+(?:möchte|würde|will)|(?:möchte|würde|will)\s+(?:\w+\s+){0,3}?"
            r"(?:bestellen|kaufen|abschließen|wechseln)",
            r"preise?\s+für",
            r"kosten\s+für",
            r"was\s+kostet",
            r"gruppenreise\w*",
            r"suche\s+(?:einen\s+|ein\s+|eine\s+)?(?:angebot|gutschein|rabatt)\w*",
            r"interesse\s+an",
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
# Contrast words: praise and a complaint in one post count as both only across a contrast
# ("love the app, but it keeps crashing"); without one, praise words in a complaint are sarcasm
# ("Great, another delay. Love it.").
_CONTRAST = re.compile(
    r"(?<!\w)(?:but|however|although|though|except|aber|jedoch|allerdings|trotzdem|leider)(?!\w)",
    re.IGNORECASE,
)
_COURTESY = re.compile(r"(?<!\w)" + COURTESY + r"(?!\w)", re.IGNORECASE)


def _words(fragments: Iterable[str]) -> str:
    """One capturing group over the fragments, each a whole word or phrase."""
    return r"(?<!\w)(" + "|".join(f"(?:{f})" for f in fragments) + r")(?!\w)"


def _fragments(intent: str, langs: Iterable[str], packs: Iterable[str]) -> list[str]:
    """The whole-word cue fragments of an intent in some languages, in pattern order."""
    return [
        umlaut_aware(f) if lang == "de" else f
        for lang in langs
        for f in (*CUES[lang].get(intent, ()), *pack_cues(packs, lang, intent))
    ]


def _openings(langs: Iterable[str]) -> list[str]:
    """The interrogative openings of some languages, in pattern order."""
    return [umlaut_aware(f) if lang == "de" else f for lang in langs for f in OPENINGS[lang]]


def cue_patterns(intent: str, langs: Iterable[str], packs: Iterable[str] = ()) -> re.Pattern[str]:
    """The compiled cue regex of an intent for one or more languages.

    Every capturing group holds cue text; the first group that matched is the cue.

    Args:
        intent: One of :data:`PRECEDENCE`.
        langs: Language codes with cues (``en``, ``de``); several give their union.
        packs: Domain packs whose cues are added (:mod:`~socialcrm_utils.nlp.packs`).

    Returns:
        A case-insensitive compiled pattern.

    Examples:
        >>> cue_patterns("complaint", ["de"]).search("Lieferung verspaetet!").group(0)
        'verspaetet'
        >>> cue_patterns("complaint", ["de"]).search("Mein Koffer ist weg") is None
        True
        >>> cue_patterns("complaint", ["de"], ["airline"]).search("Mein Koffer ist weg").group(0)
        'Koffer ist weg'
    """
    return re.compile("|".join(_alternatives(intent, langs, packs)), re.IGNORECASE | re.MULTILINE)


def _alternatives(
    intent: str, langs: Iterable[str], packs: Iterable[str], size: int | None = None
) -> list[str]:
    """An intent's cue pattern as consecutive alternatives: a question's marks and openings;
    else its fragments in one (``size`` None) or even parts of at most ``size``, the complaint
    marks and tags joining the last."""
    if intent == "question":
        return [_QUESTION_MARK, _OPENING_ANCHOR + _words(_openings(langs))]
    fragments = _fragments(intent, langs, packs)
    count = -(-len(fragments) // size) if size else min(len(fragments), 1)  # even parts
    step = -(-len(fragments) // count) if count else 1
    parts = [_words(fragments[i : i + step]) for i in range(0, len(fragments), step)]
    if intent == "complaint":
        marks = "(" + "|".join((*_MARKS, *_TAGS)) + ")"
        parts = [*parts[:-1], parts[-1] + "|" + marks] if parts else [marks]
    return parts


#: The languages of each language group of the patterns.
_GROUP_LANGS = {"en": ("en",), "de": ("de",), "any": ("en", "de")}


@functools.lru_cache(maxsize=16)
def _patterns(packs: tuple[str, ...]) -> dict[tuple[str, str], re.Pattern[str]]:
    """Every (intent, language group) pattern with the packs' cues; compiled once per packs."""
    return {
        (intent, group): cue_patterns(intent, _GROUP_LANGS[group], packs)
        for intent in PRECEDENCE
        for group in ("en", "de", "any")
    }


_PATTERNS = _patterns(())
#: Fragments per part of a long cue pattern (see :func:`_parts`). RE2's automaton has a memory
#: budget: over all English complaint cues at once it runs 40 times slower than in halves, and
#: parts of 20 cost RE2 a third of parts of 60; Python's ``re`` tries fewer alternatives per
#: position in the parts a text can match.
_PART_SIZE = 20


@functools.lru_cache(maxsize=16)
def _parts(packs: tuple[str, ...]) -> dict[tuple[str, str], tuple[re.Pattern[str], ...]]:
    """Each (intent, group) pattern as consecutive parts that together find its cue.

    A long pattern is split into patterns of at most :data:`_PART_SIZE` consecutive whole-word
    fragments each, the complaint marks and tags joining the last; a question pattern into its
    question marks and its openings. At any position the full pattern matches its first
    alternative that matches there, so its leftmost match is the leftmost of the parts'
    leftmost matches, the earliest part on a tie (:func:`_first_cue`).
    """
    out = {}
    for (intent, group), pattern in _patterns(packs).items():
        parts = _alternatives(intent, _GROUP_LANGS[group], packs, _PART_SIZE)
        out[(intent, group)] = (
            (pattern,)
            if len(parts) <= 1
            else tuple(re.compile(part, pattern.flags) for part in parts)
        )
    return out


def _first_cue(text: pd.Series, parts: tuple[re.Pattern[str], ...]) -> pd.Series:
    """The leftmost cue of the pattern made of ``parts`` in each text, lower-cased (NA where
    none); the same as scanning every text with the full pattern, several times faster.

    RE2 finds the texts each part may match
    (:func:`~socialcrm_utils.nlp.prefilter.candidates_each`); the exact Python part runs only
    on those, and, where :mod:`~socialcrm_utils.nlp.casefree` allows it, as its case-sensitive
    twin on the lower-cased text.
    """
    cue = pd.Series(pd.NA, index=text.index, dtype="string")
    hits = candidates_each(text, parts)  # the texts made into Arrow once for all parts
    rows = np.flatnonzero(hits.any(axis=0))
    if not rows.size:
        return cue
    hits, values = hits[:, rows], text.iloc[rows].tolist()
    twins = [case_sensitive_twin(part) for part in parts]
    safe = np.zeros(rows.size, dtype=bool)
    if all(twin is not None for twin in twins):
        safe = fold_safe(text.iloc[rows])
    if safe.any():  # the twins on lower-cased texts: their cues are lower case already
        lowered = [value.lower() for value in compress(values, safe)]
        found = _leftmost(lowered, hits[:, safe], twins)
        cue.iloc[rows[safe]] = pd.array(found, dtype="string")
    if not safe.all():  # RE2 does not fold "ı" and "İ" with "i": every part, as the full pattern
        found = _leftmost(list(compress(values, ~safe)), np.ones_like(hits[:, ~safe]), parts)
        cue.iloc[rows[~safe]] = pd.array(
            [None if f is None else f.lower() for f in found], dtype="string"
        )
    return cue


def _leftmost(
    values: list[str], hits: np.ndarray, parts: Sequence[re.Pattern[str]]
) -> list[str | None]:
    """First group of the leftmost match over ``parts`` (the earliest part on a tie), per value.

    ``hits[k, i]`` tells whether part ``k`` may match value ``i``; no other pair is searched.
    """
    starts = [len(value) + 1 for value in values]
    found: list[str | None] = [None] * len(values)
    for part, hit in zip(parts, hits, strict=True):
        search = part.search
        for i in np.flatnonzero(hit).tolist():
            match = search(values[i])
            if match is not None and match.start() < starts[i]:
                starts[i] = match.start()
                found[i] = next(g for g in match.groups() if g is not None)
    return found


def classify_intent(texts: pd.Series, langs: pd.Series, packs: Iterable[str] = ()) -> pd.DataFrame:
    """Flag each text as complaint, question, lead and praise, with a primary intent and cue.

    Flags, each on its own (any combination may hold):

    - ``is_complaint``: a cue of a breach of expectations (not working, keeps crashing, can't
      log in, no signal, charged twice, refund, wrong order, never arrived, white screen, half
      my order was missing, still waiting, following up, any news on my refund, why does it
      keep failing, when will it be fixed, "???" or "?!", worst, ridiculous, cancelled,
      delayed; funktioniert nicht, kaputt, Störung, doppelt abgebucht, nie angekommen, die
      Hälfte fehlte, weißer Bildschirm, seit Tagen, keine Antwort, wann endlich, warum schon
      wieder, Frechheit, verspätet ...);
    - ``is_question``: ``?`` or an interrogative opening ("how do I", "can I", "wie kann ich",
      "darf ich", "gibt es" ...);
    - ``is_lead``: purchase intent ("looking to buy", "price for", "want to order", "interested
      in upgrading"; "Angebot", "buchen", "Preis für", "möchte ... bestellen");
    - ``is_praise``: "thank you", "great service", "love"; "danke", "super", "toll". Inside a
      complaint, praise counts only with a praise word other than thanks and a contrast ("but",
      "aber"): "Love the app but it keeps crashing" is both, "Great, another delay. Love it."
      and "Thanks, still not working" are complaints only.

    Primary ``intent``: the first flag of **complaint > lead > question > praise**, else
    ``other``; ``intent_cue`` is that flag's cue. English texts use English cues, German texts
    German cues; texts whose language is NA or another language use the union of both, so in
    a language without cues a question is found by its question mark (``?``, ``？``, ``؟``)
    and little else is told apart reliably (see ``docs/languages.md``). Each flag's regex runs
    in parts of a few dozen cues, each part only on the texts an RE2 pass over the column finds
    it may match.

    Args:
        texts: Mention texts (NA gives ``other`` and no flag).
        langs: Language codes on the same index as ``texts``.
        packs: Domain packs whose cues are added (``listening.domain_packs``; default none).

    Returns:
        A frame on ``texts``' index with ``intent`` (one of
        :data:`~socialcrm_utils.schema.INTENTS`), ``intent_cue`` (the primary cue,
        lower-cased, e.g. ``"keeps failing"`` or ``"?"``; NA for ``other``) and the bool
        columns of :data:`FLAG_COLUMNS`.

    Raises:
        ValueError: If ``texts`` and ``langs`` do not share an index, or a pack is unknown.

    Examples:
        >>> texts = pd.Series(["Why does the update keep failing?", "Gibt es WLAN",
        ...                    "Danke, super Service", "ok", "荷物はどこですか？"])
        >>> out = classify_intent(texts, pd.Series(["en", "de", "de", "en", "ja"]))
        >>> out[["intent", "intent_cue", "is_complaint", "is_question"]]
              intent                intent_cue  is_complaint  is_question
        0  complaint  why does the update keep          True         True
        1   question                   gibt es         False         True
        2     praise                     danke         False        False
        3      other                      <NA>         False        False
        4   question                         ？         False         True
    """
    if not texts.index.equals(langs.index):
        raise ValueError("texts and langs must share the same index")
    packs = check_packs(packs)
    patterns, parts = _patterns(packs), _parts(packs)
    text = texts.astype("string[python]").reset_index(drop=True)  # Python regex semantics
    lang = normalize_lang(langs).reset_index(drop=True)
    group = pd.Series(np.where(lang.isin(["en", "de"]).fillna(False), lang, "any"))
    filled = pd.Series((text.str.strip().str.len().fillna(0) > 0).to_numpy(bool))
    plain = text.astype(object)  # str values: cheap to hand to RE2 and to search
    cues: dict[str, pd.Series] = {}
    for name in PRECEDENCE:
        cue = pd.Series(pd.NA, index=text.index, dtype="string")
        for code in ("en", "de", "any"):
            rows = filled & (group == code)
            if rows.any():
                found = _first_cue(plain[rows], parts[(name, code)]).dropna()
                cue[found.index] = found
        cues[name] = cue
    flags = {name: cues[name].notna().to_numpy(bool, copy=True) for name in PRECEDENCE}
    both = np.flatnonzero(flags["complaint"] & flags["praise"])
    if both.size:  # praise inside a complaint: a praise word besides thanks, and a contrast
        mixed = text.iloc[both]
        kept = mixed.str.contains(_CONTRAST).to_numpy(bool)
        for code in ("en", "de", "any"):
            rows = (group.iloc[both] == code).to_numpy(bool) & kept
            if rows.any():
                bare = mixed[rows].str.replace(_COURTESY, " ", regex=True)
                found = _first_cue(bare, (patterns[("praise", code)],))
                kept[rows] = found.notna().to_numpy(bool)
                cues["praise"].iloc[both[rows]] = found.to_numpy()
        flags["praise"][both] = kept
    intent = pd.Series("other", index=text.index, dtype="string")
    intent_cue = pd.Series(pd.NA, index=text.index, dtype="string")
    for name in reversed(PRECEDENCE):
        intent = intent.mask(flags[name], name)
        intent_cue = intent_cue.mask(flags[name], cues[name])
    logger.debug("intents: %s", intent.value_counts().to_dict())
    out = pd.DataFrame(
        {
            "intent": intent,
            "intent_cue": intent_cue,
            **{f"is_{name}": flags[name] for name in (c.removeprefix("is_") for c in FLAG_COLUMNS)},
        }
    )
    out.index = texts.index
    return out
