"""The ChannelCo mapping files: they load cleanly and map one row of every stream as expected."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hub.errors import MappingError
from hub.mapping import load_mappings

REPO = Path(__file__).resolve().parents[2]
CHANNELCO = REPO / "mappings" / "channelco"
SHARED = REPO.parent / "shared"

D = Decimal

# (system, stream, source row with the exact headers of the files, expected canonical records)
CASES = [
    (
        "crm",
        "Account",
        {
            "Id": "0015j0000CrtISNAQ2",
            "Name": " Shanghai  Huaxin Trading Co., Ltd. ",
            "Type": "Distributor",
            "ParentId": "0015j0000CrtISOAQ2",
            "BillingStreet": "No. 797 Xingfu Road",
            "BillingCity": "Shanghai",
            "BillingState": "Shanghai",
            "BillingPostalCode": "200453",
            "BillingCountry": "中国",
            "Phone": "(021) 8635-6560",
            "Website": "",
            "OwnerId": "0058d0000402MqBAAU",
            "Tax_ID__c": " 91310110mat5gnta0a",
            "ERP_Customer_Code__c": "C000123",
            "CreatedDate": "2016-01-01T17:52:41.000Z",
            "LastModifiedDate": "2021-08-23T14:14:19.000Z",
            "SystemModstamp": "2021-08-23T14:14:20.000Z",
        },
        {
            "party": {
                "external_id": "0015j0000CrtISNAQ2",
                "name": "Shanghai Huaxin Trading Co., Ltd.",
                "channel_level": "distributor",
                "parent_ref": "0015j0000CrtISOAQ2",
                "address": "No. 797 Xingfu Road",
                "city": "Shanghai",
                "province": "Shanghai",
                "postal_code": "200453",
                "country": "CN",
                "phone": "(021) 8635-6560",
                "website": None,
                "owner_ref": "0058d0000402MqBAAU",
                "tax_id": "91310110MAT5GNTA0A",
                "erp_code": "C000123",
                "created_at": datetime(2016, 1, 1, 17, 52, 41, tzinfo=UTC),
                "updated_at": datetime(2021, 8, 23, 14, 14, 20, tzinfo=UTC),
            }
        },
    ),
    (
        "crm",
        "Contact",
        {
            "Id": "0034x0000pBYSRNAA5",
            "AccountId": "0015j0000CrtISNAQ2",
            "FirstName": "Qiang",
            "LastName": "Song",
            "Email": "Qiang.Song93@163.com",
            "Phone": "19933027698",
            "Title": "总经理",
        },
        {
            "contact": {
                "external_id": "0034x0000pBYSRNAA5",
                "party_ref": "0015j0000CrtISNAQ2",
                "first_name": "Qiang",
                "last_name": "Song",
                "email": "qiang.song93@163.com",
                "phone": "19933027698",
                "title": "总经理",
            }
        },
    ),
    (
        "crm",
        "User",
        {
            "Id": "0058d0000402MpwAAE",
            "Name": "Ming Hu",
            "Email": "ming.hu@channelco.com.cn",
            "Department": "East China Team",
            "IsActive": "true",
            "EmployeeNumber__c": "yw0008",
        },
        {
            "salesperson": {
                "external_id": "0058d0000402MpwAAE",
                "name": "Ming Hu",
                "email": "ming.hu@channelco.com.cn",
                "team": "East China Team",
                "active": True,
                "employee_code": "YW0008",
            }
        },
    ),
    (
        "crm",
        "Product2",
        {
            "Id": "01t4x0000tElAINAA3",
            "Name": "ChannelCo Lavender Laundry Detergent 1kg",
            "ProductCode": "CC01007",
            "Family": "Laundry",
            "IsActive": "false",
        },
        {
            "product": {
                "external_id": "01t4x0000tElAINAA3",
                "sku": "CC01007",
                "name": "ChannelCo Lavender Laundry Detergent 1kg",
                "family": "Laundry",
                "active": False,
            }
        },
    ),
    (
        "crm",
        "Opportunity",
        {
            "Id": "0064x0000RQ7zRDAQZ",
            "AccountId": "0015j0000CrtISXAQ2",
            "Name": "Xuesong Supply Chain - 2026-03",
            "StageName": "Negotiation/Review",
            "Amount": "162600.00",
            "CloseDate": "2026-03-01",
            "OwnerId": "0058d0000402Mq5AAE",
            "CurrencyIsoCode": "CNY",
        },
        {
            "opportunity": {
                "external_id": "0064x0000RQ7zRDAQZ",
                "party_ref": "0015j0000CrtISXAQ2",
                "name": "Xuesong Supply Chain - 2026-03",
                "stage": "Negotiation/Review",
                "amount": D("162600.00"),
                "close_date": date(2026, 3, 1),
                "owner_ref": "0058d0000402Mq5AAE",
                "currency": "CNY",
            }
        },
    ),
    (
        "crm",
        "Order",
        {
            "Id": "8014x0000FUy8vuAQB",
            "AccountId": "0015j0000CrtIUbAQM",
            "OpportunityId": "",
            "OrderNumber": "00000181",
            "EffectiveDate": "2025-04-01",
            "Status": "Activated",
            "TotalAmount": "3090.03",
            "ERP_Order_No__c": "SO2504000001",
            "LastModifiedDate": "2025-04-09T10:15:46.000Z",
            "SystemModstamp": "",
        },
        {
            "sales_order": {
                "external_id": "8014x0000FUy8vuAQB",
                "party_ref": "0015j0000CrtIUbAQM",
                "opportunity_ref": None,
                "order_number": "00000181",
                "order_date": date(2025, 4, 1),
                "status": "approved",
                "source_status": "Activated",
                "amount": D("3090.03"),
                "currency": "CNY",
                "erp_order_no": "SO2504000001",
                "updated_at": datetime(2025, 4, 9, 10, 15, 46, tzinfo=UTC),
            }
        },
    ),
    (
        "crm",
        "OrderItem",
        {
            "Id": "8025g0000o5ssSDAAY",
            "OrderId": "8014x0000FUy8vuAQB",
            "Product2Id": "01t4x0000tElAJKAA3",
            "Quantity": "25",
            "UnitPrice": "29.29",
        },
        {
            "order_line": {
                "external_id": "8025g0000o5ssSDAAY",
                "order_ref": "8014x0000FUy8vuAQB",
                "product_ref": "01t4x0000tElAJKAA3",
                "quantity": D("25"),
                "unit_price": D("29.29"),
            }
        },
    ),
    (
        "drp",
        "customers",
        {
            "客户编码": "C000001",
            "客户名称": "畅联消费品有限公司",
            "统一社会信用代码": "９１３１０１１３０２２３３０５１０Ｑ",
            "渠道级别": "总部",
            "上级客户编码": "",
            "省份": "上海市",
            "城市": "上海",
            "地址": "城西区幸福路877号",
            "电话": "０２１７６１９５４４３",
            "信用额度": "0.00",
            "业务员编码": "",
            "币种": "RMB",
            "最后修改时间": "2025/10/02 05:51:36",
        },
        {
            "party": {
                "external_id": "C000001",
                "name": "畅联消费品有限公司",
                "tax_id": "91310113022330510Q",
                "channel_level": "hq",
                "parent_ref": None,
                "province": "上海市",
                "city": "上海",
                "address": "城西区幸福路877号",
                "country": "CN",
                "phone": "02176195443",
                "credit_limit": D("0.00"),
                "owner_ref": None,
                "currency": "CNY",
                "updated_at": datetime(2025, 10, 1, 21, 51, 36, tzinfo=UTC),
            }
        },
    ),
    (
        "drp",
        "salespeople",
        {"业务员编码": "YW0001", "姓名": "蒋琳", "团队": "华中销售团队", "提成比例": "0.0074"},
        {
            "salesperson": {
                "external_id": "YW0001",
                "name": "蒋琳",
                "team": "华中销售团队",
                "employee_code": "YW0001",
                "commission_rate": D("0.0074"),
            }
        },
    ),
    (
        "drp",
        "products",
        {"物料编码": "CC01007", "物料名称": "畅联薰衣草洗衣液", "规格": "1kg", "单位": "瓶", "标准单价": "23.00"},
        {
            "product": {
                "external_id": "CC01007",
                "sku": "CC01007",
                "name": "畅联薰衣草洗衣液",
                "spec": "1kg",
                "unit": "瓶",
                "list_price": D("23.00"),
            }
        },
    ),
    (
        "drp",
        "warehouses",
        {"仓库编码": "W0010", "仓库名称": "顺江供应链寄售仓", "类型": "经销商寄售仓", "所属客户编码": "C000083"},
        {
            "location": {
                "external_id": "W0010",
                "name": "顺江供应链寄售仓",
                "kind": "consignment",
                "owner_ref": "C000083",
            }
        },
    ),
    (
        "drp",
        "sales_orders",
        {
            "订单号": "SO2504000002",
            "客户编码": "C000136",
            "订单日期": "2025-04-01",
            "状态": "已关闭",
            "订单金额": "3197.63",
            "来源单号": "4500032680",
        },
        {
            "sales_order": {
                "external_id": "SO2504000002",
                "order_number": "SO2504000002",
                "party_ref": "C000136",
                "order_date": date(2025, 4, 1),
                "status": "cancelled",
                "source_status": "已关闭",
                "amount": D("3197.63"),
                "currency": "CNY",
                "source_ref": "4500032680",
            }
        },
    ),
    (
        "drp",
        "sales_order_lines",
        {
            "订单号": "SO2504000001",
            "行号": "2",
            "物料编码": "CC02014",
            "数量": "54",
            "单价": "18.90",
            "金额": "1020.60",
        },
        {
            "order_line": {
                "external_id": "SO2504000001|2",
                "order_ref": "SO2504000001",
                "line_no": 2,
                "sku": "CC02014",
                "product_ref": "CC02014",
                "quantity": D("54"),
                "unit_price": D("18.90"),
                "amount": D("1020.60"),
            }
        },
    ),
    (
        "drp",
        "inventory",
        {
            "仓库编码": "W0001",
            "物料编码": "CC01021",
            "现存量": "52156",
            "预留量": "10253",
            "在途量": "1305",
            "日期": "2026/03/31",
        },
        {
            "inventory": {
                "external_id": "W0001|CC01021|2026/03/31",
                "location_ref": "W0001",
                "sku": "CC01021",
                "as_of": date(2026, 3, 31),
                "on_hand": D("52156"),
                "reserved": D("10253"),
                "in_transit": D("1305"),
            }
        },
    ),
    (
        "drp",
        "invoices",
        {
            "发票号": "INV2025-000001",
            "订单号": "SO2504000001",
            "客户编码": "C000092",
            "开票日期": "2025-04-04",
            "到期日": "2025/05/04",
            "金额": "3090.03",
            "未收金额": "0.00",
        },
        {
            "invoice": {
                "external_id": "INV2025-000001",
                "order_ref": "SO2504000001",
                "party_ref": "C000092",
                "invoice_date": date(2025, 4, 4),
                "due_date": date(2025, 5, 4),
                "amount": D("3090.03"),
                "open_amount": D("0.00"),
                "currency": "CNY",
            }
        },
    ),
    (
        "drp",
        "payments",
        {
            "收款单号": "SK2505000026",
            "客户编码": "C000058",
            "收款日期": "2025/05/17",
            "金额": "25073.95",
            "摘要": "TRN 2908896230",
        },
        {
            "payment": {
                "external_id": "SK2505000026",
                "party_ref": "C000058",
                "payment_date": date(2025, 5, 17),
                "amount": D("25073.95"),
                "currency": "CNY",
                "memo": "TRN 2908896230",
                "trace": "2908896230",
            }
        },
    ),
]


#: CRM contacts and users and DRP salespeople also map to ``person`` (resolved by the person matcher)
PERSONS = {
    ("crm", "Contact"): {
        "email": "qiang.song93@163.com",
        "external_id": "0034x0000pBYSRNAA5",
        "family_name": "Song",
        "full_name": "Song Qiang",
        "given_name": "Qiang",
        "party_ref": "0015j0000CrtISNAQ2",
        "phone": "19933027698",
        "title": "总经理",
    },
    ("crm", "User"): {
        "email": "ming.hu@channelco.com.cn",
        "employee_code": "YW0008",
        "external_id": "0058d0000402MpwAAE",
        "full_name": "Ming Hu",
        "team": "East China Team",
    },
    ("drp", "salespeople"): {
        "employee_code": "YW0001",
        "external_id": "YW0001",
        "full_name": "蒋琳",
        "team": "Central China Team",
    },
}
for _system, _stream, _row, _expected in CASES:
    if (_system, _stream) in PERSONS:
        _expected["person"] = PERSONS[(_system, _stream)]


@pytest.fixture(scope="module")
def channelco(registry):
    return load_mappings(sorted(CHANNELCO.glob("*.yaml")), transforms=registry)


def test_every_channelco_stream_is_mapped(channelco):
    streams = {(s, st) for s, st, _, _ in CASES}
    assert len(streams) == 16
    # every CRM and DRP stream has its mapping (other files, e.g. EDI, may map more streams)
    assert streams <= {(m.system, m.stream) for m in channelco}


@pytest.mark.parametrize(("system", "stream", "row", "expected"), CASES, ids=[f"{c[0]}.{c[1]}" for c in CASES])
def test_channelco_row_maps_to_the_expected_canonical_record(channelco, system, stream, row, expected):
    got = {m.entity: m.apply(row) for m in channelco.for_stream(system, stream) if m.matches(row)}
    assert got == expected
    for m in channelco.for_stream(system, stream):
        assert m.check_columns(row) == [], "the mapping reads a column the file does not have"
        # writing the record back gives the source values of the reversible fields
        back = m.reverse(got[m.entity])
        for col, value in back.items():
            assert value is None or str(value).strip() != "", col


def test_payment_memo_without_trace(channelco):
    (m,) = channelco.for_stream("drp", "payments")
    row = {
        "收款单号": "SK1",
        "客户编码": "C1",
        "收款日期": "2025/04/13",
        "金额": "718.60",
        "摘要": "货款 INV2025-000008",
    }
    assert m.apply(row)["trace"] is None and m.apply(row)["memo"] == "货款 INV2025-000008"


def test_unknown_drp_status_is_quarantined(channelco):
    (m,) = channelco.for_stream("drp", "sales_orders")
    row = dict(CASES[11][2], 状态="作废")
    with pytest.raises(MappingError) as info:
        m.apply(row)
    assert info.value.field == "status" and info.value.external_id == "SO2504000002"


def test_crm_status_round_trips(channelco):
    (m,) = channelco.for_stream("crm", "Order")
    for status in ("Draft", "Activated", "Shipped", "Cancelled"):
        out = m.apply(dict(CASES[5][2], Status=status))
        assert m.reverse(out)["Status"] == status
    assert m.reverse({"status": "completed"}) == {"Status": "Shipped"}


@pytest.mark.skipif(
    not (SHARED / "bench" / "gen_channel_data.py").exists(), reason="../shared absent: no ChannelCo generator"
)
def test_a_generated_scenario_maps_without_errors(channelco, tmp_path):
    gen = SHARED / "bench" / "gen_channel_data.py"
    subprocess.run(
        [sys.executable, str(gen), str(tmp_path), "--seed", "3", "--customers", "150"], check=True, capture_output=True
    )
    for system, enc in (("crm", "utf-8"), ("drp", "gb18030")):
        for f in sorted((tmp_path / system).glob("*.csv")):
            with f.open(encoding=enc, newline="") as fh:
                reader = csv.DictReader(fh)
                maps = channelco.for_stream(system, f.stem)
                assert maps, f"no mapping for {system}/{f.name}"
                for m in maps:
                    assert m.check_columns(reader.fieldnames or []) == [], f.name
                n = 0
                for n, row in enumerate(reader, 1):  # noqa: B007 (n counts the rows read)
                    for m in maps:
                        m.apply(row)  # any MappingError fails the test
                assert n > 0
