"""Text normalisation for matching: width/case/space folding, pinyin, Chinese places, addresses.

Everything here is a pure function with a small cache; nothing reads files or the network.
The place table covers China's provincial-level divisions and its major cities (capitals,
sub-provincial and large prefecture-level cities) with their pinyin, well-known older/postal
spellings and airport-style abbreviations. Places outside the table still normalise through
pinyin, so the table only helps to *recognise* a place inside a company name.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

__all__ = [
    "fold",
    "halfwidth",
    "has_cjk",
    "pinyin",
    "pinyin_syllables",
    "Place",
    "city_key",
    "province_key",
    "lookup_city_zh",
    "lookup_city_latin",
    "city_spellings",
    "abbreviation_matches",
    "AddressKey",
    "address_key",
]

_EXTRA_FOLD = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "【": "(",
        "】": ")",
        "、": ",",
        "。": ".",
        "，": ",",
        "；": ";",
        "：": ":",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "－": "-",
        "—": "-",
        "–": "-",
        "·": " ",
    }
)
_SPACES = re.compile(r"\s+")


def halfwidth(text: str) -> str:
    """Full-width ASCII, ideographic space and CJK punctuation -> their half-width forms."""
    return unicodedata.normalize("NFKC", text).translate(_EXTRA_FOLD)


def fold(text: str | None) -> str:
    """Half-width, case-folded, single-spaced and stripped (``None`` -> ``""``)."""
    if not text:
        return ""
    if not text.isascii():  # ASCII is already NFKC and holds none of the _EXTRA_FOLD keys
        text = halfwidth(text)
    # split()/join() folds exactly the whitespace ``\s`` matches (str.isspace) and strips it
    return " ".join(text.split()).casefold()


_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    """True when ``text`` holds at least one Chinese character."""
    return _CJK.search(text) is not None


@lru_cache(maxsize=200_000)
def pinyin_syllables(hanzi: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a Chinese string (phrase-aware, via pypinyin); Latin kept."""
    from pypinyin import lazy_pinyin  # lazily: pypinyin loads its dictionaries on import

    out: list[str] = []
    for piece in lazy_pinyin(hanzi, errors="default"):
        piece = piece.replace("ü", "v").casefold()
        out.extend(t for t in re.split(r"[^0-9a-z]+", piece) if t)
    return tuple(out)


@lru_cache(maxsize=200_000)
def pinyin(hanzi: str) -> str:
    """Toneless pinyin of a Chinese string as one lower-case word (上海 -> ``shanghai``)."""
    return "".join(pinyin_syllables(hanzi))


# --------------------------------------------------------------------------- places
# zh | pinyin (only when pypinyin would read it differently) | other spellings | abbreviations
_CITY_TABLE = """
北京||peking|bj,pek,bjs
上海|||sh,sha,pvg
天津||tientsin|tj,tsn
重庆|chongqing|chungking|cq,ckg
广州||canton|gz,can
深圳||shenchen|sz,szx
杭州||hangchow|hz,hgh
南京||nanking|nj,nkg
苏州||soochow|sz,suz
成都||chengtu|cd,ctu
武汉||hankow|wh,wuh
西安||xian,sian|xa,xiy
长沙|changsha||cs,csx
郑州||chengchow|zz,cgo
青岛||tsingtao|qd,tao
济南||tsinan|jn,tna
沈阳||mukden|sy,she
大连||dairen|dl,dlc
哈尔滨||harbin|hrb,heb
长春|changchun||cc,cgq
厦门||amoy|xm,xmn
福州||foochow|fz,foc
合肥|||hf,hfe
南昌|||nc,khn
昆明|||km,kmg
贵阳|||gy,kwe
南宁|||nn,nng
石家庄|||sjz
太原|||ty,tyn
兰州|||lz,lhw
乌鲁木齐||urumqi|urc,wlmq
呼和浩特||hohhot|hhht,het
宁波|||nb,ngb
无锡|||wx,wux
东莞|||dg
佛山|||fs,fuo
温州|||wz,wnz
海口|||hk,hak
三亚|||sya
银川|||yc,inc
西宁|||xn,xnn
拉萨||lhasa|ls,lxa
常州|||cz
南通|||nt
徐州|||xz
扬州|||yz
镇江|||zj
嘉兴|||jx
绍兴|||sx
金华|||jh
台州|||tz
烟台|||yt
潍坊|||wf
临沂|||ly
淄博|||zb
珠海|||zh,zuh
中山|||zs
惠州|||hz
汕头|||st,swa
泉州|||qz
漳州|||zz
洛阳|||ly
唐山|||ts
保定|||bd
廊坊|||lf
邯郸|||hd
包头|||bt
鄂尔多斯||ordos|eeds
大庆|||dq
吉林|||jl
鞍山|||as
株洲|||zz
岳阳|||yy
常德|||cd
衡阳|||hy
宜昌|||yc
襄阳|||xy
芜湖|||wh
赣州|||gz
柳州|||lz
桂林|||gl,kwl
遵义|||zy
绵阳|||my
宜宾|||yb
南充|||nc
泸州|||lz
湛江|||zj
江门|||jm
肇庆|||zq
揭阳|||jy
茂名|||mm
盐城|||yc
淮安|||ha
连云港|||lyg
湖州|||hz
舟山|||zs
济宁|||jn
威海|||wh
日照|||rz
咸阳|||xy
宝鸡|||bj
香港||hong kong,hongkong|hk,hkg
澳门||macau,macao|mo,mfm
台北||taipei|tp,tpe
"""

_PROVINCE_TABLE = """
北京|beijing|peking
天津|tianjin|
上海|shanghai|
重庆|chongqing|chungking
河北|hebei|
山西|shanxi|
辽宁|liaoning|
吉林|jilin|
黑龙江|heilongjiang|
江苏|jiangsu|
浙江|zhejiang|
安徽|anhui|
福建|fujian|
江西|jiangxi|
山东|shandong|
河南|henan|
湖北|hubei|
湖南|hunan|
广东|guangdong|
海南|hainan|
四川|sichuan|
贵州|guizhou|
云南|yunnan|
陕西|shaanxi|
甘肃|gansu|
青海|qinghai|
台湾|taiwan|
内蒙古|neimenggu|inner mongolia
广西|guangxi|
西藏|xizang|tibet
宁夏|ningxia|
新疆|xinjiang|
香港|xianggang|hong kong
澳门|aomen|macau
"""


class Place(NamedTuple):
    """One city or province: its Chinese name, canonical key (pinyin) and other spellings."""

    zh: str
    key: str
    spellings: tuple[str, ...]
    abbreviations: tuple[str, ...]


def _places(table: str, with_abbr: bool) -> tuple[Place, ...]:
    out = []
    for line in table.strip().splitlines():
        cols = line.split("|") + [""] * 4
        zh = cols[0]
        key = cols[1] or pinyin(zh)
        spellings = tuple(s.strip() for s in cols[2].split(",") if s.strip())
        abbr = tuple(a.strip() for a in cols[3].split(",") if a.strip()) if with_abbr else ()
        out.append(Place(zh, key, spellings, abbr))
    return tuple(out)


@lru_cache(maxsize=1)
def _city_index() -> tuple[dict[str, Place], dict[str, Place], tuple[str, ...]]:
    cities = _places(_CITY_TABLE, True)
    by_zh = {c.zh: c for c in cities}
    by_latin: dict[str, Place] = {}
    for c in cities:
        by_latin.setdefault(c.key, c)
        for s in c.spellings:
            by_latin.setdefault(s.replace(" ", ""), c)
    # longest first so 石家庄 wins over a shorter prefix
    zh_sorted = tuple(sorted(by_zh, key=len, reverse=True))
    return by_zh, by_latin, zh_sorted


@lru_cache(maxsize=1)
def _province_index() -> tuple[dict[str, Place], dict[str, Place], tuple[str, ...]]:
    provs = _places(_PROVINCE_TABLE, False)
    by_zh = {p.zh: p for p in provs}
    by_latin: dict[str, Place] = {}
    for p in provs:
        by_latin.setdefault(p.key, p)
        for s in p.spellings:
            by_latin.setdefault(s.replace(" ", ""), p)
    return by_zh, by_latin, tuple(sorted(by_zh, key=len, reverse=True))


_ZH_PLACE_SUFFIX = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "地区",
    "省",
    "市",
    "盟",
)
_LATIN_PLACE_SUFFIX = re.compile(
    r"\b(city|shi|province|sheng|municipality|prefecture|"
    r"autonomous region|sar|special administrative region)\b"
)


def _strip_zh_place(text: str) -> str:
    for suf in _ZH_PLACE_SUFFIX:
        if text.endswith(suf) and len(text) > len(suf) + 1:
            return text[: -len(suf)]
    return text


_NON_AZ = re.compile(r"[^a-z]")


def _latin_place(text: str) -> str:
    text = _LATIN_PLACE_SUFFIX.sub(" ", text.replace("'", "").replace("-", " "))
    return _NON_AZ.sub("", text)


@lru_cache(maxsize=50_000)
def city_key(value: str | None) -> str:
    """Canonical key of a city field: 上海市, ``Shanghai``, `` SHANGHAI ``, ``Peking`` -> pinyin."""
    text = fold(value)
    if not text:
        return ""
    by_zh, by_latin, _ = _city_index()
    if has_cjk(text):
        zh = _strip_zh_place(text.replace(" ", ""))
        place = by_zh.get(zh)
        return place.key if place else pinyin(zh)
    latin = _latin_place(text)
    place = by_latin.get(latin)
    return place.key if place else latin


@lru_cache(maxsize=10_000)
def province_key(value: str | None) -> str:
    """Canonical key of a province field: 广东省, 广东, ``Guangdong`` -> ``guangdong``."""
    text = fold(value)
    if not text:
        return ""
    by_zh, by_latin, _ = _province_index()
    if has_cjk(text):
        zh = text.replace(" ", "")
        for suf in _ZH_PLACE_SUFFIX:
            if zh.endswith(suf) and zh[: -len(suf)] in by_zh:
                zh = zh[: -len(suf)]
                break
        place = by_zh.get(zh)
        return place.key if place else pinyin(_strip_zh_place(zh))
    latin = _latin_place(text)
    place = by_latin.get(latin)
    return place.key if place else latin


@lru_cache(maxsize=1)
def _zh_place_probes() -> tuple[dict[str, tuple[str, str, str]], int]:
    """Place name (with and without 市/省) -> (matched text, key, kind); and the longest."""
    probes: dict[str, tuple[str, str, str]] = {}
    for kind, index in (("city", _city_index()), ("province", _province_index())):
        for zh, place in index[0].items():
            for suf in ("市", "省", ""):
                probes.setdefault(zh + suf, (zh + suf, place.key, kind))
    return probes, max(map(len, probes))


def lookup_city_zh(text: str, at_start: bool = True) -> tuple[str, str, str] | None:
    """A known city or province at the start/end of ``text``: (matched text, key, kind).

    The longest match wins (石家庄市 over 石家庄); the place never takes the whole text.
    """
    probes, longest = _zh_place_probes()
    for n in range(min(longest, len(text) - 1), 1, -1):
        hit = probes.get(text[:n] if at_start else text[-n:])
        if hit is not None:
            return hit
    return None


@lru_cache(maxsize=20_000)
def city_spellings(key: str) -> tuple[str, ...]:
    """The canonical key of a known city plus its other Latin spellings (just ``key`` if unknown)."""
    place = _city_index()[1].get(key)
    if place is None:
        return (key,) if key else ()
    return (place.key,) + tuple(s.replace(" ", "") for s in place.spellings)


def lookup_city_latin(token: str) -> str:
    """Canonical key when a Latin token (or joined tokens) spells a known city, else ``""``."""
    _, by_latin, _ = _city_index()
    place = by_latin.get(token)
    return place.key if place else ""


@lru_cache(maxsize=1)
def _abbr_index() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for c in _city_index()[0].values():
        for a in c.abbreviations:
            out.setdefault(a, set()).add(c.key)
    return {k: frozenset(v) for k, v in out.items()}


def abbreviation_matches(token: str, key: str) -> bool:
    """True when ``token`` abbreviates the place ``key`` (``sh``/``suz``/``hhht`` style).

    Matches a listed abbreviation, or a token built from a non-empty prefix of each pinyin
    syllable of the place in order (the usual way Chinese places are shortened in Latin).
    """
    if not token or not key or not 2 <= len(token) <= 5:
        return False
    if key in _abbr_index().get(token, ()):
        return True
    syll = _key_syllables(key)
    return len(syll) >= 2 and _prefix_split(token, syll)


def abbreviation_cities(token: str) -> frozenset[str]:
    """Known cities that ``token`` is a listed abbreviation of."""
    return _abbr_index().get(token, frozenset())


@lru_cache(maxsize=20_000)
def _key_syllables(key: str) -> tuple[str, ...]:
    by_latin = _city_index()[1]
    place = by_latin.get(key)
    if place is not None:
        return pinyin_syllables(place.zh)
    return _split_pinyin(key)


_INITIALS = (
    "zh",
    "ch",
    "sh",
    "b",
    "p",
    "m",
    "f",
    "d",
    "t",
    "n",
    "l",
    "g",
    "k",
    "h",
    "j",
    "q",
    "x",
    "r",
    "z",
    "c",
    "s",
    "y",
    "w",
)
_FINALS = sorted(
    (
        "a o e ai ei ao ou an en ang eng ong er i ia ie iao iu ian in iang ing iong u ua "
        "uo uai ui uan un uang ueng v ve van vn ue"
    ).split(),
    key=len,
    reverse=True,
)


@lru_cache(maxsize=20_000)
def _split_pinyin(word: str) -> tuple[str, ...]:
    """Greedy split of joined pinyin into syllables (best effort; used for abbreviations)."""
    out: list[str] = []
    i = 0
    while i < len(word):
        ini = next((x for x in _INITIALS if word.startswith(x, i)), "")
        j = i + len(ini)
        fin = next((f for f in _FINALS if word.startswith(f, j)), "")
        if not fin:
            return ()
        k = j + len(fin)
        # give a trailing n/g back when the next syllable needs it as its initial
        if fin.endswith(("n", "ng")) and k < len(word) and word[k] in "aeiouv":
            k -= 1
        out.append(word[i:k])
        i = k
    return tuple(out)


def _prefix_split(token: str, syll: tuple[str, ...]) -> bool:
    if not syll:
        return not token
    if not token:
        return False
    head = syll[0]
    for n in range(1, min(len(head), len(token)) + 1):
        if token[:n] != head[:n]:
            return False
        if len(token) - n >= len(syll) - 1 and _prefix_split(token[n:], syll[1:]):
            return True
    return False


# --------------------------------------------------------------------------- addresses
class AddressKey(NamedTuple):
    """Comparable parts of a street address: its numbers and its road name (pinyin)."""

    numbers: tuple[int, ...]
    road: str


_ZH_ROAD = re.compile(r"([\u4e00-\u9fff]{1,6}?)(大道|大街|路|街|道|巷|弄|胡同)")
_EN_ROAD = re.compile(
    r"([a-z][a-z' ]*?)\s+(road|rd|street|st|avenue|ave|boulevard|blvd|lane|ln|"
    r"lu|jie|dajie|dadao|xiang|hutong|way)\b"
)
_ZH_AREA = re.compile(r"^.*?(区|县|镇|乡|开发区|园区|新区)")
_NUM = re.compile(r"\d+")
_NON_ADDRESS = re.compile(r"[^a-z0-9' ]")


def address_key(value: str | None) -> AddressKey:
    """Numbers (sorted) and road name of a Chinese or English address; empty parts when absent."""
    text = fold(value)
    if not text:
        return AddressKey((), "")
    numbers = tuple(sorted(int(n) for n in _NUM.findall(text) if len(n) <= 6))
    road = ""
    if has_cjk(text):
        compact = text.replace(" ", "")
        area = _ZH_AREA.match(compact)
        rest = compact[area.end() :] if area else compact
        m = _ZH_ROAD.search(rest) or _ZH_ROAD.search(compact)
        if m:
            road = pinyin(m.group(1))
    else:
        m = _EN_ROAD.search(_NON_ADDRESS.sub(" ", text))
        if m:
            words = m.group(1).replace("'", "").split()
            road = words[-1] if words else ""
            if len(words) >= 2 and len(words[-1]) <= 3:
                road = "".join(words[-2:])
    return AddressKey(numbers, road)
