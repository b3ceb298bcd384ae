"""Multi-label intent (issue 15): complaint kinds, several flags, precedence, domain packs.

Every text here is invented for the test (no row of any data set).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from socialcrm_utils.nlp import cs_lexicon, german
from socialcrm_utils.nlp.intent import CUES, FLAG_COLUMNS, OPENINGS, PRECEDENCE, classify_intent
from socialcrm_utils.nlp.packs import available_packs, check_packs, load_pack
from socialcrm_utils.playbook import Listening


def _one(text: str, lang: str, packs: tuple[str, ...] = ()) -> pd.Series:
    return classify_intent(pd.Series([text]), pd.Series([lang]), packs=packs).iloc[0]


# (kind, lang, text): each is a complaint by the definition in docs/intent.md.
COMPLAINTS = [
    ("problem as a question", "en", "Why does the update keep failing?"),
    ("problem as a question", "en", "Why can't I change my delivery address in the app?"),
    ("problem as a question", "en", "When will the outage be fixed?"),
    ("problem as a question", "de", "Warum funktioniert die Anmeldung schon wieder nicht?"),
    ("problem as a question", "de", "Wann wird das endlich behoben?"),
    ("angry or rhetorical question", "en", "Any news on my refund???"),
    ("angry or rhetorical question", "en", "Still not fixed?!"),
    ("angry or rhetorical question", "en", "Seriously? Three weeks for a replacement card?"),
    ("angry or rhetorical question", "de", "Gibt es Neuigkeiten zu meiner Reklamation???"),
    ("angry or rhetorical question", "de", "Ist das euer Ernst?!"),
    ("chasing an unanswered request", "en", "Following up on my email from Monday"),
    ("chasing an unanswered request", "en", "I messaged you three days ago about my bill"),
    ("chasing an unanswered request", "en", "Hello?? Is anyone reading this?"),
    ("chasing an unanswered request", "de", "Ich frage nochmal nach meiner Gutschrift"),
    (
        "chasing an unanswered request",
        "de",
        "Ich habe vor zwei Wochen geschrieben und warte auf eine Antwort",
    ),
    ("missing or broken", "en", "The app just shows a white screen"),
    ("missing or broken", "en", "Half my order was missing"),
    ("missing or broken", "en", "The blender arrived cracked"),
    ("missing or broken", "en", "My card was declined at the checkout"),
    ("missing or broken", "de", "Die App zeigt nur einen weißen Bildschirm"),
    ("missing or broken", "de", "Die Hälfte der Bestellung fehlte"),
    ("missing or broken", "de", "Das Paket kam beschädigt an"),
    ("missing or broken", "de", "Das Zimmer war schmutzig"),
]


@pytest.mark.parametrize(
    ("kind", "lang", "text"), COMPLAINTS, ids=[f"{k}-{lang}-{t}" for k, lang, t in COMPLAINTS]
)
def test_complaint_kinds_from_the_definition(kind, lang, text):
    row = _one(text, lang)
    assert row["is_complaint"], (kind, text)
    assert row["intent"] == "complaint"
    assert isinstance(row["intent_cue"], str) and row["intent_cue"]


# (lang, text, flags complaint/question/praise/lead, primary intent)
MULTI = [
    ("en", "Why does the update keep failing?", (1, 1, 0, 0), "complaint"),
    ("en", "Love the new app but it keeps crashing", (1, 0, 1, 0), "complaint"),
    ("en", "Great, another outage. Love it.", (1, 0, 0, 0), "complaint"),  # sarcasm: no praise
    ("en", "Thanks, but it still doesn't work", (1, 0, 0, 0), "complaint"),  # thanks: courtesy
    ("en", "What is the price for 12 licences?", (0, 1, 0, 1), "lead"),
    ("en", "How do I change my email address?", (0, 1, 0, 0), "question"),
    ("en", "Thank you, great support today!", (0, 0, 1, 0), "praise"),
    ("en", "I want to upgrade to the family plan, can you help?", (0, 1, 0, 1), "lead"),
    ("en", "Opening hours on Sunday", (0, 0, 0, 0), "other"),
    ("de", "Warum ist die Hotline schon wieder nicht erreichbar?", (1, 1, 0, 0), "complaint"),
    ("de", "Tolle App, aber sie stürzt ständig ab", (1, 0, 1, 0), "complaint"),
    ("de", "Habt ihr ein Angebot für Firmenkunden?", (0, 1, 0, 1), "lead"),
    ("de", "Wie kann ich meine Adresse ändern?", (0, 1, 0, 0), "question"),
    ("de", "Danke, super Service!", (0, 0, 1, 0), "praise"),
]


@pytest.mark.parametrize(("lang", "text", "flags", "intent"), MULTI, ids=[t for _, t, *_ in MULTI])
def test_flags_and_primary_intent(lang, text, flags, intent):
    row = _one(text, lang)
    assert tuple(int(row[c]) for c in FLAG_COLUMNS) == flags
    assert row["intent"] == intent


def test_flags_over_a_column_keep_index_and_dtypes():
    langs, texts, flags, intents = zip(*((lang, t, f, i) for lang, t, f, i in MULTI), strict=True)
    index = pd.RangeIndex(40, 40 + len(texts))
    out = classify_intent(pd.Series(texts, index=index), pd.Series(langs, index=index))
    assert list(out.columns) == ["intent", "intent_cue", *FLAG_COLUMNS]
    assert out.index.equals(index)
    assert out["intent"].tolist() == list(intents)
    assert [tuple(int(v) for v in row) for row in out[list(FLAG_COLUMNS)].to_numpy()] == list(flags)
    assert all(str(out[c].dtype) == "bool" for c in FLAG_COLUMNS)


def test_precedence_is_complaint_lead_question_praise():
    assert PRECEDENCE == ("complaint", "lead", "question", "praise")
    # Every flag: the first in precedence order is the intent.
    row = _one("Why is the price for my plan still wrong?", "en")
    assert row["is_complaint"] and row["is_question"] and row["is_lead"]
    assert row["intent"] == "complaint"


def test_empty_and_missing_texts_have_no_flag():
    out = classify_intent(pd.Series(["", None, "  "]), pd.Series(["en", "de", None]))
    assert out["intent"].tolist() == ["other"] * 3
    assert not out[list(FLAG_COLUMNS)].to_numpy().any()


# --- domain packs ---------------------------------------------------------------------------

#: Words of the rail and airline domains: no default cue, lexicon entry or rule may contain a
#: word starting with one of these (they belong in nlp/packs/rail.yaml and airline.yaml).
RAIL_AND_AIRLINE_STEMS = (
    "flight",
    "airline",
    "airport",
    "tarmac",
    "runway",
    "boarding",
    "pilot",
    "layover",
    "luggage",
    "baggage",
    "suitcase",
    "overbook",
    "flug",
    "koffer",
    "gepäck",
    "lokführer",
    "zugbegleit",
    "klimaanlage",
    "bahnhof",
    "bahnsteig",
    "gleis",
    "streik",
    "fahrgäst",
    "bahncard",
    "sparpreis",
    "wagenreihung",
    "schienenersatz",
    "personenschaden",
    "entgleis",
    "notbrems",
)
#: ... or be exactly one of these.
RAIL_AND_AIRLINE_WORDS = (
    "fly",
    "flying",
    "flew",
    "plane",
    "planes",
    "crew",
    "fares",
    "bahn",
    "zug",
    "züge",
    "db",
    "fahrt",
    "strecke",
    "reisende",
)


def _words_of(source: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", source)}


def _default_sources() -> list[str]:
    sources = [f for lang in CUES.values() for fragments in lang.values() for f in fragments]
    sources += [f for fragments in OPENINGS.values() for f in fragments]
    sources += [
        rule[2] for rule in (*german.PHRASE_RULES, *german.SARCASM_RULES, *german.FORMULA_RULES)
    ]
    sources += [
        rule[2]
        for rule in (*cs_lexicon.PHRASE_RULES, *cs_lexicon.SARCASM_RULES, *cs_lexicon.FORMULA_RULES)
    ]
    sources += list(cs_lexicon.LEXICON)
    lexicon = german.german_analyzer().lexicon
    sources += list(lexicon)
    return sources


def test_no_default_rule_holds_rail_or_airline_words():
    found = {
        word
        for source in _default_sources()
        for word in _words_of(source)
        if word in RAIL_AND_AIRLINE_WORDS or word.startswith(RAIL_AND_AIRLINE_STEMS)
    }
    assert found == set()


def test_packs_add_their_words():
    assert available_packs() == ("airline", "rail")
    for name in available_packs():
        assert load_pack(name)["adds"]
    assert not _one("Mein Koffer ist weg", "de")["is_complaint"]
    assert _one("Mein Koffer ist weg", "de", ("airline",))["is_complaint"]
    assert _one("Anschluss verpasst, danke DB", "de", ("rail",))["intent"] == "complaint"
    assert _one("Looking for cheap flights to Lisbon", "en", ("airline",))["intent"] == "lead"
    assert _one("Looking for cheap flights to Lisbon", "en")["intent"] == "other"
    rail, plain = german.german_analyzer(packs=["rail"]), german.german_analyzer()
    assert plain.compound("Streik beendet") == 0 < rail.compound("Streik beendet")
    assert plain.compound("Danke, liebe Bahn") > rail.compound("Danke, liebe Bahn")
    assert plain.compound("Kein Lokführer da") == 0 > rail.compound("Kein Lokführer da")
    lexicon, _ = cs_lexicon.extension_rules(["airline"])
    assert lexicon["award"] == 0.0 and "award" not in cs_lexicon.LEXICON


def test_unknown_packs_are_errors_that_name_the_allowed_ones():
    with pytest.raises(ValueError, match="available: airline, rail"):
        check_packs(["ferry"])
    with pytest.raises(ValueError, match="ferry"):
        classify_intent(pd.Series(["x"]), pd.Series(["en"]), packs=["ferry"])
    with pytest.raises(ValueError, match="not a domain pack.*airline, rail"):
        Listening.model_validate({"domain_packs": ["ferry"]})
    assert Listening.model_validate({"domain_packs": ["rail", "rail"]}).domain_packs == ["rail"]
    assert Listening().domain_packs == [] and Listening().labels == []


def test_parts_find_the_full_patterns_cue():
    from socialcrm_utils.nlp import intent
    from socialcrm_utils.nlp.prefilter import candidates

    texts = pd.Series(
        [t for _, _, t in COMPLAINTS]
        + [t for _, t, *_ in MULTI]
        + ["Mein Koffer ist weg", "no cue at all", "#worstdayever", "ok?!"]
        # not fold-safe: RE2 misses "ıs late", but finds "refund", so every part is searched
        + ["DIYARBAKIR ıs late, refund?", "DIYARBAKIR ıs late"],
        dtype="string",
    )
    for packs in ((), ("airline", "rail")):
        parts = intent._parts(packs)
        for key, pattern in intent._patterns(packs).items():
            maybe = np.logical_or.reduce([candidates(texts, part) for part in parts[key]])
            expected = [
                (m := pattern.search(t)) and next(g for g in m.groups() if g is not None).lower()
                if hit
                else None
                for t, hit in zip(texts, maybe, strict=True)
            ]
            found = intent._first_cue(texts.astype(object), parts[key])
            assert found.astype(object).where(found.notna(), None).tolist() == expected, key
        assert len(parts[("complaint", "en")]) > 2 and len(parts[("question", "any")]) == 2
    cues = intent._first_cue(texts.tail(2).astype(object), intent._parts(())[("complaint", "en")])
    assert cues.tolist() == ["ıs late", pd.NA]


def test_leftmost_cue_over_parts_earliest_part_on_a_tie():
    from socialcrm_utils.nlp.intent import _leftmost

    parts = [re.compile(r"(b)|(c)"), re.compile(r"(ab)"), re.compile(r"(a)")]
    hits = np.array([[True, True, True], [True, True, True], [True, False, True]])
    # "xab": part 0 finds "b" at 2, part 1 "ab" at 1 (leftmost); "ab": parts 1 and 2 tie at 0,
    # part 1 is earlier; "ca": part 0 finds "c" (its second group) at 0, part 1 is not searched.
    assert _leftmost(["xab", "ab", "ca"], hits, parts) == ["ab", "ab", "c"]
    assert _leftmost(["zz"], np.ones((3, 1), dtype=bool), parts) == [None]
