"""Deterministic, fictional sample data: social mentions of ACME Air and two competitors.

The shipped sample (``data/sample/mentions.csv``) and any larger benchmark data set are made
here, from templates with slot fillers and a seeded ``numpy`` generator: the same seed gives a
byte-identical file. Everything is invented: the airline **ACME Air** (German-based, time zone
Europe/Berlin, accounts ``@AcmeAir`` for marketing and ``@AcmeAirHelp`` for service), its
competitors **Globex** and **Initech Air**, every customer (names combined from invented lists),
every URL (on reserved ``example`` domains) and every piece of personal data (reserved e-mail
domains, fictional phone ranges, the IBAN documentation examples, the ``4111 ...`` test card).

What the data contains, so every step of the method has something to find:

* six platforms (twitter, facebook, instagram, reddit, trustpilot, forum) with their own volumes,
  reach distributions and URL shapes; English and German (about 55/45);
* complaints, questions, praise, purchase intent (leads) and noise, plus posts about the
  competitors only (share of voice) and some comparing them with ACME Air;
* a diurnal and weekly rhythm in Berlin local time;
* brand replies threaded by ``in_reply_to_id`` / ``conversation_id`` with realistic delays
  (business hours Mon-Fri 08:00-20:00 Berlin, faster on twitter than on forum/trustpilot),
  unanswered posts, customer follow-ups and second replies, requests to move to DM;
* proactive brand posts whose engagement depends on weekday and hour (best: Tue-Thu 11-13 and
  18-20 local), retweets and a copy-paste giveaway campaign (near-duplicates);
* a crisis day (by default Wednesday 2026-10-14, an IT outage) with hundreds of extra negative
  posts peaking in the morning and two brand statements (English and German);
* a few posts with personal data in reserved forms only.

Examples:
    >>> df = generate_mentions(300, seed=1)
    >>> sorted(df["lang"].unique())
    ['de', 'en']
    >>> bool(df["mention_id"].is_unique)
    True
"""

from __future__ import annotations

import functools
import logging
import re
import string
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import CANONICAL_COLUMNS, conform_mentions

__all__ = [
    "BRAND_HANDLES",
    "BRAND_TERMS",
    "CHUNK_ROWS",
    "COMPETITORS",
    "PLATFORMS",
    "SAMPLE_SEED",
    "SAMPLE_TIMEZONE",
    "generate_mentions",
    "iter_mentions",
    "write_sample",
]

logger = logging.getLogger(__name__)

#: Default seed of the committed sample.
SAMPLE_SEED: int = 20261123
#: Time zone of the fictional brand; the diurnal rhythm and business hours are local to it.
SAMPLE_TIMEZONE: str = "Europe/Berlin"
#: The brand's own accounts (their posts are brand posts / replies).
BRAND_HANDLES: tuple[str, ...] = ("@AcmeAir", "@AcmeAirHelp")
#: How customers name the brand.
BRAND_TERMS: tuple[str, ...] = ("acme air", "acmeair", "#acmeair", "@AcmeAir", "@AcmeAirHelp")
#: Competitors and the terms customers use for them.
COMPETITORS: dict[str, tuple[str, ...]] = {
    "Globex": ("globex", "@globex"),
    "Initech Air": ("initech air", "@InitechAir"),
}
#: Platforms in the sample, in order of the mention-id prefixes below.
PLATFORMS: tuple[str, ...] = ("twitter", "facebook", "instagram", "reddit", "trustpilot", "forum")

# ---------------------------------------------------------------------------------------------
# Structural parameters
# ---------------------------------------------------------------------------------------------
_PREFIX = ("tw", "fb", "ig", "rd", "tp", "fo")
TW, FB, IG, RD, TP, FO = range(6)
EN, DE = 0, 1
_LANGS = ("en", "de")
_INTENTS = ("complaint", "question", "praise", "lead", "other")
COMPLAINT, QUESTION, PRAISE, LEAD, OTHER = range(5)

# Row kinds.
K_ROOT, K_CRISIS, K_RT, K_PROACTIVE, K_STATEMENT, K_REPLY, K_FOLLOWUP, K_REPLY2 = range(8)
_KIND_NAMES = ("root", "crisis", "retweet", "proactive", "statement", "reply", "followup",
               "reply2")
_BRAND_KINDS = (K_PROACTIVE, K_STATEMENT, K_REPLY, K_REPLY2)

# Brand accounts: index 0 = AcmeAir (marketing), 1 = AcmeAirHelp (service).
_BRAND_IDS = ("AcmeAir", "AcmeAirHelp")
_BRAND_NAMES = ("ACME Air", "ACME Air Help")
# Followers of the brand accounts per platform (rows: account, columns: platform).
_BRAND_REACH = np.array(
    [[184_300, 312_800, 226_400, 2_350, 3_180, 860],
     [48_650, 312_800, 226_400, 2_350, 3_180, 860]], dtype=np.int64)

_SECONDS_PER_DAY = 86_400
_CRISIS_OFFSET_DAYS = 44  # 2026-08-31 + 44 days = Wednesday 2026-10-14
_OPEN_S, _CLOSE_S = 8 * 3600, 20 * 3600  # business hours Mon-Fri, local

# Regular customer posts by platform; share of German authors per platform.
_PLATFORM_P = np.array([0.36, 0.20, 0.15, 0.09, 0.09, 0.11])
_CRISIS_PLATFORM_P = np.array([0.58, 0.20, 0.10, 0.08, 0.0, 0.04])
_DE_P = np.array([0.40, 0.50, 0.42, 0.20, 0.50, 0.80])
# Customer reach (followers): log-normal median per platform, influencer share per platform.
_REACH_MEDIAN = np.array([240.0, 190.0, 480.0, 80.0, 12.0, 35.0])
_INFLUENCER_P = np.array([0.006, 0.002, 0.008, 0.002, 0.0, 0.0])
# Brand reply delay in business hours: log-normal median in minutes per platform.
_DELAY_MEDIAN_MIN = np.array([22.0, 45.0, 40.0, 90.0, 180.0, 150.0])
_ANSWER_SHIFT = np.array([0.05, 0.0, 0.0, -0.03, -0.06, -0.08])

_COMPETITOR_SHARE = 0.33  # of regular customer threads: about competitors only
_BRAND_INTENT_P = np.array([0.38, 0.25, 0.14, 0.08, 0.15])
_COMP_INTENT_P = np.array([0.40, 0.15, 0.25, 0.05, 0.15])
_P_ANSWER = np.array([0.78, 0.80, 0.35, 0.85, 0.06])
_P_FOLLOWUP = np.array([0.32, 0.25, 0.03, 0.30, 0.0])
_P_SECOND = 0.8

# Local hour profiles of customer posts (weekday / weekend) and weekday factors (Mon..Sun).
_HOURS_WEEKDAY = np.array([0.5, 0.3, 0.2, 0.15, 0.2, 0.5, 1.3, 2.6, 3.5, 3.8, 3.7, 3.6, 3.7, 3.5,
                           3.4, 3.5, 3.7, 4.0, 4.2, 4.2, 3.9, 3.3, 2.3, 1.2])
_HOURS_WEEKEND = np.array([0.9, 0.6, 0.35, 0.2, 0.2, 0.3, 0.6, 1.2, 2.2, 3.0, 3.5, 3.7, 3.7, 3.5,
                           3.4, 3.4, 3.5, 3.7, 3.9, 4.0, 3.8, 3.3, 2.5, 1.5])
_DAY_FACTOR = np.array([1.10, 1.0, 0.97, 1.0, 1.12, 0.82, 0.90])
# Engagement of proactive brand posts: weekday factor (Mon..Sun) and hour factor (local).
_POST_DAY_FACTOR = np.array([0.85, 1.15, 1.2, 1.15, 0.85, 0.6, 0.65])
_POST_HOUR_FACTOR = np.array([0.5] * 7 + [0.7, 0.7, 0.9, 0.9, 1.6, 1.6, 1.1, 1.0, 1.0, 1.0, 1.0,
                                          1.5, 1.5, 0.9, 0.9, 0.7, 0.6])
_POST_BASE_LIKES = np.array([45.0, 120.0, 300.0, 10.0, 0.0, 2.0])
_POST_SHARE_RATE = np.array([0.30, 0.15, 0.04, 0.0, 0.0, 0.0])
# Customer engagement: platform and intent factors.
_LIKE_PLATFORM = np.array([1.0, 1.3, 2.2, 2.5, 0.05, 0.15])
_SHARE_RATE = np.array([0.18, 0.12, 0.02, 0.0, 0.0, 0.0])
_LIKE_INTENT = np.array([1.4, 0.35, 1.1, 0.3, 0.9])

# ---------------------------------------------------------------------------------------------
# Vocabulary (all invented)
# ---------------------------------------------------------------------------------------------
_FIRST_DE = (
    "Lena", "Anna", "Lea", "Laura", "Julia", "Sarah", "Katharina", "Sophie", "Marie", "Johanna",
    "Hannah", "Clara", "Mia", "Emma", "Nina", "Jana", "Sabine", "Petra", "Claudia", "Birgit",
    "Ute", "Heike", "Jürgen", "Thomas", "Michael", "Andreas", "Stefan", "Markus", "Tobias", "Jan",
    "Lukas", "Felix", "Jonas", "Maximilian", "Florian", "Sebastian", "Daniel", "Matthias", "Uwe",
    "Dieter", "Jörg", "Björn", "Sören", "Günter", "Moritz", "Niklas", "Mehmet", "Ayşe", "Elif",
    "Deniz", "Piotr", "Katarzyna", "Luca", "Giulia", "Fatma", "Yusuf", "Merve", "Milan", "Greta",
    "Jule", "Frieda", "Till",
)
_LAST_DE = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schulze", "Maier", "Köhler", "Herrmann",
    "König", "Walter", "Huber", "Kaiser", "Fuchs", "Peters", "Scholz", "Möller", "Weiß", "Jung",
    "Hahn", "Vogel", "Friedrich", "Keller", "Günther", "Berger", "Winkler", "Roth", "Beck",
    "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Ludwig", "Böhm", "Winter", "Kraus",
    "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Sommer", "Groß", "Seidel", "Brandt",
    "Haas", "Graf", "Dietrich", "Ziegler", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann",
    "Voigt", "Sauer", "Arnold", "Pfeiffer", "Yılmaz", "Kaya", "Demir", "Şahin", "Kowalski",
    "Nowak", "Wójcik", "Rossi", "Ferrari", "Popović",
)
_FIRST_EN = (
    "Emma", "Olivia", "Sophie", "Emily", "Chloe", "Grace", "Lucy", "Hannah", "Ella", "Amelia",
    "Jessica", "Megan", "Rachel", "Sarah", "Laura", "Priya", "Aisha", "Mei", "Sofia", "Isabella",
    "Zoe", "Niamh", "James", "Oliver", "Jack", "Harry", "George", "Charlie", "Thomas", "William",
    "Daniel", "Matthew", "Ryan", "Liam", "Noah", "Ethan", "Lucas", "Samuel", "Ben", "Josh",
    "Adam", "Tom", "Mark", "Chris", "David", "Michael", "Raj", "Arjun", "Omar", "Kwame", "Diego",
    "Mateo", "Luca", "Ana", "Chen", "Hiroshi", "Finn", "Callum", "Rory", "Kofi",
)
_LAST_EN = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Campbell", "Johnston", "Moore", "Murphy",
    "O'Brien", "Kelly", "Byrne", "Walsh", "Nguyen", "Garcia", "Martinez", "Anderson", "Clark",
    "Lee", "Harris", "Young", "King", "Scott", "Baker", "Adams", "Nelson", "Hill", "Carter",
    "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murray", "Reid", "Fraser",
    "Shaw", "Chapman", "Ellis", "Grant", "Hughes", "Kennedy", "Lloyd", "Marshall", "Owen",
    "Price", "Russell", "Spencer", "Stone", "Ward", "Webb", "Fox", "Gray", "Hunt", "Palmer",
    "Quinn", "Okafor", "Mensah", "Silva", "Tanaka",
)
_NICK_ADJ_EN = ("Sleepy", "Grumpy", "Happy", "Frequent", "Lost", "Window", "Aisle", "Jetlagged",
                "Budget", "Curious", "Midnight", "Rainy", "Northern", "Lazy", "Tiny")
_NICK_NOUN_EN = ("Flyer", "Traveller", "Pilot", "Nomad", "Backpacker", "Panda", "Otter",
                 "Wanderer", "Seat", "Suitcase", "Penguin", "Falcon", "Tourist", "Commuter")
_NICK_DE = ("Vielflieger", "Reisemaus", "Globetrotter", "Fernweh", "Kofferkind", "Sonnenschein",
            "Flugangst", "Weltenbummler", "Urlaubsreif", "Pendler", "Meilensammler", "Nordlicht",
            "Bergfex", "Inselhopper")
_CITY_CODES = ("muc", "ber", "ham", "fra", "cgn", "str", "dus", "lon", "vie", "zrh")
_AGENTS = ("Jana", "Mehmet", "Sophie", "Lukas", "Anna", "Tom", "Katrin", "Felix", "Aylin",
           "Jonas")
# (English, German) city names.
_CITIES = (
    ("Munich", "München"), ("Berlin", "Berlin"), ("Hamburg", "Hamburg"),
    ("Frankfurt", "Frankfurt"), ("Cologne", "Köln"), ("Düsseldorf", "Düsseldorf"),
    ("Stuttgart", "Stuttgart"), ("Nuremberg", "Nürnberg"), ("Vienna", "Wien"),
    ("Zurich", "Zürich"), ("London", "London"), ("Paris", "Paris"), ("Rome", "Rom"),
    ("Milan", "Mailand"), ("Barcelona", "Barcelona"), ("Madrid", "Madrid"),
    ("Lisbon", "Lissabon"), ("Palma", "Palma"), ("Athens", "Athen"),
    ("Copenhagen", "Kopenhagen"), ("Prague", "Prag"), ("Warsaw", "Warschau"),
    ("Istanbul", "Istanbul"), ("Dubai", "Dubai"), ("New York", "New York"),
    ("Gran Canaria", "Gran Canaria"), ("Antalya", "Antalya"), ("Oslo", "Oslo"),
)
_CAMPAIGN_CITIES = (("Lisbon", "Lissabon"), ("New York", "New York"), ("Gran Canaria",
                                                                          "Gran Canaria"))
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_AMOUNTS = (89, 129, 149, 189, 212, 249, 312, 389, 460, 640, 1240)
# Terms customers use, per platform.
_BRAND_FORMS = (
    ("@AcmeAirHelp", "@AcmeAirHelp", "@AcmeAirHelp", "@AcmeAir", "@AcmeAir", "#acmeair",
     "ACME Air", "acme air", "acmeair"),
    ("ACME Air", "Acme Air", "@AcmeAir", "acme air", "ACME Air"),
    ("@AcmeAir", "@AcmeAir", "#acmeair", "ACME Air", "@AcmeAirHelp"),
    ("ACME Air", "Acme Air", "acme air", "acmeair"),
    ("ACME Air", "Acme Air", "acme air", "AcmeAir"),
    ("ACME Air", "Acme Air", "acme air", "ACME Air"),
)
_COMP_FORMS = (
    (("@globex", "Globex", "globex"), ("@InitechAir", "Initech Air", "initech air")),
    (("Globex", "globex"), ("Initech Air", "initech air")),
)
_COMP_PAGES = ("Globex", "InitechAir")
_COMP_CODES = ("GX", "IA")
_SUBREDDITS = (("travel", "flights", "europe", "AskEurope", "germany"),
               ("de", "FragReddit", "Urlaub", "de", "Finanzen"))
_HASHTAGS = ("#travel", "#wanderlust", "#fernweh", "#avgeek", "#urlaub", "#aviation")
_IBANS = ("DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32")
_TEST_CARD = "4111 1111 1111 1111"
_BOOKING_ALPHABET = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"))

# ---------------------------------------------------------------------------------------------
# Templates: {slot} fillers are drawn per row (see _SlotFiller). Keyed by (group, language).
# ---------------------------------------------------------------------------------------------
_T: dict[tuple[str, str], tuple[str, ...]] = {
    ("complaint", "en"): (
        "{brand} flight {flight} to {city} delayed again, now {hours} hours. Nobody at the gate "
        "knows anything.",
        "Great, another delay. Thanks {brand} 🙄",
        "Wow, {brand}. {hours} hours delay on {flight} and not even a bottle of water. Top "
        "service.",
        "{brand} cancelled my flight to {city} with two hours notice and the rebooking is for "
        "{date}. Seriously?",
        "Landed in {city}, my suitcase didn't. {brand} lost luggage desk says wait {days} days. "
        "Still waiting.",
        "It's been {days} days and my bag is still missing. {brand} please do something!",
        "Still waiting for my refund of {amount} from {brand}. Cancelled flight, {weeks} weeks "
        "ago.",
        "On hold with {brand} for {hours} hours now. This is ridiculous.",
        "{brand} your app crashes every time I try to check in. Error at payment, tried {n} "
        "times.",
        "Website keeps saying 'something went wrong' when I try to change my booking. {brand} "
        "fix your site pls",
        "The staff at the {brand} desk in {city} were incredibly rude to my elderly mother "
        "today. Unacceptable.",
        "{brand} charged me {amount} for a bag that was within the limit. I want my money back.",
        "Missed my connection in {city} because {flight} was late. {brand} put me on a flight "
        "tomorrow, no hotel. Thanks for nothing.",
        "Seat I paid extra for was given to someone else. {brand} how is that ok?",
        "Nothing says 'we care' like {brand} keeping us on the plane for {minutes} minutes with "
        "no AC 🥵",
        "Flew {brand} and {comp} this month. Guess which one lost my bag. Hint: not {comp}.",
        "Honestly {comp} is cheaper and at least on time. Done with {brand}.",
        "Dear {brand}, I filed a complaint {weeks} weeks ago and got an automated reply. Still "
        "waiting for a real answer.",
        "Delayed {minutes} min, then gate change, then cancelled. {brand} at its finest.",
        "{brand} meal was cold and the crew ran out of vegetarian options on a {hours}h flight. "
        "Not great.",
        "Booked with {brand}, got charged twice. Customer service line: on hold for {hours} "
        "hours. Still waiting.",
        "Refund request submitted {weeks} weeks ago. {brand} keeps saying 'in progress'. Where "
        "is my {amount}?",
    ),
    ("complaint", "de"): (
        "{brand} Flug {flight} nach {city} hat schon wieder {hours} Stunden Verspätung. Am Gate "
        "weiß keiner Bescheid.",
        "Super, schon wieder Verspätung. Danke {brand} 🙄",
        "{brand} hat meinen Flug nach {city} zwei Stunden vorher gestrichen und bietet mir "
        "einen Ersatzflug am {date} an. Ernsthaft?",
        "In {city} gelandet, mein Koffer nicht. Seit {days} Tagen kein Lebenszeichen. {brand}, "
        "wo ist mein Gepäck?",
        "Koffer verloren, Hotline nicht erreichbar, E-Mails werden ignoriert. Danke für nichts, "
        "{brand}.",
        "Seit {weeks} Wochen warte ich auf die Erstattung von {amount}. {brand}, das ist eine "
        "Frechheit!",
        "{hours} Stunden in der Warteschleife bei {brand}. Ich gebe auf.",
        "Die App von {brand} stürzt beim Check-in jedes Mal ab. {n} Versuche, immer ein Fehler "
        "beim Bezahlen.",
        "Umbuchen auf der Website von {brand} geht nicht, nur 'Es ist ein Fehler aufgetreten'. "
        "Bitte mal reparieren.",
        "Das Personal am Schalter von {brand} in {city} war heute unglaublich unfreundlich. So "
        "geht man nicht mit Kunden um.",
        "{brand} will {amount} für einen Koffer, der genau im Limit lag. Ich will mein Geld "
        "zurück.",
        "Anschluss in {city} verpasst, weil {flight} zu spät war. Kein Hotel, kein Essen, "
        "nichts. Danke, {brand}.",
        "Für den Sitzplatz extra bezahlt und dann sitzt da jemand anderes. {brand}, wie kann das "
        "sein?",
        "Flug gestrichen, Ersatzflug gestrichen. {brand}, ihr macht mich fertig.",
        "Mit {comp} letzte Woche pünktlich, mit {brand} heute {hours} Stunden Verspätung. Ratet "
        "mal, mit wem ich nächstes Mal fliege.",
        "Schon wieder {brand}, schon wieder Chaos. Nie wieder!",
        "{minutes} Minuten im Flieger ohne Klimaanlage gewartet, keine Durchsage. Ganz großes "
        "Kino, {brand}.",
        "Beschwerde vor {weeks} Wochen eingereicht, bis heute nur eine automatische Antwort. "
        "{brand}, so nicht.",
        "Doppelt abgebucht, und die Hotline von {brand} wirft mich nach {minutes} Minuten "
        "Warteschleife einfach raus.",
        "Was ist bei {brand} eigentlich los? Dritte Verspätung in diesem Monat. Langsam "
        "reicht's.",
        "Der Bordservice bei {brand} war heute eine Zumutung: kein Wasser, kein Kaffee, die Crew "
        "genervt.",
        "Wo bleibt meine Erstattung, {brand}? Flug {flight} wurde am {date} annulliert, und "
        "seitdem passiert nichts.",
    ),
    ("question", "en"): (
        "How do I add a checked bag to my {brand} booking after buying the ticket?",
        "Can I take my cat in the cabin on {brand} to {city}?",
        "{brand} can I change the name on my ticket? My friend can't travel anymore.",
        "What is the hand luggage limit on {brand} economy light?",
        "Does anyone know if {brand} flight {flight} has wifi?",
        "{brand} how do I get a refund for a cancelled flight, is there a form?",
        "Can I pick my seat for free on {brand} or only at check-in?",
        "{brand} does online check-in open 24 or 30 hours before departure?",
        "How early should I be at {city} airport for a {brand} flight to {city2}?",
        "Hey {brand}, can I bring my surfboard on a flight to {city}? What does it cost?",
        "Does {brand} offer special assistance for wheelchair users at {city}?",
        "Where do I find my booking in the {brand} app? It shows nothing after login.",
        "{brand} is there a lounge at {city} I can use with my frequent flyer status?",
        "Can I fly within the EU with just my ID card on {brand}? Asking for my dad",
        "Is {comp} or {brand} better for a family trip to {city}? Any experiences?",
        "How do I claim my miles for flight {flight}? They never showed up in my {brand} "
        "account.",
    ),
    ("question", "de"): (
        "Wie kann ich bei {brand} nachträglich einen Koffer dazubuchen?",
        "Darf ich meine Katze bei {brand} mit in die Kabine nehmen? Flug nach {city}.",
        "{brand} kann ich den Namen auf meinem Ticket ändern? Meine Freundin kann leider nicht "
        "mitfliegen.",
        "Wie groß darf das Handgepäck bei {brand} sein?",
        "Weiß jemand, ob es auf {flight} von {brand} WLAN gibt?",
        "Wie bekomme ich bei {brand} mein Geld für einen gestrichenen Flug zurück? Gibt es ein "
        "Formular?",
        "Kann ich bei {brand} den Sitzplatz kostenlos wählen oder erst beim Check-in?",
        "{brand} ab wann ist der Online-Check-in offen?",
        "Wie früh muss ich in {city} am Flughafen sein, wenn ich mit {brand} nach {city2} "
        "fliege?",
        "Darf ich mein Fahrrad bei {brand} mitnehmen? Was kostet das?",
        "Bietet {brand} in {city} Unterstützung für Rollstuhlfahrer an?",
        "Wo finde ich in der {brand}-App meine Buchung? Nach dem Login ist alles leer.",
        "Gibt es bei {brand} in {city} eine Lounge, die ich mit meinem Status nutzen darf?",
        "Reicht bei {brand} innerhalb der EU der Personalausweis oder brauche ich einen "
        "Reisepass?",
        "Was ist für einen Familienurlaub in {city} besser, {comp} oder {brand}? Erfahrungen?",
        "Wie kann ich mir die Meilen für Flug {flight} nachträglich gutschreiben lassen? "
        "{brand}",
    ),
    ("praise", "en"): (
        "Shoutout to the crew of {flight} to {city}, absolutely lovely people. Thanks {brand}!",
        "{brand} landed 20 minutes early and my bag was first on the belt. Who are you and what "
        "have you done with air travel? 😄",
        "Great service from {brand} today, they rebooked me in five minutes without any fuss.",
        "The new {brand} app is actually really good. Check-in in 30 seconds.",
        "Thank you {brand} for taking such good care of my kids flying alone to {city} ❤️",
        "Best flight I've had in years, {brand}. Comfy seats, friendly crew, on time.",
        "Lost my phone on board and {brand} had it waiting for me at the desk in {city}. "
        "Amazing!",
        "Switched from {comp} to {brand} and honestly no regrets. So much friendlier.",
        "Sunset over the Alps from a {brand} window seat. Worth every cent 🌅",
        "Props to {brand} customer service, refund of {amount} arrived within a week.",
        "{brand} the gate agent in {city} went above and beyond today. Please tell her thanks!",
        "Smooth flight {city} to {city2} with {brand}, coffee was even decent ☕",
    ),
    ("praise", "de"): (
        "Großes Lob an die Crew von {flight} nach {city}, super freundlich! Danke {brand}",
        "{brand} 20 Minuten zu früh gelandet und der Koffer kam als Erstes aufs Band. Ich bin "
        "begeistert 😄",
        "Toller Service von {brand} heute: in fünf Minuten umgebucht, ganz ohne Stress.",
        "Die neue App von {brand} ist echt gut. Check-in in 30 Sekunden erledigt.",
        "Danke {brand}, dass ihr euch so lieb um meine Kinder gekümmert habt, die allein nach "
        "{city} geflogen sind ❤️",
        "Bester Flug seit Langem mit {brand}: bequeme Sitze, nette Crew, pünktlich.",
        "Handy im Flieger vergessen und {brand} hat es mir am Schalter in {city} zurückgegeben. "
        "Großartig!",
        "Von {comp} zu {brand} gewechselt und bisher keine Sekunde bereut.",
        "Sonnenuntergang über den Alpen vom Fensterplatz bei {brand}. Hat sich gelohnt 🌅",
        "Die Erstattung von {amount} kam bei {brand} innerhalb einer Woche. Hätte ich nicht "
        "gedacht, danke!",
        "Die Mitarbeiterin am Gate in {city} war heute großartig. {brand}, bitte richtet ihr "
        "ein Dankeschön aus!",
        "Entspannter Flug von {city} nach {city2} mit {brand}, sogar der Kaffee war gut ☕",
    ),
    ("lead", "en"): (
        "{brand} looking for a group fare for {group} people to {city} in spring, who do I talk "
        "to?",
        "Do you have any deals on business class to {city2} in December? {brand}",
        "Planning our company offsite in {city}, {group} people. Does {brand} do corporate "
        "rates?",
        "Thinking about booking {brand} for our honeymoon to {city2}. Any offers for premium "
        "economy?",
        "{brand} is there a student discount? Want to book {city} to {city2} for the semester "
        "break.",
        "We need {group} seats for a school trip to {city} in March. Can {brand} send us a "
        "quote?",
        "Want to upgrade to business on {flight} next week. How much would that be, {brand}?",
        "Looking for the cheapest way to fly our sports club ({group} people) to {city}. {brand} "
        "{comp} any offers?",
        "{brand} do you offer a frequent flyer plan for small businesses? We fly about {n} times "
        "a month.",
    ),
    ("lead", "de"): (
        "{brand} wir suchen einen Gruppentarif für {group} Personen nach {city} im Frühjahr. An "
        "wen wende ich mich?",
        "Habt ihr ein Angebot für Businessclass nach {city2} im Dezember? {brand}",
        "Wir planen einen Firmenausflug nach {city} mit {group} Leuten. Gibt es bei {brand} "
        "Firmentarife?",
        "Überlegen, mit {brand} in die Flitterwochen nach {city2} zu fliegen. Gibt's Angebote "
        "für Premium Economy?",
        "{brand} gibt es einen Studentenrabatt? Möchte in den Semesterferien von {city} nach "
        "{city2}.",
        "Für eine Klassenfahrt nach {city} im März brauchen wir {group} Plätze. Könnt ihr uns "
        "ein Angebot schicken, {brand}?",
        "Was kostet ein Upgrade auf Business auf {flight} nächste Woche? {brand}",
        "Unser Sportverein ({group} Leute) will nach {city}. {brand} oder {comp}, wer macht das "
        "bessere Angebot?",
        "{brand} habt ihr ein Vielfliegerprogramm für kleine Firmen? Wir fliegen ca. {n} Mal im "
        "Monat.",
    ),
    ("other", "en"): (
        "Just bought an Acme Air fryer, crispy fries in 12 minutes 🍟",
        "Spotted a {brand} A321 in the new livery at {city} today #avgeek",
        "My cousin just started as a pilot at {brand}, so proud!",
        "Is it just me or is the {brand} safety video weirdly catchy",
        "Throwback to {city} last summer ✈️ #acmeair #throwback",
        "Anyone else on {flight} tonight? Let's grab a drink at the gate lol",
        "Hot take: {brand} has better boarding music than {comp}.",
        "Reading the {brand} inflight magazine, the crossword is surprisingly hard",
        "acme air? I thought that was a vacuum cleaner brand 😂",
    ),
    ("other", "de"): (
        "Meine Acme Air Fritteuse ist endlich da, Pommes in 12 Minuten 🍟",
        "Heute eine {brand} A321 in der neuen Lackierung in {city} gesehen #avgeek",
        "Mein Cousin fliegt jetzt als Pilot bei {brand}, bin so stolz!",
        "Ist das Sicherheitsvideo von {brand} nur für mich ein Ohrwurm?",
        "Rückblick auf {city} im Sommer ✈️ #acmeair #fernweh",
        "Sitzt noch jemand heute Abend in {flight}? 😄",
        "Unpopular opinion: Bei {brand} ist die Boarding-Musik besser als bei {comp}.",
        "Im Bordmagazin von {brand} ist das Kreuzworträtsel echt schwer",
        "Acme Air? Ich dachte, das wäre eine Staubsaugermarke 😂",
    ),
    ("campaign", "en"): ("I want to fly to {ccity} with @AcmeAir! ✈️ #AcmeAirGiveaway #acmeair",),
    ("campaign", "de"): ("Ich will mit @AcmeAir nach {ccity}! ✈️ #AcmeAirGewinnspiel #acmeair",),
    ("comp_complaint", "en"): (
        "{comp} delayed my flight to {city} by {hours} hours. Again.",
        "Still waiting for my refund from {comp}, {weeks} weeks now.",
        "{comp} lost my luggage in {city}. Great start to the holiday.",
        "On hold with {comp} for {minutes} minutes, gave up.",
        "{comp} cancelled {cflight} with no explanation. Thanks a lot.",
        "The {comp} app logged me out mid-booking and now the price went up by {amount}. Wow.",
    ),
    ("comp_complaint", "de"): (
        "{comp} hat {hours} Stunden Verspätung nach {city}. Mal wieder.",
        "Warte seit {weeks} Wochen auf meine Erstattung von {comp}.",
        "{comp} hat meinen Koffer in {city} verloren. Toller Urlaubsstart.",
        "{minutes} Minuten Warteschleife bei {comp}, dann aufgelegt.",
        "{comp} hat {cflight} ohne Begründung gestrichen. Danke auch.",
        "Die App von {comp} wirft mich beim Buchen raus und jetzt ist es {amount} teurer. Super.",
    ),
    ("comp_question", "en"): (
        "Does anyone know if {comp} allows pets in the cabin?",
        "How strict is {comp} with cabin bag size at {city}?",
        "Can I change my {comp} flight online or do I have to call?",
        "Is lounge access included in the {comp} business fare to {city2}?",
    ),
    ("comp_question", "de"): (
        "Weiß jemand, ob man bei {comp} Haustiere in der Kabine mitnehmen darf?",
        "Wie streng ist {comp} beim Handgepäck in {city}?",
        "Kann ich meinen Flug bei {comp} online umbuchen oder muss ich anrufen?",
        "Ist bei {comp} in der Business die Lounge in {city2} inklusive?",
    ),
    ("comp_praise", "en"): (
        "{comp} crew on {cflight} was fantastic, thank you!",
        "Smooth flight to {city} with {comp}, even early.",
        "Gotta say the new {comp} seats are comfy.",
        "{comp} sorted my rebooking in minutes. Impressed.",
        "Flew {comp} to {city2} for {amount} return, can't complain.",
    ),
    ("comp_praise", "de"): (
        "Die Crew auf {cflight} von {comp} war spitze, danke!",
        "Entspannter Flug nach {city} mit {comp}, sogar zu früh gelandet.",
        "Die neuen Sitze bei {comp} sind echt bequem.",
        "{comp} hat mich in wenigen Minuten umgebucht. Respekt.",
        "Mit {comp} für {amount} hin und zurück nach {city2}. Kann man nicht meckern.",
    ),
    ("comp_lead", "en"): (
        "Looking for group rates with {comp} to {city}, anyone done this?",
        "{comp} any business class deals to {city2} this winter?",
    ),
    ("comp_lead", "de"): (
        "Hat jemand Erfahrung mit Gruppentarifen bei {comp}? Wir wären {group} Leute.",
        "Gibt es bei {comp} gerade Angebote für Businessclass nach {city2}?",
    ),
    ("comp_other", "en"): (
        "Spotted a {comp} plane in the new colours at {city} #avgeek",
        "The {comp} safety video is a whole mood",
        "Boarding {comp} to {city}, see you on the other side",
    ),
    ("comp_other", "de"): (
        "Heute eine Maschine von {comp} in {city} gesehen #avgeek",
        "Boarding bei {comp} nach {city}, bis später!",
        "Das Bordmagazin von {comp} ist überraschend gut",
    ),
    ("crisis_complaint", "en"): (
        "{brand} your systems are down and every flight out of {city} is grounded. Been "
        "standing at the gate since {time}. What is going on??",
        "IT outage at {brand}?? Check-in doesn't work, app doesn't work, nobody tells us "
        "anything. {n} hours now.",
        "Great. {brand} IT meltdown, flight {flight} cancelled, no staff at the desk. Amazing "
        "planning 🙄",
        "Stuck in {city} because of the {brand} outage. Missed my connection to {city2}. Who "
        "pays for the hotel?",
        "Is {brand} down? App says error 503 and the queue at {city} is hundreds of people long",
        "Hundreds of people stuck at {city} airport, {brand} staff clueless. Worst airline "
        "ever.",
        "My sister's wedding is tomorrow in {city2} and {brand} grounded everything because of a "
        "computer problem. Unbelievable.",
        "{brand} still waiting for any information about {flight}. Your hotline has had me on "
        "hold for {hours} hours.",
    ),
    ("crisis_complaint", "de"): (
        "{brand} IT-Störung und alle Flüge ab {city} stehen. Ich sitze seit {time} am Gate "
        "fest. Frechheit!",
        "Totalausfall bei {brand}: Check-in geht nicht, App geht nicht, keiner sagt uns was. "
        "Seit {n} Stunden!",
        "Schon wieder {brand}. Flug {flight} gestrichen wegen Computerproblemen, am Schalter "
        "kein Mensch. Unfassbar.",
        "Wegen der Störung bei {brand} hänge ich in {city} fest und verpasse meinen Anschluss "
        "nach {city2}. Wer zahlt das Hotel?",
        "Ist {brand} komplett down? Die App zeigt nur Fehler und die Schlange in {city} ist "
        "endlos.",
        "Hunderte Leute sitzen am Flughafen {city} fest, und das Personal von {brand} weiß auch "
        "nichts. Chaos pur.",
        "{brand} Hotline seit {hours} Stunden in der Warteschleife, Flug {flight} gestrichen, "
        "keine Info. Ganz großes Kino 🙄",
        "Morgen ist die Hochzeit meiner Schwester in {city2} und {brand} lässt wegen einer "
        "IT-Störung keinen Flieger starten. Unfassbar.",
    ),
    ("crisis_question", "en"): (
        "{brand} is flight {flight} tomorrow morning affected by the outage? Do I get a refund "
        "if I cancel?",
        "Can I rebook for free because of the outage? {brand}",
        "{brand} my flight to {city} was cancelled in the outage, how do I get a refund?",
    ),
    ("crisis_question", "de"): (
        "{brand} ist mein Flug {flight} morgen früh auch von der Störung betroffen? Bekomme ich "
        "eine Erstattung?",
        "Kann ich wegen der IT-Störung kostenlos umbuchen? {brand}",
        "{brand} mein Flug nach {city} wurde wegen der Störung gestrichen, wie komme ich an "
        "mein Geld?",
    ),
    ("pii", "en"): (
        "{brand} still no refund for booking {booking}. Email me at {email} or call {phone}, "
        "I'm done waiting.",
        "{brand} my booking {booking} shows the wrong name, please fix. Phone {phone}.",
        "Please refund the {amount} to my account {iban}, booking {booking}. {brand}",
        "{brand} you charged my card {card} twice for {booking}! Contact me: {email}",
        "Can someone from {brand} call me? {phone}. Booking {booking}, flight {flight} "
        "cancelled.",
        "{brand} lost bag on {flight}, file ref {booking}. Reach me at {email}.",
    ),
    ("pii", "de"): (
        "{brand} immer noch keine Erstattung für Buchungsnummer {booking}. Schreibt mir an "
        "{email} oder ruft an: {phone}",
        "Bitte die {amount} auf mein Konto {iban} überweisen, Buchungsnummer {booking}. {brand}",
        "{brand} ihr habt meine Karte {card} doppelt belastet! Buchungsnummer {booking}, "
        "Kontakt: {email}",
        "Kann mich jemand von {brand} zurückrufen? {phone}, Buchungsnummer {booking}",
        "{brand} Koffer verloren auf {flight}, Vorgang {booking}. Erreichbar unter {email}",
        "Mein Name ist in der Buchung {booking} falsch geschrieben. {brand} bitte ändern, Tel. "
        "{phone}",
    ),
    ("followup_dm", "en"): (
        "Done, sent you a DM.",
        "DM sent. Hope this gets sorted quickly.",
        "Still waiting for an answer to my DM...",
        "Thanks for the quick reply 👍",
    ),
    ("followup_dm", "de"): (
        "Erledigt, DM ist raus.",
        "Hab euch geschrieben. Hoffe, das klappt diesmal.",
        "Warte immer noch auf eine Antwort auf meine DM...",
        "Danke für die schnelle Antwort 👍",
    ),
    ("followup_info", "en"): (
        "Thanks, that actually helped!",
        "That's the same copy-paste answer I got last week.",
        "Ok, and who pays for the hotel?",
        "Thanks for the quick reply 👍",
        "I did that already and nothing happened.",
    ),
    ("followup_info", "de"): (
        "Danke, das hat geholfen!",
        "Das ist die gleiche Standardantwort wie letzte Woche.",
        "Okay, und wer zahlt das Hotel?",
        "Danke für die schnelle Antwort 👍",
        "Hab ich schon gemacht, passiert ist nichts.",
    ),
    ("reply_complaint", "en"): (
        "Hi {first}, we're really sorry about this. Our team is doing everything to get it "
        "sorted for you. {sign}",
        "Hi {first}, that's not the experience we want for you. We've passed your feedback on "
        "to the team in charge. {sign}",
        "Sorry to hear that, {first}. You can follow your case at acmeair.example.com/help, and "
        "we'll keep you posted. {sign}",
        "{first}, we're sorry for the trouble and the wait. We're on it and will get back to "
        "you as soon as we can. {sign}",
        "Hi {first}, we understand your frustration. Our colleagues will get back to you as "
        "soon as possible. {sign}",
    ),
    ("reply_complaint", "de"): (
        "Hallo {first}, das tut uns wirklich leid. Unser Team tut alles, damit das schnell "
        "geklärt wird. {sign}",
        "Hallo {first}, so soll das nicht laufen. Wir haben dein Feedback an die zuständige "
        "Abteilung weitergegeben. {sign}",
        "Das tut uns leid, {first}. Den Stand deines Anliegens siehst du unter "
        "acmeair.example.com/hilfe, wir halten dich auf dem Laufenden. {sign}",
        "{first}, sorry für den Ärger und die Wartezeit. Wir kümmern uns und melden uns so "
        "schnell wie möglich. {sign}",
        "Hallo {first}, wir verstehen deinen Ärger. Die Kolleginnen und Kollegen melden sich so "
        "schnell wie möglich bei dir. {sign}",
    ),
    ("reply_complaint_dm", "en"): (
        "Hi {first}, we're sorry to hear this. Please send us a DM with your booking number and "
        "we'll look into it right away. {sign}",
        "That's not okay, {first}. Could you DM us your booking reference? We'll check what "
        "went wrong. {sign}",
        "Sorry {first}! Please send us a private message with your booking number so we can "
        "help. {sign}",
    ),
    ("reply_complaint_dm", "de"): (
        "Hallo {first}, das tut uns leid. Bitte schick uns eine DM mit deiner Buchungsnummer, "
        "dann schauen wir uns das direkt an. {sign}",
        "Das ist ärgerlich, {first}. Magst du uns per DM deine Buchungsnummer schicken? Wir "
        "prüfen, was da schiefgelaufen ist. {sign}",
        "Sorry, {first}! Bitte schreib uns eine private Nachricht mit deiner Buchungsnummer, "
        "dann helfen wir dir weiter. {sign}",
    ),
    ("reply_question", "en"): (
        "Hi {first}, good question! All the details are at acmeair.example.com/help. Let us "
        "know if anything is unclear. {sign}",
        "Hi {first}, thanks for asking! You'll find this in the app under 'My bookings', or at "
        "acmeair.example.com/help. {sign}",
        "Hey {first}, yes, that's possible. Everything you need to know is at "
        "acmeair.example.com/help. Have a great flight! {sign}",
    ),
    ("reply_question", "de"): (
        "Hallo {first}, gute Frage! Alle Infos findest du unter acmeair.example.com/hilfe. "
        "Melde dich gern, wenn etwas unklar ist. {sign}",
        "Hallo {first}, danke für deine Frage! Das findest du in der App unter 'Meine "
        "Buchungen' oder unter acmeair.example.com/hilfe. {sign}",
        "Hi {first}, ja, das geht. Alles Wichtige dazu steht unter acmeair.example.com/hilfe. "
        "Guten Flug! {sign}",
    ),
    ("reply_question_dm", "en"): (
        "Hi {first}, that depends on your fare. Please send us a DM with your booking number "
        "and we'll check for you. {sign}",
    ),
    ("reply_question_dm", "de"): (
        "Hallo {first}, das hängt von deinem Tarif ab. Schick uns bitte eine DM mit deiner "
        "Buchungsnummer, dann schauen wir nach. {sign}",
    ),
    ("reply_praise", "en"): (
        "Thank you so much, {first}! We'll pass it on to the crew ✈️",
        "That's great to hear, {first}! See you on board soon.",
        "Aww, thanks {first}! Made our day 💙",
    ),
    ("reply_praise", "de"): (
        "Vielen Dank, {first}! Wir geben das Lob an die Crew weiter ✈️",
        "Das freut uns sehr, {first}! Bis bald an Bord.",
        "Danke dir, {first}! Du hast uns den Tag versüßt 💙",
    ),
    ("reply_lead", "en"): (
        "Hi {first}, great to hear! Our group desk will put together an offer: please DM us "
        "your dates and number of travellers. {sign}",
        "Hi {first}, we'd love to have you on board! Current business class offers are at "
        "acmeair.example.com/deals {sign}",
        "Hi {first}, our sales team can help with corporate rates. Send us a DM with your "
        "contact details and we'll get in touch. {sign}",
    ),
    ("reply_lead", "de"): (
        "Hallo {first}, das freut uns! Unser Gruppenservice erstellt dir gern ein Angebot: "
        "Schick uns per DM Reisedaten und Personenzahl. {sign}",
        "Hallo {first}, schön, dass du mit uns fliegen möchtest! Aktuelle Angebote für "
        "Businessclass findest du unter acmeair.example.com/angebote {sign}",
        "Hallo {first}, unser Vertriebsteam hilft dir gern mit Firmentarifen weiter. Schick uns "
        "eine DM mit deinen Kontaktdaten. {sign}",
    ),
    ("reply_other", "en"): ("😄 Thanks for flying with us, {first}!",),
    ("reply_other", "de"): ("😄 Danke, dass du mit uns fliegst, {first}!",),
    ("reply_pii", "en"): (
        "Hi {first}, please don't share personal data publicly. Send us a DM with your booking "
        "number instead and we'll continue there. {sign}",
        "{first}, for your security please remove the post with your details and send us a "
        "private message. We'll take care of it. {sign}",
    ),
    ("reply_pii", "de"): (
        "Hallo {first}, bitte teile keine persönlichen Daten öffentlich. Schick uns stattdessen "
        "eine DM mit deiner Buchungsnummer, dann kümmern wir uns darum. {sign}",
        "{first}, zu deiner Sicherheit lösch bitte den Beitrag mit deinen Daten und schreib uns "
        "eine private Nachricht. Wir kümmern uns. {sign}",
    ),
    ("reply_crisis", "en"): (
        "Hi {first}, we're very sorry. An IT outage is affecting our systems today. You can "
        "rebook or request a refund free of charge at acmeair.example.com/travel-alert {sign}",
        "{first}, we apologise for the disruption. Our teams are working hard to restore our "
        "systems. Updates: acmeair.example.com/travel-alert {sign}",
    ),
    ("reply_crisis", "de"): (
        "Hallo {first}, das tut uns sehr leid. Eine IT-Störung betrifft heute unsere Systeme. "
        "Du kannst kostenlos umbuchen oder eine Erstattung beantragen: "
        "acmeair.example.com/reisehinweis {sign}",
        "{first}, entschuldige bitte die Einschränkungen. Unsere Teams arbeiten mit Hochdruck "
        "an der Behebung. Infos: acmeair.example.com/reisehinweis {sign}",
    ),
    ("reply2", "en"): (
        "Thanks {first}, we've got your message and will reply in DM shortly. {sign}",
        "Sorry again, {first}. We've escalated your case to our customer relations team. {sign}",
    ),
    ("reply2", "de"): (
        "Danke {first}, deine Nachricht ist angekommen, wir antworten dir gleich per DM. {sign}",
        "Nochmals sorry, {first}. Wir haben deinen Fall an unser Kundenservice-Team "
        "weitergegeben. {sign}",
    ),
    ("reply2_thanks", "en"): ("Glad we could help, {first}! Have a great trip. {sign}",),
    ("reply2_thanks", "de"): ("Schön, dass wir helfen konnten, {first}! Gute Reise. {sign}",),
    ("proactive", "en"): (
        "Autumn sale! ✈️ Fly to {city} from {amount} one way. Book by Sunday: "
        "acmeair.example.com/deals #acmeair",
        "New route alert: {city} ✈️ {city2}, three times a week from November. #acmeair",
        "Weekend in {city}? Fares from {amount}. Go on, you deserve it 😉 "
        "acmeair.example.com/deals",
        "Our app update is live: faster check-in and live bag tracking. Update now! #acmeair",
        "Meet our crew: today we say hi to the team flying {flight} to {city} 👋 #acmeair",
        "Travel tip: online check-in opens 30 hours before departure. Skip the queue in {city}! "
        "#acmeair",
        "Sunrise over {city}. Where are you flying next? 🌅 #acmeair",
        "Business class to {city} from {amount}. Lie-flat seats, lounge access included. "
        "acmeair.example.com/business",
        "Giveaway time! Tell us where you want to go and win two tickets. #AcmeAirGiveaway "
        "#acmeair",
        "Autumn holidays are coming: extra flights to {city} and {city2}. #acmeair",
    ),
    ("proactive", "de"): (
        "Herbst-Sale! ✈️ Nach {city} schon ab {amount}. Nur bis Sonntag: "
        "acmeair.example.com/angebote #acmeair",
        "Neue Strecke: {city} ✈️ {city2}, ab November dreimal pro Woche. #acmeair",
        "Lust auf ein Wochenende in {city}? Flüge ab {amount}. Gönn dir 😉 "
        "acmeair.example.com/angebote",
        "Das App-Update ist da: schnellerer Check-in und Gepäckverfolgung in Echtzeit. Jetzt "
        "aktualisieren! #acmeair",
        "Crew-Vorstellung: Heute sagen wir Hallo zum Team von {flight} nach {city} 👋 #acmeair",
        "Reisetipp: Der Online-Check-in öffnet 30 Stunden vor Abflug. Spar dir die Schlange in "
        "{city}! #acmeair",
        "Sonnenaufgang über {city}. Wohin geht deine nächste Reise? 🌅 #acmeair",
        "Businessclass nach {city} ab {amount}. Flachbett-Sitze und Lounge inklusive. "
        "acmeair.example.com/business",
        "Gewinnspiel! Verrate uns dein Traumziel und gewinne zwei Tickets. #AcmeAirGewinnspiel "
        "#acmeair",
        "Die Herbstferien kommen: zusätzliche Flüge nach {city} und {city2}. #acmeair",
    ),
    ("statement", "en"): (
        "Due to a major IT outage, ACME Air flights are currently grounded across our network. "
        "We are working hard to fix it. Please check acmeair.example.com/travel-alert before "
        "going to the airport. We're very sorry.",
        "Update: our systems are back online and flights are resuming. Expect delays for the "
        "rest of the day. Rebooking and refunds are free: acmeair.example.com/travel-alert. "
        "Thank you for your patience.",
    ),
    ("statement", "de"): (
        "Wegen einer umfassenden IT-Störung können derzeit keine ACME Air Flüge starten. Wir "
        "arbeiten mit Hochdruck an einer Lösung. Bitte prüft vor der Fahrt zum Flughafen "
        "acmeair.example.com/reisehinweis. Es tut uns sehr leid.",
        "Update: Unsere Systeme laufen wieder, der Flugbetrieb wird schrittweise aufgenommen. "
        "Heute ist weiter mit Verspätungen zu rechnen. Umbuchung und Erstattung sind kostenlos: "
        "acmeair.example.com/reisehinweis. Danke für eure Geduld.",
    ),
}
# Intent label of each follow-up template (same order as the templates, same in both languages).
_FOLLOWUP_INTENT = {
    "followup_dm": (OTHER, OTHER, COMPLAINT, PRAISE),
    "followup_info": (PRAISE, COMPLAINT, COMPLAINT, PRAISE, COMPLAINT),
}
# Extra sentences appended on long-form platforms, by intent.
_EXTRA: dict[tuple[int, str], tuple[str, ...]] = {
    (COMPLAINT, "en"): ("Never again.", "I fly a lot for work and this has never happened to me "
                        "before.", "Really disappointed.", "I will be claiming compensation "
                        "under EU261.", "Absolutely unacceptable for a company this size."),
    (COMPLAINT, "de"): ("Nie wieder.", "Ich fliege beruflich viel, so etwas habe ich noch nicht "
                        "erlebt.", "Echt enttäuschend.", "Ich fordere jetzt eine Entschädigung "
                        "nach der Fluggastrechteverordnung.", "Für so ein großes Unternehmen "
                        "einfach peinlich."),
    (QUESTION, "en"): ("Thanks in advance!", "Couldn't find anything on the website.",
                       "Any help appreciated."),
    (QUESTION, "de"): ("Danke im Voraus!", "Auf der Website habe ich nichts gefunden.",
                       "Bin für jeden Tipp dankbar."),
    (PRAISE, "en"): ("Highly recommended.", "Will definitely fly with them again.",
                     "Five stars from me."),
    (PRAISE, "de"): ("Klare Empfehlung.", "Gerne wieder!", "Fünf Sterne von mir."),
    (LEAD, "en"): ("Thanks!", "Happy to hear about alternatives too."),
    (LEAD, "de"): ("Danke!", "Bin auch für Alternativen offen."),
}
_EXTRA_P = np.array([0.0, 0.2, 0.0, 0.5, 1.0, 0.5])  # share of posts with an extra sentence

_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                           "ß": "ss", "ı": "i", "ł": "l", "'": ""})


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
#: Rows generated, converted and written at a time by :func:`iter_mentions` and
#: :func:`write_sample` (about 100 MB of Python strings at a time).
CHUNK_ROWS: int = 100_000


def generate_mentions(
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    start: str = "2026-08-31",
    weeks: int = 9,
    include_malformed: bool = False,
) -> pd.DataFrame:
    """Generate the fictional ACME Air mention table.

    The composition scales with ``n_mentions``: about 1.7 % proactive brand posts, about 5.8 %
    crisis posts on the crisis day, a handful of retweets, four crisis statements, and customer
    threads (root post, brand reply, follow-up, second reply) filling the rest. Replies that
    would fall after the end of the period are left out (as in a real export).

    Args:
        n_mentions: Approximate number of rows (the result is within a few rows of it).
        seed: Seed of ``numpy.random.default_rng``; the same seed gives the same frame.
        start: First local day of the period (``YYYY-MM-DD``, Europe/Berlin).
        weeks: Length of the period in weeks. The crisis day is 44 days after ``start``
            (Wednesday 2026-10-14 by default), or mid-period for shorter periods.
        include_malformed: Must be False: the three malformed rows cannot be represented in
            canonical dtypes; :func:`write_sample` appends them to CSV files.

    Returns:
        Canonical mentions (see :data:`socialcrm_utils.schema.CANONICAL_COLUMNS`), sorted by
        ``created_at`` then ``mention_id``, ``source`` = ``"sample"``.

    Raises:
        ValueError: If ``n_mentions`` < 100, ``weeks`` < 1, ``start`` is not a date, or
            ``include_malformed`` is True.

    Examples:
        >>> df = generate_mentions(200, seed=7)
        >>> 190 <= len(df) <= 210, set(df["source"])
        (True, {'sample'})
    """
    if include_malformed:
        raise ValueError(
            "include_malformed=True is only possible when writing a CSV file: use "
            "write_sample(path, include_malformed=True)"
        )
    chunks = list(iter_mentions(n_mentions, seed=seed, start=start, weeks=weeks))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)


def iter_mentions(
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    start: str = "2026-08-31",
    weeks: int = 9,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[pd.DataFrame]:
    """Generate the mention table of :func:`generate_mentions` in chunks of consecutive rows.

    Everything that links rows (threads, authors, time order, mention ids, every random draw)
    is decided first, for all rows, in compact numeric arrays (about 250 bytes a row); the
    strings (texts, ids, names, URLs) are made chunk by chunk. So memory grows with the
    numeric plan, not with the strings, and the chunks concatenated are exactly
    ``generate_mentions(...)`` whatever ``chunk_rows`` is. A reply may sit in a later chunk
    than the post it answers.

    Args:
        n_mentions: Approximate number of rows (at least 100).
        seed: Random seed (same seed, same rows).
        start: First local day of the period (``YYYY-MM-DD``, Europe/Berlin).
        weeks: Length of the period in weeks.
        chunk_rows: Rows per chunk (at least 1).

    Yields:
        Canonical frames of at most ``chunk_rows`` rows, in ``created_at``, ``mention_id``
        order, each with a fresh index.

    Raises:
        ValueError: As :func:`generate_mentions`, or if ``chunk_rows`` < 1.

    Examples:
        >>> chunks = list(iter_mentions(300, seed=1, chunk_rows=100))
        >>> [len(c) for c in chunks][:3]
        [100, 100, 100]
        >>> pd.concat(chunks, ignore_index=True).equals(generate_mentions(300, seed=1))
        True
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    plan = _plan_mentions(n_mentions, seed=seed, start=start, weeks=weeks)
    for _, chunk in _chunks(plan, chunk_rows):
        yield chunk


def write_sample(
    path: str | Path,
    n_mentions: int = 6000,
    *,
    seed: int = SAMPLE_SEED,
    include_malformed: bool = True,
    chunk_rows: int = CHUNK_ROWS,
) -> Path:
    """Generate the sample and write it as CSV or Parquet (chosen by the file suffix).

    Rows are generated and written ``chunk_rows`` at a time (:func:`iter_mentions`): Parquet
    through one ``pyarrow.parquet.ParquetWriter`` (a row group per chunk), CSV by appending, so
    a million rows never sit in memory as strings at once; the file holds the same rows
    whatever the chunk size (CSV files are byte-identical).

    CSV files are UTF-8 with ``\\n`` line ends and ``created_at`` as ISO 8601 UTC with ``Z``.
    With ``include_malformed`` (CSV only) three rows that an importer must reject are appended
    at the very end: one with an empty ``text``, one whose ``created_at`` is ``not a date`` and
    one that repeats the ``mention_id`` of an earlier row (an overlapping export).

    Args:
        path: Target file, ``.csv`` or ``.parquet``; parent folders are created.
        n_mentions: Approximate number of well-formed rows.
        seed: Random seed (same seed, same bytes).
        include_malformed: Append the three malformed rows (ignored for Parquet, which cannot
            hold them in canonical dtypes).
        chunk_rows: Rows generated and written at a time.

    Returns:
        The path written.

    Raises:
        ValueError: If the suffix is neither ``.csv`` nor ``.parquet``, or as
            :func:`iter_mentions`.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = write_sample(Path(tmp) / "m.csv", 200, seed=3)
        ...     out.read_text(encoding="utf-8").splitlines()[0].split(",")[:3]
        ['mention_id', 'platform', 'source']
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: unsupported suffix '{path.suffix}'; use .csv or .parquet")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, got {chunk_rows}")
    plan = _plan_mentions(n_mentions, seed=seed, start="2026-08-31", weeks=9)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    if suffix == ".parquet":
        if include_malformed:
            logger.info("malformed rows are only written to CSV files; %s gets none", path)
        _write_parquet(plan, tmp, chunk_rows)
    else:
        _write_csv(plan, tmp, chunk_rows, include_malformed)
    tmp.replace(path)
    logger.info("wrote %d sample mentions to %s", plan.size, path)
    return path


# ---------------------------------------------------------------------------------------------
# Output helpers
# ---------------------------------------------------------------------------------------------
def _chunks(plan: _Plan, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """(first row number, canonical frame) of every chunk, in order."""
    for first in range(0, plan.size, chunk_rows):
        yield first, conform_mentions(_rows_frame(plan, plan.order[first:first + chunk_rows]))


def _write_parquet(plan: _Plan, path: Path, chunk_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for _, chunk in _chunks(plan, chunk_rows):
            if writer is None:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                writer = pq.ParquetWriter(path, table.schema)
            else:
                table = pa.Table.from_pandas(chunk, schema=writer.schema, preserve_index=False)
            writer.write_table(table)
            del table
    finally:
        if writer is not None:
            writer.close()


def _write_csv(plan: _Plan, path: Path, chunk_rows: int, include_malformed: bool) -> None:
    middle = plan.size // 2  # the row an "overlapping export" repeats at the end
    duplicate: dict[str, str] = {}
    last_created = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        for first, chunk in _chunks(plan, chunk_rows):
            table = _to_csv_table(chunk)
            table.to_csv(handle, index=False, header=first == 0, lineterminator="\n")
            if first <= middle < first + len(table):
                duplicate = table.iloc[middle - first].to_dict()
            last_created = table["created_at"].iloc[-1]
        if include_malformed:
            twitter = plan.seq[plan.platform == TW]
            next_number = int(twitter.max()) + 1 if len(twitter) else 1
            malformed = _malformed_rows(next_number, plan.width, last_created, duplicate)
            malformed.to_csv(handle, index=False, header=False, lineterminator="\n")


def _to_csv_table(mentions: pd.DataFrame) -> pd.DataFrame:
    """Canonical frame -> all-text frame as written to CSV (timestamps with ``Z``)."""
    table = pd.DataFrame(index=mentions.index)
    for column in CANONICAL_COLUMNS:
        values = mentions[column]
        if column == "created_at":
            values = values.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif column == "is_brand":
            values = values.map({True: "true", False: "false"})
        table[column] = values.astype("string").fillna("")
    return table


def _malformed_rows(next_number: int, width: int, last_created: str,
                    duplicate: dict[str, str]) -> pd.DataFrame:
    """Three rows an importer must reject: empty text, bad date, duplicate mention_id.

    ``next_number`` is the next free twitter number, ``last_created`` the last row's
    ``created_at`` and ``duplicate`` the CSV row that is exported twice.
    """
    template = {c: "" for c in CANONICAL_COLUMNS}
    template.update(platform="twitter", source="sample", lang="en", is_brand="false",
                    reach="87", likes="0", shares="0", replies="0")
    empty = dict(template, mention_id=f"tw-{next_number:0{width}d}", author_id="malformed_row_1",
                 author_name="Malformed Row (empty text)", text="", created_at=last_created)
    bad_date = dict(template, mention_id=f"tw-{next_number + 1:0{width}d}",
                    author_id="malformed_row_2", author_name="Malformed Row (bad date)",
                    text="@AcmeAirHelp flight AC 1234 delayed again, still waiting",
                    created_at="not a date")
    for row in (empty, bad_date):
        row["conversation_id"] = row["mention_id"]
    return pd.DataFrame([empty, bad_date, duplicate], columns=list(CANONICAL_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Calendar:
    """The period in local (Europe/Berlin) seconds since 1970, as if local time were UTC."""

    start_s: int
    n_days: int
    crisis_day: int  # day index

    @property
    def end_s(self) -> int:
        return self.start_s + self.n_days * _SECONDS_PER_DAY


class _Rows:
    """Column store the generator appends blocks of rows to; indices are global row numbers."""

    FIELDS = ("kind", "platform", "intent", "target", "comp", "handle", "t", "parent", "root",
              "ref", "group")

    def __init__(self) -> None:
        self.blocks: dict[str, list[np.ndarray]] = {f: [] for f in self.FIELDS}
        self.size = 0

    def add(self, n: int, **cols: np.ndarray | int | str) -> np.ndarray:
        defaults: dict[str, object] = {"intent": OTHER, "target": 0, "comp": 0, "handle": -1,
                                       "parent": -1, "root": -1, "ref": -1, "group": ""}
        for field in self.FIELDS:
            value = cols.get(field, defaults.get(field))
            if value is None:
                raise KeyError(field)
            dtype = object if field == "group" else np.int64
            if np.ndim(value) == 0:
                value = np.full(n, value, dtype=dtype)
            self.blocks[field].append(np.asarray(value, dtype=dtype))
        idx = np.arange(self.size, self.size + n)
        self.size += n
        return idx

    def next_indices(self, n: int) -> np.ndarray:
        """Global indices the next ``n`` added rows will get (roots are their own root)."""
        return np.arange(self.size, self.size + n)

    def frame(self) -> dict[str, np.ndarray]:
        return {f: np.concatenate(v) if v else np.empty(0) for f, v in self.blocks.items()}


def _parse_period(start: str, weeks: int) -> _Calendar:
    try:
        day = pd.Timestamp(start)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"start must be a date like '2026-08-31', got {start!r}") from exc
    if day.tzinfo is not None:
        raise ValueError(f"start is a local day in {SAMPLE_TIMEZONE}; give it without a zone")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    start_s = int((day.normalize() - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
    n_days = 7 * weeks
    crisis = _CRISIS_OFFSET_DAYS if n_days > _CRISIS_OFFSET_DAYS + 1 else n_days // 2
    return _Calendar(start_s, n_days, crisis)


def _weekday(t: np.ndarray) -> np.ndarray:
    """Monday = 0 for local seconds since 1970 (1970-01-01 was a Thursday)."""
    return (t // _SECONDS_PER_DAY + 3) % 7


def _sample_times(rng: np.random.Generator, cal: _Calendar, n: int) -> np.ndarray:
    """Local timestamps of customer posts with a weekly and diurnal rhythm."""
    days = np.arange(cal.n_days)
    day_start = cal.start_s + days * _SECONDS_PER_DAY
    weights = _DAY_FACTOR[_weekday(day_start)] * rng.lognormal(0.0, 0.12, cal.n_days)
    day = rng.choice(cal.n_days, size=n, p=weights / weights.sum())
    weekend = _weekday(day_start[day]) >= 5
    u = rng.random(n)
    cdf_wd = np.cumsum(_HOURS_WEEKDAY) / _HOURS_WEEKDAY.sum()
    cdf_we = np.cumsum(_HOURS_WEEKEND) / _HOURS_WEEKEND.sum()
    hour = np.where(weekend, np.searchsorted(cdf_we, u), np.searchsorted(cdf_wd, u))
    return day_start[day] + np.minimum(hour, 23) * 3600 + rng.integers(0, 3600, n)


def _next_opening(t: np.ndarray) -> np.ndarray:
    """The next start of business hours (Mon-Fri 08:00 local) at or after ``t``."""
    day = t // _SECONDS_PER_DAY
    sod = t % _SECONDS_PER_DAY
    same_day = (_weekday(t) < 5) & (sod < _OPEN_S)
    nxt = day + 1
    nwd = (nxt + 3) % 7
    nxt = nxt + np.where(nwd == 5, 2, np.where(nwd == 6, 1, 0))
    return np.where(same_day, day, nxt) * _SECONDS_PER_DAY + _OPEN_S


def _reply_times(rng: np.random.Generator, t: np.ndarray, platform: np.ndarray,
                 scale: float | np.ndarray = 1.0) -> np.ndarray:
    """When the brand answers posts made at local ``t`` (business-hours aware)."""
    n = len(t)
    median = _DELAY_MEDIAN_MIN[platform] * 60.0 * scale
    delay = np.clip(rng.lognormal(np.log(median), 0.8, n), 120, 10 * 3600)
    backlog = np.clip(rng.lognormal(np.log(median * 1.5), 0.7, n), 300, 6 * 3600)
    sod = t % _SECONDS_PER_DAY
    open_now = (_weekday(t) < 5) & (sod >= _OPEN_S) & (sod < _CLOSE_S)
    close = t - sod + _CLOSE_S
    spill = t + delay - close
    in_hours = np.where(spill > 0, _next_opening(close) + spill, t + delay)
    off_hours = _next_opening(t) + backlog
    return np.where(open_now, in_hours, off_hours).astype(np.int64)


@dataclass
class _Threads:
    """Reply structure of a set of root posts (one entry per root)."""

    has1: np.ndarray
    t1: np.ndarray
    hasf: np.ndarray
    tf: np.ndarray
    has2: np.ndarray
    t2: np.ndarray

    def size(self) -> np.ndarray:
        return 1 + self.has1.astype(int) + self.hasf.astype(int) + self.has2.astype(int)

    def subset(self, keep: np.ndarray) -> _Threads:
        return _Threads(*(getattr(self, f)[keep] for f in ("has1", "t1", "hasf", "tf", "has2",
                                                           "t2")))


def _make_threads(rng: np.random.Generator, cal: _Calendar, t: np.ndarray, platform: np.ndarray,
                  p_answer: np.ndarray, p_followup: np.ndarray, p_second: float,
                  scale: float = 1.0) -> _Threads:
    n = len(t)
    has1 = rng.random(n) < p_answer
    t1 = _reply_times(rng, t, platform, scale)
    has1 &= t1 < cal.end_s
    p_fu = np.where(platform == TP, 0.0, p_followup)  # no customer follow-ups on review sites
    hasf = has1 & (rng.random(n) < p_fu)
    tf = t1 + np.clip(rng.lognormal(np.log(50 * 60), 1.0, n), 120, 2 * _SECONDS_PER_DAY)
    hasf &= tf < cal.end_s
    tf = tf.astype(np.int64)
    has2 = hasf & (rng.random(n) < p_second)
    t2 = _reply_times(rng, tf, platform, scale)
    has2 &= t2 < cal.end_s
    return _Threads(has1, t1, hasf, tf, has2, t2)


def _add_threads(rows: _Rows, rng: np.random.Generator, root_idx: np.ndarray,
                 th: _Threads, platform: np.ndarray, intent: np.ndarray, kind: int,
                 reply_group: np.ndarray) -> None:
    """Append brand replies, customer follow-ups and second replies for the given roots."""
    handle = np.where((intent == PRAISE) | (intent == OTHER),
                      (rng.random(len(intent)) < 0.3).astype(int),
                      np.where(intent == LEAD, (rng.random(len(intent)) < 0.4).astype(int), 1))
    if kind == K_CRISIS:
        handle[:] = 1
    m1 = th.has1
    r1 = rows.add(int(m1.sum()), kind=K_REPLY, platform=platform[m1], intent=intent[m1],
                  handle=handle[m1], t=th.t1[m1], parent=root_idx[m1], root=root_idx[m1],
                  group=reply_group[m1])
    reply_of = np.full(len(root_idx), -1)
    reply_of[m1] = r1
    dm = np.array([g.endswith(("_dm", "_pii")) for g in reply_group], dtype=bool)
    mf = th.hasf
    fu_group = np.where(dm[mf] | (intent[mf] == LEAD), "followup_dm", "followup_info")
    fu = rows.add(int(mf.sum()), kind=K_FOLLOWUP, platform=platform[mf], intent=OTHER,
                  t=th.tf[mf], parent=reply_of[mf], root=root_idx[mf],
                  group=fu_group.astype(object))
    fu_of = np.full(len(root_idx), -1)
    fu_of[mf] = fu
    m2 = th.has2
    rows.add(int(m2.sum()), kind=K_REPLY2, platform=platform[m2], intent=intent[m2],
             handle=handle[m2], t=th.t2[m2], parent=fu_of[m2], root=root_idx[m2], group="reply2")


def _reply_groups(rng: np.random.Generator, intent: np.ndarray) -> np.ndarray:
    groups = np.array(["reply_complaint", "reply_question", "reply_praise", "reply_lead",
                       "reply_other"], dtype=object)[intent]
    u = rng.random(len(intent))
    groups[(intent == COMPLAINT) & (u < 0.45)] = "reply_complaint_dm"
    groups[(intent == QUESTION) & (u < 0.2)] = "reply_question_dm"
    return groups


def _counts(n: int) -> dict[str, int]:
    return {
        "proactive": max(2, round(n * 100 / 6000)),
        "crisis": max(5, round(n * 0.058)),
        "pii": max(1, round(n * 22 / 6000)),
    }


def _plan_mentions(n_mentions: int, *, seed: int, start: str, weeks: int) -> _Plan:
    """Every row of the sample as numbers (threads, authors, times, ids, random draws)."""
    if n_mentions < 100:
        raise ValueError(f"n_mentions must be at least 100, got {n_mentions}")
    cal = _parse_period(start, weeks)
    rng = np.random.default_rng(seed)
    counts = _counts(n_mentions)
    rows = _Rows()

    # Proactive brand posts: posting times spread over 07-21 local so timing can be analysed.
    n_pro = counts["proactive"]
    days = np.arange(cal.n_days)
    day_w = np.where(_weekday(cal.start_s + days * _SECONDS_PER_DAY) < 5, 1.0, 0.5)
    pro_day = rng.choice(cal.n_days, size=n_pro, p=day_w / day_w.sum())
    pro_t = (cal.start_s + pro_day * _SECONDS_PER_DAY + rng.integers(7, 22, n_pro) * 3600
             + rng.integers(0, 60, n_pro) * 60)
    pro_platform = rng.choice([TW, FB, IG], size=n_pro, p=[0.4, 0.3, 0.3])
    pro_idx = rows.add(n_pro, kind=K_PROACTIVE, platform=pro_platform, handle=0, t=pro_t,
                       group="proactive")

    # Crisis statements (en + de, morning and afternoon).
    crisis_s = cal.start_s + cal.crisis_day * _SECONDS_PER_DAY
    st_t = crisis_s + np.array([7 * 3600 + 48 * 60, 7 * 3600 + 52 * 60, 15 * 3600 + 10 * 60,
                                15 * 3600 + 14 * 60])
    rows.add(4, kind=K_STATEMENT, platform=TW, handle=0, t=st_t, group="statement")

    # Retweets of proactive twitter posts (near-duplicates of the brand's text).
    tw_pro = pro_idx[pro_platform == TW]
    n_rt = rng.poisson(0.8, len(tw_pro))
    rt_src = np.repeat(tw_pro, n_rt)
    rt_t = np.repeat(pro_t[pro_platform == TW], n_rt) + np.clip(
        rng.lognormal(np.log(40 * 60), 1.0, len(rt_src)), 60, 2 * _SECONDS_PER_DAY).astype(int)
    keep = rt_t < cal.end_s
    rows.add(int(keep.sum()), kind=K_RT, platform=TW, target=0, t=rt_t[keep], ref=rt_src[keep],
             group="rt")

    # Crisis posts: an IT outage, onset around 05:45 local, peak in the morning.
    n_cr = counts["crisis"]
    cr_hours = np.minimum(5.75 + rng.gamma(2.2, 1.8, n_cr), 23.99)
    cr_t = crisis_s + (cr_hours * 3600).astype(np.int64)
    cr_platform = rng.choice(6, size=n_cr, p=_CRISIS_PLATFORM_P)
    cr_intent = np.where(rng.random(n_cr) < 0.88, COMPLAINT, QUESTION)
    cr_group = np.where(cr_intent == COMPLAINT, "crisis_complaint", "crisis_question")
    cr_idx = rows.add(n_cr, kind=K_CRISIS, platform=cr_platform, intent=cr_intent, t=cr_t,
                      root=rows.next_indices(n_cr), group=cr_group.astype(object))
    cr_th = _make_threads(rng, cal, cr_t, cr_platform, np.full(n_cr, 0.3), np.full(n_cr, 0.15),
                          0.6, scale=3.0)
    _add_threads(rows, rng, cr_idx, cr_th, cr_platform, cr_intent, K_CRISIS,
                 np.full(n_cr, "reply_crisis", dtype=object))

    # Regular customer threads: oversample, then keep whole threads until the total is reached.
    needed = n_mentions - rows.size
    m = int(needed / 1.55 * 1.2) + 30
    t = _sample_times(rng, cal, m)
    platform = rng.choice(6, size=m, p=_PLATFORM_P)
    target = (rng.random(m) < _COMPETITOR_SHARE).astype(int)
    intent = np.where(target == 1, rng.choice(5, size=m, p=_COMP_INTENT_P),
                      rng.choice(5, size=m, p=_BRAND_INTENT_P))
    review = platform == TP  # review sites: complaints and praise only
    intent[review] = np.where(rng.random(int(review.sum())) < 0.62, COMPLAINT, PRAISE)
    comp = (rng.random(m) < 0.4).astype(int)
    p_answer = np.where(target == 1, 0.0,
                        np.clip(_P_ANSWER[intent] + _ANSWER_SHIFT[platform], 0, 1))
    th = _make_threads(rng, cal, t, platform, p_answer, _P_FOLLOWUP[intent], _P_SECOND)
    order = rng.permutation(m)
    before = np.cumsum(th.size()[order]) - th.size()[order]
    keep = np.sort(order[before < needed])
    if len(keep) == m:
        short = needed - int(th.size().sum())
        logger.warning("sample: oversampling too small, %d rows short", short)
    t, platform, target, intent, comp = (a[keep] for a in (t, platform, target, intent, comp))
    th = th.subset(keep)
    k = len(keep)

    group = np.where(target == 1, np.array(["comp_" + i for i in _INTENTS], dtype=object)[intent],
                     np.array(_INTENTS, dtype=object)[intent])
    social = (platform == TW) | (platform == IG)
    campaign = (target == 0) & (intent == OTHER) & social & (rng.random(k) < 0.25)
    group[campaign] = "campaign"
    # Personal data: a few complaints/questions to the brand, preferably answered ones.
    candidates = np.flatnonzero((target == 0) & ((intent == COMPLAINT) | (intent == QUESTION)))
    prefer = th.has1[candidates] * 2.0 + 1.0
    n_pii = min(counts["pii"], len(candidates))
    pii = rng.choice(candidates, size=n_pii, replace=False, p=prefer / prefer.sum())
    group[pii] = "pii"
    reply_group = _reply_groups(rng, intent)
    reply_group[pii] = "reply_pii"

    root_idx = rows.add(k, kind=K_ROOT, platform=platform, intent=intent, target=target,
                        comp=comp, t=t, root=rows.next_indices(k), group=group)
    _add_threads(rows, rng, root_idx, th, platform, intent, K_ROOT, reply_group)

    plan = _plan_rows(rng, cal, rows.frame())
    logger.info("sample: %d mentions (seed %d)", plan.size, seed)
    return plan


def _generate_frame(n_mentions: int, *, seed: int, start: str, weeks: int) -> pd.DataFrame:
    """Canonical columns plus the labels ``kind``, ``intent`` and ``template`` (internal)."""
    plan = _plan_mentions(n_mentions, seed=seed, start=start, weeks=weeks)
    return _rows_frame(plan, plan.order)



# ---------------------------------------------------------------------------------------------
# Authors, texts, engagement, ids and URLs
# ---------------------------------------------------------------------------------------------
def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT))
    return text.encode("ascii", "ignore").decode("ascii")


#: :func:`_ascii` of a first or last name (a few hundred distinct names, millions of calls).
_ascii_name = functools.lru_cache(maxsize=4096)(_ascii)


@dataclass
class _Authors:
    platform: np.ndarray
    lang: np.ndarray
    first: np.ndarray
    last: np.ndarray
    author_id: np.ndarray
    author_name: np.ndarray
    address: np.ndarray  # how the brand addresses the author
    reach: np.ndarray


def _make_authors(rng: np.random.Generator, platform: np.ndarray) -> _Authors:
    n = len(platform)
    lang = (rng.random(n) < _DE_P[platform]).astype(int)
    f_de = rng.integers(0, len(_FIRST_DE), n)
    f_en = rng.integers(0, len(_FIRST_EN), n)
    l_de = rng.integers(0, len(_LAST_DE), n)
    l_en = rng.integers(0, len(_LAST_EN), n)
    # Some German-speaking authors have English names and vice versa.
    swap = rng.random(n) < 0.08
    use_de = (lang == DE) ^ swap
    first = [_FIRST_DE[a] if d else _FIRST_EN[b] for a, b, d in zip(f_de, f_en, use_de,
                                                                     strict=True)]
    last = [_LAST_DE[a] if d else _LAST_EN[b] for a, b, d in zip(l_de, l_en, use_de,
                                                                 strict=True)]
    year = rng.integers(1956, 2006, n)
    style = rng.integers(0, 6, n)
    num = rng.integers(1, 100, n)
    city = rng.integers(0, len(_CITY_CODES), n)
    adj = rng.integers(0, len(_NICK_ADJ_EN), n)
    noun = rng.integers(0, len(_NICK_NOUN_EN), n)
    nick = rng.integers(0, len(_NICK_DE), n)
    hexids = rng.integers(0, 2**63 - 1, size=(n, 2), dtype=np.int64)
    fbids = rng.integers(10**13, 9 * 10**13, n)

    ids: list[str] = []
    names: list[str] = []
    address: list[str] = []
    for i in range(n):
        p = int(platform[i])
        fa, la = _ascii_name(first[i]), _ascii_name(last[i]).replace(" ", "")
        full = f"{first[i]} {last[i]}"
        s = int(style[i])
        if p in (TW, IG):
            sep = "." if p == IG else "_"
            handle = (
                f"{fa}{sep}{la[0]}{sep}{year[i]}".lower() if s == 0 else
                f"{fa}{la}" if s == 1 else
                f"{fa}{sep}{la}".lower() if s == 2 else
                f"{fa[0]}{la}{year[i] % 100:02d}".lower() if s == 3 else
                f"{fa}{sep}{_CITY_CODES[city[i]]}".lower() if s == 4 else
                f"{fa}{la[:3]}{num[i]}"
            )
            ids.append(handle[:15] if p == TW else handle[:30])
            names.append(full)
            address.append(first[i])
        elif p == FB:
            ids.append(str(100000000000000 + int(fbids[i])))
            names.append(full)
            address.append(first[i])
        elif p == TP:
            ids.append(f"{int(hexids[i, 0]):016x}{int(hexids[i, 1]) & 0xFFFFFFFF:08x}")
            names.append(f"{first[i]} {last[i][0]}.")
            address.append(first[i])
        else:  # reddit and forum: nicknames
            if lang[i] == DE and s < 4:
                handle = f"{_NICK_DE[nick[i]]}{'_' if s % 2 else ''}{num[i]}"
                if s == 3:
                    handle = f"{_NICK_DE[nick[i]]}_{_CITY_CODES[city[i]].upper()}"
            elif s < 4:
                handle = f"{_NICK_ADJ_EN[adj[i]]}{_NICK_NOUN_EN[noun[i]]}{num[i]}"
            else:
                handle = f"{fa.lower()}_{la[0].lower()}{year[i] % 100:02d}"
            ids.append(handle)
            names.append(handle)
            address.append(handle)
    author_id = _dedupe(np.array(ids, dtype=object), platform)
    author_name = np.array(names, dtype=object)
    if n:
        rd_fo = (platform == RD) | (platform == FO)
        author_name[rd_fo] = author_id[rd_fo]
    address_arr = np.array(address, dtype=object)
    address_arr[(platform == RD) | (platform == FO)] = author_name[(platform == RD)
                                                                   | (platform == FO)]
    reach = rng.lognormal(np.log(_REACH_MEDIAN[platform]), 1.2, n)
    influencer = rng.random(n) < _INFLUENCER_P[platform]
    reach[influencer] = np.exp(rng.uniform(np.log(50_000), np.log(200_000), int(influencer.sum())))
    return _Authors(platform, lang, np.array(first, dtype=object), np.array(last, dtype=object),
                    author_id, author_name, address_arr, np.round(reach).astype(np.int64))


def _dedupe(ids: np.ndarray, platform: np.ndarray) -> np.ndarray:
    """Make ids unique per platform by appending a counter to repeats."""
    out = pd.Series(ids, dtype=object)
    key = pd.Series(platform).astype(str) + "|"
    for _ in range(10):
        rank = (key + out).groupby(key + out).cumcount()
        if not (rank > 0).any():
            break
        out = out.where(rank == 0, out + (rank + 1).astype(str))
    return out.to_numpy(dtype=object)


@dataclass
class _Template:
    """One template and the slot values drawn for the rows that use it (in draw order)."""

    template: str
    template_id: str  # group.lang.NN
    number: int  # NN
    fields: list[str]
    city: np.ndarray
    draws: dict[str, tuple[np.ndarray, ...]]


class _SlotFiller:
    """Draws slot values ({city}, {flight}, ...) for the rows of one template.

    Only numbers are drawn here (in the same order as the strings would need them); the
    strings are made later, chunk by chunk, by :func:`_format_slot`.
    """

    _SIMPLE: dict[str, tuple[int, int]] = {"hours": (2, 10), "days": (2, 15), "weeks": (2, 9),
                                           "n": (2, 7), "group": (8, 45)}

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng

    def draw(self, fields: Sequence[str], n: int) -> tuple[np.ndarray, dict[str, tuple]]:
        city = self.rng.integers(0, len(_CITIES), n)
        return city, {field: self._draw_one(field, n) for field in fields}

    def _draw_one(self, field: str, n: int) -> tuple[np.ndarray, ...]:
        rng = self.rng
        if field in ("brand", "comp"):
            return (rng.random(n),)
        if field == "city":
            return ()
        if field == "city2":
            return (rng.integers(1, len(_CITIES), n),)
        if field == "ccity":
            return (rng.integers(0, len(_CAMPAIGN_CITIES), n),)
        if field == "flight":
            return rng.integers(100, 9900, n), rng.random(n) < 0.8
        if field == "cflight":
            return (rng.integers(100, 9900, n),)
        if field == "time":
            return rng.integers(5, 12, n), rng.integers(0, 12, n) * 5
        if field == "amount":
            return (rng.choice(_AMOUNTS, n),)
        if field == "date":
            return (rng.integers(1, 15, n),)
        if field in self._SIMPLE:
            return (rng.integers(*self._SIMPLE[field], n),)
        if field == "minutes":
            return (rng.choice((25, 40, 45, 50, 55, 70, 90, 120), n),)
        if field == "booking":
            return (rng.integers(0, len(_BOOKING_ALPHABET), (n, 6)),)
        if field == "sign":
            return (rng.integers(0, len(_AGENTS), n),)
        if field == "email":
            return rng.choice(("com", "org", "net"), n), rng.random(n) < 0.6, rng.integers(60, 100,
                                                                                         n)
        if field == "phone":
            return (rng.random(n) < 0.6, rng.integers(0, 1000, n), rng.integers(100, 200, n),
                    rng.choice((202, 312, 415, 617), n), rng.random(n) < 0.5)
        if field == "iban":
            return (rng.integers(0, 2, n),)
        if field in ("first", "card"):
            return ()
        raise KeyError(f"unknown template slot {{{field}}}")


def _format_slot(field: str, draws: tuple[np.ndarray, ...], city: np.ndarray,
                 ctx: dict[str, np.ndarray]) -> list[str]:
    """The strings of one slot for some rows of a template (``draws`` and ``ctx`` per row)."""
    lang, platform = ctx["lang"], ctx["platform"]
    if field == "brand":
        (u,) = draws
        return [_BRAND_FORMS[p][int(x * len(_BRAND_FORMS[p]))] for p, x in zip(platform, u,
                                                                                strict=True)]
    if field == "comp":
        (u,) = draws
        forms = [_COMP_FORMS[0 if p == TW else 1][c] for p, c in zip(platform, ctx["comp"],
                                                                      strict=True)]
        return [f[int(x * len(f))] for f, x in zip(forms, u, strict=True)]
    if field in ("city", "city2"):
        idx = city if field == "city" else (city + draws[0]) % len(_CITIES)
        return [_CITIES[c][g] for c, g in zip(idx, lang, strict=True)]
    if field == "ccity":
        return [_CAMPAIGN_CITIES[c][g] for c, g in zip(draws[0], lang, strict=True)]
    if field == "flight":
        num, space = draws
        return [f"AC {x}" if s else f"AC{x}" for x, s in zip(num, space, strict=True)]
    if field == "cflight":
        return [f"{_COMP_CODES[c]} {x}" for c, x in zip(ctx["comp"], draws[0], strict=True)]
    if field == "time":
        h, mnt = draws
        return [f"{a:02d}:{b:02d}" for a, b in zip(h, mnt, strict=True)]
    if field == "amount":
        return [f"€{x:,}" if g == EN else f"{x:,} €".replace(",", ".")
                for x, g in zip(draws[0], lang, strict=True)]
    if field == "date":
        when = pd.to_datetime(ctx["t"] + draws[0] * _SECONDS_PER_DAY, unit="s")
        return [f"{_MONTHS_EN[d.month - 1]} {d.day}" if g == EN else f"{d.day}.{d.month}."
                for d, g in zip(when, lang, strict=True)]
    if field in _SlotFiller._SIMPLE or field == "minutes":
        return [str(x) for x in draws[0]]
    if field == "booking":
        return ["ACM-" + "".join(r) for r in _BOOKING_ALPHABET[draws[0]]]
    if field == "first":
        return list(ctx["address"])
    if field == "sign":
        out = []
        for a, p, g in zip(draws[0], platform, lang, strict=True):
            name = _AGENTS[a]
            if p in (TW, IG):
                out.append(f"^{name[0]}{'MKSTBLRW'[a % 8]}")
            else:
                out.append(f"Best, {name}" if g == EN else f"Viele Grüße, {name}")
        return out
    if field == "email":
        tld, style, year = draws
        return [f"{_ascii_name(fi).lower()}.{_ascii_name(la).lower()}@example.{d}" if s
                else f"{_ascii_name(fi).lower()}{y % 100:02d}@example.{d}"
                for fi, la, d, s, y in zip(ctx["first"], ctx["last"], tld, style, year,
                                           strict=True)]
    if field == "phone":
        uk, uk_num, us_num, area, fmt = draws
        return [(f"+44 7700 900{a:03d}" if f else f"07700 900{a:03d}") if u
                else f"+1 {c}-555-0{b:03d}"
                for u, a, b, c, f in zip(uk, uk_num, us_num, area, fmt, strict=True)]
    if field == "iban":
        return [_IBANS[i] for i in draws[0]]
    if field == "card":
        return [_TEST_CARD] * len(lang)
    raise KeyError(f"unknown template slot {{{field}}}")


def _template_fields(template: str) -> list[str]:
    return sorted({f for _, f, _, _ in string.Formatter().parse(template) if f})


def _draw_texts(rng: np.random.Generator, ctx: dict[str, np.ndarray], templates: list[_Template],
                code: np.ndarray, pos: np.ndarray) -> None:
    """Pick a template for every row with a template group and draw its slot values.

    Appends to ``templates``; sets ``code`` (index into ``templates``) and ``pos`` (the row's
    position in that template's draws) for the rows it covers. Retweets have no template.
    """
    group_code, group_names = pd.factorize(ctx["group"])
    group_index = {name: i for i, name in enumerate(group_names)}
    lang = ctx["lang"]
    filler = _SlotFiller(rng)
    for (name, lang_code), choices in _T.items():
        if name not in group_index:
            continue
        rows = np.flatnonzero((group_code == group_index[name])
                              & (lang == _LANGS.index(lang_code)))
        if not len(rows):
            continue
        choice = ctx.get("choice_" + name)
        pick = (choice[rows] % len(choices) if choice is not None
                else rng.integers(0, len(choices), len(rows)))
        for j, template in enumerate(choices):
            sel = rows[pick == j]
            if not len(sel):
                continue
            fields = _template_fields(template)
            city, draws = filler.draw(fields, len(sel))
            code[sel] = len(templates)
            pos[sel] = np.arange(len(sel))
            templates.append(_Template(template, f"{name}.{lang_code}.{j:02d}", j, fields, city,
                                       draws))


@dataclass
class _Plan:
    """Every row of a generated sample as numbers, in creation order; strings come later.

    ``order`` lists the rows in output order (``created_at``, then ``mention_id``).
    """

    size: int
    width: int  # digits of the mention-id numbers
    kind: np.ndarray
    platform: np.ndarray
    intent: np.ndarray
    lang: np.ndarray
    target: np.ndarray
    comp: np.ndarray
    handle: np.ndarray
    t: np.ndarray  # local seconds
    parent: np.ndarray
    root_row: np.ndarray  # the row's thread root (itself for roots)
    ref: np.ndarray
    is_brand: np.ndarray
    author: np.ndarray  # index into authors, -1 for brand posts
    root_author: np.ndarray  # author of the thread root, -1 when none
    authors: _Authors
    templates: list[_Template]
    template_code: np.ndarray
    template_pos: np.ndarray
    extra: np.ndarray
    extra_pick: np.ndarray
    lower: np.ndarray
    tags: np.ndarray
    tag_a: np.ndarray
    tag_b: np.ndarray
    two_tags: np.ndarray
    reach: np.ndarray
    likes: np.ndarray
    shares: np.ndarray
    replies: np.ndarray
    created: pd.DatetimeIndex
    seq: np.ndarray
    code36: np.ndarray
    code64: np.ndarray
    sub_pick: np.ndarray
    hexes: np.ndarray
    snowflake: np.ndarray
    order: np.ndarray


def _small(values: np.ndarray) -> np.ndarray:
    """The same integers in the smallest of int8/int16/int32/int64 that holds them."""
    if not len(values):
        return values
    low, high = int(values.min()), int(values.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= low and high <= info.max:
            return values.astype(dtype)
    return values


def _plan_rows(rng: np.random.Generator, cal: _Calendar, cols: dict[str, np.ndarray]) -> _Plan:
    """Authors, languages, templates and slot values, engagement, times, ids and URL parts."""
    n = len(cols["kind"])
    kind, platform, parent, root = cols["kind"], cols["platform"], cols["parent"], cols["root"]
    is_brand = np.isin(kind, _BRAND_KINDS)
    starter = np.isin(kind, (K_ROOT, K_CRISIS, K_RT))

    # Authors: per platform pools sized to the number of customer posts there; heavy-tailed
    # activity so that some people post often.
    starters = np.flatnonzero(starter)
    st_platform = platform[starters]
    per_platform = np.bincount(st_platform, minlength=6)
    pool_size = np.maximum(3, np.ceil(per_platform * 1.15)).astype(int)
    authors = _make_authors(rng, np.repeat(np.arange(6), pool_size))
    offsets = np.concatenate([[0], np.cumsum(pool_size)])
    author = np.full(n, -1)
    for p in range(6):
        sel = starters[st_platform == p]
        if not len(sel):
            continue
        w = rng.lognormal(0.0, 1.0, pool_size[p])
        author[sel] = offsets[p] + rng.choice(pool_size[p], size=len(sel), p=w / w.sum())
    followup = kind == K_FOLLOWUP
    author[followup] = author[root[followup]]

    # Language: customer posts in the author's language; threads in the root's language.
    lang = np.zeros(n, dtype=int)
    lang[starter] = authors.lang[author[starter]]
    brand_own = np.isin(kind, (K_PROACTIVE, K_STATEMENT))
    lang[brand_own] = (rng.random(int(brand_own.sum())) < 0.5).astype(int)
    statements = np.flatnonzero(kind == K_STATEMENT)
    lang[statements] = np.array([EN, DE, EN, DE])[: len(statements)]
    in_thread = root >= 0
    lang[in_thread] = lang[root[in_thread]]
    rt = kind == K_RT
    lang[rt] = lang[cols["ref"][rt]]
    # Comparison templates need a competitor for brand posts as well.
    comp = cols["comp"].copy()
    no_comp = cols["target"] == 0
    comp[no_comp] = (rng.random(int(no_comp.sum())) < 0.4).astype(int)

    root_author = np.where(root >= 0, author[np.maximum(root, 0)], -1)
    ctx = {
        "group": cols["group"], "lang": lang,
        # Statements in order: en + de in the morning (template 0), en + de update (template 1).
        "choice_statement": ((np.cumsum(kind == K_STATEMENT) - 1) >= 2).astype(int),
    }
    templates: list[_Template] = []
    code = np.full(n, -1, dtype=np.int32)
    pos = np.zeros(n, dtype=np.int32)
    _draw_texts(rng, ctx, templates, code, pos)
    number = np.array([tpl.number for tpl in templates] or [0])

    # Follow-up intents come from their template.
    for name, labels in _FOLLOWUP_INTENT.items():
        sel = np.flatnonzero(cols["group"] == name)
        if len(sel):
            cols["intent"][sel] = np.array(labels)[number[code[sel]]]
    # Second replies: thank-you after a happy follow-up (drawn again for those rows).
    r2 = np.flatnonzero(kind == K_REPLY2)
    happy = r2[cols["intent"][parent[r2]] == PRAISE] if len(r2) else r2
    if len(happy):
        sub = {"lang": lang, "group": np.full(n, "", dtype=object)}
        sub["group"][happy] = "reply2_thanks"
        _draw_texts(rng, sub, templates, code, pos)

    # Long-form platforms get an extra sentence; some social posts are typed in lower case or
    # carry hashtags (applied to the strings in _texts).
    customer_root = np.isin(kind, (K_ROOT, K_CRISIS)) & ~np.isin(cols["group"], ("pii",
                                                                                 "campaign"))
    extra = customer_root & (rng.random(n) < _EXTRA_P[platform])
    intent = cols["intent"]
    extra_pick = rng.integers(0, 5, n)
    lower = customer_root & np.isin(platform, (TW, IG)) & (rng.random(n) < 0.08)
    tags = customer_root & (platform == IG) & (rng.random(n) < 0.5)
    tag_a = rng.integers(0, len(_HASHTAGS), n)
    tag_b = (tag_a + rng.integers(1, len(_HASHTAGS), n)) % len(_HASHTAGS)
    two = rng.random(n) < 0.5

    # Reach and engagement.
    cust = author >= 0
    handle = cols["handle"]
    reach = np.zeros(n, dtype=np.int64)
    reach[cust] = authors.reach[author[cust]]
    reach[is_brand] = _BRAND_REACH[handle[is_brand], platform[is_brand]]
    children = np.bincount(parent[parent >= 0], minlength=n)
    noise = rng.lognormal(0.0, 0.7, n)
    intent_factor = _LIKE_INTENT[intent] * np.select(
        [kind == K_CRISIS, kind == K_RT, kind == K_FOLLOWUP, cols["group"] == "campaign"],
        [2.5, 0.1, 0.2, 0.3], 1.0)
    lam = 0.015 * reach.astype(float) ** 0.85 * _LIKE_PLATFORM[platform] * intent_factor * noise
    lam[is_brand] = 0.8 * _LIKE_PLATFORM[platform[is_brand]] * noise[is_brand]
    pro = kind == K_PROACTIVE
    t_local = cols["t"]
    wd, hour = _weekday(t_local), (t_local % _SECONDS_PER_DAY) // 3600
    boost = np.where((wd >= 1) & (wd <= 3) & np.isin(hour, (11, 12, 18, 19)), 1.25, 1.0)
    lam[pro] = (_POST_BASE_LIKES[platform[pro]] * _POST_DAY_FACTOR[wd[pro]]
                * _POST_HOUR_FACTOR[hour[pro]] * boost[pro] * rng.lognormal(0.0, 0.3,
                                                                            int(pro.sum())))
    st = kind == K_STATEMENT
    lam[st] = 1200.0
    del noise, intent_factor, boost, wd, hour
    likes = rng.poisson(np.minimum(lam, 1e7))
    del lam
    share_rate = np.where(pro, _POST_SHARE_RATE[platform], _SHARE_RATE[platform])
    share_rate[st] = 0.5
    share_rate[np.isin(kind, (K_REPLY, K_REPLY2))] = 0.0
    shares = rng.poisson(likes * share_rate * rng.lognormal(0.0, 0.4, n))
    del share_rate
    reply_rate = np.where(pro | st, 0.06, 0.05)
    replies = children + rng.poisson(likes * reply_rate)
    replies[np.isin(kind, (K_REPLY, K_REPLY2, K_FOLLOWUP, K_RT))] = children[
        np.isin(kind, (K_REPLY, K_REPLY2, K_FOLLOWUP, K_RT))]
    del children, reply_rate

    # Local time -> UTC; ids per platform in chronological order.
    local = pd.to_datetime(t_local, unit="s")
    created = pd.DatetimeIndex(local).tz_localize(
        SAMPLE_TIMEZONE, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward"
    ).tz_convert("UTC")
    del local
    utc_s = (created - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
    utc_s = np.asarray(utc_s, dtype=np.int64)
    order = np.lexsort((np.arange(n), utc_s))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = pd.Series(platform[order]).groupby(platform[order]).cumcount().to_numpy() + 1
    width = max(6, len(str(int(seq.max())))) if n else 6
    # Output order: created_at, then mention_id ("<prefix>-<seq>", same width everywhere).
    prefix_rank = np.argsort(np.argsort(np.array(_PREFIX)))
    output_order = np.lexsort((seq, prefix_rank[platform], utc_s))

    # URL parts (drawn in the order the URLs were always drawn).
    code36 = rng.integers(0, 36, (n, 7)).astype(np.uint8)
    code64 = rng.integers(0, 64, (n, 11)).astype(np.uint8)
    sub_pick = rng.integers(0, 5, n)
    hexes = rng.integers(0, 2**62, (n, 2), dtype=np.int64)
    snowflake = ((utc_s * 1000 + rng.integers(0, 1000, n) - 1288834974657) << 22) + (seq % 4096)

    return _Plan(
        size=n, width=width, kind=_small(kind), platform=_small(platform),
        intent=_small(intent), lang=_small(lang), target=_small(cols["target"]),
        comp=_small(comp), handle=_small(handle), t=t_local, parent=parent,
        root_row=np.where(root >= 0, root, np.arange(n)), ref=cols["ref"], is_brand=is_brand,
        author=author, root_author=root_author, authors=authors, templates=templates,
        template_code=code, template_pos=pos, extra=extra, extra_pick=_small(extra_pick),
        lower=lower, tags=tags, tag_a=_small(tag_a), tag_b=_small(tag_b), two_tags=two,
        reach=reach, likes=likes, shares=shares, replies=replies, created=created, seq=seq,
        code36=code36, code64=code64, sub_pick=_small(sub_pick), hexes=hexes,
        snowflake=snowflake, order=output_order,
    )


def _author_ids(plan: _Plan, rows: np.ndarray) -> np.ndarray:
    """``author_id`` of the given rows (customers from the author pool, brand handles)."""
    out = np.empty(len(rows), dtype=object)
    author = plan.author[rows]
    cust = author >= 0
    out[cust] = plan.authors.author_id[author[cust]]
    brand = plan.is_brand[rows]
    out[brand] = np.array(_BRAND_IDS, dtype=object)[plan.handle[rows][brand]]
    return out


def _mention_ids(plan: _Plan, rows: np.ndarray) -> list[str]:
    width = plan.width
    return [f"{_PREFIX[p]}-{s:0{width}d}" for p, s in zip(plan.platform[rows].tolist(),
                                                           plan.seq[rows].tolist(), strict=True)]


def _texts(plan: _Plan, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Final texts and template ids of the given rows (any rows, in any order)."""
    n = len(rows)
    text = np.empty(n, dtype=object)
    template_id = np.empty(n, dtype=object)
    code = plan.template_code[rows]
    by_code = np.argsort(code, kind="stable")
    cuts = np.flatnonzero(np.diff(code[by_code])) + 1
    for sel in np.split(by_code, cuts):
        if not len(sel) or code[sel[0]] < 0:
            continue
        tpl = plan.templates[code[sel[0]]]
        template_id[sel] = tpl.template_id
        if not tpl.fields:
            text[sel] = tpl.template
            continue
        at, pos = rows[sel], plan.template_pos[rows[sel]]
        ctx = {"lang": plan.lang[at], "platform": plan.platform[at], "comp": plan.comp[at],
               "t": plan.t[at]}
        if {"first", "email"} & set(tpl.fields):
            root_author = np.maximum(plan.root_author[at], 0)
            ctx["address"] = plan.authors.address[root_author]
            ctx["first"] = plan.authors.first[root_author]
            ctx["last"] = plan.authors.last[root_author]
        values = [_format_slot(f, tuple(d[pos] for d in tpl.draws[f]), tpl.city[pos], ctx)
                  for f in tpl.fields]
        text[sel] = [tpl.template.format_map(dict(zip(tpl.fields, vals, strict=True)))
                     for vals in zip(*values, strict=True)]

    for i in np.flatnonzero(plan.extra[rows]):
        row = rows[i]
        options = _EXTRA.get((int(plan.intent[row]), _LANGS[plan.lang[row]]))
        if options:
            text[i] = f"{text[i]} {options[plan.extra_pick[row] % len(options)]}"
    lower = plan.lower[rows]
    text[lower] = [str(t).lower() for t in text[lower]]
    for i in np.flatnonzero(plan.tags[rows]):
        row = rows[i]
        text[i] = f"{text[i]} {_HASHTAGS[plan.tag_a[row]]}" + (
            f" {_HASHTAGS[plan.tag_b[row]]}" if plan.two_tags[row] else "")
    # Replies on twitter/instagram start with the @handle they answer.
    parent = plan.parent[rows]
    prefixed = np.flatnonzero(np.isin(plan.platform[rows], (TW, IG)) & (parent >= 0))
    if len(prefixed):
        handles = _author_ids(plan, parent[prefixed])
        text[prefixed] = [f"@{h} {t}" for h, t in zip(handles, text[prefixed], strict=True)]
    retweets = np.flatnonzero(plan.kind[rows] == K_RT)
    if len(retweets):
        ref_text, ref_id = _texts(plan, plan.ref[rows[retweets]])
        for i, body, ref_template in zip(retweets, ref_text, ref_id, strict=True):
            body = f"RT @AcmeAir: {body}"
            text[i] = body if len(body) <= 280 else body[:279] + "…"
            template_id[i] = "retweet." + str(ref_template).split(".", 1)[1]
    return text, template_id


def _rows_frame(plan: _Plan, rows: np.ndarray) -> pd.DataFrame:
    """The rows (creation numbers, in the wanted order) as a frame: canonical columns plus the
    generator's labels ``kind``, ``intent`` and ``template``."""
    platform = plan.platform[rows]
    root = plan.root_row[rows]
    # URLs of replies build on their thread root's; reddit and forum URLs carry its text.
    slugged = np.isin(platform, (RD, FO))
    with_roots = np.union1d(rows, root[slugged])
    all_text, all_template = _texts(plan, with_roots)
    at = np.searchsorted(with_roots, rows)
    text, template_id = all_text[at], all_template[at]
    root_text = np.full(len(rows), None, dtype=object)
    root_text[slugged] = all_text[np.searchsorted(with_roots, root[slugged])]
    author_id = _author_ids(plan, rows)
    author_name = np.empty(len(rows), dtype=object)
    author = plan.author[rows]
    cust = author >= 0
    author_name[cust] = plan.authors.author_name[author[cust]]
    brand = plan.is_brand[rows]
    author_name[brand] = np.array(_BRAND_NAMES, dtype=object)[plan.handle[rows][brand]]
    mention_id = np.array(_mention_ids(plan, rows), dtype=object)
    parent = plan.parent[rows]
    in_reply_to = np.full(len(rows), None, dtype=object)
    replies = parent >= 0
    in_reply_to[replies] = _mention_ids(plan, parent[replies])
    is_root = root == rows
    conversation_id = mention_id.copy()
    conversation_id[~is_root] = _mention_ids(plan, root[~is_root])
    url = _urls(plan, rows, root, author_id, root_text)
    return pd.DataFrame({
        "mention_id": mention_id,
        "platform": np.array(PLATFORMS, dtype=object)[platform],
        "source": "sample",
        "author_id": author_id,
        "author_name": author_name,
        "text": text,
        "created_at": plan.created[rows],
        "url": url,
        "lang": np.array(_LANGS, dtype=object)[plan.lang[rows]],
        "in_reply_to_id": in_reply_to,
        "conversation_id": conversation_id,
        "is_brand": plan.is_brand[rows],
        "reach": plan.reach[rows],
        "likes": plan.likes[rows],
        "shares": plan.shares[rows],
        "replies": plan.replies[rows],
        "kind": np.array(_KIND_NAMES, dtype=object)[plan.kind[rows]],
        "intent": np.array(_INTENTS, dtype=object)[plan.intent[rows]],
        "template": template_id,
    })


def _slug(text: str, sep: str) -> str:
    words = _WORD.findall(_ascii(text).lower())
    return sep.join(w for w in words if not w.startswith(("acmeair", "acmeairhelp")))[:48].strip(
        sep) or "post"


_WORD = re.compile(r"[0-9a-z]+")  # after _ascii and lower(): str.isalnum() exactly
_B36 = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))
_B64 = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _urls(plan: _Plan, rows: np.ndarray, root: np.ndarray, author_id: np.ndarray,
          root_text: np.ndarray) -> list[str]:
    """Plausible URLs on reserved example domains, shaped like each platform's.

    Replies build on their thread root's URL (``root`` is each row's thread root, a root its
    own; ``root_text`` its text where the URL needs it: reddit and forum).
    """
    seq, platform = plan.seq[rows].tolist(), plan.platform[rows].tolist()
    snowflake = plan.snowflake[rows].tolist()
    bases: dict[int, str] = {}
    urls = []
    for k, (i, r) in enumerate(zip(rows.tolist(), root.tolist(), strict=True)):
        p = platform[k]
        if p == TW:  # every post has its own status URL
            urls.append(f"https://x.example.com/{author_id[k]}/status/{snowflake[k]}")
            continue
        base = bases.get(r)
        if base is None:
            base = bases[r] = _base_url(plan, r, p, root_text[k])
        if r == i or p == TP:
            urls.append(base)
        elif p == FB:
            urls.append(f"{base}?comment_id={10**14 + seq[k] * 104729}")
        elif p == IG:
            urls.append(f"{base}c/{17800000000000000 + seq[k] * 7577}/")
        elif p == RD:
            urls.append(f"{base}{''.join(_B36[plan.code36[i]])}/")
        else:
            urls.append(f"{base}#post-{900000 + seq[k]}")
    return urls


def _base_url(plan: _Plan, r: int, p: int, text: object) -> str:
    """URL of thread root ``r`` on platform ``p`` (not twitter); ``text`` is its text."""
    seq = int(plan.seq[r])
    if p == FB:
        page = _COMP_PAGES[plan.comp[r]] if plan.target[r] == 1 else "AcmeAir"
        return f"https://facebook.example.com/{page}/posts/{10**15 + seq * 7919}"
    if p == IG:
        return f"https://instagram.example.com/p/{''.join(_B64[plan.code64[r]])}/"
    if p == RD:
        sub = _SUBREDDITS[plan.lang[r]][plan.sub_pick[r]]
        return (f"https://reddit.example.com/r/{sub}/comments/"
                f"{''.join(_B36[plan.code36[r, :6]])}/{_slug(str(text), '_')}/")
    if p == TP:
        return (f"https://trustpilot.example.com/reviews/"
                f"{int(plan.hexes[r, 0]):016x}{int(plan.hexes[r, 1]) & 0xFFFFFFFF:08x}")
    return f"https://www.travel-forum.example/threads/{_slug(str(text), '-')}.{40000 + seq}/"
