"""A small, deterministic ChannelCo-style ``drp/`` folder (GB18030, Chinese headers) to seed the server."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from testkit.servers.drpsoap.schema import ENTITIES, Entity
from testkit.servers.drpsoap.store import CSV_ENCODING

__all__ = ["write_sample_drp"]

_CITIES = [("上海", "上海", "021"), ("北京", "北京", "010"), ("广东", "广州", "020"), ("四川", "成都", "028")]
_BRANDS = ["华信", "联合", "恒通", "新天地", "百佳", "永辉", "金桥", "长江"]
_LEVELS = ["经销商", "代理商", "连锁门店", "直营客户"]
_STATUSES = ["已审核", "已发货", "已完成", "已关闭"]


def _text(ent: Entity, element: str, value: object) -> str:
    f = ent.field(element)
    if value is None:
        return ""
    if f.csv_format and isinstance(value, (date, datetime)):
        return value.strftime(f.csv_format)
    return str(value)


def _write(folder: Path, ent: Entity, rows: list[dict[str, object]]) -> None:
    with (folder / ent.csv_file).open("w", encoding=CSV_ENCODING, newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow([f.header for f in ent.fields])
        for r in rows:
            w.writerow([_text(ent, f.element, r.get(f.element)) for f in ent.fields])


def write_sample_drp(folder: str | Path, customers: int = 24, orders_per_customer: int = 2) -> Path:
    """Write the nine DRP CSVs for ``customers`` customers into ``folder``; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    E = ENTITIES
    people = [
        {"salespersonCode": f"YW{i:04d}", "name": n, "team": t, "commissionRate": Decimal(r)}
        for i, (n, t, r) in enumerate(
            [
                ("张伟", "华东销售团队", "0.0150"),
                ("李娜", "华北销售团队", "0.0200"),
                ("王芳", "华南销售团队", "0.0125"),
            ],
            start=1,
        )
    ]
    products = [
        {"sku": f"CC0{i}014", "productName": f"畅联{n}", "spec": s, "unit": u, "listPrice": Decimal(p)}
        for i, (n, s, u, p) in enumerate(
            [
                ("薰衣草洗衣液", "1kg", "瓶", "23.00"),
                ("柠檬洗洁精", "500ml", "瓶", "9.90"),
                ("原味香皂", "125g", "块", "4.50"),
            ],
            start=1,
        )
    ]
    base = datetime(2025, 1, 1, 8, 0, 0)
    custs = [
        {
            "customerCode": "C000001",
            "customerName": "畅联消费品有限公司",
            "uscc": "91310113022330510Q",
            "channelLevel": "总部",
            "province": "上海",
            "city": "上海",
            "address": "幸福路877号",
            "phone": "021-76195443",
            "creditLimit": Decimal("0.00"),
            "currency": "CNY",
            "lastModified": base,
        }
    ]
    for i in range(2, customers + 1):
        prov, city, area = _CITIES[i % len(_CITIES)]
        brand = _BRANDS[i % len(_BRANDS)]
        custs.append(
            {
                "customerCode": f"C{i:06d}",
                "customerName": f"{city}{brand}贸易有限公司" if i % 3 else f"{brand} Trading Co., Ltd. #{i}",
                "uscc": f"9131011{i:03d}MA1R31D2{i % 10}" if i % 5 else None,
                "channelLevel": _LEVELS[i % len(_LEVELS)],
                "parentCode": "C000001",
                "province": prov,
                "city": city,
                "address": f"{city}文化路{100 + i}号" if i % 7 else None,
                "phone": f"{area}-{55550000 + i}",
                "creditLimit": Decimal(f"{i * 10000}.00"),
                "salespersonCode": people[i % len(people)]["salespersonCode"],
                "currency": "CNY" if i % 4 else "RMB",
                # strictly increasing, with two customers sharing the latest second
                "lastModified": base + timedelta(days=min(i, customers - 1), minutes=i % 3),
            }
        )
    custs[-1]["lastModified"] = custs[-2]["lastModified"]
    warehouses = [
        {"warehouseCode": "W0001", "warehouseName": "畅联上海总仓", "warehouseType": "总仓"},
        {
            "warehouseCode": "W0002",
            "warehouseName": "经销商寄售仓",
            "warehouseType": "经销商寄售仓",
            "ownerCustomerCode": "C000002",
        },
    ]
    inventory = [
        {
            "warehouseCode": w["warehouseCode"],
            "sku": p["sku"],
            "onHand": Decimal(100 * (j + 1) + k),
            "reserved": Decimal(k * 3),
            "inTransit": Decimal(0),
            "asOfDate": date(2026, 3, 31),
        }
        for k, w in enumerate(warehouses)
        for j, p in enumerate(products)
    ]
    orders, lines, invoices, payments = [], [], [], []
    n = 0
    for c in custs[1:]:
        for _ in range(orders_per_customer):
            n += 1
            day = date(2025, 4, 1) + timedelta(days=(n * 11) % 360)
            order_no = f"SO{day:%y%m}{n:06d}"
            total = Decimal("0.00")
            for ln in range(1, 1 + (n % 3) + 1):
                p = products[(n + ln) % len(products)]
                qty = Decimal(5 * ln + n % 7)
                amount = (qty * p["listPrice"]).quantize(Decimal("0.01"))
                lines.append(
                    {
                        "orderNo": order_no,
                        "lineNo": ln,
                        "sku": p["sku"],
                        "qty": qty,
                        "unitPrice": p["listPrice"],
                        "lineAmount": amount,
                    }
                )
                total += amount
            status = _STATUSES[n % 4]
            orders.append(
                {
                    "orderNo": order_no,
                    "customerCode": c["customerCode"],
                    "orderDate": day,
                    "status": status,
                    "orderAmount": total,
                    "sourceRef": f"{n:08d}" if n % 4 else None,
                }
            )
            if status in ("已发货", "已完成"):
                inv = f"INV{day.year}-{n:06d}"
                paid = total if status == "已完成" else Decimal("0.00")
                invoices.append(
                    {
                        "invoiceNo": inv,
                        "orderNo": order_no,
                        "customerCode": c["customerCode"],
                        "invoiceDate": day,
                        "dueDate": day + timedelta(days=30),
                        "amount": total,
                        "openAmount": total - paid,
                    }
                )
                if paid:
                    payments.append(
                        {
                            "paymentNo": f"SK{day:%y%m}{n:06d}",
                            "customerCode": c["customerCode"],
                            "paymentDate": day + timedelta(days=12),
                            "amount": paid,
                            "memo": f"货款 {inv}",
                        }
                    )
    for name, rows in (
        ("customers", custs),
        ("salespeople", people),
        ("products", products),
        ("warehouses", warehouses),
        ("sales_orders", orders),
        ("sales_order_lines", lines),
        ("inventory", inventory),
        ("invoices", invoices),
        ("payments", payments),
    ):
        _write(folder, E[name], rows)
    return folder
