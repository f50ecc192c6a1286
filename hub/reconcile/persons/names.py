"""Person names: fold, romanise and compare given/family names (swaps, initials, nicknames).

No company-name rewriting happens here: "Hope" stays "hope". Chinese names are read as toneless
pinyin syllables (李静 = "Jing Li" = "LI Jing"), as the salesperson key rule reads them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler

from hub.reconcile.keys import NORMALISERS
from hub.reconcile.normalize import _split_pinyin

__all__ = ["NICKNAMES", "PERSON_LEVELS", "canonical_given", "compare_person", "fold_name", "pinyin_name"]

#: nickname -> the formal given name it stands for (English; extend with ``nicknames:`` in YAML)
NICKNAMES: dict[str, str] = {
    nick: formal
    for formal, nicks in {
        "robert": "bob bobby rob robbie bert",
        "william": "bill billy will willy liam",
        "richard": "dick rick ricky rich",
        "james": "jim jimmy jamie",
        "john": "jack johnny jon",
        "jonathan": "jon jonny",
        "michael": "mike mick mickey",
        "thomas": "tom tommy",
        "christopher": "chris kit",
        "christine": "chris chrissy tina",
        "elizabeth": "liz lizzie beth betty eliza libby",
        "margaret": "maggie meg peggy marge",
        "katherine": "kate kathy katie kat",
        "catherine": "cate cathy",
        "jennifer": "jen jenny",
        "joseph": "joe joey",
        "daniel": "dan danny",
        "david": "dave davy",
        "edward": "ed eddie ted ned",
        "anthony": "tony",
        "andrew": "andy drew",
        "benjamin": "ben benny",
        "charles": "charlie chuck chas",
        "nicholas": "nick nicky",
        "matthew": "matt",
        "samuel": "sam sammy",
        "stephen": "steve stevie",
        "steven": "steve",
        "timothy": "tim timmy",
        "patrick": "pat paddy",
        "peter": "pete",
        "alexander": "alex sandy",
        "alexandra": "alex sandra lexi",
        "victoria": "vicky tori",
        "rebecca": "becky becca",
        "susan": "sue susie",
        "deborah": "deb debbie",
        "patricia": "pat patty trish",
        "jessica": "jess jessie",
        "joshua": "josh",
        "nathan": "nate",
        "gregory": "greg",
        "kenneth": "ken kenny",
        "ronald": "ron ronnie",
        "donald": "don donny",
        "lawrence": "larry",
        "raymond": "ray",
        "frederick": "fred freddie",
        "henry": "harry hank",
        "abigail": "abby",
        "samantha": "sam sammy",
        "zachary": "zach zack",
        "joshuah": "josh",
        "jacob": "jake",
        "isabella": "bella izzy",
        "olivia": "liv",
    }.items()
    for nick in nicks.split()
}

_NON_NAME = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
PERSON_LEVELS = ("exact", "swapped", "nickname_or_initial", "close", "family_only", "given_only", "mismatch")


@lru_cache(maxsize=200_000)
def fold_name(value: str) -> str:
    """Lower-case, accent-free, punctuation-free name; Chinese as sorted pinyin syllables."""
    if not value:
        return ""
    v = unicodedata.normalize("NFKC", value).strip()
    if _CJK.search(v):
        return NORMALISERS["person_name"](v)
    v = "".join(c for c in unicodedata.normalize("NFKD", v.casefold()) if not unicodedata.combining(c))
    return " ".join(_NON_NAME.sub(" ", v).split())


@lru_cache(maxsize=200_000)
def pinyin_name(value: str) -> str:
    """A name as its sorted toneless pinyin syllables, whatever the script and order:
    王秀英, "Xiuying Wang" and "WANG Xiu-ying" all read ``wang xiu ying``. A Latin word that is
    not joined pinyin ("Smith") is kept whole."""
    if not value:
        return ""
    out: list[str] = []
    for token in NORMALISERS["person_name"](value).split():
        out.extend(_split_pinyin(token) or (token,))
    return " ".join(sorted(out))


def canonical_given(value: str, extra: dict[str, str] | None = None) -> str:
    """The formal form of a (folded) given name: ``bob`` -> ``robert``."""
    if extra and value in extra:
        return extra[value]
    return NICKNAMES.get(value, value)


def _close(a: str, b: str, cut: float) -> bool:
    return bool(a) and bool(b) and JaroWinkler.normalized_similarity(a, b) >= cut


def _initial(a: str, b: str) -> bool:
    """One is the other's initial ("j" for "john")."""
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def compare_person(
    ga: str, fa: str, gb: str, fb: str, cut: float = 0.9, nicknames: dict[str, str] | None = None
) -> int:
    """Level index in :data:`PERSON_LEVELS` for two (given, family) pairs, already folded."""
    if ga == gb and fa == fb:
        return 0
    if ga and fa and ga == fb and fa == gb:
        return 1
    family_same = bool(fa) and fa == fb
    if (
        family_same
        and ga
        and gb
        and (_initial(ga, gb) or canonical_given(ga, nicknames) == canonical_given(gb, nicknames))
    ):
        return 2
    if _close(ga, gb, cut) and _close(fa, fb, cut):
        return 3
    if _close(ga, fb, cut) and _close(fa, gb, cut):
        return 3
    if family_same or _close(fa, fb, cut):
        return 4
    if ga and (ga == gb or _close(ga, gb, cut)):
        return 5
    return 6
