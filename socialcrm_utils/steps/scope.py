"""Step 1, client scope: keep the client's own conversations out of an export of many brands.

Support dumps and agency exports hold many companies: the twcs dump has replies of 76 brand
accounts, an agency's Hootsuite export holds every client it manages. Counting all of it as the
client's turns other brands' replies into "our" replies and other brands' customers into "our"
customers. :func:`scope_mentions` keeps, from the playbook's ``brand`` section:

- **client conversations**: every conversation (reply chain, see
  :func:`~socialcrm_utils.conversations.assign_conversations`) in which one of the client's accounts
  posts, or in which a customer names or addresses the client (``brand.terms``,
  ``brand.handles``);
- **competitor mentions**: customer posts that name a listed competitor (for share of voice),
  but not the rest of the competitor's threads (the competitor's own replies, the customer's
  "thanks!" to them);
- **unnamed posts**: customer posts that name no brand and sit in no company's thread. A
  listening export made for the client (its search found them) holds these for the client;
  in a multi-brand dump they belong to somebody else. ``brand.unnamed_posts`` decides:
  ``keep``, ``drop``, or ``auto`` (the default: keep them unless the export holds accounts of
  other companies than the client and its listed competitors).

Everything else is left out: other companies' posts (wherever they are), their threads, and
customer posts that address another company's account. A company account is an author whose
posts the source marks as the company's (``is_brand``, e.g. twcs ``inbound = False``), an
account many customers address at the start of their posts (:func:`addressed_accounts`: the
airline export holds no airline's posts, but 1,339 customers write to ``@AmericanAir``), or one
of the client's accounts (``brand.handles`` plus ``brand.accounts``, matched against ``author_id``
and ``author_name``, any case, with or without ``@``). In the kept rows ``is_brand`` is true
for the client's accounts only, and every row carries its ``conversation_id``, so threads stay
whole after other companies' replies are taken out.

:func:`scope_mentions` also says what it did: one row per company account found (a consultant
sees at once "this export holds 76 brands"), counts kept and left out per reason, and a note
that warns when none of the playbook's handles posts in the data (with the closest accounts).
See ``docs/scope.md``.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..conversations import assign_conversations
from ..nlp.brands import tag_brands
from ..nlp.prefilter import candidates
from ..playbook import Brand
from ..schema import empty_like, text_of

__all__ = [
    "SCOPE_REASONS",
    "ACCOUNT_COLUMNS",
    "ScopeResult",
    "account_key",
    "scope_mentions",
    "addressed_accounts",
    "MIN_ADDRESSED_AUTHORS",
]

logger = logging.getLogger(__name__)

#: Why a row was kept or left out (the ``scope`` column of kept rows, the ``reason`` of
#: :attr:`ScopeResult.counts`), in the order they are shown.
SCOPE_REASONS: dict[str, str] = {
    "client": "client conversations",
    "competitor": "customer posts naming a competitor (share of voice)",
    "unnamed": "customer posts naming no brand, in no company's thread",
    "other_company_post": "posts by other companies' accounts",
    "other_company_thread": "customer posts in other companies' threads or addressed to them",
    "competitor_thread": "rest of competitors' threads (their replies are already counted above)",
    "unnamed_dropped": "customer posts naming no brand, left out (export of several companies)",
}
_KEPT = ("client", "competitor", "unnamed")
#: Columns of :attr:`ScopeResult.accounts`.
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account",
    "client",
    "posts",
    "conversations",
    "customer_posts",
    "addressed_by",
    "first_at",
    "last_at",
)
#: An account that this many distinct customers address at the start of a post (and at
#: least 1% of all customers) is a company's, even when the export has none of its posts
#: (a listening export of tweets to six airlines: @united, @AmericanAir, ...). Only posts
#: that open a conversation count: replies address the thread's people.
MIN_ADDRESSED_AUTHORS = 10
_ADDRESSED = re.compile(r"(?<![\w@])@(\w{1,50})")
_LEADING = re.compile(r"\A[\s.]*((?:@\w{1,50}[\s,:;]*)+)")


@dataclass(frozen=True)
class ScopeResult:
    """The client's mentions and what was left out.

    Attributes:
        mentions: The kept rows (input columns plus ``scope``, the brand tags
            ``mentions_brand`` and ``competitor`` of
            :func:`~socialcrm_utils.nlp.brands.tag_brands`
            and a filled ``conversation_id``), ``is_brand`` true only for the client's accounts.
        accounts: One row per company account found in the data and per client account of
            the playbook (found or not): :data:`ACCOUNT_COLUMNS`. ``customer_posts`` counts the
            customer posts in the conversations the account posts in. Client first, then by
            posts.
        counts: ``reason``, ``what``, ``kept`` (bool), ``posts``, one row per reason of
            :data:`SCOPE_REASONS` (zero rows included).
        note: A few sentences for people: what the export holds, what was kept, warnings.
    """

    mentions: pd.DataFrame
    accounts: pd.DataFrame
    counts: pd.DataFrame
    note: str

    def without_mentions(self) -> ScopeResult:
        """This result with an empty ``mentions`` table (same columns); the rest unchanged.

        Once the mentions are prepared (texts redacted), step 1 keeps no raw text in memory
        (see :meth:`~socialcrm_utils.sources.ReadResult.without_mentions`).
        """
        return dataclasses.replace(self, mentions=empty_like(self.mentions))

    @property
    def other_companies(self) -> int:
        """How many other companies' accounts the export holds."""
        return int((~self.accounts["client"] & (self.accounts["posts"] > 0)).sum())


def account_key(values: pd.Series) -> pd.Series:
    """Account names compared the way handles are: stripped, lower case, without ``@``.

    Examples:
        >>> account_key(pd.Series([" @AcmeAir", "acmeair", None])).tolist()
        ['acmeair', 'acmeair', <NA>]
    """
    key = values.astype("string").str.strip().str.lower().str.lstrip("@")
    return key.mask(key == "")


def _scope_reasons(
    brand: Brand,
    other_keys: set[str],
    client_thread: np.ndarray,
    other: np.ndarray,
    other_thread: np.ndarray,
    competitor_thread: np.ndarray,
    names_competitor: np.ndarray,
) -> tuple[np.ndarray, bool]:
    """Each post's scope reason (a key of :data:`SCOPE_REASONS`, the first rule that applies),
    and whether unnamed posts are kept."""
    competitor_keys = {
        t.strip().lower().lstrip("@")
        for terms in brand.competitors.values()
        for t in terms
        if t.strip().startswith("@")
    }
    keep_unnamed = brand.unnamed_posts == "keep" or (
        brand.unnamed_posts == "auto" and not other_keys - competitor_keys
    )
    reason = np.select(
        [
            client_thread & ~other,
            other,
            other_thread,
            competitor_thread & names_competitor,
            competitor_thread,
            keep_unnamed,
        ],
        [
            "client",
            "other_company_post",
            "other_company_thread",
            "competitor",
            "competitor_thread",
            "unnamed",
        ],
        default="unnamed_dropped",
    )
    # A customer post that names a competitor in another company's thread still counts for
    # share of voice, as long as that company is not the client.
    reason = np.where((reason == "other_company_thread") & names_competitor, "competitor", reason)
    return reason, keep_unnamed


def scope_mentions(mentions: pd.DataFrame, brand: Brand) -> ScopeResult:
    """Keep the client's conversations, competitor mentions and (maybe) unnamed posts.

    See the module docstring for the rules. Pure: ``mentions`` is not modified.

    Args:
        mentions: Canonical mentions straight from the sources (``mention_id``, ``text`` or
            ``text_redacted``, ``author_id``, ``is_brand``, ``created_at``; ``author_name``,
            ``in_reply_to_id`` and ``conversation_id`` are used when present).
        brand: The playbook's brand section.

    Returns:
        A :class:`ScopeResult`.

    Examples:
        >>> df = pd.DataFrame({"mention_id": ["1", "2", "3", "4", "5"],
        ...     "author_id": ["ann", "AcmeAir", "bob", "OtherCo", "cat"],
        ...     "text": ["@AcmeAir my bag?", "@ann sorry!", "@OtherCo help", "@bob on it",
        ...              "globex lost my bag"],
        ...     "in_reply_to_id": [None, "1", None, "3", None],
        ...     "is_brand": [False, True, False, True, False],
        ...     "created_at": pd.to_datetime(["2026-01-05"] * 5, utc=True)})
        >>> brand = Brand(handles=["@AcmeAir"], competitors={"Globex": ["globex"]})
        >>> result = scope_mentions(df, brand)
        >>> result.mentions[["mention_id", "scope", "is_brand"]]
          mention_id       scope  is_brand
        0          1      client     False
        1          2      client      True
        4          5  competitor     False
        >>> result.accounts[["account", "client", "posts", "customer_posts"]]
           account  client  posts  customer_posts
        0  AcmeAir    True      1               1
        1  OtherCo   False      1               1
    """
    n = len(mentions)
    client_keys = set(brand.handle_keys)
    author_key = account_key(_column(mentions, "author_id"))
    name_key = account_key(_column(mentions, "author_name"))
    by_id = author_key.isin(client_keys).fillna(False).to_numpy(bool)
    by_name = name_key.isin(client_keys).fillna(False).to_numpy(bool) & ~by_id
    is_client = by_id | by_name
    # An account is named by its id, or by its name where only the name is the client's.
    account = (
        _column(mentions, "author_id")
        .astype("string")
        .mask(by_name, _column(mentions, "author_name").astype("string").str.strip())
    )
    author_key = author_key.mask(by_name, name_key)
    flagged = (
        mentions["is_brand"].astype("boolean").fillna(False).to_numpy(bool)
        if "is_brand" in mentions.columns
        else np.zeros(n, dtype=bool)
    )
    company = flagged | is_client
    other = company & ~is_client
    text = text_of(mentions).astype("string")
    # Accounts that many customers address when they open a conversation (not in replies,
    # where they address the other people of the thread) are companies; so are their posts.
    opening = ~company & _column(mentions, "in_reply_to_id").isna().to_numpy(bool)
    addressed = addressed_accounts(text[opening], author_key[opening])
    threshold = max(
        MIN_ADDRESSED_AUTHORS, math.ceil(0.01 * author_key[~company].nunique(dropna=True))
    )
    many = set(addressed.index[addressed["addressed_by"] >= threshold]) - client_keys
    other = other | (author_key.isin(many).fillna(False).to_numpy(bool) & ~is_client)
    company = company | other
    customer = ~company
    other_keys = set(author_key[other].dropna().unique().tolist()) | many
    tags = tag_brands(pd.DataFrame({"text": text}, index=mentions.index), brand)
    names_client = customer & tags["mentions_brand"].to_numpy(bool)
    names_competitor = customer & tags["competitor"].notna().to_numpy(bool)
    addresses_other = customer & _addresses(text, other_keys)

    conversation = assign_conversations(mentions)
    codes, _ = pd.factorize(conversation.fillna(mentions["mention_id"].astype("string")))

    def any_in(flags: np.ndarray) -> np.ndarray:
        return np.bincount(codes, weights=flags, minlength=codes.max() + 1 if n else 0)[codes] > 0

    client_thread = any_in(is_client | names_client)
    other_thread = any_in(other | addresses_other) & ~client_thread
    competitor_thread = any_in(names_competitor) & ~client_thread & ~other_thread
    reason, keep_unnamed = _scope_reasons(
        brand, other_keys, client_thread, other, other_thread, competitor_thread, names_competitor
    )
    keep = np.isin(reason, _KEPT)
    kept = mentions[keep].copy()
    kept["is_brand"] = is_client[keep]
    kept["conversation_id"] = conversation[keep].fillna(kept["mention_id"].astype("string"))
    kept["scope"] = pd.array(reason[keep], dtype="string")
    kept["mentions_brand"] = tags["mentions_brand"].to_numpy(bool)[keep]
    kept["competitor"] = tags["competitor"].array[keep]

    accounts = _accounts(
        mentions,
        brand,
        author_key,
        account,
        is_client,
        company,
        codes,
        customer,
        addressed,
        other_keys,
    )
    counts = pd.DataFrame(
        {
            "reason": list(SCOPE_REASONS),
            "what": list(SCOPE_REASONS.values()),
            "kept": [r in _KEPT for r in SCOPE_REASONS],
            "posts": [int((reason == r).sum()) for r in SCOPE_REASONS],
        }
    )
    note = _note(accounts, counts, brand, n, keep_unnamed)
    logger.info("client scope: kept %d of %d mentions", int(keep.sum()), n)
    return ScopeResult(kept, accounts, counts, note)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _addresses(text: pd.Series, keys: set[str]) -> np.ndarray:
    """True where a text @-addresses one of ``keys`` (account keys, lower case).

    Each distinct text once, and (ASCII keys) only those RE2 finds ``@`` + a key in, case
    aside: a handle whose lower case is an ASCII key contains it that way.
    """
    if not keys:
        return np.zeros(len(text), dtype=bool)
    codes, distinct = pd.factorize(text, use_na_sentinel=False)
    texts = pd.Series(distinct, dtype="string")
    if all(key.isascii() for key in keys):
        some_key = "@(?:" + "|".join(re.escape(k) for k in sorted(keys)) + ")"
        maybe = candidates(texts, re.compile(some_key, re.IGNORECASE))
    else:
        maybe = texts.str.contains("@", regex=False).fillna(False).to_numpy(bool)
    found = np.zeros(len(texts), dtype=bool)
    values = texts.to_numpy(object)
    for i in np.flatnonzero(maybe):
        found[i] = any(m.lower() in keys for m in _ADDRESSED.findall(values[i]))
    return found[codes] if len(codes) else np.zeros(0, dtype=bool)


def addressed_accounts(texts: pd.Series, authors: pd.Series) -> pd.Series:
    """How many distinct authors address each account at the start of a post.

    "@AcmeAir @bob where is my bag?" addresses ``acmeair`` and ``bob``; a handle later in the
    text is a mention, not an address. :func:`scope_mentions` counts the posts that open a
    conversation (replies address the people in the thread).

    Args:
        texts: Post texts.
        authors: Their authors (account keys), aligned with ``texts``.

    Returns:
        Indexed by account key (lower case, without ``@``), most addressed first: ``account``
        (the handle as customers write it most often) and ``addressed_by`` (distinct authors).

    Examples:
        >>> texts = pd.Series(["@Acme hi", "@acme @Bob hey", "hi @Bob", "@Acme"])
        >>> addressed_accounts(texts, pd.Series(["a", "b", "c", "b"]))
             account  addressed_by
        acme    Acme             2
        bob      Bob             1
    """
    starts = texts.astype("string").str.lstrip(" .").str.startswith("@").fillna(False)
    codes, distinct = pd.factorize(texts[starts.to_numpy(bool)].astype("string"))
    handles = [_leading_handles(t) for t in distinct]
    pairs = pd.DataFrame({"code": codes, "author": authors[starts.to_numpy(bool)].to_numpy()})
    pairs["account"] = [handles[c] for c in pairs["code"]]
    pairs = pairs.explode("account").dropna(subset=["account", "author"])
    if pairs.empty:
        return pd.DataFrame(
            {"account": pd.Series(dtype="string"), "addressed_by": pd.Series(dtype="int64")}
        )
    pairs["key"] = pairs["account"].str.lower()
    table = (
        pairs.drop_duplicates(["key", "author"])
        .groupby("key")
        .agg(
            account=("account", lambda a: a.value_counts().index[0]),
            addressed_by=("author", "size"),
        )
    )
    table = table.sort_values(["addressed_by", "account"], ascending=[False, True])
    return table.rename_axis(None).astype({"account": "string", "addressed_by": "int64"})


def _leading_handles(text: str) -> list[str]:
    match = _LEADING.match(text)
    return _ADDRESSED.findall(match.group(1)) if match else []


def _accounts(
    mentions: pd.DataFrame,
    brand: Brand,
    author_key: pd.Series,
    account: pd.Series,
    is_client: np.ndarray,
    company: np.ndarray,
    codes: np.ndarray,
    customer: np.ndarray,
    addressed: pd.Series,
    other_keys: set[str],
) -> pd.DataFrame:
    """One row per company account (posting, or addressed by many customers), plus the
    playbook's client accounts not found."""
    created = pd.to_datetime(mentions["created_at"], utc=True, errors="coerce")
    rows = pd.DataFrame(
        {
            "key": author_key.to_numpy()[company],
            "account": account.to_numpy()[company],
            "client": is_client[company],
            "conversation": codes[company],
            "created_at": created[company].array,
        }
    )
    customers_per_conversation = np.bincount(
        codes[customer], minlength=codes.max() + 1 if len(codes) else 0
    )
    table = rows.groupby("key", sort=False).agg(
        account=("account", "first"),
        client=("client", "any"),
        posts=("key", "size"),
        conversations=("conversation", "nunique"),
        first_at=("created_at", "min"),
        last_at=("created_at", "max"),
    )
    threads = rows.drop_duplicates(["key", "conversation"])
    threads = threads.assign(
        customers=customers_per_conversation[threads["conversation"]] if len(threads) else 0
    )
    table["customer_posts"] = threads.groupby("key")["customers"].sum().reindex(table.index)
    missing = [
        h
        for h in (*brand.handles, *brand.accounts)
        if h.strip().lower().lstrip("@") not in table.index
    ]
    missing += sorted(
        addressed.loc[k, "account"] for k in other_keys if k not in table.index
    )  # companies only addressed by customers
    if missing:
        keys = [h.strip().lower().lstrip("@") for h in missing]
        extra = pd.DataFrame(
            {
                "account": [h.strip() for h in missing],
                "client": [k not in other_keys for k in keys],
                "posts": 0,
                "conversations": 0,
                "customer_posts": 0,
                "first_at": pd.NaT,
                "last_at": pd.NaT,
            },
            index=keys,
        )
        table = pd.concat([table, extra[~extra.index.duplicated()]]) if len(table) else extra
    table["addressed_by"] = addressed["addressed_by"].reindex(table.index).fillna(0).to_numpy()
    if table.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=t)
                for c, t in zip(
                    ACCOUNT_COLUMNS,
                    (
                        "string",
                        "bool",
                        "int64",
                        "int64",
                        "int64",
                        "int64",
                        "datetime64[ns, UTC]",
                        "datetime64[ns, UTC]",
                    ),
                    strict=True,
                )
            }
        )
    table = table.sort_values(
        ["client", "posts", "addressed_by", "account"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    for column in ("posts", "conversations", "customer_posts", "addressed_by"):
        table[column] = table[column].fillna(0).astype("int64")
    table["client"] = table["client"].astype(bool)
    table["account"] = table["account"].astype("string")
    return table.reset_index(drop=True)[list(ACCOUNT_COLUMNS)]


def _note(
    accounts: pd.DataFrame, counts: pd.DataFrame, brand: Brand, total: int, keep_unnamed: bool
) -> str:
    posts = counts.set_index("reason")["posts"]
    kept = int(counts.loc[counts["kept"], "posts"].sum())
    others = accounts[~accounts["client"]]
    found = accounts[accounts["client"] & (accounts["posts"] > 0)]
    parts = []
    if len(others):
        posting = others[others["posts"] > 0]
        top = ", ".join(
            f"{a} ({p:,} posts)"
            for a, p in posting[["account", "posts"]].head(5).itertuples(index=False)
        )
        only = others[others["posts"] == 0]
        top = ", ".join(
            [top] * bool(top)
            + [
                f"{a} (addressed by {n:,} customers)"
                for a, n in only[["account", "addressed_by"]]
                .head(5 - min(5, len(posting)))
                .itertuples(index=False)
            ]
        )
        parts.append(
            f"This export holds {len(others) + len(found)} company accounts: "
            f"{len(found)} of the client and {len(others)} of other companies "
            f"(e.g. {top})."
        )
    parts.append(
        f"Kept {kept:,} of {total:,} posts: {posts['client']:,} in client "
        f"conversations, {posts['competitor']:,} naming a competitor, "
        f"{posts['unnamed']:,} naming no brand."
    )
    left = total - kept
    if left:
        parts.append(
            f"Left out {left:,}: {posts['other_company_post']:,} posts by other "
            f"companies, {posts['other_company_thread']:,} customer posts in their "
            f"threads, {posts['competitor_thread']:,} in competitors' threads, "
            f"{posts['unnamed_dropped']:,} naming no brand."
        )
    if not keep_unnamed and posts["unnamed_dropped"]:
        parts.append(
            "Customer posts that name no brand are left out because other companies "
            "post in this export (set brand.unnamed_posts: keep to count them)."
        )
    addressed = accounts.loc[accounts["client"], "addressed_by"].sum()
    if found.empty and addressed:
        parts.append(
            f"None of the client's accounts posts in this data ({addressed:,} customers "
            "address them): response times, SLAs and brand voice need the brand's own "
            "posts in the export."
        )
    elif found.empty:
        handles = ", ".join([*brand.handles, *brand.accounts])
        hint = ""
        if len(others):
            close = difflib.get_close_matches(
                brand.handles[0].lower().lstrip("@"),
                others["account"].str.lower().tolist(),
                n=3,
                cutoff=0.3,
            )
            names = [
                others.loc[others["account"].str.lower() == c, "account"].iloc[0] for c in close
            ] or others["account"].head(3).tolist()
            hint = (
                f" Is one of {', '.join(names)} the client? Add it to brand.handles or "
                f"brand.accounts."
            )
        parts.append(
            f"Warning: none of the client's accounts ({handles}) posts in this data, "
            f"so no post counts as a client reply.{hint}"
        )
    return " ".join(parts)
