"""Value formats and noise of the demo world: money, dates, Salesforce ids, USCC codes, typos, phones, X12 text."""

from __future__ import annotations

import datetime as dt
import random
import re
import string


def fen(c: int) -> str:
    """Integer fen -> '1234.56'."""
    return ("-" if c < 0 else "") + "%d.%02d" % divmod(abs(c), 100)


def cents(s: str) -> int:
    """'1234.56' -> 123456 (the inverse of fen)."""
    neg = s.startswith("-")
    whole, _, frac = s.lstrip("-").partition(".")
    v = int(whole or "0") * 100 + int((frac + "00")[:2])
    return -v if neg else v


def iso(o: int) -> str:
    return dt.date.fromordinal(o).isoformat()


def slash(o: int) -> str:
    return iso(o).replace("-", "/")


def x12date(o: int) -> str:
    return iso(o).replace("-", "")


_FULLWIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)} | {0x20: 0x3000}


def sf_stamp(o: int, secs: int) -> str:
    """Salesforce export timestamp, e.g. 2025-04-06T08:15:02.000Z."""
    return "%sT%02d:%02d:%02d.000Z" % (iso(o), secs // 3600, secs // 60 % 60, secs % 60)


def fullwidth(s: str) -> str:
    return s.translate(_FULLWIDTH)


_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SF_SUFFIX = string.ascii_uppercase + "012345"


class SfIds:
    """Increasing 18-character Salesforce record ids (key prefix, pod, case-checksum suffix)."""

    def __init__(self, prefix: str, rng: random.Random):
        self.head = prefix + rng.choice(("Hq", "7W", "2b", "Qe")) + "0"
        self.n = rng.randrange(62**6, 62**7)
        self.rng = rng

    def next(self) -> str:
        self.n += 1 + self.rng.randrange(3)
        n, tail = self.n, ""
        for _ in range(9):
            n, d = divmod(n, 62)
            tail = _B62[d] + tail
        id15 = self.head + tail
        suffix = "".join(
            _SF_SUFFIX[sum(1 << i for i, ch in enumerate(id15[k : k + 5]) if ch.isupper())] for k in (0, 5, 10)
        )
        return id15 + suffix


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    total = sum(USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(rng: random.Random, admin4: str) -> str:
    """A valid USCC: 91 (enterprise), admin division, GB 11714 organisation code, check."""
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(USCC_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    else:
        body = "%08d" % rng.randrange(10**8)
    c9 = 11 - sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2))) % 11
    org = body + {10: "X", 11: "0"}.get(c9, str(c9))
    first17 = "91" + admin4 + "%02d" % rng.randrange(1, 12) + org
    return first17 + uscc_check_char(first17)


def typo(s: str, rng: random.Random) -> str:
    """One keyboard slip on a letter that is not the first character."""
    pos = [i for i, c in enumerate(s) if c.isalpha() and i > 0]
    if not pos:
        return s
    i = rng.choice(pos)
    op = rng.randrange(4)
    if op == 0:
        return s[:i] + s[i + 1 :]
    if op == 1 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    if op == 2:
        return s[:i] + s[i] + s[i:]
    return s[:i] + rng.choice("aeinorst") + s[i + 1 :]


def ws_case(s: str, rng: random.Random) -> str:
    return rng.choice((s.upper(), s.lower(), " " + s, s + " ", s.replace(" ", "  ", 1)))


def crm_phone(area: str, local: str, mobile: str, rng: random.Random) -> str:
    if mobile:
        return rng.choice(
            (
                "+86 %s %s %s" % (mobile[:3], mobile[3:7], mobile[7:]),
                mobile,
                "+86-" + mobile,
                "%s-%s-%s" % (mobile[:3], mobile[3:7], mobile[7:]),
            )
        )
    a = area[1:]
    return rng.choice(
        (
            "+86 %s %s %s" % (a, local[:4], local[4:]),
            "(%s) %s-%s" % (area, local[:4], local[4:]),
            "%s-%s" % (area, local),
            "+86-%s-%s" % (a, local),
            "86%s%s" % (a, local),
        )
    )


def drp_phone(area: str, local: str, mobile: str, rng: random.Random) -> str:
    if mobile:
        return mobile if rng.random() < 0.7 else "%s %s %s" % (mobile[:3], mobile[3:7], mobile[7:])
    return rng.choice(("%s-%s" % (area, local), "%s-%s" % (area, local), area + local, "%s %s" % (area, local)))


def x12_clean(s: str) -> str:
    """ASCII text safe inside an X12 element."""
    s = re.sub(r"[*~:^]", " ", s).encode("ascii", "replace").decode().replace("?", " ")
    return re.sub(r"\s+", " ", s).strip()
