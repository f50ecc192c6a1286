"""Receivables of the demo world: invoices, payments (with memos and 820 remittances) and credit limits."""

from __future__ import annotations

from testkit.world.values import cents, fen, iso, slash
from testkit.world.vocab import CREDIT_BASE, DIST, FIRST_ORD, LAST_ORD, LEVEL_ZH, RATES, TERMS


class FinanceBuilder:
    """Builds invoices, payments and the credit limits of the DRP customers."""

    def build_money(self):
        rng = self.rng("money")
        r = rng.random
        billable = sorted(
            (
                (min(LAST_ORD, o.day + rng.randrange(4)), o.no, o)
                for o in self.drp_orders
                if o.status in ("已发货", "已完成")
            ),
            key=lambda t: t[:2],
        )
        invoices, pays, seq = [], [], {}
        inv_amounts: dict[str, set] = {}
        for inv_day, _no, o in billable:
            year = iso(inv_day)[:4]
            seq[year] = seq.get(year, 0) + 1
            inv = "INV%s-%06d" % (year, seq[year])
            total, terms = o.total, TERMS[o.party.ch]
            due, x, paid = inv_day + terms, r(), 0
            full_p, part_p = (0.85, 0.08) if due <= LAST_ORD else (0.3, 0.1)
            pay_day = inv_day + 1 + int(terms * (0.2 + 1.1 * r()))
            if x < full_p + part_p and pay_day <= LAST_ORD:
                paid = total if x < full_p else max(1, min(total - 1, int(total * (0.2 + 0.6 * r()))))
                pays.append([pay_day, r(), o.code, o.party, paid, inv, total, inv_day, ""])
            invoices.append([inv, o.no, o.code, iso(inv_day), slash(due), fen(total), fen(total - paid)])
            inv_amounts.setdefault(o.code, set()).add(total)
        # receipts nobody can apply: deposits, prepayments, a wrong invoice number
        buyers = sorted({o.code: o.party for o in self.drp_orders if not o.party.payer820}.items())
        all_invoices = [(row[2], row[0]) for row in invoices]
        for _ in range(max(2, round(RATES["unapplied_payment_rate"] * len(self.drp_orders))) if buyers else 0):
            code, p = rng.choice(buyers)
            amount = (1 + rng.randrange(80)) * 100000
            while amount in inv_amounts.get(code, ()):
                amount += 100000
            memo = rng.choice(("预付货款", "保证金", "押金", "往来款", "", "转账", "advance payment"))
            if all_invoices and r() < 0.25:
                other_code, other = rng.choice(all_invoices)
                if other_code != code:
                    memo = "货款 " + other  # names an invoice of another customer
            pays.append([FIRST_ORD + 30 + rng.randrange(335), r(), code, p, amount, None, 0, 0, memo])
        pays.sort(key=lambda t: (t[0], t[1]))
        rows, seq, traces = [], {}, set()
        for day, _key, code, p, amount, inv, inv_total, inv_day, memo in pays:
            ym = iso(day)[2:4] + iso(day)[5:7]
            seq[ym] = seq.get(ym, 0) + 1
            pno = "SK%s%06d" % (ym, seq[ym])
            if inv is not None and p.payer820:
                trace = "%010d" % rng.randrange(10**10)
                while trace in traces:
                    trace = "%010d" % rng.randrange(10**10)
                traces.add(trace)
                memo = "TRN " + trace if r() < 0.7 else ""
                self.x820.append((code, amount, day, trace, inv, inv_total, inv_day, p))
            elif inv is not None and (amount < inv_total or r() < RATES["memo_invoice_rate"]):
                y, s = inv[3:7], inv[8:]
                memo = rng.choice(
                    (
                        inv,
                        inv.lower(),
                        "INV" + y + s,
                        "发票 " + y + s,
                        "发票号" + y + s,
                        "付INV" + y + s + "货款",
                        "货款 " + inv,
                        "Invoice %s payment" % inv,
                    )
                )
            elif inv is not None:
                memo = rng.choice(("货款", "转账", "", "网银转账", "回款"))
            rows.append([pno, code, slash(day), fen(amount), memo])
        self.rows["drp/invoices.csv"] = invoices
        self.rows["drp/payments.csv"] = rows

    def build_credit(self):
        """Credit limits: comfortably above exposure, except for a few customers."""
        rng = self.rng("credit")
        exposure: dict[str, int] = {}
        for row in self.rows["drp/invoices.csv"]:
            exposure[row[2]] = exposure.get(row[2], 0) + cents(row[6])
        for row in self.rows["drp/sales_orders.csv"]:
            if row[3] == "已审核":
                exposure[row[1]] = exposure.get(row[1], 0) + cents(row[4])
        rows = self.rows["drp/customers.csv"]
        level = {row[0]: LEVEL_ZH.index(row[3]) for row in rows}
        exposed = [row[0] for row in rows if level[row[0]] >= DIST and exposure.get(row[0], 0) >= 400000]
        over = self.quota(rng, exposed, RATES["credit_exceeded_rate"])
        for row in rows:
            exp, ch = exposure.get(row[0], 0), level[row[0]]
            if ch < DIST:
                limit = 0
            elif row[0] in over:
                limit = int(exp * (0.5 + 0.45 * rng.random())) // 100000 * 100000
            else:
                limit = -(-max(int(exp * (1.3 + 1.5 * rng.random())), CREDIT_BASE[ch]) // 1000000) * 1000000
            row[9] = fen(limit)
