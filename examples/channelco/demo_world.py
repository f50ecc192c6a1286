#!/usr/bin/env python3
"""Write a small, deterministic ChannelCo demo world (CRM, DRP, X12 EDI and truth) to a folder.

The folders, file names, headers and encodings are those of the ChannelCo scenario
(``crm/`` UTF-8 CSV with every field quoted, ``drp/`` GB18030 CSV with Chinese headers,
``edi/846|850|820`` X12 004010 interchanges, ``truth/truth.json``), so the hub's ChannelCo
example reads this world and the benchmark's alike. Word lists and code are our own and only
the standard library is used: a fresh clone can run ``make demo`` and the tests without
anything else. The world is built in memory (meant for up to a few thousand customers).

    python examples/channelco/demo_world.py OUT_DIR [--seed N] [--customers N]

The truth's discrepancies are not the generator's intentions: :func:`derive_discrepancies`
applies the scenario's rules to the rows exactly as written.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import re
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["generate", "derive_discrepancies", "invoice_refs", "uscc_check_char", "DISCREPANCY_KINDS", "AS_OF", "main"]

VERSION = "1"
AS_OF = dt.date(2026, 3, 31)
FIRST = AS_OF - dt.timedelta(days=364)          # orders fall in the 365 days up to AS_OF
LAST_ORD, FIRST_ORD = AS_OF.toordinal(), FIRST.toordinal()
ORDERS_PER_CUSTOMER = 5.0
DISCREPANCY_KINDS = ("duplicate_customer", "order_missing_in_drp", "order_missing_in_crm",
                     "order_amount_mismatch", "order_status_mismatch", "inventory_variance",
                     "unapplied_payment", "credit_exceeded")
STATUS_EQUIV = {"Draft": [], "Activated": ["已审核"], "Shipped": ["已发货", "已完成"], "Cancelled": ["已关闭"]}

# Rates of this demo world (counts marked "quota" are forced to at least one occurrence).
RATES = {
    "crm_only_rate": 0.10, "drp_only_rate": 0.10, "duplicate_rate": 0.02,            # quota
    "name_variant_rate": 0.60, "name_typo_rate": 0.05, "whitespace_case_rate": 0.05,
    "fullwidth_rate": 0.05, "crm_chinese_name_rate": 0.12, "drp_english_name_rate": 0.30,
    "crm_tax_id_rate": 0.60, "drp_tax_id_rate": 0.95, "tax_id_bad_check_rate": 0.03,
    "erp_code_rate": 0.30, "erp_code_wrong_rate": 0.05, "stale_address_rate": 0.05,
    "phone_changed_rate": 0.03, "owner_mismatch_rate": 0.05,
    "order_missing_in_drp_rate": 0.02, "order_missing_in_crm_rate": 0.02,           # quota
    "order_amount_mismatch_rate": 0.03, "order_status_mismatch_rate": 0.03,          # quota
    "order_amount_rounding_rate": 0.05, "source_no_lost_zeros_rate": 0.05,
    "erp_order_no_rate": 0.70, "source_no_rate": 0.85, "edi_order_share": 0.75,
    "consignment_rate": 0.25, "edi_week_missing_rate": 0.10, "inventory_variance_rate": 0.05,
    "memo_invoice_rate": 0.85, "unapplied_payment_rate": 0.015, "credit_exceeded_rate": 0.03,
    "x12_newline_rate": 0.50,
}

# ----------------------------------------------------------------------------- word lists
# city: zh, en, other spellings, abbreviation, province, province short, province en,
# area code, postal prefix, admin-division prefix, weight, sales region
CITIES = [
    ("徐州", "Xuzhou", (), "XZ", "江苏省", "江苏", "Jiangsu", "0516", "221", "3203", 4, "E"),
    ("常州", "Changzhou", (), "CZ", "江苏省", "江苏", "Jiangsu", "0519", "213", "3204", 4, "E"),
    ("南通", "Nantong", (), "NT", "江苏省", "江苏", "Jiangsu", "0513", "226", "3206", 3, "E"),
    ("扬州", "Yangzhou", ("Yangchow",), "YZ", "江苏省", "江苏", "Jiangsu", "0514", "225", "3210", 2, "E"),
    ("绍兴", "Shaoxing", ("Shaohsing",), "SX", "浙江省", "浙江", "Zhejiang", "0575", "312", "3306", 3, "E"),
    ("嘉兴", "Jiaxing", (), "JX", "浙江省", "浙江", "Zhejiang", "0573", "314", "3304", 3, "E"),
    ("金华", "Jinhua", (), "JH", "浙江省", "浙江", "Zhejiang", "0579", "321", "3307", 3, "E"),
    ("芜湖", "Wuhu", (), "WH", "安徽省", "安徽", "Anhui", "0553", "241", "3402", 2, "E"),
    ("泉州", "Quanzhou", ("Chuanchow",), "QZ", "福建省", "福建", "Fujian", "0595", "362", "3505", 3, "E"),
    ("珠海", "Zhuhai", (), "ZH", "广东省", "广东", "Guangdong", "0756", "519", "4404", 3, "S"),
    ("中山", "Zhongshan", (), "ZS", "广东省", "广东", "Guangdong", "0760", "528", "4420", 3, "S"),
    ("惠州", "Huizhou", (), "HZ", "广东省", "广东", "Guangdong", "0752", "516", "4413", 3, "S"),
    ("汕头", "Shantou", ("Swatow",), "ST", "广东省", "广东", "Guangdong", "0754", "515", "4405", 2, "S"),
    ("桂林", "Guilin", ("Kweilin",), "GL", "广西壮族自治区", "广西", "Guangxi", "0773", "541", "4503", 2, "S"),
    ("柳州", "Liuzhou", (), "LZ", "广西壮族自治区", "广西", "Guangxi", "0772", "545", "4502", 2, "S"),
    ("烟台", "Yantai", ("Chefoo",), "YT", "山东省", "山东", "Shandong", "0535", "264", "3706", 3, "N"),
    ("潍坊", "Weifang", (), "WF", "山东省", "山东", "Shandong", "0536", "261", "3707", 3, "N"),
    ("临沂", "Linyi", (), "LY", "山东省", "山东", "Shandong", "0539", "276", "3713", 2, "N"),
    ("唐山", "Tangshan", (), "TS", "河北省", "河北", "Hebei", "0315", "063", "1302", 3, "N"),
    ("保定", "Baoding", ("Paoting",), "BD", "河北省", "河北", "Hebei", "0312", "071", "1306", 2, "N"),
    ("包头", "Baotou", (), "BT", "内蒙古自治区", "内蒙古", "Inner Mongolia", "0472", "014", "1502", 1, "N"),
    ("洛阳", "Luoyang", (), "LYG", "河南省", "河南", "Henan", "0379", "471", "4103", 3, "C"),
    ("宜昌", "Yichang", (), "YC", "湖北省", "湖北", "Hubei", "0717", "443", "4205", 2, "C"),
    ("襄阳", "Xiangyang", ("Xiangfan",), "XY", "湖北省", "湖北", "Hubei", "0710", "441", "4206", 2, "C"),
    ("赣州", "Ganzhou", (), "GZ", "江西省", "江西", "Jiangxi", "0797", "341", "3607", 2, "C"),
    ("株洲", "Zhuzhou", (), "ZZ", "湖南省", "湖南", "Hunan", "0731", "412", "4302", 2, "C"),
    ("绵阳", "Mianyang", (), "MY", "四川省", "四川", "Sichuan", "0816", "621", "5107", 2, "W"),
    ("宜宾", "Yibin", (), "YB", "四川省", "四川", "Sichuan", "0831", "644", "5115", 2, "W"),
    ("遵义", "Zunyi", (), "ZY", "贵州省", "贵州", "Guizhou", "0851", "563", "5203", 2, "W"),
]
REGIONS = {"E": ("华东大区", "East Region"), "S": ("华南大区", "South Region"),
           "N": ("华北大区", "North Region"), "C": ("华中大区", "Central Region"),
           "W": ("西南大区", "Southwest Region"), "K": ("重点客户部", "Key Accounts")}

# two-character trade names with their pinyin syllables (the joined pinyin is unique)
_BRANDS = """
安泰:an-tai 百顺:bai-shun 宝丰:bao-feng 碧海:bi-hai 晨光:chen-guang 成裕:cheng-yu 春和:chun-he
大丰:da-feng 德润:de-run 鼎立:ding-li 东盛:dong-sheng 丰泽:feng-ze 福瑞:fu-rui 富华:fu-hua
广源:guang-yuan 国泰:guo-tai 海鸿:hai-hong 禾盛:he-sheng 恒信:heng-xin 弘毅:hong-yi 华泰:hua-tai
汇通:hui-tong 佳惠:jia-hui 建业:jian-ye 金穗:jin-sui 锦泰:jin-tai 景和:jing-he 久远:jiu-yuan
聚福:ju-fu 开元:kai-yuan 康乐:kang-le 乐家:le-jia 立信:li-xin 隆昌:long-chang 满堂:man-tang
茂源:mao-yuan 铭泰:ming-tai 南星:nan-xing 宁泰:ning-tai 鹏达:peng-da 普惠:pu-hui 千禧:qian-xi
庆丰:qing-feng 瑞祥:rui-xiang 润发:run-fa 三友:san-you 尚品:shang-pin 盛源:sheng-yuan
四海:si-hai 泰和:tai-he 天福:tian-fu 同心:tong-xin 万福:wan-fu 旺达:wang-da 维康:wei-kang
文兴:wen-xing 祥和:xiang-he 新源:xin-yuan 兴发:xing-fa 旭日:xu-ri 雅诗:ya-shi 亿家:yi-jia
益民:yi-min 永兴:yong-xing 优佳:you-jia 裕丰:yu-feng 元亨:yuan-heng 悦来:yue-lai 运通:yun-tong
泽润:ze-run 长青:chang-qing 振华:zhen-hua 正源:zheng-yuan 致远:zhi-yuan 中和:zhong-he
众诚:zhong-cheng 卓瑞:zhuo-rui 紫金:zi-jin 金桥:jin-qiao 美途:mei-tu 朗达:lang-da
"""
BRANDS = [(zh, py.replace("-", "").capitalize(), " ".join(s.capitalize() for s in py.split("-")))
          for zh, py in (tok.split(":") for tok in _BRANDS.split())]

# industry: zh, en, alternative en, channels it fits (d distributor/agent, r store, c direct)
INDUSTRIES = [
    ("商贸", "Trading", "Commerce and Trade", "d"), ("贸易", "Trade", "Trading", "d"),
    ("供应链管理", "Supply Chain Management", "Supply Chain Mgmt", "d"),
    ("日用品", "Daily Goods", "Household Goods", "d"), ("食品", "Foodstuff", "Food Products", "dr"),
    ("酒水", "Beverage", "Drinks", "d"), ("副食", "Grocery", "Groceries", "dr"),
    ("配送", "Distribution", "Delivery Service", "d"), ("超市", "Supermarket", "Supermarkets", "r"),
    ("便利店", "Convenience Store", "Convenience Stores", "r"),
    ("百货", "Department Store", "General Merchandise", "r"),
    ("生活超市", "Living Mart", "Lifestyle Supermarket", "r"),
    ("母婴", "Mother and Baby", "Maternal and Child", "r"), ("酒店", "Hotel", "Hotels", "c"),
    ("餐饮", "Catering", "Restaurant", "c"), ("物业服务", "Property Services", "Property Service", "c"),
    ("电子商务", "E-commerce", "Online Commerce", "c"), ("健身", "Fitness", "Fitness Club", "c"),
]
# legal form: zh, registered en, en variants, weight
LEGAL = [
    ("有限公司", "Co., Ltd.", ("Company Limited", "Co Ltd", "Co., Limited", "Ltd"), 75),
    ("有限责任公司", "Co., Ltd.", ("Limited Liability Company", "LLC"), 8),
    ("股份有限公司", "Co., Ltd.", ("Joint-Stock Co., Ltd.", "Corp., Ltd."), 7),
    ("集团有限公司", "Group Co., Ltd.", ("Group Company Limited", "Group Ltd"), 5),
    ("商行", "Firm", ("Store", "Trading Firm"), 5),
]
DISTRICTS = [("高新区", "Gaoxin District"), ("开发区", "Development Zone"), ("老城区", "Old Town"),
             ("新区", "New District"), ("港区", "Port District"), ("科技园", "Science Park")]
ROADS = [("建国路", "Jianguo Road"), ("延安路", "Yan'an Road"), ("人民大道", "Renmin Avenue"),
         ("滨河路", "Binhe Road"), ("学院路", "Xueyuan Road"), ("长安街", "Chang'an Street"),
         ("园林路", "Yuanlin Road"), ("站前路", "Zhanqian Road"), ("复兴路", "Fuxing Road"),
         ("春风路", "Chunfeng Road"), ("金湖路", "Jinhu Road"), ("五一路", "Wuyi Road")]
SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("陈", "Chen"), ("刘", "Liu"), ("方", "Fang"),
            ("钱", "Qian"), ("沈", "Shen"), ("顾", "Gu"), ("叶", "Ye"), ("魏", "Wei"), ("严", "Yan"),
            ("陆", "Lu"), ("苏", "Su"), ("秦", "Qin"), ("邱", "Qiu"), ("贺", "He"), ("姚", "Yao")]
GIVEN = [("晓明", "Xiaoming"), ("丽华", "Lihua"), ("国栋", "Guodong"), ("雪", "Xue"), ("振宇", "Zhenyu"),
         ("慧", "Hui"), ("立新", "Lixin"), ("佳", "Jia"), ("晨", "Chen"), ("永刚", "Yonggang"),
         ("春燕", "Chunyan"), ("博", "Bo"), ("嘉怡", "Jiayi"), ("天翔", "Tianxiang"), ("敏", "Min")]
TITLES = ("Owner", "General Manager", "Purchasing Manager", "Finance", "Store Manager", "采购", "总经理")
# category: zh, en, CRM family, unit, specs (spec, spec en, list price in fen), variants (zh, en)
PRODUCTS = [
    ("洗碗块", "Dishwasher Tablets", "Household Cleaning", "盒", (("30块", "30 tabs", 4590), ("60块", "60 tabs", 7990)),
     (("", ""),)),
    ("厨房清洁喷雾", "Kitchen Cleaner Spray", "Household Cleaning", "瓶", (("500ml", "500ml", 1990),),
     (("柠檬", "Lemon"), ("绿茶", "Green Tea"))),
    ("保鲜膜", "Cling Film", "Kitchen", "卷", (("30m", "30m", 1290), ("60m", "60m", 2190)), (("", ""),)),
    ("垃圾袋", "Trash Bags", "Kitchen", "卷", (("中号50只", "M 50pcs", 990), ("大号30只", "L 30pcs", 1290)), (("", ""),)),
    ("洗衣片", "Laundry Sheets", "Laundry", "盒", (("30片", "30 sheets", 3990), ("60片", "60 sheets", 6990)), (("", ""),)),
    ("柔顺剂", "Fabric Softener", "Laundry", "瓶", (("1L", "1L", 2590), ("2.5L", "2.5L", 4990)),
     (("花香", "Floral"), ("清新", "Fresh"))),
    ("洗面奶", "Facial Cleanser", "Personal Care", "支", (("100g", "100g", 3290), ("150g", "150g", 4590)), (("", ""),)),
    ("身体乳", "Body Lotion", "Personal Care", "瓶", (("250ml", "250ml", 4290), ("400ml", "400ml", 5990)), (("", ""),)),
    ("牙刷头", "Brush Heads", "Oral Care", "盒", (("2支装", "2-pack", 3990), ("4支装", "4-pack", 6990)), (("", ""),)),
    ("每日坚果", "Daily Nuts", "Snacks", "盒", (("750g", "750g", 8990),), (("原味", "Original"), ("蜂蜜", "Honey"))),
    ("燕麦片", "Oat Flakes", "Breakfast", "袋", (("1kg", "1kg", 2590), ("1.5kg", "1.5kg", 3490)), (("", ""),)),
    ("挂耳咖啡", "Drip Coffee", "Beverage", "盒", (("10袋", "10 bags", 3990), ("30袋", "30 bags", 9990)), (("", ""),)),
    ("苏打水", "Soda Water", "Beverage", "箱", (("350ml×24", "350ml x24", 4890),), (("原味", "Plain"), ("柠檬", "Lemon"))),
]
COMPANY_ZH, COMPANY_EN = "畅联消费品有限公司", "ChannelCo Consumer Goods Co., Ltd."
HQ, BRANCH, DIST, AGENT, CHAIN, DIRECT = range(6)
LEVEL_ZH = ("总部", "分公司", "经销商", "代理商", "连锁门店", "直营客户")
TYPE_CRM = ("Branch", "Branch", "Distributor", "Agent", "Chain Store", "Customer")
ORDER_WEIGHT = (0, 0, 3.0, 1.0, 1.2, 0.6)
PRICE_FACTOR = (1, 1, 0.70, 0.80, 0.86, 0.95)
QTY_RANGE = ((1, 1), (1, 1), (20, 300), (6, 100), (2, 48), (1, 24))
TERMS = (30, 30, 60, 30, 45, 30)
CREDIT_BASE = (0, 0, 50000000, 10000000, 10000000, 5000000)
X12_RECEIVER = "CHANNELCO"

# ----------------------------------------------------------------------------- helpers


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
        self.n = rng.randrange(62 ** 6, 62 ** 7)
        self.rng = rng

    def next(self) -> str:
        self.n += 1 + self.rng.randrange(3)
        n, tail = self.n, ""
        for _ in range(9):
            n, d = divmod(n, 62)
            tail = _B62[d] + tail
        id15 = self.head + tail
        suffix = "".join(_SF_SUFFIX[sum(1 << i for i, ch in enumerate(id15[k:k + 5]) if ch.isupper())]
                         for k in (0, 5, 10))
        return id15 + suffix


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character of a unified social credit code."""
    total = sum(_USCC_CHARS.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return _USCC_CHARS[(31 - total % 31) % 31]


def make_uscc(rng: random.Random, admin4: str) -> str:
    """A valid USCC: 91 (enterprise), admin division, GB 11714 organisation code, check."""
    if rng.random() < 0.5:
        body = "MA" + "".join(rng.choice(_USCC_CHARS[:10] + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    else:
        body = "%08d" % rng.randrange(10 ** 8)
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
        return s[:i] + s[i + 1:]
    if op == 1 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    if op == 2:
        return s[:i] + s[i] + s[i:]
    return s[:i] + rng.choice("aeinorst") + s[i + 1:]


def ws_case(s: str, rng: random.Random) -> str:
    return rng.choice((s.upper(), s.lower(), " " + s, s + " ", s.replace(" ", "  ", 1)))


def crm_phone(area: str, local: str, mobile: str, rng: random.Random) -> str:
    if mobile:
        return rng.choice(("+86 %s %s %s" % (mobile[:3], mobile[3:7], mobile[7:]), mobile,
                           "+86-" + mobile, "%s-%s-%s" % (mobile[:3], mobile[3:7], mobile[7:])))
    a = area[1:]
    return rng.choice(("+86 %s %s %s" % (a, local[:4], local[4:]), "(%s) %s-%s" % (area, local[:4], local[4:]),
                       "%s-%s" % (area, local), "+86-%s-%s" % (a, local), "86%s%s" % (a, local)))


def drp_phone(area: str, local: str, mobile: str, rng: random.Random) -> str:
    if mobile:
        return mobile if rng.random() < 0.7 else "%s %s %s" % (mobile[:3], mobile[3:7], mobile[7:])
    return rng.choice(("%s-%s" % (area, local), "%s-%s" % (area, local), area + local, "%s %s" % (area, local)))


def x12_clean(s: str) -> str:
    """ASCII text safe inside an X12 element."""
    s = re.sub(r"[*~:^]", " ", s).encode("ascii", "replace").decode().replace("?", " ")
    return re.sub(r"\s+", " ", s).strip()


def interchange(sender: str, func: str, st_id: str, sets: list, day: int, hhmm: str,
                ctrl: int, gs_ctrl: int, newline: bool) -> str:
    """One X12 004010 interchange with one functional group holding ``sets`` (segment lists)."""
    d8 = x12date(day)
    isa = "ISA*00*%s*00*%s*ZZ*%-15s*ZZ*%-15s*%s*%s*U*00401*%09d*0*P*:" % (
        " " * 10, " " * 10, sender, X12_RECEIVER, d8[2:], hhmm, ctrl)
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


# ----------------------------------------------------------------------------- parties


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
        return ("ChannelCo Consumer Goods Co., Ltd. %s Branch" % c[1], "ChannelCo %s Branch" % c[1],
                "ChannelCo (%s) Branch Office" % c[1], "%s Branch, ChannelCo" % c[1])[variant % 4]
    brand, brand_split = BRANDS[p.brand][1], BRANDS[p.brand][2]
    ind, ind_alt = INDUSTRIES[p.ind][1], INDUSTRIES[p.ind][2]
    legal = LEGAL[p.legal][1]
    alt = rng.choice(LEGAL[p.legal][2]) if rng else legal
    if variant == 0:
        return ("%s %s %s %s" % (c[1], brand, ind, legal) if p.form == 0
                else "%s %s (%s) %s" % (brand, ind, c[1], legal))
    if variant == 1:                      # the other word order, another legal form
        return ("%s %s (%s) %s" % (brand, ind, c[1], alt) if p.form == 0
                else "%s %s %s %s" % (c[1], brand, ind, alt))
    if variant == 2:
        return "%s %s %s" % (c[3], brand, ind)                     # city abbreviation
    if variant == 3:
        return "%s %s %s %s" % (c[1], brand_split, ind_alt, alt)   # split pinyin
    if variant == 4:
        return "%s %s %s" % (brand, ind, alt)                      # no city
    if variant == 5:
        return "%s %s %s" % (c[1], brand, ind)                     # no legal form
    if c[2]:
        return "%s %s %s %s" % (c[2][0], brand, ind, legal)        # old spelling of the city
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


# ----------------------------------------------------------------------------- the world


@dataclass
class CrmOrder:
    party: Party
    acct: str
    day: int
    status: str
    items: list                     # [product index, qty, unit price fen]
    total: int
    route: int                      # 0 entered by sales for the DRP, 1 CRM-only customer
    drp: "DrpOrder | None" = None
    oid: str = ""
    number: str = ""
    sort_key: float = 0.0


@dataclass
class DrpOrder:
    party: Party
    code: str
    day: int
    status: str
    lines: list                     # [product index, qty, unit price fen, line amount fen]
    crm: CrmOrder | None = None
    po: str = ""
    src: str = ""
    no: str = ""
    sort_key: float = 0.0

    @property
    def total(self) -> int:
        return sum(ln[3] for ln in self.lines)


class World:
    """Builds every row of the demo world in memory, then writes files and truth."""

    def __init__(self, seed: int, customers: int):
        self.seed, self.n = seed, customers
        self.rows: dict[str, list] = {}
        self.x12: list[tuple[str, str]] = []        # (relative path, text)
        self.x846: list[tuple] = []   # (owner code, report day, {sku: qty})
        self.x820: list[tuple] = []   # (code, paid, day, trace, invoice, invoice amount, invoice day, party)
        self.counts: dict = {}
        self.ctrl = 300000000 + self.rng("ctrl").randrange(10 ** 6)

    def rng(self, part: str) -> random.Random:
        return random.Random("channelhub-demo/%s/%d/%d/%s" % (VERSION, self.seed, self.n, part))

    def next_ctrl(self) -> int:
        self.ctrl += 1
        return self.ctrl

    @staticmethod
    def quota(rng: random.Random, pool: list, rate: float, minimum: int = 1) -> set:
        """A random subset of ``pool`` of about ``rate`` of its size, at least ``minimum``."""
        k = min(len(pool), max(minimum, round(rate * len(pool))))
        return set(rng.sample(pool, k))

    # ------------------------------------------------------------------ people, products
    def build_people(self):
        rng = self.rng("people")
        regions = [k for k in REGIONS if k != "K"]
        n_sp = max(len(regions) + 1, self.n // 25)
        self.sp = []                                   # (code, zh name, en name, region, rate)
        for k in range(n_sp):
            region = "K" if k == 0 else regions[k % len(regions)] if k <= len(regions) else rng.choice(regions + ["K"])
            s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
            self.sp.append(("YW%04d" % (k + 1), s[0] + g[0], (g[1], s[1]), region,
                            "%.4f" % (rng.randrange(80, 260) / 10000)))
        ids = SfIds("005", rng)
        users, self.sp_user, self.user_links, self.managers = [], [], [], {}
        for key, (_zh, en) in REGIONS.items():
            s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
            uid = ids.next()
            self.managers[key] = uid
            users.append([uid, "%s %s" % (g[1], s[1]), "%s.%s.mgr@channelco.com.cn" % (g[1].lower(), s[1].lower()),
                          en, "true", ""])
        for code, _zh, (g, s), region, _ in self.sp:
            if rng.random() < 0.05:
                self.sp_user.append("")                # never got a CRM login
                continue
            uid = ids.next()
            self.sp_user.append(uid)
            name = rng.choice(("%s %s" % (g, s), "%s %s" % (s, g), "%s %s" % (g, s.upper())))
            users.append([uid, name, "%s.%s%s@channelco.com.cn" % (g.lower(), s.lower(), code[-2:]),
                          REGIONS[region][1], "true" if rng.random() < 0.95 else "false",
                          code if rng.random() < 0.9 else ""])
            self.user_links.append([uid, code])
        users.append([ids.next(), "Integration User", "integration@channelco.com.cn", "IT", "true", ""])
        self.rows["crm/User.csv"] = users
        self.rows["drp/salespeople.csv"] = [[c, zh, REGIONS[r][0], rate] for c, zh, _en, r, rate in self.sp]

    def build_products(self):
        rng = self.rng("products")
        self.products = []                             # (sku, zh, spec, unit, price, en, family)
        for ci, (zh, en, fam, unit, specs, variants) in enumerate(PRODUCTS, 1):
            k = 0
            for spec, spec_en, price in specs:
                for vzh, ven in variants:
                    k += 1
                    en_full = " ".join(x for x in ("ChannelCo", ven, en, spec_en) if x)
                    self.products.append(("CC%02d%03d" % (ci, 100 + 17 * k), "畅联" + vzh + zh, spec, unit,
                                          price + (rng.randrange(5) * 10 if vzh else 0), en_full, fam))
        ids = SfIds("01t", rng)
        self.prod_crm, self.product_links, rows = [], [], []
        for sku, _zh, _spec, _unit, _price, en, fam in self.products:
            if rng.random() < 0.05:
                self.prod_crm.append("")               # not set up in the CRM
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

    # ------------------------------------------------------------------ parties
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
            p = Party(len(parties), ch, city, brand, ind, rng.choices(range(len(LEGAL)), legal_w)[0],
                      0 if rng.random() < 0.75 else 1)
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
            p.area, p.local = c[7], "%d%07d" % (rng.randrange(2, 9), rng.randrange(10 ** 7))
            if p.ch >= DIST and rng.random() < (0, 0, 0.1, 0.4, 0.15, 0.25)[p.ch]:
                p.mobile = "1%s%08d" % (rng.choice(("35", "37", "39", "50", "58", "86", "89", "77")),
                                        rng.randrange(10 ** 8))
            p.uscc = make_uscc(rng, c[9])
            p.addr = (rng.randrange(len(DISTRICTS)), rng.randrange(len(ROADS)), rng.randrange(1, 600),
                      rng.randrange(1, 20) if rng.random() < 0.4 else 0, rng.randrange(101, 2399))
            if p.ch >= DIST and rng.random() < 0.35:
                p.website = "www.%s%s.%s" % (BRANDS[p.brand][1].lower(), rng.choice(("", "sm", "gs", "666")),
                                             rng.choice(("com", "cn", "com.cn")))
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
                    p.edi_id = "D%08d" % rng.randrange(10 ** 8)
                edi_ids.add(p.edi_id)
        stores = [p for p in parties if p.edi_store]
        self.banners = []
        for k in range(max(2, round(len(stores) / 120))):
            self.banners.append(("R%08d" % (10 ** 7 * (k + 1) + rng.randrange(10 ** 7)), "%s %s" % (
                BRANDS[rng.randrange(len(BRANDS))][1].upper(), ("HYPERMART", "LIFE MART", "VALUE STORES")[k % 3])))
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

    # ------------------------------------------------------------------ master data
    def crm_name(self, p: Party, rng: random.Random, dup: bool) -> str:
        if p.ch == BRANCH:
            return en_name(p, rng.randrange(1, 4) if dup or rng.random() < RATES["name_variant_rate"] else 0)
        if rng.random() < RATES["crm_chinese_name_rate"]:
            r = rng.random()
            if r < 0.6:
                return zh_name(p)
            return zh_name(p)[:-len(LEGAL[p.legal][0])] if r < 0.85 else zh_name(p, half_paren=True)
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
        taxed = [k for k, (i, dup) in enumerate(self.crm_recs)
                 if rng.random() < RATES["crm_tax_id_rate"] * (0.5 if dup else 1)]
        bad_tax = self.quota(rng, taxed, RATES["tax_id_bad_check_rate"])
        with_erp = [k for k, (i, dup) in enumerate(self.crm_recs)
                    if ps[i].in_drp and not dup and ps[i].ch >= DIST and rng.random() < RATES["erp_code_rate"]]
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
                local = "%d%07d" % (rng.randrange(2, 9), rng.randrange(10 ** 7))
            phone = crm_phone(p.area, local, p.mobile if local == p.local else "", rng)
            tax = ""
            if k in taxed:
                tax = p.uscc
                if k in bad_tax:
                    tax = tax[:-1] + rng.choice([x for x in _USCC_CHARS if x != tax[-1]])
                if rng.random() < RATES["whitespace_case_rate"]:
                    tax = rng.choice((tax.lower(), tax + " ", tax[:8] + " " + tax[8:]))
            erp = ""
            if k in with_erp:
                erp = p.drp_codes[0]
                if k in wrong_erp:
                    erp = rng.choice([x for x in drp_primary if x != erp])
            accounts.append([
                aid, self.crm_name(p, rng, dup == 1), TYPE_CRM[p.ch] if rng.random() > 0.02 else "",
                self.crm_parent(p) if rng.random() > 0.05 else "", street, city, state,
                postal(p, a) if rng.random() > 0.04 else "", rng.choice(("China", "China", "China", "CN", "中国")),
                phone if rng.random() > 0.04 else "", "" if dup else p.website, p.owner, tax, erp,
                created, modified, modified])
            for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.2)):
                s, g = rng.choice(SURNAMES), rng.choice(GIVEN)
                fn, ln = (g[1], s[1]) if rng.random() < 0.7 else (g[0], s[0])
                mob = "1%s%08d" % (rng.choice(("36", "38", "59", "87", "99")), rng.randrange(10 ** 8))
                domain = p.website[4:] if p.website else rng.choice(("qq.com", "163.com", "126.com"))
                email = "" if rng.random() < 0.1 else "%s.%s@%s" % (g[1].lower(), s[1].lower(), domain)
                contacts.append([cids.next(), aid, fn, ln, email,
                                 "+86 %s %s %s" % (mob[:3], mob[3:7], mob[7:]) if rng.random() < 0.5 else mob,
                                 rng.choice(TITLES)])
            if p.ch >= DIST and rng.random() < 0.4:
                close = LAST_ORD + rng.randrange(-45, 120)
                opps.append([self.opp_ids.next(), aid, "%s %s - new listing %s" % (
                    BRANDS[p.brand][1], INDUSTRIES[p.ind][1], iso(close)[:7]),
                    rng.choice(("Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"))
                    if close > LAST_ORD else "Closed Lost",
                    fen(rng.randrange(20, 2000) * 10000), iso(close), p.owner, "CNY"])
        self.rows["crm/Account.csv"] = accounts
        self.rows["crm/Contact.csv"] = contacts
        self.rows["crm/Opportunity.csv"] = opps

    def build_drp_customers(self):
        """DRP customer rows; the credit limit (index 9) is filled in by build_credit."""
        rng = self.rng("drp_customers")
        ps = self.parties
        taxed = [k for k, (i, dup) in enumerate(self.drp_recs)
                 if rng.random() < RATES["drp_tax_id_rate"] * (0.5 if dup else 1)]
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
                    name = name[:-len(LEGAL[p.legal][0])]
            tax = ""
            if k in taxed:
                tax = p.uscc
                if k in bad_tax:
                    tax = tax[:-1] + rng.choice([x for x in _USCC_CHARS if x != tax[-1]])
                if rng.random() < RATES["fullwidth_rate"]:
                    tax = fullwidth(tax)
            addr = addr_zh(p, p.addr, rng.random() < 0.5)
            if rng.random() < RATES["fullwidth_rate"]:
                addr = fullwidth(addr)
            phone = drp_phone(p.area, p.local, p.mobile, rng)
            if rng.random() < RATES["fullwidth_rate"]:
                phone = fullwidth(phone)
            mday = rng.randrange(start + k * span // len(self.drp_recs), LAST_ORD + 1)
            rows.append([p.drp_codes[dup], name, tax, LEVEL_ZH[p.ch], self.drp_parent(p) if p.ch != HQ else "",
                         c[4] if rng.random() < 0.7 else c[5], c[0] + "市" if rng.random() < 0.6 else c[0],
                         addr if rng.random() > 0.03 else "", phone if rng.random() > 0.03 else "", "",
                         self.sp[p.sp][0] if p.ch != HQ else "", "CNY" if rng.random() < 0.9 else "RMB",
                         "%s %02d:%02d:%02d" % (slash(mday), rng.randrange(24), rng.randrange(60), rng.randrange(60))])
        self.rows["drp/customers.csv"] = rows

    # ------------------------------------------------------------------ orders
    def make_items(self, rng: random.Random, p: Party, pool: list) -> list:
        qlo, qhi = QTY_RANGE[p.ch]
        chosen = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5))))
        return [[k, rng.randint(qlo, qhi), max(1, round(self.products[k][4] * PRICE_FACTOR[p.ch]
                                                        * (0.97 + 0.06 * rng.random())))] for k in chosen]

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
                routes.append(1)                       # CRM-only customer: drafts only
            elif not p.in_crm:
                routes.append(2 if p.edi_store else 3)  # DRP-only: EDI or order desk
            else:
                routes.append(2 if p.edi_store and r() < RATES["edi_order_share"] else 0)
        for k in self.quota(rng, [k for k, rt in enumerate(routes) if rt == 0], RATES["order_missing_in_crm_rate"]):
            routes[k] = 4                              # order desk, never entered in the CRM
        crm, drp, self.pos = [], [], []
        po_no = 7100000000 + rng.randrange(10 ** 6)
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
            o = DrpOrder(p, code, dday, self.drp_status_by_age(rng, LAST_ORD - dday),
                         [[k, q, pr, q * pr] for k, q, pr in items], sort_key=r())
            if route == 2:
                po_no += 1 + rng.randrange(3)
                o.po = str(po_no)
                o.src = o.po if r() < RATES["source_no_rate"] else ""
                self.pos.append((o.po, day, items, p))
            drp.append(o)
        # CRM orders that reach the DRP, and what goes wrong on the way
        sent = [k for k, co in enumerate(crm) if co.route == 0 and co.status in ("Activated", "Shipped")]
        lost = self.quota(rng, sent, RATES["order_missing_in_drp_rate"])
        reach = [k for k, co in enumerate(crm) if co.route == 0 and (
            (co.status != "Cancelled" and co.status != "Draft" and k not in lost)
            or (co.status == "Cancelled" and r() < 0.5))]
        st_mm = self.quota(rng, reach, RATES["order_status_mismatch_rate"])
        amt_mm = self.quota(rng, reach, RATES["order_amount_mismatch_rate"])
        for k in reach:
            co = crm[k]
            age = LAST_ORD - co.day
            ds = {"Activated": "已审核", "Cancelled": "已关闭"}.get(
                co.status, "已完成" if age > 30 and r() < 0.85 else "已发货")
            if k in st_mm:
                ds = {"Activated": "已发货" if age <= 30 else "已完成",
                      "Shipped": "已审核" if r() < 0.6 else "已关闭"}.get(co.status, rng.choice(("已审核", "已发货")))
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
                opps.append([opp, co.acct, "%s %s - %s %s" % (BRANDS[p.brand][1], INDUSTRIES[p.ind][1],
                                                              self.products[co.items[0][0]][6], iso(co.day)[:7]),
                             "Closed Won", fen(co.total), iso(co.day - rng.randrange(20)), p.owner, "CNY"])
            later = {"Shipped": 2 + rng.randrange(14), "Cancelled": 1 + rng.randrange(10)}.get(co.status, 0)
            stamp = sf_stamp(min(LAST_ORD, co.day + later), rng.randrange(3600, 12 * 3600))
            orders.append([co.oid, co.acct, opp, co.number, iso(co.day), co.status, fen(co.total), erp, stamp, stamp])
            items += [[item_ids.next(), co.oid, self.prod_crm[k], str(q), fen(pr)] for k, q, pr in co.items]
        self.rows["crm/Order.csv"] = orders
        self.rows["crm/OrderItem.csv"] = items
        self.rows["drp/sales_orders.csv"] = [[o.no, o.code, iso(o.day), o.status, fen(o.total), o.src]
                                             for o in self.drp_orders]
        self.rows["drp/sales_order_lines.csv"] = [
            [o.no, str(n), self.products[k][0], str(q), fen(pr), fen(amt)]
            for o in self.drp_orders for n, (k, q, pr, amt) in enumerate(o.lines, 1)]

    # ------------------------------------------------------------------ receivables
    def build_money(self):
        rng = self.rng("money")
        r = rng.random
        billable = sorted(((min(LAST_ORD, o.day + rng.randrange(4)), o.no, o) for o in self.drp_orders
                           if o.status in ("已发货", "已完成")), key=lambda t: t[:2])
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
                    memo = "货款 " + other             # names an invoice of another customer
            pays.append([FIRST_ORD + 30 + rng.randrange(335), r(), code, p, amount, None, 0, 0, memo])
        pays.sort(key=lambda t: (t[0], t[1]))
        rows, seq, traces = [], {}, set()
        for day, _key, code, p, amount, inv, inv_total, inv_day, memo in pays:
            ym = iso(day)[2:4] + iso(day)[5:7]
            seq[ym] = seq.get(ym, 0) + 1
            pno = "SK%s%06d" % (ym, seq[ym])
            if inv is not None and p.payer820:
                trace = "%010d" % rng.randrange(10 ** 10)
                while trace in traces:
                    trace = "%010d" % rng.randrange(10 ** 10)
                traces.add(trace)
                memo = "TRN " + trace if r() < 0.7 else ""
                self.x820.append((code, amount, day, trace, inv, inv_total, inv_day, p))
            elif inv is not None and (amount < inv_total or r() < RATES["memo_invoice_rate"]):
                y, s = inv[3:7], inv[8:]
                memo = rng.choice((inv, inv.lower(), "INV" + y + s, "发票 " + y + s, "发票号" + y + s,
                                   "付INV" + y + s + "货款", "货款 " + inv, "Invoice %s payment" % inv))
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

    # ------------------------------------------------------------------ stock and EDI
    def build_inventory(self):
        rng = self.rng("inventory")
        r = rng.random
        whs = [["W0001", "畅联华东中心仓", "总仓", ""], ["W0002", "畅联华南中心仓", "总仓", ""]]
        whs += [["W%04d" % (len(whs) + k + 1), "畅联%s分仓" % CITIES[p.city][0], "分仓", ""]
                for k, p in enumerate(p for p in self.parties if p.ch == BRANCH)]
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
        stock = []                                     # (warehouse, party, [(sku index, q week0, q week1)])
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
                inv_rows.append([wh, self.products[k][0], str(q), str(int(q * 0.1 * r())),
                                 str(rng.randrange(20, 200) if r() < 0.1 else 0), asof])
            qual = "BP" if r() < 0.2 else "VP"
            for w in range(latest + 1):
                day = weeks[w]
                segs = [["BIA", "00", "DD", "IA%s%s" % (p.edi_id[-5:], x12date(day)), x12date(day)],
                        ["N1", "DS", x12_name(p), "91", p.drp_codes[0]]]
                for n, (k, q0, q1) in enumerate(hist, 1):
                    segs += [["LIN", str(n), qual, self.products[k][0]],
                             ["PID", "F", "", "", "", x12_clean(self.products[k][5])],
                             ["QTY", "33", str((q0, q1)[w]), "EA"], ["DTM", "007", x12date(day)]]
                segs.append(["CTT", str(len(hist))])
                self.x846.append((p.drp_codes[0], day, {self.products[k][0]: str((q0, q1)[w]) for k, q0, q1 in hist}))
                hhmm = "%02d%02d" % (rng.randrange(1, 7), rng.randrange(60))
                self.add_x12("846", p.edi_id, "IB", [segs], day, hhmm, rng)
        self.rows["drp/warehouses.csv"] = whs
        self.rows["drp/inventory.csv"] = inv_rows

    def add_x12(self, kind: str, sender: str, func: str, sets: list, day: int, hhmm: str, rng: random.Random):
        ctrl = self.next_ctrl()
        text = interchange(sender, func, kind, sets, day, hhmm, ctrl, ctrl % 100000 + 1,
                           rng.random() < RATES["x12_newline_rate"])
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
                segs = [["BEG", "00", "SA", po, "", x12date(day)], ["CUR", "BY", "CNY"],
                        ["DTM", "002", x12date(day + 3 + rng.randrange(5))], ["N1", "BY", bname, "92", bid],
                        ["N1", "ST", x12_name(p), "92", p.store_no], ["N3", x12_clean(addr_en(p.addr))],
                        ["N4", c[1].upper().replace("'", ""), "", postal(p, p.addr), "CN"]]
                segs += [["PO1", str(n), str(q), "EA", fen(pr), "", "VP", self.products[k][0]]
                         for n, (k, q, pr) in enumerate(items, 1)]
                segs += [["CTT", str(len(items))], ["AMT", "TT", fen(sum(q * pr for _, q, pr in items))]]
                sets.append(segs)
            self.add_x12("850", bid, "PO", sets, max(d for _, d, _, _ in pos),
                         "%02d%02d" % (rng.randrange(7, 22), rng.randrange(60)), rng)

    def build_820(self):
        """One interchange per paying customer per month, one 820 per payment."""
        rng = self.rng("x12-820")
        groups: dict[tuple, list] = {}
        for pay in self.x820:
            groups.setdefault((iso(pay[2])[:7], pay[0]), []).append(pay)
        for (_month, code), pays in sorted(groups.items()):
            p = pays[0][7]
            orig = "1%09d" % (int(p.edi_id[1:]) * 37 % 10 ** 9)
            account = "6217%012d" % (int(p.edi_id[1:]) * 7)
            sets = [[["BPR", "C", fen(amount), "C", "ACH", "CTX", "01", "103100000026", "DA", account, orig, "",
                      "01", "102100099996", "DA", "110060194018010012345", x12date(day)],
                     ["TRN", "1", trace, orig], ["CUR", "PR", "CNY"], ["N1", "PR", x12_name(p), "91", code],
                     ["N1", "PE", "CHANNELCO CONSUMER GOODS CO LTD"], ["ENT", "1"],
                     ["RMR", "IV", inv, "PI", fen(amount), fen(inv_total)], ["DTM", "003", x12date(inv_day)]]
                    for code, amount, day, trace, inv, inv_total, inv_day, _p in pays]
            self.add_x12("820", p.edi_id, "RA", sets, pays[-1][2],
                         "%02d%02d" % (rng.randrange(8, 20), rng.randrange(60)), rng)

    # ------------------------------------------------------------------ build all
    def build(self):
        self.build_people()
        self.build_products()
        self.build_parties()
        self.build_accounts()
        self.build_drp_customers()
        self.build_orders()
        self.build_money()
        self.build_credit()
        self.build_inventory()
        self.build_850()
        self.build_820()
        return self

    def truth(self) -> dict:
        ps = self.parties
        links = sorted([c, d] for p in ps if p.in_crm and p.in_drp for c in p.crm_ids for d in p.drp_codes)
        dups = {"crm": sorted(ps[i].crm_ids[:2] for i in self.crm_dup),
                "drp": sorted(ps[i].drp_codes[:2] for i in self.drp_dup)}
        order_links = [[co.oid, co.drp.no] for co in self.crm_orders if co.drp is not None]
        po_links = [[o.po, o.no] for o in self.drp_orders if o.po]
        x846 = [(owner, x12date(day), qty) for owner, day, qty in self.x846]
        x820 = [(code, fen(amount), x12date(day), trace, inv) for code, amount, day, trace, inv, *_ in self.x820]
        disc = derive_discrepancies(self.rows, links, dups, order_links, po_links, x846, x820)
        kinds = {k: sum(1 for d in disc if d["kind"] == k) for k in DISCREPANCY_KINDS}
        x12_files = {k: sum(1 for path, _ in self.x12 if path.startswith("edi/%s/" % k)) for k in ("846", "850", "820")}
        counts = {name: len(rows) for name, rows in (
            ("crm_users", self.rows["crm/User.csv"]), ("crm_accounts", self.rows["crm/Account.csv"]),
            ("crm_contacts", self.rows["crm/Contact.csv"]), ("crm_opportunities", self.rows["crm/Opportunity.csv"]),
            ("crm_orders", self.rows["crm/Order.csv"]), ("crm_order_items", self.rows["crm/OrderItem.csv"]),
            ("drp_customers", self.rows["drp/customers.csv"]), ("drp_salespeople", self.rows["drp/salespeople.csv"]),
            ("products", self.rows["drp/products.csv"]), ("drp_orders", self.rows["drp/sales_orders.csv"]),
            ("drp_order_lines", self.rows["drp/sales_order_lines.csv"]), ("invoices", self.rows["drp/invoices.csv"]),
            ("payments", self.rows["drp/payments.csv"]), ("warehouses", self.rows["drp/warehouses.csv"]),
            ("inventory_rows", self.rows["drp/inventory.csv"]), ("order_links", order_links),
            ("customer_links", links), ("x12_850_pos", po_links), ("x12_820_remittances", x820))}
        counts.update(customers_real_world=len(ps), discrepancies=kinds, x12_files=x12_files)
        meta = {"generator": "channelhub examples/channelco/demo_world.py", "version": VERSION, "seed": self.seed,
                "customers": self.n, "orders_per_customer": ORDERS_PER_CUSTOMER, "noise": "demo", "params": RATES,
                "as_of": AS_OF.isoformat(), "order_amount_tolerance": 0.01, "status_equivalence": STATUS_EQUIV}
        return {"meta": meta, "counts": dict(sorted(counts.items())), "customer_links": links,
                "crm_only": sorted(c for p in ps if p.in_crm and not p.in_drp for c in p.crm_ids),
                "drp_only": sorted(d for p in ps if p.in_drp and not p.in_crm for d in p.drp_codes),
                "duplicates": dups, "order_links": order_links, "discrepancies": disc,
                "salesperson_links": self.user_links, "product_links": self.product_links, "edi_po_links": po_links}


# ----------------------------------------------------------------------------- rules

_INVOICE_REF = (re.compile(r"INV\s*(\d{4})-?(\d{6})", re.I), re.compile(r"发票\s*号?\s*(\d{4})-?(\d{6})"))
_TRN_REF = re.compile(r"TRN\s*(\d+)", re.I)


def invoice_refs(memo: str) -> set:
    """Invoice numbers named in a payment memo, normalised to INVyyyy-nnnnnn."""
    return {"INV%s-%s" % m for rx in _INVOICE_REF for m in rx.findall(memo)}


def derive_discrepancies(rows: dict, customer_links: list, duplicates: dict, order_links: list,
                         edi_po_links: list, x846: list, x820: list) -> list[dict]:
    """Apply the scenario's discrepancy rules to written rows.

    ``rows`` maps 'crm/Order.csv'-style names to row lists (strings as in the files, no header);
    ``x846`` holds (N1*DS code, BIA date, {sku: QTY*33}); ``x820`` holds (N1*PR code, BPR02,
    BPR16, TRN02, RMR02).
    """
    out = [{"kind": "duplicate_customer", "system": s, "id_a": a, "id_b": b}
           for s in ("crm", "drp") for a, b in duplicates[s]]
    crm = {row[0]: row for row in rows["crm/Order.csv"]}
    drp = {row[0]: row for row in rows["drp/sales_orders.csv"]}
    linked_crm, linked_drp = {c for c, _ in order_links}, {d for _, d in order_links}
    out += [{"kind": "order_missing_in_drp", "crm_order_id": oid} for oid, row in sorted(crm.items())
            if row[5] in ("Activated", "Shipped") and oid not in linked_crm]
    linked_customers, from_850 = {d for _, d in customer_links}, {d for _, d in edi_po_links}
    out += [{"kind": "order_missing_in_crm", "drp_order_no": no} for no, row in sorted(drp.items())
            if row[1] in linked_customers and no not in linked_drp and no not in from_850]
    for c, d in sorted(order_links):
        if abs(cents(crm[c][6]) - cents(drp[d][4])) > 1:
            out.append({"kind": "order_amount_mismatch", "crm_order_id": c, "drp_order_no": d})
    for c, d in sorted(order_links):
        if drp[d][3] not in STATUS_EQUIV.get(crm[c][5], []):
            out.append({"kind": "order_status_mismatch", "crm_order_id": c, "drp_order_no": d})
    owner = {row[0]: row[3] for row in rows["drp/warehouses.csv"] if row[2] == "经销商寄售仓"}
    latest: dict[str, tuple] = {}
    for code, date, qty in x846:
        if code not in latest or date > latest[code][0]:
            latest[code] = (date, qty)
    variances = set()
    for wh, sku, on_hand, *_ in rows["drp/inventory.csv"]:
        report = latest.get(owner.get(wh, ""), ("", {}))[1]
        if sku in report and int(report[sku]) != int(on_hand):
            variances.add((wh, sku))
    out += [{"kind": "inventory_variance", "warehouse_code": wh, "sku": sku} for wh, sku in sorted(variances)]
    invoices: dict[str, dict] = {}
    for inv, _no, code, _d, _due, amount, _open in rows["drp/invoices.csv"]:
        invoices.setdefault(code, {})[inv] = cents(amount)
    by_trace, by_key = {}, {}
    for code, amount, date, trace, inv in x820:
        by_trace.setdefault(trace, set()).add(inv)
        by_key.setdefault((code, cents(amount), date), set()).add(inv)
    for pno, code, date, amount, memo in sorted(rows["drp/payments.csv"]):
        named = invoice_refs(memo)
        trace = _TRN_REF.search(memo)
        if trace and trace.group(1) in by_trace:
            named |= by_trace[trace.group(1)]
        else:
            named |= by_key.get((code, cents(amount), date.replace("/", "")), set())
        own = invoices.get(code, {})
        if not named & own.keys() and cents(amount) not in own.values():
            out.append({"kind": "unapplied_payment", "payment_no": pno})
    exposure: dict[str, int] = {}
    for row in rows["drp/invoices.csv"]:
        exposure[row[2]] = exposure.get(row[2], 0) + cents(row[6])
    for row in rows["drp/sales_orders.csv"]:
        if row[3] == "已审核":
            exposure[row[1]] = exposure.get(row[1], 0) + cents(row[4])
    out += [{"kind": "credit_exceeded", "drp_customer_code": row[0]} for row in sorted(rows["drp/customers.csv"])
            if exposure.get(row[0], 0) > cents(row[9])]
    return out


# ----------------------------------------------------------------------------- files

HEADERS = {
    "crm/User.csv": ["Id", "Name", "Email", "Department", "IsActive", "EmployeeNumber__c"],
    "crm/Account.csv": ["Id", "Name", "Type", "ParentId", "BillingStreet", "BillingCity", "BillingState",
                        "BillingPostalCode", "BillingCountry", "Phone", "Website", "OwnerId", "Tax_ID__c",
                        "ERP_Customer_Code__c", "CreatedDate", "LastModifiedDate", "SystemModstamp"],
    "crm/Contact.csv": ["Id", "AccountId", "FirstName", "LastName", "Email", "Phone", "Title"],
    "crm/Product2.csv": ["Id", "Name", "ProductCode", "Family", "IsActive"],
    "crm/Opportunity.csv": ["Id", "AccountId", "Name", "StageName", "Amount", "CloseDate", "OwnerId",
                            "CurrencyIsoCode"],
    "crm/Order.csv": ["Id", "AccountId", "OpportunityId", "OrderNumber", "EffectiveDate", "Status", "TotalAmount",
                      "ERP_Order_No__c", "LastModifiedDate", "SystemModstamp"],
    "crm/OrderItem.csv": ["Id", "OrderId", "Product2Id", "Quantity", "UnitPrice"],
    "drp/customers.csv": ["客户编码", "客户名称", "统一社会信用代码", "渠道级别", "上级客户编码", "省份", "城市", "地址",
                          "电话", "信用额度", "业务员编码", "币种", "最后修改时间"],
    "drp/salespeople.csv": ["业务员编码", "姓名", "团队", "提成比例"],
    "drp/products.csv": ["物料编码", "物料名称", "规格", "单位", "标准单价"],
    "drp/warehouses.csv": ["仓库编码", "仓库名称", "类型", "所属客户编码"],
    "drp/sales_orders.csv": ["订单号", "客户编码", "订单日期", "状态", "订单金额", "来源单号"],
    "drp/sales_order_lines.csv": ["订单号", "行号", "物料编码", "数量", "单价", "金额"],
    "drp/inventory.csv": ["仓库编码", "物料编码", "现存量", "预留量", "在途量", "日期"],
    "drp/invoices.csv": ["发票号", "订单号", "客户编码", "开票日期", "到期日", "金额", "未收金额"],
    "drp/payments.csv": ["收款单号", "客户编码", "收款日期", "金额", "摘要"],
}


def _write_csv(path: Path, header: list, rows: list, crm: bool):
    with open(path, "w", encoding="utf-8" if crm else "gb18030", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL if crm else csv.QUOTE_MINIMAL, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def _write_truth(path: Path, truth: dict):
    """One list item per line, so diffs of the truth stay readable."""
    def items(name, lst, indent=""):
        body = ",\n".join(indent + json.dumps(x, ensure_ascii=False) for x in lst)
        return '%s"%s": [%s]' % (indent[:-2] if indent else "", name, "\n" + body + "\n" + indent[:-2] if lst else "")

    parts = ['"meta": ' + json.dumps(truth["meta"], ensure_ascii=False, sort_keys=True),
             '"counts": ' + json.dumps(truth["counts"], ensure_ascii=False, sort_keys=True)]
    for key, value in truth.items():
        if key == "duplicates":
            inner = (items("crm", value["crm"], "  "), items("drp", value["drp"], "  "))
            parts.append('"duplicates": {\n%s,\n%s\n}' % inner)
        elif key not in ("meta", "counts"):
            parts.append(items(key, value))
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)                                   # the layout must stay valid JSON
    path.write_text(text, encoding="utf-8", newline="\n")


def generate(out_dir: Path, seed: int = 7, customers: int = 200) -> dict:
    """Write the demo world into ``out_dir`` (created if missing) and return its counts."""
    if isinstance(customers, bool) or not isinstance(customers, int) or customers < 20:
        raise ValueError("customers must be an integer >= 20, got %r" % (customers,))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be an integer, got %r" % (seed,))
    out = Path(out_dir)
    world = World(seed, customers).build()
    truth = world.truth()
    for sub in ("crm", "drp", "edi/846", "edi/850", "edi/820", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("edi/846", "edi/850", "edi/820"):            # stale interchanges of an earlier run
        for old in (out / sub).glob("*.x12"):
            old.unlink()
    for name, header in HEADERS.items():
        _write_csv(out / name, header, world.rows[name], name.startswith("crm/"))
    for rel, text in world.x12:
        with open(out / rel, "w", encoding="ascii", newline="") as f:
            f.write(text)
    _write_truth(out / "truth" / "truth.json", truth)
    return truth["counts"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Write a small ChannelCo demo world (CRM, DRP, X12, truth).")
    ap.add_argument("out_dir", type=Path, help="output folder (created if missing)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--customers", type=int, default=200, help="real-world customers incl. HQ and branches (>= 20)")
    a = ap.parse_args(argv)
    if a.customers < 20:
        ap.error("--customers must be >= 20")
    t0 = time.perf_counter()
    c = generate(a.out_dir, a.seed, a.customers)
    print("demo world seed=%d customers=%d crm_accounts=%d drp_customers=%d crm_orders=%d drp_orders=%d "
          "invoices=%d payments=%d x12_files=%d discrepancies=%d -> %s in %.2fs"
          % (a.seed, a.customers, c["crm_accounts"], c["drp_customers"], c["crm_orders"], c["drp_orders"],
             c["invoices"], c["payments"], sum(c["x12_files"].values()), sum(c["discrepancies"].values()),
             a.out_dir, time.perf_counter() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
