"""Files of the demo world: CSV headers and encodings, and the truth file laid out one item per line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

HEADERS = {
    "crm/User.csv": ["Id", "Name", "Email", "Department", "IsActive", "EmployeeNumber__c"],
    "crm/Account.csv": [
        "Id",
        "Name",
        "Type",
        "ParentId",
        "BillingStreet",
        "BillingCity",
        "BillingState",
        "BillingPostalCode",
        "BillingCountry",
        "Phone",
        "Website",
        "OwnerId",
        "Tax_ID__c",
        "ERP_Customer_Code__c",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    ],
    "crm/Contact.csv": ["Id", "AccountId", "FirstName", "LastName", "Email", "Phone", "Title"],
    "crm/Product2.csv": ["Id", "Name", "ProductCode", "Family", "IsActive"],
    "crm/Opportunity.csv": [
        "Id",
        "AccountId",
        "Name",
        "StageName",
        "Amount",
        "CloseDate",
        "OwnerId",
        "CurrencyIsoCode",
    ],
    "crm/Order.csv": [
        "Id",
        "AccountId",
        "OpportunityId",
        "OrderNumber",
        "EffectiveDate",
        "Status",
        "TotalAmount",
        "ERP_Order_No__c",
        "LastModifiedDate",
        "SystemModstamp",
    ],
    "crm/OrderItem.csv": ["Id", "OrderId", "Product2Id", "Quantity", "UnitPrice"],
    "drp/customers.csv": [
        "客户编码",
        "客户名称",
        "统一社会信用代码",
        "渠道级别",
        "上级客户编码",
        "省份",
        "城市",
        "地址",
        "电话",
        "信用额度",
        "业务员编码",
        "币种",
        "最后修改时间",
    ],
    "drp/salespeople.csv": ["业务员编码", "姓名", "团队", "提成比例"],
    "drp/products.csv": ["物料编码", "物料名称", "规格", "单位", "标准单价"],
    "drp/warehouses.csv": ["仓库编码", "仓库名称", "类型", "所属客户编码"],
    "drp/sales_orders.csv": ["订单号", "客户编码", "订单日期", "状态", "订单金额", "来源单号"],
    "drp/sales_order_lines.csv": ["订单号", "行号", "物料编码", "数量", "单价", "金额"],
    "drp/inventory.csv": ["仓库编码", "物料编码", "现存量", "预留量", "在途量", "日期"],
    "drp/invoices.csv": ["发票号", "订单号", "客户编码", "开票日期", "到期日", "金额", "未收金额"],
    "drp/payments.csv": ["收款单号", "客户编码", "收款日期", "金额", "摘要"],
}


def write_csv(path: Path, header: list, rows: list, crm: bool):
    with open(path, "w", encoding="utf-8" if crm else "gb18030", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL if crm else csv.QUOTE_MINIMAL, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


def write_truth(path: Path, truth: dict):
    """One list item per line, so diffs of the truth stay readable."""

    def items(name, lst, indent=""):
        body = ",\n".join(indent + json.dumps(x, ensure_ascii=False) for x in lst)
        return '%s"%s": [%s]' % (indent[:-2] if indent else "", name, "\n" + body + "\n" + indent[:-2] if lst else "")

    parts = [
        '"meta": ' + json.dumps(truth["meta"], ensure_ascii=False, sort_keys=True),
        '"counts": ' + json.dumps(truth["counts"], ensure_ascii=False, sort_keys=True),
    ]
    for key, value in truth.items():
        if key == "duplicates":
            inner = (items("crm", value["crm"], "  "), items("drp", value["drp"], "  "))
            parts.append('"duplicates": {\n%s,\n%s\n}' % inner)
        elif key not in ("meta", "counts"):
            parts.append(items(key, value))
    text = "{\n" + ",\n".join(parts) + "\n}\n"
    json.loads(text)  # the layout must stay valid JSON
    path.write_text(text, encoding="utf-8", newline="\n")
