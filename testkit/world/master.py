"""Master data of the demo world: salespeople and users, products, CRM accounts and contacts, DRP customers."""

from __future__ import annotations

import datetime as dt
import random

from testkit.world.parties import Party, addr_en, addr_zh, en_name, postal, zh_name
from testkit.world.values import (
    USCC_CHARS,
    SfIds,
    crm_phone,
    drp_phone,
    fen,
    fullwidth,
    iso,
    sf_stamp,
    slash,
    typo,
    ws_case,
)
from testkit.world.vocab import (
    BRANCH,
    BRANDS,
    CITIES,
    DIST,
    DISTRICTS,
    FIRST_ORD,
    GIVEN,
    HQ,
    INDUSTRIES,
    LAST_ORD,
    LEGAL,
    LEVEL_ZH,
    PRODUCTS,
    RATES,
    REGIONS,
    ROADS,
    SURNAMES,
    TITLES,
    TYPE_CRM,
)


class MasterDataBuilder:
    """Builds the people, product, CRM account/contact/opportunity and DRP customer rows."""

    def build_people(self):
        rng = self.rng("people")
        regions = [k for k in REGIONS if k != "K"]
        n_sp = max(len(regions) + 1, self.n // 25)
        self.sp = []  # (code, zh name, en name, region, rate)
        for k in range(n_sp):
            region = "K" if k == 0 else regions[k % len(regions)] if k <= len(regions) else rng.choice(regions + ["K"])
            s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
            self.sp.append(
                ("YW%04d" % (k + 1), s[0] + g[0], (g[1], s[1]), region, "%.4f" % (rng.randrange(80, 260) / 10000))
            )
        ids = SfIds("005", rng)
        users, self.sp_user, self.user_links, self.managers = [], [], [], {}
        for key, (_zh, en) in REGIONS.items():
            s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
            uid = ids.next()
            self.managers[key] = uid
            users.append(
                [
                    uid,
                    "%s %s" % (g[1], s[1]),
                    "%s.%s.mgr@channelco.com.cn" % (g[1].lower(), s[1].lower()),
                    en,
                    "true",
                    "",
                ]
            )
        for code, _zh, (g, s), region, _ in self.sp:
            if rng.random() < 0.05:
                self.sp_user.append("")  # never got a CRM login
                continue
            uid = ids.next()
            self.sp_user.append(uid)
            name = rng.choice(("%s %s" % (g, s), "%s %s" % (s, g), "%s %s" % (g, s.upper())))
            users.append(
                [
                    uid,
                    name,
                    "%s.%s%s@channelco.com.cn" % (g.lower(), s.lower(), code[-2:]),
                    REGIONS[region][1],
                    "true" if rng.random() < 0.95 else "false",
                    code if rng.random() < 0.9 else "",
                ]
            )
            self.user_links.append([uid, code])
        users.append([ids.next(), "Integration User", "integration@channelco.com.cn", "IT", "true", ""])
        self.rows["crm/User.csv"] = users
        self.rows["drp/salespeople.csv"] = [[c, zh, REGIONS[r][0], rate] for c, zh, _en, r, rate in self.sp]

    def build_products(self):
        rng = self.rng("products")
        self.products = []  # (sku, zh, spec, unit, price, en, family)
        for ci, (zh, en, fam, unit, specs, variants) in enumerate(PRODUCTS, 1):
            k = 0
            for spec, spec_en, price in specs:
                for vzh, ven in variants:
                    k += 1
                    en_full = " ".join(x for x in ("ChannelCo", ven, en, spec_en) if x)
                    self.products.append(
                        (
                            "CC%02d%03d" % (ci, 100 + 17 * k),
                            "畅联" + vzh + zh,
                            spec,
                            unit,
                            price + (rng.randrange(5) * 10 if vzh else 0),
                            en_full,
                            fam,
                        )
                    )
        ids = SfIds("01t", rng)
        self.prod_crm, self.product_links, rows = [], [], []
        for sku, _zh, _spec, _unit, _price, en, fam in self.products:
            if rng.random() < 0.05:
                self.prod_crm.append("")  # not set up in the CRM
                continue
            pid = ids.next()
            self.prod_crm.append(pid)
            r = rng.random()
            code = sku if r < 0.92 else "" if r < 0.96 else "LEG-%04d" % rng.randrange(10000)
            rows.append([pid, en, code, fam, "true"])
            self.product_links.append([pid, sku])
        rows.append([ids.next(), "ChannelCo Bar Soap 4-pack", "LEG-0042", "Personal Care", "false"])
        self.rows["crm/Product2.csv"] = rows
        self.rows["drp/products.csv"] = [[p[0], p[1], p[2], p[3], fen(p[4])] for p in self.products]

    def crm_name(self, p: Party, rng: random.Random, dup: bool) -> str:
        if p.ch == BRANCH:
            return en_name(p, rng.randrange(1, 4) if dup or rng.random() < RATES["name_variant_rate"] else 0)
        if rng.random() < RATES["crm_chinese_name_rate"]:
            r = rng.random()
            if r < 0.6:
                return zh_name(p)
            return zh_name(p)[: -len(LEGAL[p.legal][0])] if r < 0.85 else zh_name(p, half_paren=True)
        s = en_name(p, rng.randrange(1, 7) if dup or rng.random() < RATES["name_variant_rate"] else 0, rng)
        if rng.random() < RATES["name_typo_rate"]:
            s = typo(s, rng)
        if rng.random() < RATES["whitespace_case_rate"]:
            s = ws_case(s, rng)
        return s

    def build_accounts(self):
        rng = self.rng("accounts")
        ps = self.parties
        drp_primary = [p.drp_codes[0] for p in ps if p.in_drp]
        taxed = [
            k
            for k, (i, dup) in enumerate(self.crm_recs)
            if rng.random() < RATES["crm_tax_id_rate"] * (0.5 if dup else 1)
        ]
        bad_tax = self.quota(rng, taxed, RATES["tax_id_bad_check_rate"])
        with_erp = [
            k
            for k, (i, dup) in enumerate(self.crm_recs)
            if ps[i].in_drp and not dup and ps[i].ch >= DIST and rng.random() < RATES["erp_code_rate"]
        ]
        wrong_erp = self.quota(rng, with_erp, RATES["erp_code_wrong_rate"])
        taxed, with_erp = set(taxed), set(with_erp)
        accounts, contacts, opps = [], [], []
        cids, self.opp_ids = SfIds("003", rng), SfIds("006", rng)
        start = dt.date(2017, 3, 1).toordinal()
        span = FIRST_ORD - 30 - start
        for k, (i, dup) in enumerate(self.crm_recs):
            p = ps[i]
            c = CITIES[p.city]
            aid = p.crm_ids[dup]
            cday = start + k * span // len(self.crm_recs)
            mday = rng.randrange(cday, LAST_ORD + 1)
            created = sf_stamp(cday, rng.randrange(3600, 11 * 3600))
            modified = sf_stamp(mday, rng.randrange(11 * 3600, 86400))
            a = p.addr
            if rng.random() < RATES["stale_address_rate"]:
                a = (rng.randrange(len(DISTRICTS)), rng.randrange(len(ROADS)), rng.randrange(1, 600), 0, 0)
            if rng.random() < 0.8:
                street, city, state = addr_en(a), c[1], c[6]
            else:
                street, city, state = addr_zh(p, a, False), c[0], c[5]
            if rng.random() < RATES["whitespace_case_rate"]:
                city = ws_case(city, rng)
            local = p.local
            if rng.random() < RATES["phone_changed_rate"]:
                local = "%d%07d" % (rng.randrange(2, 9), rng.randrange(10**7))
            phone = crm_phone(p.area, local, p.mobile if local == p.local else "", rng)
            tax = ""
            if k in taxed:
                tax = p.uscc
                if k in bad_tax:
                    tax = tax[:-1] + rng.choice([x for x in USCC_CHARS if x != tax[-1]])
                if rng.random() < RATES["whitespace_case_rate"]:
                    tax = rng.choice((tax.lower(), tax + " ", tax[:8] + " " + tax[8:]))
            erp = ""
            if k in with_erp:
                erp = p.drp_codes[0]
                if k in wrong_erp:
                    erp = rng.choice([x for x in drp_primary if x != erp])
            accounts.append(
                [
                    aid,
                    self.crm_name(p, rng, dup == 1),
                    TYPE_CRM[p.ch] if rng.random() > 0.02 else "",
                    self.crm_parent(p) if rng.random() > 0.05 else "",
                    street,
                    city,
                    state,
                    postal(p, a) if rng.random() > 0.04 else "",
                    rng.choice(("China", "China", "China", "CN", "中国")),
                    phone if rng.random() > 0.04 else "",
                    "" if dup else p.website,
                    p.owner,
                    tax,
                    erp,
                    created,
                    modified,
                    modified,
                ]
            )
            for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
                s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
                fn, ln = (g[1], s[1]) if rng.random() < 0.7 else (g[0], s[0])
                mob = "1%s%08d" % (rng.choice(("36", "38", "59", "87", "99")), rng.randrange(10**8))
                domain = p.website[4:] if p.website else rng.choice(("qq.com", "163.com", "126.com"))
                email = "" if rng.random() < 0.1 else "%s.%s@%s" % (g[1].lower(), s[1].lower(), domain)
                contacts.append(
                    [
                        cids.next(),
                        aid,
                        fn,
                        ln,
                        email,
                        "+86 %s %s %s" % (mob[:3], mob[3:7], mob[7:]) if rng.random() < 0.5 else mob,
                        rng.choice(TITLES),
                    ]
                )
            if p.ch >= DIST and rng.random() < 0.4:
                close = LAST_ORD + rng.randrange(-45, 120)
                opps.append(
                    [
                        self.opp_ids.next(),
                        aid,
                        "%s %s - new listing %s" % (BRANDS[p.brand][1], INDUSTRIES[p.ind][1], iso(close)[:7]),
                        rng.choice(("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"))
                        if close > LAST_ORD
                        else "Closed Lost",
                        fen(rng.randrange(20, 2000) * 10000),
                        iso(close),
                        p.owner,
                        "CNY",
                    ]
                )
        self.rows["crm/Account.csv"] = accounts
        self.rows["crm/Contact.csv"] = contacts
        self.rows["crm/Opportunity.csv"] = opps

    def build_drp_customers(self):
        """DRP customer rows; the credit limit (index 9) is filled in by build_credit."""
        rng = self.rng("drp_customers")
        ps = self.parties
        taxed = [
            k
            for k, (i, dup) in enumerate(self.drp_recs)
            if rng.random() < RATES["drp_tax_id_rate"] * (0.5 if dup else 1)
        ]
        bad_tax = self.quota(rng, taxed, RATES["tax_id_bad_check_rate"])
        taxed = set(taxed)
        rows = []
        start = dt.date(2016, 5, 1).toordinal()
        span = FIRST_ORD - 30 - start
        for k, (i, dup) in enumerate(self.drp_recs):
            p = ps[i]
            c = CITIES[p.city]
            if p.ch in (HQ, BRANCH):
                name = zh_name(p)
            elif rng.random() < RATES["drp_english_name_rate"]:
                name = en_name(p, 0 if rng.random() < 0.8 else 1, rng)
                if rng.random() < RATES["name_typo_rate"]:
                    name = typo(name, rng)
                if rng.random() < RATES["fullwidth_rate"]:
                    name = fullwidth(name)
            else:
                name = zh_name(p, half_paren=rng.random() < 0.2)
                if dup and rng.random() < 0.5:
                    name = name[: -len(LEGAL[p.legal][0])]
            tax = ""
            if k in taxed:
                tax = p.uscc
                if k in bad_tax:
                    tax = tax[:-1] + rng.choice([x for x in USCC_CHARS if x != tax[-1]])
                if rng.random() < RATES["fullwidth_rate"]:
                    tax = fullwidth(tax)
            addr = addr_zh(p, p.addr, rng.random() < 0.5)
            if rng.random() < RATES["fullwidth_rate"]:
                addr = fullwidth(addr)
            phone = drp_phone(p.area, p.local, p.mobile, rng)
            if rng.random() < RATES["fullwidth_rate"]:
                phone = fullwidth(phone)
            mday = rng.randrange(start + k * span // len(self.drp_recs), LAST_ORD + 1)
            rows.append(
                [
                    p.drp_codes[dup],
                    name,
                    tax,
                    LEVEL_ZH[p.ch],
                    self.drp_parent(p) if p.ch != HQ else "",
                    c[4] if rng.random() < 0.7 else c[5],
                    c[0] + "市" if rng.random() < 0.6 else c[0],
                    addr if rng.random() > 0.03 else "",
                    phone if rng.random() > 0.03 else "",
                    "",
                    self.sp[p.sp][0] if p.ch != HQ else "",
                    "CNY" if rng.random() < 0.9 else "RMB",
                    "%s %02d:%02d:%02d" % (slash(mday), rng.randrange(24), rng.randrange(60), rng.randrange(60)),
                ]
            )
        self.rows["drp/customers.csv"] = rows
