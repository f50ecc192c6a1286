"""Vocabulary and rates of the ChannelCo demo world: dates, noise rates, cities, brands, products, channels."""

from __future__ import annotations

import datetime as dt

VERSION = "1"
AS_OF = dt.date(2026, 3, 31)
FIRST = AS_OF - dt.timedelta(days=364)  # orders fall in the 365 days up to AS_OF
LAST_ORD, FIRST_ORD = AS_OF.toordinal(), FIRST.toordinal()
ORDERS_PER_CUSTOMER = 5.0
DISCREPANCY_KINDS = (
    "duplicate_customer",
    "order_missing_in_drp",
    "order_missing_in_crm",
    "order_amount_mismatch",
    "order_status_mismatch",
    "inventory_variance",
    "unapplied_payment",
    "credit_exceeded",
)
STATUS_EQUIV = {"Draft": [], "Activated": ["已审核"], "Shipped": ["已发货", "已完成"], "Cancelled": ["已关闭"]}

# Rates of this demo world (counts marked "quota" are forced to at least one occurrence).
RATES = {
    "crm_only_rate": 0.10,
    "drp_only_rate": 0.10,
    "duplicate_rate": 0.02,  # quota
    "name_variant_rate": 0.60,
    "name_typo_rate": 0.05,
    "whitespace_case_rate": 0.05,
    "fullwidth_rate": 0.05,
    "crm_chinese_name_rate": 0.12,
    "drp_english_name_rate": 0.30,
    "crm_tax_id_rate": 0.60,
    "drp_tax_id_rate": 0.95,
    "tax_id_bad_check_rate": 0.03,
    "erp_code_rate": 0.30,
    "erp_code_wrong_rate": 0.05,
    "stale_address_rate": 0.05,
    "phone_changed_rate": 0.03,
    "owner_mismatch_rate": 0.05,
    "order_missing_in_drp_rate": 0.02,
    "order_missing_in_crm_rate": 0.02,  # quota
    "order_amount_mismatch_rate": 0.03,
    "order_status_mismatch_rate": 0.03,  # quota
    "order_amount_rounding_rate": 0.05,
    "source_no_lost_zeros_rate": 0.05,
    "erp_order_no_rate": 0.70,
    "source_no_rate": 0.85,
    "edi_order_share": 0.75,
    "consignment_rate": 0.25,
    "edi_week_missing_rate": 0.10,
    "inventory_variance_rate": 0.05,
    "memo_invoice_rate": 0.85,
    "unapplied_payment_rate": 0.015,
    "credit_exceeded_rate": 0.03,
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
REGIONS = {
    "E": ("华东大区", "East Region"),
    "S": ("华南大区", "South Region"),
    "N": ("华北大区", "North Region"),
    "C": ("华中大区", "Central Region"),
    "W": ("西南大区", "Southwest Region"),
    "K": ("重点客户部", "Key Accounts"),
}

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
BRANDS = [
    (zh, py.replace("-", "").capitalize(), " ".join(s.capitalize() for s in py.split("-")))
    for zh, py in (tok.split(":") for tok in _BRANDS.split())
]

# industry: zh, en, alternative en, channels it fits (d distributor/agent, r store, c direct)
INDUSTRIES = [
    ("商贸", "Trading", "Commerce and Trade", "d"),
    ("贸易", "Trade", "Trading", "d"),
    ("供应链管理", "Supply Chain Management", "Supply Chain Mgmt", "d"),
    ("日用品", "Daily Goods", "Household Goods", "d"),
    ("食品", "Foodstuff", "Food Products", "dr"),
    ("酒水", "Beverage", "Drinks", "d"),
    ("副食", "Grocery", "Groceries", "dr"),
    ("配送", "Distribution", "Delivery Service", "d"),
    ("超市", "Supermarket", "Supermarkets", "r"),
    ("便利店", "Convenience Store", "Convenience Stores", "r"),
    ("百货", "Department Store", "General Merchandise", "r"),
    ("生活超市", "Living Mart", "Lifestyle Supermarket", "r"),
    ("母婴", "Mother and Baby", "Maternal and Child", "r"),
    ("酒店", "Hotel", "Hotels", "c"),
    ("餐饮", "Catering", "Restaurant", "c"),
    ("物业服务", "Property Services", "Property Service", "c"),
    ("电子商务", "E-commerce", "Online Commerce", "c"),
    ("健身", "Fitness", "Fitness Club", "c"),
]
# legal form: zh, registered en, en variants, weight
LEGAL = [
    ("有限公司", "Co., Ltd.", ("Company Limited", "Co Ltd", "Co., Limited", "Ltd"), 75),
    ("有限责任公司", "Co., Ltd.", ("Limited Liability Company", "LLC"), 8),
    ("股份有限公司", "Co., Ltd.", ("Joint-Stock Co., Ltd.", "Corp., Ltd."), 7),
    ("集团有限公司", "Group Co., Ltd.", ("Group Company Limited", "Group Ltd"), 5),
    ("商行", "Firm", ("Store", "Trading Firm"), 5),
]
DISTRICTS = [
    ("高新区", "Gaoxin District"),
    ("开发区", "Development Zone"),
    ("老城区", "Old Town"),
    ("新区", "New District"),
    ("港区", "Port District"),
    ("科技园", "Science Park"),
]
ROADS = [
    ("建国路", "Jianguo Road"),
    ("延安路", "Yan'an Road"),
    ("人民大道", "Renmin Avenue"),
    ("滨河路", "Binhe Road"),
    ("学院路", "Xueyuan Road"),
    ("长安街", "Chang'an Street"),
    ("园林路", "Yuanlin Road"),
    ("站前路", "Zhanqian Road"),
    ("复兴路", "Fuxing Road"),
    ("春风路", "Chunfeng Road"),
    ("金湖路", "Jinhu Road"),
    ("五一路", "Wuyi Road"),
]
SURNAMES = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("陈", "Chen"),
    ("刘", "Liu"),
    ("方", "Fang"),
    ("钱", "Qian"),
    ("沈", "Shen"),
    ("顾", "Gu"),
    ("叶", "Ye"),
    ("魏", "Wei"),
    ("严", "Yan"),
    ("陆", "Lu"),
    ("苏", "Su"),
    ("秦", "Qin"),
    ("邱", "Qiu"),
    ("贺", "He"),
    ("姚", "Yao"),
]
GIVEN = [
    ("晓明", "Xiaoming"),
    ("丽华", "Lihua"),
    ("国栋", "Guodong"),
    ("雪", "Xue"),
    ("振宇", "Zhenyu"),
    ("慧", "Hui"),
    ("立新", "Lixin"),
    ("佳", "Jia"),
    ("晨", "Chen"),
    ("永刚", "Yonggang"),
    ("春燕", "Chunyan"),
    ("博", "Bo"),
    ("嘉怡", "Jiayi"),
    ("天翔", "Tianxiang"),
    ("敏", "Min"),
]
TITLES = ("Owner", "General Manager", "Purchasing Manager", "Finance", "Store Manager", "采购", "总经理")
# category: zh, en, CRM family, unit, specs (spec, spec en, list price in fen), variants (zh, en)
PRODUCTS = [
    (
        "洗碗块",
        "Dishwasher Tablets",
        "Household Cleaning",
        "盒",
        (("30块", "30 tabs", 4590), ("60块", "60 tabs", 7990)),
        (("", ""),),
    ),
    (
        "厨房清洁喷雾",
        "Kitchen Cleaner Spray",
        "Household Cleaning",
        "瓶",
        (("500ml", "500ml", 1990),),
        (("柠檬", "Lemon"), ("绿茶", "Green Tea")),
    ),
    ("保鲜膜", "Cling Film", "Kitchen", "卷", (("30m", "30m", 1290), ("60m", "60m", 2190)), (("", ""),)),
    (
        "垃圾袋",
        "Trash Bags",
        "Kitchen",
        "卷",
        (("中号50只", "M 50pcs", 990), ("大号30只", "L 30pcs", 1290)),
        (("", ""),),
    ),
    (
        "洗衣片",
        "Laundry Sheets",
        "Laundry",
        "盒",
        (("30片", "30 sheets", 3990), ("60片", "60 sheets", 6990)),
        (("", ""),),
    ),
    (
        "柔顺剂",
        "Fabric Softener",
        "Laundry",
        "瓶",
        (("1L", "1L", 2590), ("2.5L", "2.5L", 4990)),
        (("花香", "Floral"), ("清新", "Fresh")),
    ),
    ("洗面奶", "Facial Cleanser", "Personal Care", "支", (("100g", "100g", 3290), ("150g", "150g", 4590)), (("", ""),)),
    ("身体乳", "Body Lotion", "Personal Care", "瓶", (("250ml", "250ml", 4290), ("400ml", "400ml", 5990)), (("", ""),)),
    ("牙刷头", "Brush Heads", "Oral Care", "盒", (("2支装", "2-pack", 3990), ("4支装", "4-pack", 6990)), (("", ""),)),
    ("每日坚果", "Daily Nuts", "Snacks", "盒", (("750g", "750g", 8990),), (("原味", "Original"), ("蜂蜜", "Honey"))),
    ("燕麦片", "Oat Flakes", "Breakfast", "袋", (("1kg", "1kg", 2590), ("1.5kg", "1.5kg", 3490)), (("", ""),)),
    ("挂耳咖啡", "Drip Coffee", "Beverage", "盒", (("10袋", "10 bags", 3990), ("30袋", "30 bags", 9990)), (("", ""),)),
    (
        "苏打水",
        "Soda Water",
        "Beverage",
        "箱",
        (("350ml×24", "350ml x24", 4890),),
        (("原味", "Plain"), ("柠檬", "Lemon")),
    ),
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
