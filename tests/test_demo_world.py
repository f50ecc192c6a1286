"""Tests for the ChannelCo demo world generator: determinism, file formats, X12 envelopes, truth."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import testkit.world as demo_world

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "channelco_demo"
FIXTURE_ARGS = {"seed": 5, "customers": 40}
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "bench" / "score.py"
SHARED_GEN = SHARED / "bench" / "gen_channel_data.py"


CRM_FILES = ["User", "Account", "Contact", "Product2", "Opportunity", "Order", "OrderItem"]
DRP_HEADERS = {
    "customers": "客户编码,客户名称,统一社会信用代码,渠道级别,上级客户编码,省份,城市,地址,电话,信用额度,业务员编码,币种,最后修改时间",
    "salespeople": "业务员编码,姓名,团队,提成比例",
    "products": "物料编码,物料名称,规格,单位,标准单价",
    "warehouses": "仓库编码,仓库名称,类型,所属客户编码",
    "sales_orders": "订单号,客户编码,订单日期,状态,订单金额,来源单号",
    "sales_order_lines": "订单号,行号,物料编码,数量,单价,金额",
    "inventory": "仓库编码,物料编码,现存量,预留量,在途量,日期",
    "invoices": "发票号,订单号,客户编码,开票日期,到期日,金额,未收金额",
    "payments": "收款单号,客户编码,收款日期,金额,摘要",
}
KINDS = {
    "duplicate_customer",
    "order_missing_in_drp",
    "order_missing_in_crm",
    "order_amount_mismatch",
    "order_status_mismatch",
    "inventory_variance",
    "unapplied_payment",
    "credit_exceeded",
}


def tree_bytes(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def crm(root: Path, name: str) -> list[dict]:
    with open(root / "crm" / (name + ".csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def drp(root: Path, name: str) -> list[dict]:
    with open(root / "drp" / (name + ".csv"), encoding="gb18030", newline="") as f:
        return list(csv.DictReader(f))


def x12_segments(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="ascii")
    return [s.strip("\r\n").split("*") for s in text.split("~") if s.strip("\r\n")]


def x12_sets(root: Path, kind: str):
    """Yield (file, transaction set segments without ST/SE) for every file of one kind."""
    for path in sorted((root / "edi" / kind).glob("*.x12")):
        body = None
        for seg in x12_segments(path):
            if seg[0] == "ST":
                body = []
            elif seg[0] == "SE":
                yield path, body
                body = None
            elif body is not None:
                body.append(seg)


def cents(s: str) -> int:
    whole, _, frac = s.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "world"
    t0 = time.perf_counter()
    counts = demo_world.generate(out)
    return out, counts, time.perf_counter() - t0


@pytest.fixture(scope="module")
def truth(world):
    return json.loads((world[0] / "truth" / "truth.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- determinism, size


def test_default_world_is_small_and_fast(world):
    _root, counts, elapsed = world
    assert elapsed < 5.0
    assert counts["customers_real_world"] == 200
    assert 600 <= counts["drp_orders"] <= 1500 and 400 <= counts["crm_orders"] <= 1200
    assert set(counts["discrepancies"]) == KINDS and all(counts["discrepancies"].values())


def test_same_seed_gives_identical_bytes_and_other_seeds_differ(tmp_path):
    a = demo_world.generate(tmp_path / "a", seed=11, customers=60)
    b = demo_world.generate(tmp_path / "b", seed=11, customers=60)
    assert a == b
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    demo_world.generate(tmp_path / "c", seed=12, customers=60)
    first, other = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "c")
    assert all(first[k] != other[k] for k in ("crm/Account.csv", "drp/sales_orders.csv", "truth/truth.json"))


def test_rerun_into_same_folder_leaves_no_stale_interchanges(tmp_path):
    demo_world.generate(tmp_path, seed=1, customers=80)
    counts = demo_world.generate(tmp_path, seed=2, customers=30)
    for kind, n in counts["x12_files"].items():
        assert len(list((tmp_path / "edi" / kind).glob("*.x12"))) == n


def test_committed_fixture_matches_generator(tmp_path):
    if not FIXTURE.exists():
        pytest.skip("tests/fixtures/channelco_demo not committed")
    demo_world.generate(tmp_path, **FIXTURE_ARGS)
    assert tree_bytes(FIXTURE) == tree_bytes(tmp_path), "regenerate the fixture with FIXTURE_ARGS"
    assert sum(len(b) for b in tree_bytes(FIXTURE).values()) < 300_000


def test_bad_arguments_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="customers"):
        demo_world.generate(tmp_path, customers=5)
    with pytest.raises(ValueError, match="seed"):
        demo_world.generate(tmp_path, seed="7")


def test_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "testkit.world", str(tmp_path / "w"), "--seed", "3", "--customers", "30"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "customers=30" in done.stdout and (tmp_path / "w" / "truth" / "truth.json").exists()
    bad = subprocess.run(
        [sys.executable, "-m", "testkit.world", str(tmp_path / "x"), "--customers", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert bad.returncode == 2 and "--customers" in bad.stderr


# ----------------------------------------------------------------------------- formats


def test_crm_files_are_utf8_fully_quoted_crlf(world):
    root = world[0]
    for name in CRM_FILES:
        raw = (root / "crm" / (name + ".csv")).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.count(b"\n") == raw.count(b"\r\n") > 1
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        buf = io.StringIO()
        csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
        assert buf.getvalue() == text, name  # every field quoted, nothing else
        assert len({len(r) for r in rows}) == 1
    assert list(crm(root, "Account")[0])[:4] == ["Id", "Name", "Type", "ParentId"]
    assert list(crm(root, "Order")[0])[7] == "ERP_Order_No__c"


def sf_checksum_ok(sid: str) -> bool:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    want = "".join(alphabet[sum(1 << i for i, c in enumerate(sid[k : k + 5]) if "A" <= c <= "Z")] for k in (0, 5, 10))
    return len(sid) == 18 and sid[15:] == want


def test_crm_ids_are_salesforce_ids(world):
    root = world[0]
    for name, prefix in (
        ("User", "005"),
        ("Account", "001"),
        ("Contact", "003"),
        ("Product2", "01t"),
        ("Opportunity", "006"),
        ("Order", "801"),
        ("OrderItem", "802"),
    ):
        ids = [r["Id"] for r in crm(root, name)]
        assert len(set(ids)) == len(ids)
        assert all(i.startswith(prefix) and sf_checksum_ok(i) for i in ids), name
    assert all(re.fullmatch(r"\d{8}", o["OrderNumber"]) for o in crm(root, "Order"))
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", a["CreatedDate"]) for a in crm(root, "Account"))


def test_drp_files_are_gb18030_with_chinese_headers(world):
    root = world[0]
    for name, header in DRP_HEADERS.items():
        raw = (root / "drp" / (name + ".csv")).read_bytes()
        assert raw.startswith(header.encode("gb18030") + b"\r\n"), name
        assert not raw.startswith(b"\x84\x31\x95\x33")  # GB18030 BOM
        assert raw.count(b"\n") == raw.count(b"\r\n")
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(raw.decode("gb18030"), newline="")))
        assert len({len(r) for r in rows}) == 1, name
    orders = drp(root, "sales_orders")
    assert all(re.fullmatch(r"SO\d{10}", o["订单号"]) for o in orders)
    assert all(re.fullmatch(r"C\d{6}", c["客户编码"]) for c in drp(root, "customers"))
    assert all(re.fullmatch(r"INV\d{4}-\d{6}", i["发票号"]) for i in drp(root, "invoices"))
    assert {c["渠道级别"] for c in drp(root, "customers")} == {
        "总部",
        "分公司",
        "经销商",
        "代理商",
        "连锁门店",
        "直营客户",
    }


def test_order_amount_is_sum_of_line_amounts(world):
    root = world[0]
    sums: dict[str, int] = {}
    for ln in drp(root, "sales_order_lines"):
        sums[ln["订单号"]] = sums.get(ln["订单号"], 0) + cents(ln["金额"])
        assert abs(cents(ln["金额"]) - int(ln["数量"]) * cents(ln["单价"])) <= 1
    assert all(sums[o["订单号"]] == cents(o["订单金额"]) for o in drp(root, "sales_orders"))


def test_x12_envelopes_are_correct(world):
    root = world[0]
    controls, newline_files, files = set(), 0, 0
    for kind, func in (("846", "IB"), ("850", "PO"), ("820", "RA")):
        for path in sorted((root / "edi" / kind).glob("*.x12")):
            files += 1
            text = path.read_text(encoding="ascii")
            assert len(text[:106]) == 106 and text[105] == "~" and text[:4] == "ISA*"
            isa = text[:105].split("*")
            assert len(isa) == 17 and isa[12] == "00401" and isa[16] == ":"
            newline_files += text[106:107] == "\n"
            segs = x12_segments(path)
            assert segs[0][0] == "ISA" and segs[1][0] == "GS" and segs[-2][0] == "GE" and segs[-1][0] == "IEA"
            assert segs[-1] == ["IEA", "1", isa[13]] and path.name == "%s_%s.x12" % (kind, isa[13])
            assert segs[1][1] == func and segs[1][8] == "004010" and segs[-2][2] == segs[1][6]
            assert isa[13] not in controls
            controls.add(isa[13])
            starts = [k for k, s in enumerate(segs) if s[0] == "ST"]
            assert int(segs[-2][1]) == len(starts) > 0
            for k in starts:
                end = next(j for j in range(k, len(segs)) if segs[j][0] == "SE")
                assert segs[k][1] == kind and segs[end][2] == segs[k][2]
                assert int(segs[end][1]) == end - k + 1
    assert 0 < newline_files < files


# ----------------------------------------------------------------------------- truth


def test_truth_has_the_scenario_shape_and_covers_every_record(world, truth):
    root = world[0]
    assert set(truth) == {
        "meta",
        "counts",
        "customer_links",
        "crm_only",
        "drp_only",
        "duplicates",
        "order_links",
        "discrepancies",
        "salesperson_links",
        "product_links",
        "edi_po_links",
    }
    assert truth["meta"]["as_of"] == "2026-03-31" and truth["meta"]["order_amount_tolerance"] == 0.01
    accounts = {a["Id"] for a in crm(root, "Account")}
    codes = {c["客户编码"] for c in drp(root, "customers")}
    assert {c for c, _ in truth["customer_links"]} | set(truth["crm_only"]) == accounts
    assert {d for _, d in truth["customer_links"]} | set(truth["drp_only"]) == codes
    assert not {c for c, _ in truth["customer_links"]} & set(truth["crm_only"])
    assert truth["duplicates"]["crm"] and truth["duplicates"]["drp"]
    assert all({a, b} <= accounts for a, b in truth["duplicates"]["crm"])
    assert all({a, b} <= codes for a, b in truth["duplicates"]["drp"])
    orders = {o["Id"]: o for o in crm(root, "Order")}
    drp_orders = {o["订单号"]: o for o in drp(root, "sales_orders")}
    assert all(c in orders and d in drp_orders for c, d in truth["order_links"])
    assert all(orders[c]["Status"] != "Draft" for c, _ in truth["order_links"])
    po_numbers = {seg[3] for _, body in x12_sets(root, "850") for seg in body if seg[0] == "BEG"}
    assert {p for p, _ in truth["edi_po_links"]} == po_numbers
    assert all(d in drp_orders for _, d in truth["edi_po_links"])
    users, people = {u["Id"] for u in crm(root, "User")}, {s["业务员编码"] for s in drp(root, "salespeople")}
    assert all(u in users and s in people for u, s in truth["salesperson_links"])
    products, skus = {p["Id"] for p in crm(root, "Product2")}, {p["物料编码"] for p in drp(root, "products")}
    assert all(p in products and s in skus for p, s in truth["product_links"])
    kinds = {}
    for d in truth["discrepancies"]:
        kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
    assert kinds == truth["counts"]["discrepancies"]


def rederive(root: Path, truth: dict) -> dict:
    """Each discrepancy rule of the scenario README, applied to the files (independent of the generator)."""
    got: dict[str, set] = {k: set() for k in KINDS}
    for system in ("crm", "drp"):
        got["duplicate_customer"] |= {(system,) + tuple(sorted(p)) for p in truth["duplicates"][system]}
    orders = {o["Id"]: o for o in crm(root, "Order")}
    dorders = {o["订单号"]: o for o in drp(root, "sales_orders")}
    links = {tuple(x) for x in truth["order_links"]}
    linked_crm, linked_drp = {c for c, _ in links}, {d for _, d in links}
    got["order_missing_in_drp"] = {
        (i,) for i, o in orders.items() if o["Status"] in ("Activated", "Shipped") and i not in linked_crm
    }
    linked_customers = {d for _, d in truth["customer_links"]}
    po_orders = {d for _, d in truth["edi_po_links"]}
    got["order_missing_in_crm"] = {
        (n,)
        for n, o in dorders.items()
        if o["客户编码"] in linked_customers and n not in linked_drp and n not in po_orders
    }
    same = {"Activated": {"已审核"}, "Shipped": {"已发货", "已完成"}, "Cancelled": {"已关闭"}, "Draft": set()}
    for c, d in links:
        if abs(cents(orders[c]["TotalAmount"]) - cents(dorders[d]["订单金额"])) > 1:
            got["order_amount_mismatch"].add((c, d))
        if dorders[d]["状态"] not in same[orders[c]["Status"]]:
            got["order_status_mismatch"].add((c, d))
    # inventory: the owner's latest 846 (by BIA date) against 现存量 of its consignment warehouse
    reports: dict[str, tuple] = {}
    for _path, body in x12_sets(root, "846"):
        date = next(s[4] for s in body if s[0] == "BIA")
        owner = next(s[4] for s in body if s[0] == "N1" and s[1] == "DS")
        qty, sku = {}, None
        for s in body:
            if s[0] == "LIN":
                sku = s[3]
            elif s[0] == "QTY" and s[1] == "33":
                qty[sku] = int(s[2])
        if owner not in reports or date > reports[owner][0]:
            reports[owner] = (date, qty)
    owners = {w["仓库编码"]: w["所属客户编码"] for w in drp(root, "warehouses") if w["类型"] == "经销商寄售仓"}
    assert set(owners.values()) <= set(reports)
    for row in drp(root, "inventory"):
        if row["仓库编码"] in owners:
            qty = reports[owners[row["仓库编码"]]][1]
            assert row["物料编码"] in qty
            if qty[row["物料编码"]] != int(row["现存量"]):
                got["inventory_variance"].add((row["仓库编码"], row["物料编码"]))
    # payments: invoices of the same customer named in the memo or in the tied 820 RMR, or equal amount
    invoices: dict[str, dict] = {}
    for i in drp(root, "invoices"):
        invoices.setdefault(i["客户编码"], {})[i["发票号"]] = cents(i["金额"])
    remits = []
    for _path, body in x12_sets(root, "820"):
        bpr = next(s for s in body if s[0] == "BPR")
        remits.append(
            {
                "trace": next(s[2] for s in body if s[0] == "TRN"),
                "amount": cents(bpr[2]),
                "date": bpr[16],
                "code": next(s[4] for s in body if s[0] == "N1" and s[1] == "PR"),
                "inv": {s[2] for s in body if s[0] == "RMR"},
            }
        )
    for p in drp(root, "payments"):
        memo = p["摘要"]
        named = {"INV%s-%s" % m for m in re.findall(r"(?i)inv\s*(\d{4})-?(\d{6})", memo)}
        named |= {"INV%s-%s" % m for m in re.findall(r"发票\s*号?\s*(\d{4})-?(\d{6})", memo)}
        trn = re.search(r"TRN (\d+)", memo)
        tied = [r for r in remits if trn and r["trace"] == trn.group(1)] or [
            r
            for r in remits
            if (r["code"], r["amount"], r["date"]) == (p["客户编码"], cents(p["金额"]), p["收款日期"].replace("/", ""))
        ]
        for r in tied:
            named |= r["inv"]
        own = invoices.get(p["客户编码"], {})
        if not named & set(own) and cents(p["金额"]) not in own.values():
            got["unapplied_payment"].add((p["收款单号"],))
    exposure: dict[str, int] = {}
    for i in drp(root, "invoices"):
        exposure[i["客户编码"]] = exposure.get(i["客户编码"], 0) + cents(i["未收金额"])
    for o in dorders.values():
        if o["状态"] == "已审核":
            exposure[o["客户编码"]] = exposure.get(o["客户编码"], 0) + cents(o["订单金额"])
    got["credit_exceeded"] = {
        (c["客户编码"],) for c in drp(root, "customers") if exposure.get(c["客户编码"], 0) > cents(c["信用额度"])
    }
    return got


KEYS = {
    "duplicate_customer": ("system", "id_a", "id_b"),
    "order_missing_in_drp": ("crm_order_id",),
    "order_missing_in_crm": ("drp_order_no",),
    "order_amount_mismatch": ("crm_order_id", "drp_order_no"),
    "order_status_mismatch": ("crm_order_id", "drp_order_no"),
    "inventory_variance": ("warehouse_code", "sku"),
    "unapplied_payment": ("payment_no",),
    "credit_exceeded": ("drp_customer_code",),
}


def truth_sets(truth: dict) -> dict:
    out: dict[str, set] = {k: set() for k in KINDS}
    for d in truth["discrepancies"]:
        key = tuple(d[k] for k in KEYS[d["kind"]])
        if d["kind"] == "duplicate_customer":
            key = (key[0],) + tuple(sorted(key[1:]))
        out[d["kind"]].add(key)
    assert sum(len(v) for v in out.values()) == len(truth["discrepancies"]), "duplicate discrepancy entries"
    return out


def test_every_discrepancy_kind_rederives_from_the_files(world, truth):
    expected = rederive(world[0], truth)
    stated = truth_sets(truth)
    for kind in sorted(KINDS):
        assert stated[kind] == expected[kind], kind
        assert stated[kind], "demo world should show every kind: %s" % kind


@pytest.mark.parametrize("where", ["generated", "fixture"])
def test_small_world_truth_also_rederives(tmp_path, where):
    root = tmp_path
    if where == "fixture":
        if not FIXTURE.exists():
            pytest.skip("tests/fixtures/channelco_demo not committed")
        root = FIXTURE
    else:
        demo_world.generate(root, seed=23, customers=45)
    truth = json.loads((root / "truth" / "truth.json").read_text(encoding="utf-8"))
    assert truth_sets(truth) == rederive(root, truth)


def uscc_valid(code: str) -> bool:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if not re.fullmatch("[%s]{18}" % chars, code):
        return False
    total = sum(chars.index(c) * (3**i % 31) for i, c in enumerate(code[:17]))
    return chars[(31 - total % 31) % 31] == code[17]


def test_realistic_noise_is_present(world, truth):
    root = world[0]
    accounts, customers = crm(root, "Account"), drp(root, "customers")
    fw = str.maketrans({chr(c + 0xFEE0): chr(c) for c in range(0x21, 0x7F)})
    crm_tax = [a["Tax_ID__c"].strip().upper().replace(" ", "") for a in accounts if a["Tax_ID__c"]]
    drp_tax = [c["统一社会信用代码"].translate(fw) for c in customers if c["统一社会信用代码"]]
    assert 0.45 < len(crm_tax) / len(accounts) < 0.75 and len(drp_tax) / len(customers) > 0.85
    for taxes in (crm_tax, drp_tax):
        bad = [t for t in taxes if not uscc_valid(t)]
        assert 0 < len(bad) < 0.1 * len(taxes)
    assert any(re.search(r"[\uff01-\uff5e]", c["客户名称"] + c["电话"] + c["地址"]) for c in customers)
    assert any(re.search(r"[\u4e00-\u9fff]", a["Name"]) for a in accounts)  # Chinese names in the CRM
    assert any(re.search(r"[A-Za-z]{3}", c["客户名称"]) for c in customers)  # English names in the DRP
    names = " ".join(a["Name"] for a in accounts)
    assert "Company Limited" in names and "Co., Ltd." in names and re.search(r"\(\w+\) ", names)
    # ERP codes: some point at another customer
    link = {}
    for c, d in truth["customer_links"]:
        link.setdefault(c, set()).add(d)
    erp = [(a["Id"], a["ERP_Customer_Code__c"]) for a in accounts if a["ERP_Customer_Code__c"]]
    assert 0.15 < len(erp) / len(accounts) < 0.45 and any(code not in link.get(aid, ()) for aid, code in erp)
    # source refs with lost leading zeros, 0.01 rounding differences that are not discrepancies
    orders = {o["Id"]: o for o in crm(root, "Order")}
    dorders = {o["订单号"]: o for o in drp(root, "sales_orders")}
    refs = [(orders[c]["OrderNumber"], dorders[d]["来源单号"]) for c, d in truth["order_links"]]
    assert any(src and src != num and src == num.lstrip("0") for num, src in refs)
    assert any(
        abs(cents(orders[c]["TotalAmount"]) - cents(dorders[d]["订单金额"])) == 1 for c, d in truth["order_links"]
    )
    assert any(o["ERP_Order_No__c"] for o in orders.values())
    # memos in several forms, TRN traces, an 846 week missing
    memos = [p["摘要"] for p in drp(root, "payments")]
    assert any(m.startswith("TRN ") for m in memos)
    assert (
        sum(
            bool(re.search(p, m))
            for p in (r"^INV\d{4}-\d{6}$", r"^inv\d{4}-", r"发票号\d{10}", r"付INV\d{10}货款")
            for m in memos
        )
        >= 4
    )
    dates: dict[str, set] = {}
    for _path, body in x12_sets(root, "846"):
        owner = next(s[4] for s in body if s[0] == "N1")
        dates.setdefault(owner, set()).add(next(s[4] for s in body if s[0] == "BIA"))
    latest = max(d for ds in dates.values() for d in ds)
    assert any(latest not in ds for ds in dates.values()) and any(latest in ds for ds in dates.values())
    phones = [a["Phone"] for a in accounts if a["Phone"]]
    assert all(any(p.startswith(x) for p in phones) for x in ("+86 ", "+86-", "(0", "0", "1"))


# ----------------------------------------------------------------------------- against the shared benchmark


def write_prediction_from_truth(truth: dict, pred: Path):
    """crosswalk.csv / discrepancies.csv that say exactly what the truth says."""
    parent: dict = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for c, d in truth["customer_links"]:
        parent[find(("crm", c))] = find(("drp", d))
    for system in ("crm", "drp"):
        for a, b in truth["duplicates"][system]:
            parent[find((system, a))] = find((system, b))
    for c in truth["crm_only"]:
        find(("crm", c))
    for d in truth["drp_only"]:
        find(("drp", d))
    pred.mkdir()
    with open(pred / "crosswalk.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["entity", "canonical_id", "system", "external_id"])
        for node in sorted(parent):
            w.writerow(["customer", "P-%s-%s" % find(node), node[0], node[1]])
        for k, (c, d) in enumerate(truth["order_links"]):
            w.writerows([["order", "O%d" % k, "crm", c], ["order", "O%d" % k, "drp", d]])
    with open(pred / "discrepancies.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "system", "external_id", "other_external_id"])
        for d in truth["discrepancies"]:
            keys = [d[k] for k in KEYS[d["kind"]]]
            if d["kind"] == "duplicate_customer":
                w.writerow([d["kind"]] + keys)
            else:
                w.writerow([d["kind"], "", keys[0], keys[1] if len(keys) > 1 else ""])


def test_scorer_gives_truth_a_perfect_score(world, truth, tmp_path):
    if not SCORER.exists():
        pytest.skip("../shared absent: no benchmark scorer to check the truth against")
    write_prediction_from_truth(truth, tmp_path / "pred")
    done = subprocess.run(
        [
            sys.executable,
            str(SCORER),
            "--truth",
            str(world[0] / "truth" / "truth.json"),
            "--pred",
            str(tmp_path / "pred"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "customer_f1=1.000 order_f1=1.000 discrepancy_f1=1.000"
    assert "warning" not in done.stdout


def test_same_files_headers_and_truth_shape_as_the_benchmark(world, truth, tmp_path):
    if not SHARED_GEN.exists():
        pytest.skip("../shared absent: no benchmark generator to compare formats with")
    bench = tmp_path / "bench"
    subprocess.run(
        [sys.executable, str(SHARED_GEN), str(bench), "--seed", "3", "--customers", "100"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    ours = world[0]

    def listing(root):
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and p.suffix != ".x12"}

    assert listing(ours) == listing(bench)
    for rel in sorted(listing(bench) - {"truth/truth.json"}):
        enc = "utf-8" if rel.startswith("crm/") else "gb18030"
        head = [(r / rel).read_bytes().split(b"\r\n", 1)[0].decode(enc) for r in (ours, bench)]
        assert head[0] == head[1], rel
    theirs = json.loads((bench / "truth" / "truth.json").read_text(encoding="utf-8"))
    assert set(theirs) == set(truth) and set(theirs["duplicates"]) == set(truth["duplicates"])
    assert {d["kind"]: set(d) for d in truth["discrepancies"]}.items() >= {
        d["kind"]: set(d) for d in theirs["discrepancies"]
    }.items()
    for kind in ("846", "850", "820"):  # same segments and element counts where both have files
        shapes = [
            {
                (s[0], s[1] if s[0] in ("N1", "QTY", "DTM", "AMT") else "", len(s))
                for _p, body in x12_sets(r, kind)
                for s in body
            }
            for r in (ours, bench)
        ]
        assert shapes[0] and shapes[0] == shapes[1], kind
