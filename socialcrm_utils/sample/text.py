"""The strings of a sample: authors' names and handles, template texts with their slots filled,
ids and URLs, made for a chunk of rows of the plan."""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .vocabulary import (
    _AGENTS,
    _AMOUNTS,
    _BOOKING_ALPHABET,
    _BRAND_FORMS,
    _BRAND_IDS,
    _BRAND_NAMES,
    _CAMPAIGN_CITIES,
    _CITIES,
    _CITY_CODES,
    _COMP_CODES,
    _COMP_FORMS,
    _COMP_PAGES,
    _DE_P,
    _EXTRA,
    _FIRST_DE,
    _FIRST_EN,
    _HASHTAGS,
    _IBANS,
    _INFLUENCER_P,
    _INTENTS,
    _KIND_NAMES,
    _LANGS,
    _LAST_DE,
    _LAST_EN,
    _MONTHS_EN,
    _NICK_ADJ_EN,
    _NICK_DE,
    _NICK_NOUN_EN,
    _PREFIX,
    _REACH_MEDIAN,
    _SECONDS_PER_DAY,
    _SUBREDDITS,
    _T,
    _TEST_CARD,
    _TRANSLIT,
    DE,
    EN,
    FB,
    FO,
    IG,
    K_RT,
    PLATFORMS,
    RD,
    TP,
    TW,
)

if TYPE_CHECKING:
    from .plan import _Plan


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


# long: one sequence of random draws; their order fixes the sample's bytes
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
    first = [
        _FIRST_DE[a] if d else _FIRST_EN[b] for a, b, d in zip(f_de, f_en, use_de, strict=True)
    ]
    last = [_LAST_DE[a] if d else _LAST_EN[b] for a, b, d in zip(l_de, l_en, use_de, strict=True)]
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
                f"{fa}{sep}{la[0]}{sep}{year[i]}".lower()
                if s == 0
                else f"{fa}{la}"
                if s == 1
                else f"{fa}{sep}{la}".lower()
                if s == 2
                else f"{fa[0]}{la}{year[i] % 100:02d}".lower()
                if s == 3
                else f"{fa}{sep}{_CITY_CODES[city[i]]}".lower()
                if s == 4
                else f"{fa}{la[:3]}{num[i]}"
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
    address_arr[(platform == RD) | (platform == FO)] = author_name[
        (platform == RD) | (platform == FO)
    ]
    reach = rng.lognormal(np.log(_REACH_MEDIAN[platform]), 1.2, n)
    influencer = rng.random(n) < _INFLUENCER_P[platform]
    reach[influencer] = np.exp(rng.uniform(np.log(50_000), np.log(200_000), int(influencer.sum())))
    return _Authors(
        platform,
        lang,
        np.array(first, dtype=object),
        np.array(last, dtype=object),
        author_id,
        author_name,
        address_arr,
        np.round(reach).astype(np.int64),
    )


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

    _SIMPLE: dict[str, tuple[int, int]] = {
        "hours": (2, 10),
        "days": (2, 15),
        "weeks": (2, 9),
        "n": (2, 7),
        "group": (8, 45),
    }

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
            return (
                rng.choice(("com", "org", "net"), n),
                rng.random(n) < 0.6,
                rng.integers(60, 100, n),
            )
        if field == "phone":
            return (
                rng.random(n) < 0.6,
                rng.integers(0, 1000, n),
                rng.integers(100, 200, n),
                rng.choice((202, 312, 415, 617), n),
                rng.random(n) < 0.5,
            )
        if field == "iban":
            return (rng.integers(0, 2, n),)
        if field in ("first", "card"):
            return ()
        raise KeyError(f"unknown template slot {{{field}}}")


def _format_slot(
    field: str, draws: tuple[np.ndarray, ...], city: np.ndarray, ctx: dict[str, np.ndarray]
) -> list[str]:
    """The strings of one slot for some rows of a template (``draws`` and ``ctx`` per row)."""
    lang, platform = ctx["lang"], ctx["platform"]
    if field == "brand":
        (u,) = draws
        return [
            _BRAND_FORMS[p][int(x * len(_BRAND_FORMS[p]))] for p, x in zip(platform, u, strict=True)
        ]
    if field == "comp":
        (u,) = draws
        forms = [
            _COMP_FORMS[0 if p == TW else 1][c] for p, c in zip(platform, ctx["comp"], strict=True)
        ]
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
        return [
            f"€{x:,}" if g == EN else f"{x:,} €".replace(",", ".")
            for x, g in zip(draws[0], lang, strict=True)
        ]
    if field == "date":
        when = pd.to_datetime(ctx["t"] + draws[0] * _SECONDS_PER_DAY, unit="s")
        return [
            f"{_MONTHS_EN[d.month - 1]} {d.day}" if g == EN else f"{d.day}.{d.month}."
            for d, g in zip(when, lang, strict=True)
        ]
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
        return [
            f"{_ascii_name(fi).lower()}.{_ascii_name(la).lower()}@example.{d}"
            if s
            else f"{_ascii_name(fi).lower()}{y % 100:02d}@example.{d}"
            for fi, la, d, s, y in zip(ctx["first"], ctx["last"], tld, style, year, strict=True)
        ]
    if field == "phone":
        uk, uk_num, us_num, area, fmt = draws
        return [
            (f"+44 7700 900{a:03d}" if f else f"07700 900{a:03d}") if u else f"+1 {c}-555-0{b:03d}"
            for u, a, b, c, f in zip(uk, uk_num, us_num, area, fmt, strict=True)
        ]
    if field == "iban":
        return [_IBANS[i] for i in draws[0]]
    if field == "card":
        return [_TEST_CARD] * len(lang)
    raise KeyError(f"unknown template slot {{{field}}}")


def _template_fields(template: str) -> list[str]:
    return sorted({f for _, f, _, _ in string.Formatter().parse(template) if f})


def _draw_texts(
    rng: np.random.Generator,
    ctx: dict[str, np.ndarray],
    templates: list[_Template],
    code: np.ndarray,
    pos: np.ndarray,
) -> None:
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
        rows = np.flatnonzero((group_code == group_index[name]) & (lang == _LANGS.index(lang_code)))
        if not len(rows):
            continue
        choice = ctx.get("choice_" + name)
        pick = (
            choice[rows] % len(choices)
            if choice is not None
            else rng.integers(0, len(choices), len(rows))
        )
        for j, template in enumerate(choices):
            sel = rows[pick == j]
            if not len(sel):
                continue
            fields = _template_fields(template)
            city, draws = filler.draw(fields, len(sel))
            code[sel] = len(templates)
            pos[sel] = np.arange(len(sel))
            templates.append(
                _Template(template, f"{name}.{lang_code}.{j:02d}", j, fields, city, draws)
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
    return [
        f"{_PREFIX[p]}-{s:0{width}d}"
        for p, s in zip(plan.platform[rows].tolist(), plan.seq[rows].tolist(), strict=True)
    ]


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
        ctx = {
            "lang": plan.lang[at],
            "platform": plan.platform[at],
            "comp": plan.comp[at],
            "t": plan.t[at],
        }
        if {"first", "email"} & set(tpl.fields):
            root_author = np.maximum(plan.root_author[at], 0)
            ctx["address"] = plan.authors.address[root_author]
            ctx["first"] = plan.authors.first[root_author]
            ctx["last"] = plan.authors.last[root_author]
        values = [
            _format_slot(f, tuple(d[pos] for d in tpl.draws[f]), tpl.city[pos], ctx)
            for f in tpl.fields
        ]
        text[sel] = [
            tpl.template.format_map(dict(zip(tpl.fields, vals, strict=True)))
            for vals in zip(*values, strict=True)
        ]

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
            f" {_HASHTAGS[plan.tag_b[row]]}" if plan.two_tags[row] else ""
        )
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
    return pd.DataFrame(
        {
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
        }
    )


def _slug(text: str, sep: str) -> str:
    words = _WORD.findall(_ascii(text).lower())
    return (
        sep.join(w for w in words if not w.startswith(("acmeair", "acmeairhelp")))[:48].strip(sep)
        or "post"
    )


_WORD = re.compile(r"[0-9a-z]+")  # after _ascii and lower(): str.isalnum() exactly
_B36 = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))
_B64 = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


def _urls(
    plan: _Plan, rows: np.ndarray, root: np.ndarray, author_id: np.ndarray, root_text: np.ndarray
) -> list[str]:
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
        return (
            f"https://reddit.example.com/r/{sub}/comments/"
            f"{''.join(_B36[plan.code36[r, :6]])}/{_slug(str(text), '_')}/"
        )
    if p == TP:
        return (
            f"https://trustpilot.example.com/reviews/"
            f"{int(plan.hexes[r, 0]):016x}{int(plan.hexes[r, 1]) & 0xFFFFFFFF:08x}"
        )
    return f"https://www.travel-forum.example/threads/{_slug(str(text), '-')}.{40000 + seq}/"
