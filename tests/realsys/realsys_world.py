"""Generate the small deterministic ChannelCo-like world that seeds the real Tryton and django-crm servers.

The same real-world company appears in both systems as *different* records: the ERP (Tryton)
holds the DRP view (customer code, mostly Chinese legal name, USCC tax id, one phone format),
the CRM (django-crm) holds the sales view (English name variants, other phone formats, a tax id
for some, a possibly stale ERP code, contacts, opportunities). About 10 % of the companies are
only in one of the two. Everything derives from ``random.Random(seed)``; the output is JSON-able
and is handed to the seed scripts that run inside each system's own virtual environment.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# (chinese, pinyin/english, province, area code, postal code prefix)
CITIES = (
    ("上海", "Shanghai", "上海市", "21", "200"),
    ("北京", "Beijing", "北京市", "10", "100"),
    ("广州", "Guangzhou", "广东省", "20", "510"),
    ("深圳", "Shenzhen", "广东省", "755", "518"),
    ("杭州", "Hangzhou", "浙江省", "571", "310"),
    ("南京", "Nanjing", "江苏省", "25", "210"),
    ("成都", "Chengdu", "四川省", "28", "610"),
    ("武汉", "Wuhan", "湖北省", "27", "430"),
)
BRANDS = (
    ("华信", "Huaxin"),
    ("金鹏", "Jinpeng"),
    ("瑞丰", "Ruifeng"),
    ("宏达", "Hongda"),
    ("恒通", "Hengtong"),
    ("佳美", "Jiamei"),
    ("永盛", "Yongsheng"),
    ("天润", "Tianrun"),
    ("新锐", "Xinrui"),
    ("博远", "Boyuan"),
    ("安康", "Ankang"),
    ("鼎盛", "Dingsheng"),
    ("汇源", "Huiyuan"),
    ("盛世", "Shengshi"),
    ("东方", "Dongfang"),
    ("海纳", "Haina"),
)
INDUSTRIES = (
    ("贸易", "Trading"),
    ("商贸", "Commerce"),
    ("日用品", "Daily Goods"),
    ("食品", "Foods"),
    ("供应链", "Supply Chain"),
    ("百货", "Department Store"),
)
LEVELS = ("branch", "distributor", "distributor", "agent", "chain_store", "customer")
SURNAMES = (("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"))
GIVEN = (("伟", "Wei"), ("芳", "Fang"), ("娜", "Na"), ("敏", "Min"), ("静", "Jing"), ("强", "Qiang"))
TITLES = ("Purchasing Manager", "General Manager", "Finance", "Store Manager")
PRODUCTS = (
    ("SKU-1001", "洗衣液 2L", "Laundry Liquid 2L", "12.50"),
    ("SKU-1002", "洗洁精 1L", "Dish Soap 1L", "6.80"),
    ("SKU-1003", "沐浴露 750ml", "Body Wash 750ml", "15.90"),
    ("SKU-1004", "洗发水 500ml", "Shampoo 500ml", "18.00"),
    ("SKU-1005", "牙膏 120g", "Toothpaste 120g", "5.60"),
    ("SKU-1006", "纸巾 10包", "Tissues 10-pack", "9.90"),
    ("SKU-1007", "消毒液 1L", "Disinfectant 1L", "11.20"),
    ("SKU-1008", "洗手液 500ml", "Hand Soap 500ml", "8.40"),
)
STAGES = ("QUALIFICATION", "PROPOSAL", "NEGOTIATION", "CLOSED_WON", "CLOSED_LOST")
AS_OF = date(2026, 3, 31)


def uscc(rng: random.Random, province_code: str) -> str:
    """A valid 18-character unified social credit code (GB 32100-2015 check character)."""
    body = "91" + province_code + "".join(rng.choice("0123456789") for _ in range(4))
    body += "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, _USCC_WEIGHTS))
    return body + USCC_ALPHABET[(31 - total) % 31]


def _phone_forms(area: str, local: str) -> list[str]:
    return [f"+86 {area} {local[:4]} {local[4:]}", f"0{area}-{local}", f"0{area}{local}"]


def _english_variants(city: str, brand: str, industry: str) -> list[str]:
    abbrev = "".join(w[0] for w in city.split()) if " " in city else city[:2].upper()
    return [
        f"{city} {brand} {industry} Co., Ltd.",
        f"{brand} {industry} ({city}) Co Ltd",
        f"{abbrev} {brand} {industry}",
        f"{city} {brand[:3]} {brand[3:].lower()} {industry} Company Limited",
    ]


def _typo(rng: random.Random, text: str) -> str:
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def build_world(seed: int = 7, companies: int = 30) -> dict[str, Any]:
    """The whole seed: ``{"products", "companies", "tryton", "djangocrm"}``, deterministic per seed."""
    rng = random.Random(seed)
    combos = [(c, b, i) for c in range(len(CITIES)) for b in range(len(BRANDS)) for i in range(len(INDUSTRIES))]
    rng.shuffle(combos)
    world_companies = []
    for n, (ci, bi, ii) in enumerate(combos[:companies]):
        city_zh, city_en, province, area, postal = CITIES[ci]
        brand_zh, brand_en = BRANDS[bi]
        ind_zh, ind_en = INDUSTRIES[ii]
        local = f"{rng.randrange(5000_0000, 8999_9999)}"[: 8 if len(area) == 2 else 7]
        contacts = []
        for _ in range(rng.choice((1, 1, 2))):
            (sz, se), (gz, ge) = rng.choice(SURNAMES), rng.choice(GIVEN)
            contacts.append(
                {
                    "first_name": ge,
                    "last_name": se,
                    "name_zh": sz + gz,
                    "email": f"{ge.lower()}.{se.lower()}@{brand_en.lower()}{n}.example.cn",
                    "phone": f"+86 1{rng.randrange(30, 99)} {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
                    "title": rng.choice(TITLES),
                }
            )
        world_companies.append(
            {
                "n": n,
                "code": f"C{100 + n:06d}",
                "name_zh": f"{city_zh}{brand_zh}{ind_zh}有限公司",
                "names_en": _english_variants(city_en, brand_en, ind_en),
                "level": "hq" if n == 0 else LEVELS[n % len(LEVELS)],
                "tax_id": uscc(rng, f"{31 + ci:02d}"),
                "city_zh": city_zh,
                "city_en": city_en,
                "province": province,
                "postal_code": postal + f"{rng.randrange(0, 999):03d}",
                "street_zh": f"{brand_zh}路{rng.randrange(1, 999)}号",
                "street_en": f"No. {rng.randrange(1, 999)} {brand_en} Road",
                "phones": _phone_forms(area, local),
                "website": f"https://www.{brand_en.lower()}{n}.example.cn",
                "credit_limit": str(rng.choice((50000, 100000, 200000))),
                "contacts": contacts,
            }
        )
    return {
        "as_of": AS_OF.isoformat(),
        "products": [{"sku": s, "name_zh": z, "name_en": e, "list_price": p} for s, z, e, p in PRODUCTS],
        "companies": world_companies,
        "tryton": _tryton_slice(rng, world_companies),
        "djangocrm": _crm_slice(rng, world_companies),
    }


def _tryton_slice(rng: random.Random, companies: list[dict[str, Any]]) -> dict[str, Any]:
    """ERP view: parties by customer code, stock, sales in every state, invoices, payments."""
    parties, sales = [], []
    for c in companies:
        if c["n"] % 10 == 9:  # CRM-only company
            continue
        english = rng.random() < 0.3
        parties.append(
            {
                "code": c["code"],
                "name": c["names_en"][0] if english else c["name_zh"],
                "tax_id": c["tax_id"] if rng.random() < 0.95 else None,
                "phone": c["phones"][1],
                "email": f"finance@{c['website'].split('www.')[1]}",
                "street": c["street_zh"],
                "city": c["city_zh"],
                "postal_code": c["postal_code"],
                "credit_limit": c["credit_limit"],
            }
        )
        for k in range(rng.choice((1, 2))):
            lines = []
            for sku, _zh, _en, price in rng.sample(PRODUCTS, rng.choice((1, 2, 3))):
                lines.append({"sku": sku, "quantity": rng.choice((10, 20, 50, 100)), "unit_price": price})
            sales.append(
                {
                    "party_code": c["code"],
                    "reference": f"SO26{c['n']:04d}{k}",
                    "sale_date": (AS_OF - timedelta(days=rng.randrange(5, 80))).isoformat(),
                    # draft | quotation | confirmed | invoiced (posted) | paid
                    "target": rng.choice(("draft", "quotation", "confirmed", "invoiced", "invoiced", "paid")),
                    "lines": lines,
                }
            )
    stock = [{"sku": sku, "quantity": rng.randrange(100, 2000)} for sku, *_ in PRODUCTS]
    sales.sort(key=lambda s: (s["sale_date"], s["reference"]))  # invoices are numbered in date order
    return {"parties": parties, "sales": sales, "stock": stock}


def _crm_slice(rng: random.Random, companies: list[dict[str, Any]]) -> dict[str, Any]:
    """CRM view: English name variants with noise, other phone formats, contacts, leads, deals, invoices."""
    accounts, leads = [], []
    used_names: set[str] = set()
    for c in companies:
        if c["n"] % 10 == 4:  # ERP-only company
            leads.append(
                {
                    "first_name": c["contacts"][0]["first_name"],
                    "last_name": c["contacts"][0]["last_name"],
                    "company_name": c["names_en"][0],
                    "email": c["contacts"][0]["email"],
                    "phone": c["phones"][2],
                    "city": c["city_en"],
                }
            )
            continue
        name = rng.choice(c["names_en"]) if rng.random() < 0.6 else c["names_en"][0]
        if rng.random() < 0.12:
            name = c["name_zh"]
        if rng.random() < 0.08:
            name = _typo(rng, name)
        if rng.random() < 0.05:
            name = "  " + name.upper()
        if name.strip().lower() in used_names:  # django-crm: account names unique per org
            name = c["names_en"][0] + f" ({c['city_en']})"
        used_names.add(name.strip().lower())
        stale = rng.random() < 0.1
        erp_code = c["code"] if rng.random() < 0.3 else None
        if erp_code and rng.random() < 0.1:
            erp_code = f"C{100 + (c['n'] + 1) % len(companies):06d}"  # points at the wrong customer
        deals = []
        for k in range(rng.choice((0, 1, 2))):
            deals.append(
                {
                    "name": f"{c['names_en'][2]} FY26 order {k + 1}",
                    "stage": rng.choice(STAGES),
                    "amount": f"{rng.randrange(5, 200) * 100}.00",
                    "close_date": (AS_OF + timedelta(days=rng.randrange(-30, 60))).isoformat(),
                }
            )
        accounts.append(
            {
                "name": name,
                "phone": rng.choice((c["phones"][0], c["phones"][2])),
                "email": f"info@{c['website'].split('www.')[1]}",
                "website": c["website"],
                "address_line": ("Old " if stale else "") + c["street_en"],
                "city": c["city_en"],
                "state": c["province"],
                "postcode": c["postal_code"],
                "tax_id": c["tax_id"] if rng.random() < 0.6 else None,
                "erp_code": erp_code,
                "contacts": c["contacts"],
                "opportunities": deals,
                "invoice": (
                    {"amount": f"{rng.randrange(10, 90) * 100}.00", "status": rng.choice(("Draft", "Sent", "Paid"))}
                    if rng.random() < 0.4
                    else None
                ),
            }
        )
    return {"accounts": accounts, "leads": leads}
