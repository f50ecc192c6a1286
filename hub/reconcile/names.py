"""Company names: parse Chinese or Latin renderings into one comparable key, and compare keys.

A Chinese company name is ``[place] brand industry [(place)] legal-form``; its Latin renderings
reorder, abbreviate and translate those parts (上海华信贸易有限公司, ``Huaxin Trading (Shanghai)
Co Ltd``, ``SH Huaxin Trading``, ``Shanghai Hua Xin Trade Company Limited``). :func:`parse_name`
splits a name into the parts that identify a company across scripts:

* ``brand``: the distinctive words, romanised to toneless pinyin without spaces (华信 / ``Hua
  Xin`` -> ``huaxin``),
* ``industry``: a canonical key for the business word (贸易 / ``Trading`` / ``Trade`` ->
  ``trading``), from a general bilingual vocabulary of Chinese business words,
* ``cities``: places named inside the name (full names, older spellings, abbreviations),
* ``legal``/``branch``: the legal form and whether it is a branch office.

Legal forms, places and word order then no longer matter; typos are absorbed by fuzzy
comparison of the brand and by fuzzy recognition of misspelt vocabulary words.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from hub.reconcile.normalize import (
    abbreviation_cities,
    abbreviation_matches,
    city_spellings,
    fold,
    has_cjk,
    lookup_city_latin,
    lookup_city_zh,
    pinyin,
)

__all__ = ["NameKey", "parse_name", "compare_names", "NAME_LEVELS"]

# Chinese business word | its English renderings (the first one names the canonical key).
_INDUSTRIES = """
贸易|trading;trade;traders
商贸|commerce and trade;commercial trading;commerce & trade;trade and commerce;commercial and trading
商业|commercial;business;commerce
供应链管理|supply chain management
供应链|supply chain;supply chain management
实业|industrial;industry;industries
批发|wholesale;wholesaling;wholesaler
物流|logistics;logistic
进出口|import and export;import & export;imp and exp;imp & exp
国际贸易|international trading;international trade
日化|daily chemical;daily chemicals;daily use chemicals
食品|food;foods;foodstuff;foodstuffs
日用品|daily necessities;household products;daily use products;daily goods;commodities
副食品|groceries;non-staple food;nonstaple food;grocery
粮油|grain and oil;grain & oil;cereals and oils;grain and oils
饮品|beverage;beverages;drinks
饮料|beverage;beverages;drinks;soft drinks
酒业|liquor;wine and spirits;wines and spirits;wine
乳业|dairy;dairy products
母婴用品|baby products;maternal and infant products;mother and baby products;mother and baby
化妆品|cosmetics;cosmetic
保健品|health products;health care products;healthcare products;health care
超市|supermarket;supermarkets
连锁超市|supermarket chain;chain supermarket;chain supermarkets;supermarket chains
便利店|convenience store;convenience stores
百货|department store;general merchandise;department stores
购物中心|shopping mall;shopping center;shopping centre;mall
商场|shopping mall;mall;shopping center
医药|pharmaceutical;pharmacy;pharmaceuticals;medicine
大药房|pharmacy;drugstore;pharmacy chain
电子商务|e-commerce;electronic commerce;ecommerce;e commerce
酒店管理|hotel management;hotel mgmt
餐饮管理|catering management;food service management;restaurant management
餐饮|catering;food service;restaurant
网络科技|network technology;internet technology;network tech
信息技术|information technology
科技|technology;tech;science and technology;sci-tech
电子|electronics;electronic
文化传媒|culture and media;culture media;cultural media
传媒|media
物业管理|property management;property mgmt
物业服务|property services;property service
物业|property;properties
配送|distribution;delivery;delivery service;delivery services
分销|distribution;distributors;distributor
零售|retail;retailing;retailer
酒水|beverages;drinks;beverage;wines and drinks
副食|groceries;grocery;non-staple food
生活超市|lifestyle supermarket;living mart;life supermarket
母婴|mother and baby;maternal and child;maternal and infant;baby
酒店|hotel;hotels
健身|fitness;fitness club;gym
仓储|warehousing;storage
运输|transport;transportation
投资|investment;investments
咨询|consulting;consultancy
消费品|consumer goods;consumer products
家电|home appliances;household appliances;appliances
电器|electrical appliances;electric appliances;electrical
服饰|apparel;garments;clothing;fashion
服装|garments;clothing;apparel
建材|building materials;construction materials
机械|machinery;machines
化工|chemical;chemicals;chemical industry
农业|agriculture;agricultural
茶业|tea
水果|fruit;fruits
生鲜|fresh food;fresh produce
家居|home furnishing;home furnishings;household
五金|hardware
包装|packaging;package
印刷|printing
汽车|automobile;automotive;auto
能源|energy
环保|environmental protection;environmental
发展|development
"""

# Chinese legal/organisational suffixes, longest first, with their legal class.
_ZH_LEGAL = (
    ("集团股份有限公司", "group"),
    ("股份有限公司", "joint_stock"),
    ("有限责任公司", "ltd"),
    ("集团有限公司", "group"),
    ("有限公司", "ltd"),
    ("集团公司", "group"),
    ("总公司", "ltd"),
    ("分公司", "branch"),
    ("办事处", "branch"),
    ("分店", "branch"),
    ("公司", "ltd"),
    ("集团", "group"),
    ("商行", "firm"),
    ("经营部", "department"),
    ("门市部", "department"),
    ("营业部", "department"),
    ("合作社", "cooperative"),
    ("工作室", "studio"),
    ("厂", "factory"),
)
_ZH_LEGAL_SORTED = tuple(sorted(_ZH_LEGAL, key=lambda x: len(x[0]), reverse=True))

# Latin words that only carry the legal form (dropped), and the words that mark a branch.
_LATIN_LEGAL = frozenset(
    "co company companies ltd limited corp corporation inc incorporated llc plc lp llp "
    "liability joint stock jsc group holdings holding firm store shop department dept sales "
    "business office the of and pte gmbh sa".split()
)
_LATIN_BRANCH = frozenset({"branch", "subsidiary"})
_COUNTRY = frozenset({"china", "chinese", "prc", "zhongguo", "中国"})

NAME_LEVELS = ("exact", "strong", "weak", "brand_only", "mismatch", "cross_script", "missing")


class NameKey(NamedTuple):
    """Parts of a company name that identify it across Chinese and Latin renderings."""

    brand: str
    industry: str
    industries: tuple[str, ...]
    cities: frozenset[str]
    legal: str
    branch: bool
    script: str  # "zh" or "latin"

    @property
    def core(self) -> str:
        """Brand plus primary industry: the string compared when the parts disagree slightly."""
        return self.brand + self.industry.replace(" ", "")


_NON_WORD = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_PARENS = re.compile(r"\(([^()]*)\)")
_NON_LATIN = re.compile(r"[^A-Za-z]")


_FROZEN: dict[frozenset[str], frozenset[str]] = {}


def _frozen(cities: set[str]) -> frozenset[str]:
    """One shared frozenset per distinct set of cities (there are few; saves memory per name)."""
    fs = frozenset(cities)
    shared = _FROZEN.get(fs)
    if shared is None:
        if len(_FROZEN) >= 10_000:
            return fs
        shared = _FROZEN[fs] = fs
    return shared


def _latin_norm(text: str) -> str:
    text = text.replace("&", " and ").replace("'", "").replace("-", "")
    return _NON_WORD.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _vocab() -> tuple[dict[str, tuple[str, str]], dict[tuple[str, ...], str], int, tuple[str, ...]]:
    """zh word -> (key, zh); Latin phrase tokens -> key; longest phrase; single vocabulary words.

    Entries that share an English rendering (供应链 / 供应链管理, 服饰 / 服装) form one class,
    whose key is the first rendering of its first entry.
    """
    entries = []
    for line in _INDUSTRIES.strip().splitlines():
        word, renderings = line.split("|")
        entries.append((word, [_latin_norm(r.casefold()) for r in renderings.split(";")]))
    parent = list(range(len(entries)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, (_, names) in enumerate(entries):
        for n in names:
            if n in owner:
                a, b = find(owner[n]), find(i)
                parent[max(a, b)] = min(a, b)
            else:
                owner[n] = i
    zh: dict[str, tuple[str, str]] = {}
    latin: dict[tuple[str, ...], str] = {}
    for i, (word, names) in enumerate(entries):
        key = entries[find(i)][1][0]
        zh[word] = (key, word)
        for n in names:
            latin[tuple(n.split())] = entries[find(owner[n])][1][0]
    longest = max(len(p) for p in latin)
    words = tuple(sorted({w for p in latin for w in p if len(w) >= 4 and w not in _LATIN_LEGAL}))
    return zh, latin, longest, words


@lru_cache(maxsize=1)
def _zh_industry_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(w) for w in _vocab()[0]}, reverse=True))


@lru_cache(maxsize=100_000)
def _fuzzy_vocab_word(token: str) -> str:
    """The vocabulary word ``token`` is a 1-2 edit misspelling of, else ``""``."""
    if len(token) < 4:
        return ""
    limit = 1 if len(token) < 8 else 2
    best, best_d = "", limit + 1
    for word in _vocab()[3]:
        if abs(len(word) - len(token)) > limit:
            continue
        d = OSA.distance(token, word, score_cutoff=limit)
        if d < best_d:
            best, best_d = word, d
    return best


@lru_cache(maxsize=100_000)
def _fuzzy_legal(token: str) -> bool:
    """A misspelt legal word (``limted``, ``compnay``, ``ldt``)."""
    if len(token) < 3 or len(token) > 12:
        return False
    return any(abs(len(w) - len(token)) <= 1 and OSA.distance(token, w, score_cutoff=1) <= 1 for w in _LEGAL_FUZZY)


_LEGAL_FUZZY = ("ltd", "limited", "company", "corporation", "corp", "group")


def parse_name(name: str | None, city_hint: str = "") -> NameKey:
    """Parse a company name; ``city_hint`` is the record's canonical city key (helps with
    abbreviations and misspelt places). Empty names give an empty key."""
    text = fold(name)
    if not text:
        return NameKey("", "", (), frozenset(), "", False, "")
    if has_cjk(text):
        return _parse_zh(text.replace(" ", ""), city_hint)
    return _parse_latin(text, city_hint, _leading_caps(name or ""))


@lru_cache(maxsize=300_000)
def _parse_zh(text: str, city_hint: str) -> NameKey:
    cities: set[str] = set()
    legal = ""
    branch = False
    for _ in range(4):
        changed = False
        # parenthesised parts: a place, a legal note (有限合伙) or a country; drop them
        for inner in _PARENS.findall(text):
            place = lookup_city_zh(inner + "_") if inner else None
            if place:
                cities.add(place[1])
            text = text.replace("(" + inner + ")", "")
            changed = True
        for suffix, cls in _ZH_LEGAL_SORTED:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                if cls == "branch":
                    branch = True
                elif not legal:
                    legal = cls
                changed = True
                break
        if branch:  # 某某有限公司上海分公司: the place before 分公司 belongs to the branch
            place = lookup_city_zh("_" + text, at_start=False)
            if place and text.endswith(place[0]):
                text = text[: -len(place[0])]
                cities.add(place[1])
                changed = True
            elif city_hint:
                for k in (2, 3, 4):
                    if len(text) > k + 1 and pinyin(text[-k:]) == city_hint:
                        text = text[:-k]
                        cities.add(city_hint)
                        changed = True
                        break
        if not changed:
            break
    for word in _COUNTRY:
        if text.startswith(word) and len(text) > len(word) + 1:
            text = text[len(word) :]
    stripped: list[str] = []
    place = lookup_city_zh(text)
    if place and place[2] == "province":  # 广东省深圳市...: a province may precede the city
        text = text[len(place[0]) :]
        stripped.append(place[0])
        cities.add(place[1])
        place = lookup_city_zh(text)
        if place and place[2] != "city":
            place = None
    if place:
        text = text[len(place[0]) :]
        stripped.append(place[0])
        cities.add(place[1])
    elif city_hint:
        for k in (2, 3, 4):
            if len(text) > k + 1 and pinyin(text[:k]) == city_hint:
                cut = k + (text[k] == "市")
                stripped.append(text[:cut])
                text = text[cut:]
                cities.add(city_hint)
                break
    industries: list[str] = []
    zh_vocab = _vocab()[0]
    lengths = _zh_industry_lengths()
    for _ in range(2):
        for n in lengths:  # longest suffix first
            if len(text) - n >= 2 and text[-n:] in zh_vocab:
                industries.insert(0, zh_vocab[text[-n:]][0])
                text = text[:-n]
                break
        else:
            break
    if not text and stripped:  # the "place" was the brand itself (金华 in 石家庄金华实业)
        text = stripped[-1].removesuffix("市")
    brand = pinyin(text)
    return NameKey(brand, industries[0] if industries else "", tuple(industries), _frozen(cities), legal, branch, "zh")


def _leading_caps(raw: str) -> bool:
    """True when the first word is an all-caps abbreviation inside a mixed-case name."""
    words = raw.strip().split()
    if len(words) < 2 or raw.upper() == raw:
        return False
    first = _NON_LATIN.sub("", words[0])
    return 2 <= len(first) <= 5 and first.isupper()


@lru_cache(maxsize=300_000)
def _parse_latin(text: str, city_hint: str, caps_first: bool) -> NameKey:
    cities: set[str] = set()
    for inner in _PARENS.findall(text):
        key = lookup_city_latin(_latin_norm(inner).replace(" ", ""))
        if key:
            cities.add(key)
    tokens = _latin_norm(text).split()
    kinds = _classify_all(tokens, city_hint, caps_first, cities)
    # misspelt vocabulary words (never the first distinctive word: that is the brand)
    fixed_any = False
    seen_word = False
    for j, kind in enumerate(kinds):
        if kind == "word":
            if seen_word:
                fixed = _fuzzy_vocab_word(tokens[j])
                if fixed:
                    tokens[j] = fixed
                    fixed_any = True
                elif _fuzzy_legal(tokens[j]):
                    tokens[j] = "co"
                    fixed_any = True
            seen_word = True
    if fixed_any:
        kinds = _classify_all(tokens, city_hint, caps_first, cities)
    brand_parts: list[str] = []
    industries: list[str] = []
    for tok, kind in zip(tokens, kinds):
        if kind.startswith("ind:"):
            industries.append(kind[4:])
        elif kind == "word" and not industries:
            brand_parts.append(tok)
    if not brand_parts:  # odd order ("Trading Huaxin"): take every remaining word
        brand_parts = [t for t, k in zip(tokens, kinds) if k == "word"]
    if not brand_parts:  # a brand that is also a place name ("Shijiazhuang Jinhua Industrial")
        first_ind = next((j for j, k in enumerate(kinds) if k.startswith("ind:")), len(kinds))
        places = [t for t, k in zip(tokens[:first_ind], kinds) if k == "city" and t not in city_spellings(city_hint)]
        if places:
            brand_parts = places[-1:]
            cities.discard(lookup_city_latin(places[-1]))
    legal = "branch" if "branch" in kinds else ""
    return NameKey(
        "".join(brand_parts),
        industries[0] if industries else "",
        tuple(industries),
        _frozen(cities),
        legal,
        "branch" in kinds,
        "latin",
    )


@lru_cache(maxsize=1)
def _phrases_by_first() -> dict[str, tuple[tuple[int, tuple[str, ...], str], ...]]:
    """First token -> (length, phrase tokens, key) of every vocabulary phrase, longest first."""
    out: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
    for phrase, key in _vocab()[1].items():
        out.setdefault(phrase[0], []).append((len(phrase), phrase, key))
    return {w: tuple(sorted(v, key=lambda x: -x[0])) for w, v in out.items()}


def _classify_all(tokens: list[str], city_hint: str, caps_first: bool, cities: set[str]) -> list[str]:
    """Per token: "city", "legal", "branch", "ind:<key>" (first word of a phrase), "ind+", "word"."""
    by_first = _phrases_by_first()
    kinds: list[str] = []
    i = 0
    n_tokens = len(tokens)
    while i < n_tokens:
        tok = tokens[i]
        # the longest vocabulary phrase starting here (a lone legal word opening the name is
        # not an industry: "Business Huaxin" keeps "business" as the legal form)
        for n, phrase, key in by_first.get(tok, ()):
            if n > n_tokens - i or tuple(tokens[i : i + n]) != phrase:
                continue
            if key and not (n == 1 and tok in _LATIN_LEGAL and not kinds):
                kinds.extend(["ind:" + key] + ["ind+"] * (n - 1))
                i += n
                break
        else:
            first = i == 0
            kind, added = _classify(tok, first, city_hint, caps_first and first)
            for c in added:
                cities.add(c)
            kinds.append(kind)
            i += 1
    return kinds


@lru_cache(maxsize=200_000)
def _classify(tok: str, first: bool, hint: str, caps_first: bool) -> tuple[str, tuple[str, ...]]:
    """The kind of one token outside any vocabulary phrase, and the city keys it names (in
    the order they are added to the name's cities). ``first``: the name's first token."""
    if tok in _LATIN_BRANCH:
        return "branch", ()
    if tok in _LATIN_LEGAL or tok in _COUNTRY:
        return "legal", ()
    key = lookup_city_latin(tok)
    if key:
        return "city", (key,)
    if hint and any(
        tok == sp or (len(tok) >= 4 and OSA.distance(tok, sp, score_cutoff=1) <= 1) for sp in city_spellings(hint)
    ):
        return "city", (hint,)
    if first and (caps_first or (hint and abbreviation_matches(tok, hint))):
        abbr = abbreviation_cities(tok)
        if hint and abbreviation_matches(tok, hint):
            return "city", (hint,)
        if abbr:
            return "city", tuple(abbr)
    return "word", ()


def compare_names(a: NameKey, b: NameKey) -> tuple[str, float]:
    """Agreement level (one of :data:`NAME_LEVELS`) and a 0..1 similarity of two parsed names."""
    if not a.brand or not b.brand:
        return "missing", 0.0
    if a.brand == b.brand:
        bsim = 1.0
    else:
        bsim = fuzz.ratio(a.brand, b.brand) / 100.0
        if len(a.brand) >= 4 and len(b.brand) >= 4 and (a.brand in b.brand or b.brand in a.brand):
            # a place or word glued to the brand on one side only ("shanghaihuaxin")
            bsim = max(bsim, 0.86)
    if a.industry and b.industry:
        ind = "agree" if (a.industry == b.industry or set(a.industries) & set(b.industries)) else "disagree"
    else:
        ind = "unknown"
    core = fuzz.ratio(a.core, b.core) / 100.0
    if bsim == 1.0 and ind == "agree":
        return "exact", 1.0
    if (bsim == 1.0 and ind == "unknown") or (bsim >= 0.8 and ind == "agree") or core >= 0.92:
        return "strong", max(bsim, core) * (0.97 if ind != "disagree" else 0.9)
    if ind == "disagree" and bsim >= 0.8:
        return "brand_only", bsim
    if (bsim >= 0.8 and ind == "unknown") or core >= 0.84:
        return "weak", max(bsim, core) * 0.9
    if a.branch and b.branch and a.script != b.script and a.cities & b.cities:
        return "weak", max(bsim, core)  # branch offices of a translated parent name
    # a Chinese name and a Latin one whose brands differ may still be a translated brand
    # (联想 / Lenovo); that is weaker evidence against than two unlike Latin brands
    return ("cross_script" if a.script != b.script else "mismatch"), max(bsim, core)
