"""Parties of the demo world: HQ, branches and customers with their names, addresses, ids and EDI roles."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from testkit.world.values import SfIds, make_uscc, x12_clean
from testkit.world.vocab import (
    AGENT,
    BRANCH,
    BRANDS,
    CHAIN,
    CITIES,
    COMPANY_EN,
    COMPANY_ZH,
    DIRECT,
    DIST,
    DISTRICTS,
    HQ,
    INDUSTRIES,
    LEGAL,
    RATES,
    ROADS,
)


@dataclass
class Party:
    i: int
    ch: int
    city: int
    brand: int = 0
    ind: int = 0
    legal: int = 0
    form: int = 0
    parent: int = -1
    in_crm: bool = True
    in_drp: bool = True
    uscc: str = ""
    area: str = ""
    local: str = ""
    mobile: str = ""
    addr: tuple = ()
    website: str = ""
    sp: int = 0
    owner: str = ""
    crm_ids: list = field(default_factory=list)
    drp_codes: list = field(default_factory=list)
    edi_id: str = ""
    consign: bool = False
    payer820: bool = False
    edi_store: bool = False
    banner: int = -1
    store_no: str = ""


def zh_name(p: Party, half_paren: bool = False) -> str:
    if p.ch == HQ:
        return COMPANY_ZH
    city = CITIES[p.city][0]
    if p.ch == BRANCH:
        return COMPANY_ZH + city + "分公司"
    core = BRANDS[p.brand][0] + INDUSTRIES[p.ind][0]
    if p.form == 0:
        return city + core + LEGAL[p.legal][0]
    lp, rp = ("(", ")") if half_paren else ("（", "）")
    return core + lp + city + rp + LEGAL[p.legal][0]


def en_name(p: Party, variant: int = 0, rng: random.Random | None = None) -> str:
    """Registered English name (variant 0) or one of the ways sales people type it."""
    c = CITIES[p.city]
    if p.ch == HQ:
        return COMPANY_EN
    if p.ch == BRANCH:
        return (
            "ChannelCo Consumer Goods Co., Ltd. %s Branch" % c[1],
            "ChannelCo %s Branch" % c[1],
            "ChannelCo (%s) Branch Office" % c[1],
            "%s Branch, ChannelCo" % c[1],
        )[variant % 4]
    brand, brand_split = BRANDS[p.brand][1], BRANDS[p.brand][2]
    ind, ind_alt = INDUSTRIES[p.ind][1], INDUSTRIES[p.ind][2]
    legal = LEGAL[p.legal][1]
    alt = rng.choice(LEGAL[p.legal][2]) if rng else legal
    if variant == 0:
        return "%s %s %s %s" % (c[1], brand, ind, legal) if p.form == 0 else "%s %s (%s) %s" % (brand, ind, c[1], legal)
    if variant == 1:  # the other word order, another legal form
        return "%s %s (%s) %s" % (brand, ind, c[1], alt) if p.form == 0 else "%s %s %s %s" % (c[1], brand, ind, alt)
    if variant == 2:
        return "%s %s %s" % (c[3], brand, ind)  # city abbreviation
    if variant == 3:
        return "%s %s %s %s" % (c[1], brand_split, ind_alt, alt)  # split pinyin
    if variant == 4:
        return "%s %s %s" % (brand, ind, alt)  # no city
    if variant == 5:
        return "%s %s %s" % (c[1], brand, ind)  # no legal form
    if c[2]:
        return "%s %s %s %s" % (c[2][0], brand, ind, legal)  # old spelling of the city
    return ("%s %s %s %s" % (c[1], brand, ind, legal)).upper()


def x12_name(p: Party) -> str:
    return x12_clean(en_name(p).upper().replace(".", "").replace(",", ""))


def addr_zh(p: Party, a: tuple, with_city: bool) -> str:
    d, r, no, bld, room = a
    s = DISTRICTS[d][0] + ROADS[r][0] + "%d号" % no + ("%d栋%d室" % (bld, room) if bld else "")
    return (CITIES[p.city][0] + "市" + s) if with_city else s


def addr_en(a: tuple) -> str:
    d, r, no, bld, room = a
    head = "Room %d, Building %d, " % (room, bld) if bld else ""
    return "%sNo. %d %s, %s" % (head, no, ROADS[r][1], DISTRICTS[d][1])


def postal(p: Party, a: tuple) -> str:
    return CITIES[p.city][8] + "%03d" % ((a[0] * 131 + a[1] * 17 + a[2]) % 1000)


class PartyBuilder:
    """Builds ``World.parties`` (the real-world customers) and the record ids each system gives them."""

    def build_parties(self):
        rng = self.rng("parties")
        prov_w: dict[str, int] = {}
        for c in CITIES:
            prov_w[c[4]] = prov_w.get(c[4], 0) + c[10]
        provs = sorted(prov_w, key=lambda pv: -prov_w[pv])
        n_branch = min(len(provs), max(1, self.n // 40))
        parties = [Party(0, HQ, 0, in_crm=False)]
        branch_of = {}
        for pv in provs[:n_branch]:
            city = max((k for k, c in enumerate(CITIES) if c[4] == pv), key=lambda k: CITIES[k][10])
            branch_of[pv] = len(parties)
            parties.append(Party(len(parties), BRANCH, city, parent=0))
        for pv in provs[n_branch:]:
            region = next(c[11] for c in CITIES if c[4] == pv)
            same = [branch_of[b] for b in provs[:n_branch] if CITIES[parties[branch_of[b]].city][11] == region]
            branch_of[pv] = same[0] if same else 1
        city_w = [c[10] for c in CITIES]
        legal_w = [lg[3] for lg in LEGAL]
        used, dists = set(), {}
        rest = self.n - len(parties)
        n_dist = max(2, round(rest * 0.12))
        for k in range(rest):
            ch = DIST if k < n_dist else rng.choices((AGENT, CHAIN, DIRECT), (0.3, 0.25, 0.45))[0]
            tag = "r" if ch == CHAIN else "c" if ch == DIRECT else "d"
            inds = [j for j, x in enumerate(INDUSTRIES) if tag in x[3]]
            while True:
                city = rng.choices(range(len(CITIES)), city_w)[0]
                brand, ind = rng.randrange(len(BRANDS)), rng.choice(inds)
                if (city, brand, ind) not in used:
                    used.add((city, brand, ind))
                    break
            p = Party(
                len(parties),
                ch,
                city,
                brand,
                ind,
                rng.choices(range(len(LEGAL)), legal_w)[0],
                0 if rng.random() < 0.75 else 1,
            )
            prov = CITIES[city][4]
            if ch == DIST:
                p.parent = branch_of[prov]
                dists.setdefault(prov, []).append(p.i)
            elif ch in (AGENT, CHAIN) and dists.get(prov):
                p.parent = rng.choice(dists[prov])
            else:
                p.parent = branch_of[prov]
            r = rng.random()
            p.in_drp = r >= RATES["crm_only_rate"]
            p.in_crm = not (RATES["crm_only_rate"] <= r < RATES["crm_only_rate"] + RATES["drp_only_rate"])
            parties.append(p)
        for p in parties:
            c = CITIES[p.city]
            p.area, p.local = c[7], "%d%07d" % (rng.randrange(2, 9), rng.randrange(10**7))
            if p.ch >= DIST and rng.random() < (0, 0, 0.1, 0.4, 0.15, 0.25)[p.ch]:
                p.mobile = "1%s%08d" % (
                    rng.choice(("35", "37", "39", "50", "58", "86", "89", "77")),
                    rng.randrange(10**8),
                )
            p.uscc = make_uscc(rng, c[9])
            p.addr = (
                rng.randrange(len(DISTRICTS)),
                rng.randrange(len(ROADS)),
                rng.randrange(1, 600),
                rng.randrange(1, 20) if rng.random() < 0.4 else 0,
                rng.randrange(101, 2399),
            )
            if p.ch >= DIST and rng.random() < 0.35:
                p.website = "www.%s%s.%s" % (
                    BRANDS[p.brand][1].lower(),
                    rng.choice(("", "sm", "gs", "666")),
                    rng.choice(("com", "cn", "com.cn")),
                )
            team = "K" if (p.ch == CHAIN and rng.random() < 0.5) else c[11]
            pool = [k for k, s in enumerate(self.sp) if s[3] == team] or list(range(len(self.sp)))
            p.sp = rng.choice(pool)
            owner_sp = rng.choice(pool) if rng.random() < RATES["owner_mismatch_rate"] else p.sp
            p.owner = self.sp_user[owner_sp] or self.managers[team]
        self.parties = parties
        # duplicates, EDI roles
        self.crm_dup = self.quota(rng, [p.i for p in parties if p.in_crm and p.ch >= DIST], RATES["duplicate_rate"])
        self.drp_dup = self.quota(rng, [p.i for p in parties if p.in_drp and p.ch >= DIST], RATES["duplicate_rate"])
        drp_dists = [p.i for p in parties if p.in_drp and p.ch == DIST]
        for i in self.quota(rng, drp_dists, RATES["consignment_rate"], 2):
            parties[i].consign = True
        for i in self.quota(rng, [p.i for p in parties if p.in_drp and p.ch == CHAIN], 0.8, 2):
            parties[i].edi_store = True
        payers = [i for i in drp_dists if not parties[i].consign] or drp_dists
        for i in self.quota(rng, payers, 0.1, 1):
            parties[i].payer820 = True
        edi_ids = set()
        for p in parties:
            if p.consign or p.payer820:
                while not p.edi_id or p.edi_id in edi_ids:
                    p.edi_id = "D%08d" % rng.randrange(10**8)
                edi_ids.add(p.edi_id)
        stores = [p for p in parties if p.edi_store]
        self.banners = []
        for k in range(max(2, round(len(stores) / 120))):
            self.banners.append(
                (
                    "R%08d" % (10**7 * (k + 1) + rng.randrange(10**7)),
                    "%s %s"
                    % (
                        BRANDS[rng.randrange(len(BRANDS))][1].upper(),
                        ("HYPERMART", "LIFE MART", "VALUE STORES")[k % 3],
                    ),
                )
            )
        per_banner = [0] * len(self.banners)
        for p in stores:
            p.banner = rng.randrange(len(self.banners))
            per_banner[p.banner] += 1
            p.store_no = "%s%04d" % ("BHV"[p.banner % 3], per_banner[p.banner])
        # record ids in creation order (branches and HQ first, duplicates after their original)
        crm, drp = [], []
        for p in parties:
            k = -2.0 if p.ch == HQ else -1.0 + p.i / 1e6 if p.ch == BRANCH else rng.random()
            if p.in_crm:
                crm.append((k, p.i, 0))
                if p.i in self.crm_dup:
                    crm.append((max(k, 0) + (1 - max(k, 0)) * rng.random() + 1e-9, p.i, 1))
            if p.in_drp:
                drp.append((k, p.i, 0))
                if p.i in self.drp_dup:
                    drp.append((max(k, 0) + (1 - max(k, 0)) * rng.random() + 1e-9, p.i, 1))
        ids = SfIds("001", rng)
        self.crm_recs = [(i, dup) for _, i, dup in sorted(crm)]
        for i, _dup in self.crm_recs:
            parties[i].crm_ids.append(ids.next())
        self.drp_recs = [(i, dup) for _, i, dup in sorted(drp)]
        for k, (i, _dup) in enumerate(self.drp_recs, 1):
            parties[i].drp_codes.append("C%06d" % k)

    def crm_parent(self, p: Party) -> str:
        return self.parties[p.parent].crm_ids[0] if p.parent >= 0 and self.parties[p.parent].in_crm else ""

    def drp_parent(self, p: Party) -> str:
        q = p.parent
        while q >= 0 and not self.parties[q].in_drp:
            q = self.parties[q].parent
        return self.parties[q].drp_codes[0] if q >= 0 else ""
