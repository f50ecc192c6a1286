"""Stock and X12 EDI of the demo world: warehouses, inventory, 846 stock reports, 850 orders, 820 remittances."""

from __future__ import annotations

import random

from testkit.world.parties import addr_en, postal, x12_name
from testkit.world.values import fen, iso, slash, x12_clean, x12date
from testkit.world.vocab import (
    AS_OF,
    BRANCH,
    BRANDS,
    CITIES,
    FIRST_ORD,
    INDUSTRIES,
    LAST_ORD,
    RATES,
    X12_RECEIVER,
)


def interchange(
    sender: str, func: str, st_id: str, sets: list, day: int, hhmm: str, ctrl: int, gs_ctrl: int, newline: bool
) -> str:
    """One X12 004010 interchange with one functional group holding ``sets`` (segment lists)."""
    d8 = x12date(day)
    isa = "ISA*00*%s*00*%s*ZZ*%-15s*ZZ*%-15s*%s*%s*U*00401*%09d*0*P*:" % (
        " " * 10,
        " " * 10,
        sender,
        X12_RECEIVER,
        d8[2:],
        hhmm,
        ctrl,
    )
    if len(isa) != 105:
        raise ValueError("ISA is not fixed width: %r" % isa)
    segs = [isa, "GS*%s*%s*%s*%s*%s*%d*X*004010" % (func, sender, X12_RECEIVER, d8, hhmm, gs_ctrl)]
    for k, body in enumerate(sets, 1):
        segs.append("ST*%s*%04d" % (st_id, k))
        segs += ["*".join(el) for el in body]
        segs.append("SE*%d*%04d" % (len(body) + 2, k))
    segs += ["GE*%d*%d" % (len(sets), gs_ctrl), "IEA*1*%09d" % ctrl]
    term = "~\n" if newline else "~"
    return term.join(segs) + term


class StockAndEdiBuilder:
    """Builds warehouses and inventory rows and the X12 interchanges."""

    def build_inventory(self):
        rng = self.rng("inventory")
        r = rng.random
        whs = [["W0001", "畅联华东中心仓", "总仓", ""], ["W0002", "畅联华南中心仓", "总仓", ""]]
        whs += [
            ["W%04d" % (len(whs) + k + 1), "畅联%s分仓" % CITIES[p.city][0], "分仓", ""]
            for k, p in enumerate(p for p in self.parties if p.ch == BRANCH)
        ]
        consign = [p for p in self.parties if p.consign]
        rng.shuffle(consign)
        asof = slash(LAST_ORD)
        inv_rows = []
        for code, _name, typ, _owner in whs:
            for sku in (pr[0] for pr in self.products):
                if typ == "分仓" and r() < 0.25:
                    continue
                q = rng.randrange(3000, 50000) if typ == "总仓" else rng.randrange(100, 6000)
                transit = rng.randrange(200, 3000) if r() < 0.3 else 0
                inv_rows.append([code, sku, str(q), str(int(q * 0.2 * r())), str(transit), asof])
        monday = LAST_ORD - AS_OF.weekday()
        weeks = (monday - 7, monday)
        missing_latest = self.quota(rng, [p.i for p in consign], RATES["edi_week_missing_rate"])
        stock = []  # (warehouse, party, [(sku index, q week0, q week1)])
        for p in consign:
            wh = "W%04d" % (len(whs) + 1)
            whs.append([wh, "%s%s寄售仓" % (BRANDS[p.brand][0], INDUSTRIES[p.ind][0]), "经销商寄售仓", p.drp_codes[0]])
            hist = []
            for k in sorted(rng.sample(range(len(self.products)), rng.randrange(6, 15))):
                q0 = rng.randrange(10, 600)
                hist.append((k, q0, max(0, q0 + rng.randrange(-50, 51))))
            stock.append((wh, p, hist))
        cells = [(s, j) for s in range(len(stock)) for j in range(len(stock[s][2]))]
        variance = self.quota(rng, cells, RATES["inventory_variance_rate"])
        for s, (wh, p, hist) in enumerate(stock):
            latest = 1 if p.i not in missing_latest else 0
            for j, (k, q0, q1) in enumerate(hist):
                q = (q0, q1)[latest]
                if (s, j) in variance:
                    d = 1 + rng.randrange(max(5, q // 5))
                    q = q + d if (r() < 0.5 or q - d < 0) else q - d
                inv_rows.append(
                    [
                        wh,
                        self.products[k][0],
                        str(q),
                        str(int(q * 0.1 * r())),
                        str(rng.randrange(20, 200) if r() < 0.1 else 0),
                        asof,
                    ]
                )
            qual = "BP" if r() < 0.2 else "VP"
            for w in range(latest + 1):
                day = weeks[w]
                segs = [
                    ["BIA", "00", "DD", "IA%s%s" % (p.edi_id[-5:], x12date(day)), x12date(day)],
                    ["N1", "DS", x12_name(p), "91", p.drp_codes[0]],
                ]
                for n, (k, q0, q1) in enumerate(hist, 1):
                    segs += [
                        ["LIN", str(n), qual, self.products[k][0]],
                        ["PID", "F", "", "", "", x12_clean(self.products[k][5])],
                        ["QTY", "33", str((q0, q1)[w]), "EA"],
                        ["DTM", "007", x12date(day)],
                    ]
                segs.append(["CTT", str(len(hist))])
                self.x846.append((p.drp_codes[0], day, {self.products[k][0]: str((q0, q1)[w]) for k, q0, q1 in hist}))
                hhmm = "%02d%02d" % (rng.randrange(1, 7), rng.randrange(60))
                self.add_x12("846", p.edi_id, "IB", [segs], day, hhmm, rng)
        self.rows["drp/warehouses.csv"] = whs
        self.rows["drp/inventory.csv"] = inv_rows

    def add_x12(self, kind: str, sender: str, func: str, sets: list, day: int, hhmm: str, rng: random.Random):
        ctrl = self.next_ctrl()
        text = interchange(
            sender, func, kind, sets, day, hhmm, ctrl, ctrl % 100000 + 1, rng.random() < RATES["x12_newline_rate"]
        )
        self.x12.append(("edi/%s/%s_%09d.x12" % (kind, kind, ctrl), text))

    def build_850(self):
        """One interchange per chain platform per week, one 850 per purchase order."""
        rng = self.rng("x12-850")
        groups: dict[tuple, list] = {}
        for po, day, items, p in self.pos:
            groups.setdefault(((day - FIRST_ORD) // 7, p.banner), []).append((po, day, items, p))
        for (_week, banner), pos in sorted(groups.items()):
            bid, bname = self.banners[banner]
            sets = []
            for po, day, items, p in pos:
                c = CITIES[p.city]
                segs = [
                    ["BEG", "00", "SA", po, "", x12date(day)],
                    ["CUR", "BY", "CNY"],
                    ["DTM", "002", x12date(day + 3 + rng.randrange(5))],
                    ["N1", "BY", bname, "92", bid],
                    ["N1", "ST", x12_name(p), "92", p.store_no],
                    ["N3", x12_clean(addr_en(p.addr))],
                    ["N4", c[1].upper().replace("'", ""), "", postal(p, p.addr), "CN"],
                ]
                segs += [
                    ["PO1", str(n), str(q), "EA", fen(pr), "", "VP", self.products[k][0]]
                    for n, (k, q, pr) in enumerate(items, 1)
                ]
                segs += [["CTT", str(len(items))], ["AMT", "TT", fen(sum(q * pr for _, q, pr in items))]]
                sets.append(segs)
            self.add_x12(
                "850",
                bid,
                "PO",
                sets,
                max(d for _, d, _, _ in pos),
                "%02d%02d" % (rng.randrange(7, 22), rng.randrange(60)),
                rng,
            )

    def build_820(self):
        """One interchange per paying customer per month, one 820 per payment."""
        rng = self.rng("x12-820")
        groups: dict[tuple, list] = {}
        for pay in self.x820:
            groups.setdefault((iso(pay[2])[:7], pay[0]), []).append(pay)
        for (_month, code), pays in sorted(groups.items()):
            p = pays[0][7]
            orig = "1%09d" % (int(p.edi_id[1:]) * 37 % 10**9)
            account = "6217%012d" % (int(p.edi_id[1:]) * 7)
            sets = [
                [
                    [
                        "BPR",
                        "C",
                        fen(amount),
                        "C",
                        "ACH",
                        "CTX",
                        "01",
                        "103100000026",
                        "DA",
                        account,
                        orig,
                        "",
                        "01",
                        "102100099996",
                        "DA",
                        "110060194018010012345",
                        x12date(day),
                    ],
                    ["TRN", "1", trace, orig],
                    ["CUR", "PR", "CNY"],
                    ["N1", "PR", x12_name(p), "91", code],
                    ["N1", "PE", "CHANNELCO CONSUMER GOODS CO LTD"],
                    ["ENT", "1"],
                    ["RMR", "IV", inv, "PI", fen(amount), fen(inv_total)],
                    ["DTM", "003", x12date(inv_day)],
                ]
                for code, amount, day, trace, inv, inv_total, inv_day, _p in pays
            ]
            self.add_x12(
                "820", p.edi_id, "RA", sets, pays[-1][2], "%02d%02d" % (rng.randrange(8, 20), rng.randrange(60)), rng
            )
