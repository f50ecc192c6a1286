"""Sales orders of the demo world: CRM and DRP orders, what goes wrong between them, their rows."""

from __future__ import annotations

import random
from dataclasses import dataclass

from testkit.world.parties import Party
from testkit.world.values import SfIds, fen, iso, sf_stamp
from testkit.world.vocab import (
    BRANDS,
    DIST,
    FIRST_ORD,
    INDUSTRIES,
    LAST_ORD,
    ORDER_WEIGHT,
    ORDERS_PER_CUSTOMER,
    PRICE_FACTOR,
    QTY_RANGE,
    RATES,
)


@dataclass
class CrmOrder:
    party: Party
    acct: str
    day: int
    status: str
    items: list  # [product index, qty, unit price fen]
    total: int
    route: int  # 0 entered by sales for the DRP, 1 CRM-only customer
    drp: DrpOrder | None = None
    oid: str = ""
    number: str = ""
    sort_key: float = 0.0


@dataclass
class DrpOrder:
    party: Party
    code: str
    day: int
    status: str
    lines: list  # [product index, qty, unit price fen, line amount fen]
    crm: CrmOrder | None = None
    po: str = ""
    src: str = ""
    no: str = ""
    sort_key: float = 0.0

    @property
    def total(self) -> int:
        return sum(ln[3] for ln in self.lines)


class OrderBuilder:
    """Builds the business' orders, routes them through the CRM, the DRP or EDI, and writes their rows."""

    def make_items(self, rng: random.Random, p: Party, pool: list) -> list:
        qlo, qhi = QTY_RANGE[p.ch]
        chosen = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))))
        return [
            [
                k,
                rng.randint(qlo, qhi),
                max(1, round(self.products[k][4] * PRICE_FACTOR[p.ch] * (0.97 + 0.06 * rng.random()))),
            ]
            for k in chosen
        ]

    @staticmethod
    def drp_status_by_age(rng: random.Random, age: int) -> str:
        x = rng.random()
        if age <= 3:
            return "已审核" if x < 0.75 else "已发货"
        if age <= 14:
            return "已审核" if x < 0.3 else "已发货"
        if age <= 30:
            return "已发货" if x < 0.9 else "已审核"
        return "已完成" if x < 0.85 else "已发货" if x < 0.97 else "已关闭"

    @staticmethod
    def crm_status_by_age(rng: random.Random, age: int) -> str:
        x, y = rng.random(), rng.random()
        if x < 0.04:
            return "Draft"
        if x < 0.07:
            return "Cancelled"
        share_activated = 0.8 if age <= 3 else 0.35 if age <= 14 else 0.08 if age <= 45 else 0.01
        return "Activated" if y < share_activated else "Shipped"

    def build_orders(self):
        rng = self.rng("orders")
        r = rng.random
        ps = self.parties
        crm_pool = [k for k in range(len(self.products)) if self.prod_crm[k]]
        all_pool = list(range(len(self.products)))
        ordering = [p for p in ps if p.ch >= DIST]
        wsum = sum(ORDER_WEIGHT[p.ch] * (1 if p.in_drp else 0.3) for p in ordering)
        scale = ORDERS_PER_CUSTOMER * self.n / wsum
        biz = []
        for p in ordering:
            m = ORDER_WEIGHT[p.ch] * scale * (1 if p.in_drp else 0.3)
            biz += [(FIRST_ORD + rng.randrange(365), r(), p.i) for _ in range(int(2 * m * r() + r()))]
        biz.sort()
        routes = []
        for _day, _key, i in biz:
            p = ps[i]
            if not p.in_drp:
                routes.append(1)  # CRM-only customer: drafts only
            elif not p.in_crm:
                routes.append(2 if p.edi_store else 3)  # DRP-only: EDI or order desk
            else:
                routes.append(2 if p.edi_store and r() < RATES["edi_order_share"] else 0)
        for k in self.quota(rng, [k for k, rt in enumerate(routes) if rt == 0], RATES["order_missing_in_crm_rate"]):
            routes[k] = 4  # order desk, never entered in the CRM
        crm, drp, self.pos = [], [], []
        po_no = 7100000000 + rng.randrange(10**6)
        for (day, _key, i), route in zip(biz, routes):
            p = ps[i]
            if route <= 1:
                acct = p.crm_ids[1] if i in self.crm_dup and r() < 0.25 else p.crm_ids[0]
                items = self.make_items(rng, p, crm_pool)
                status = "Draft" if route == 1 else self.crm_status_by_age(rng, LAST_ORD - day)
                total = sum(q * pr for _, q, pr in items)
                crm.append(CrmOrder(p, acct, day, status, items, total, route, sort_key=r()))
                continue
            items = self.make_items(rng, p, all_pool)
            dday = min(LAST_ORD, day + (route == 2 and r() < 0.3))
            code = p.drp_codes[1] if i in self.drp_dup and r() < 0.25 else p.drp_codes[0]
            o = DrpOrder(
                p,
                code,
                dday,
                self.drp_status_by_age(rng, LAST_ORD - dday),
                [[k, q, pr, q * pr] for k, q, pr in items],
                sort_key=r(),
            )
            if route == 2:
                po_no += 1 + rng.randrange(3)
                o.po = str(po_no)
                o.src = o.po if r() < RATES["source_no_rate"] else ""
                self.pos.append((o.po, day, items, p))
            drp.append(o)
        # CRM orders that reach the DRP, and what goes wrong on the way
        sent = [k for k, co in enumerate(crm) if co.route == 0 and co.status in ("Activated", "Shipped")]
        lost = self.quota(rng, sent, RATES["order_missing_in_drp_rate"])
        reach = [
            k
            for k, co in enumerate(crm)
            if co.route == 0
            and (
                (co.status != "Cancelled" and co.status != "Draft" and k not in lost)
                or (co.status == "Cancelled" and r() < 0.5)
            )
        ]
        st_mm = self.quota(rng, reach, RATES["order_status_mismatch_rate"])
        amt_mm = self.quota(rng, reach, RATES["order_amount_mismatch_rate"])
        for k in reach:
            co = crm[k]
            age = LAST_ORD - co.day
            ds = {"Activated": "已审核", "Cancelled": "已关闭"}.get(
                co.status, "已完成" if age > 30 and r() < 0.85 else "已发货"
            )
            if k in st_mm:
                ds = {
                    "Activated": "已发货" if age <= 30 else "已完成",
                    "Shipped": "已审核" if r() < 0.6 else "已关闭",
                }.get(co.status, rng.choice(("已审核", "已发货")))
            lines = [[pk, q, pr, q * pr] for pk, q, pr in co.items]
            if k in amt_mm:
                f = 1.03 + 0.12 * r() if r() < 0.6 else 0.85 + 0.12 * r()
                for ln in lines:
                    ln[2] = max(1, round(ln[2] * f))
                    ln[3] = ln[1] * ln[2]
                if abs(sum(ln[3] for ln in lines) - co.total) * 100 < co.total:
                    lines[0][2] += -(-co.total * 2 // (100 * lines[0][1]))
                    lines[0][3] = lines[0][1] * lines[0][2]
            elif r() < RATES["order_amount_rounding_rate"]:
                lines[-1][3] += 1 if r() < 0.5 else -1
            x = r()
            dday = min(LAST_ORD, co.day + (0 if x < 0.6 else 1 if x < 0.9 else 2))
            code = co.party.drp_codes[1] if co.party.i in self.drp_dup and r() < 0.25 else co.party.drp_codes[0]
            co.drp = DrpOrder(co.party, code, dday, ds, lines, crm=co, sort_key=r())
            drp.append(co.drp)
        # numbers in entry order
        crm.sort(key=lambda o: (o.day, o.sort_key))
        ids = SfIds("801", rng)
        number = rng.randrange(200, 900)
        for co in crm:
            number += 1
            co.oid, co.number = ids.next(), "%08d" % number
        drp.sort(key=lambda o: (o.day, o.sort_key))
        seq: dict[str, int] = {}
        for o in drp:
            ym = iso(o.day)[2:4] + iso(o.day)[5:7]
            seq[ym] = seq.get(ym, 0) + 1
            o.no = "SO%s%06d" % (ym, seq[ym])
            if o.crm is not None and r() < RATES["source_no_rate"]:
                o.src = o.crm.number.lstrip("0") if r() < RATES["source_no_lost_zeros_rate"] else o.crm.number
        self.crm_orders, self.drp_orders = crm, drp
        self.write_order_rows(rng)

    def write_order_rows(self, rng: random.Random):
        r = rng.random
        orders, items, opps = [], [], self.rows["crm/Opportunity.csv"]
        item_ids = SfIds("802", rng)
        for co in self.crm_orders:
            erp = co.drp.no if co.drp is not None and r() < RATES["erp_order_no_rate"] else ""
            opp = ""
            if co.status != "Draft" and r() < 0.4:
                opp = self.opp_ids.next()
                p = co.party
                opps.append(
                    [
                        opp,
                        co.acct,
                        "%s %s - %s %s"
                        % (BRANDS[p.brand][1], INDUSTRIES[p.ind][1], self.products[co.items[0][0]][6], iso(co.day)[:7]),
                        "Closed Won",
                        fen(co.total),
                        iso(co.day - rng.randrange(20)),
                        p.owner,
                        "CNY",
                    ]
                )
            later = {"Shipped": 2 + rng.randrange(14), "Cancelled": 1 + rng.randrange(10)}.get(co.status, 0)
            stamp = sf_stamp(min(LAST_ORD, co.day + later), rng.randrange(3600, 12 * 3600))
            orders.append([co.oid, co.acct, opp, co.number, iso(co.day), co.status, fen(co.total), erp, stamp, stamp])
            items += [[item_ids.next(), co.oid, self.prod_crm[k], str(q), fen(pr)] for k, q, pr in co.items]
        self.rows["crm/Order.csv"] = orders
        self.rows["crm/OrderItem.csv"] = items
        self.rows["drp/sales_orders.csv"] = [
            [o.no, o.code, iso(o.day), o.status, fen(o.total), o.src] for o in self.drp_orders
        ]
        self.rows["drp/sales_order_lines.csv"] = [
            [o.no, str(n), self.products[k][0], str(q), fen(pr), fen(amt)]
            for o in self.drp_orders
            for n, (k, q, pr, amt) in enumerate(o.lines, 1)
        ]
