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

Layout: :mod:`.generator` (the public functions and the file writers), :mod:`.plan` (every
random draw as numbers), :mod:`.text` (the strings of a chunk of rows), :mod:`.vocabulary`
(parameters, and the words and templates loaded from ``data/vocabulary.yaml`` and
``data/templates.yaml``).

Examples:
    >>> df = generate_mentions(300, seed=1)
    >>> sorted(df["lang"].unique())
    ['de', 'en']
    >>> bool(df["mention_id"].is_unique)
    True
"""

# _chunks, _generate_frame and _plan_mentions are not public; they stay importable from here for
# tests/test_sample.py and the recipe in data/sample/README.md.
from .generator import CHUNK_ROWS, generate_mentions, iter_mentions, write_sample
from .generator import _chunks as _chunks
from .generator import _generate_frame as _generate_frame
from .plan import _plan_mentions as _plan_mentions
from .vocabulary import (
    BRAND_HANDLES,
    BRAND_TERMS,
    COMPETITORS,
    PLATFORMS,
    SAMPLE_SEED,
    SAMPLE_TIMEZONE,
)

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
