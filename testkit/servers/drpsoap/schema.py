"""The DRP's record layouts: each SOAP element name with its ChannelCo CSV column and value kind.

This table is the one place that ties the service's English element names (drp.xsd) to the
DRP's own Chinese CSV headers (``drp/*.csv``, see the ChannelCo bench README). The server
uses it to seed from CSV and to serialise records; ``connector.yaml`` uses the same names so
records read over SOAP carry the CSV columns and values.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Field", "Entity", "ENTITIES", "entity"]


@dataclass(frozen=True, slots=True)
class Field:
    """One element of a record: SOAP name, CSV header, kind and the CSV's date format."""

    element: str
    header: str
    kind: str = "str"  # str | decimal | int | date | datetime
    #: strftime format of the CSV text for date/datetime fields
    csv_format: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """One DRP table: its CSV file, key elements, fields and list element names."""

    name: str
    csv_file: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    #: element holding the list in a response, and the name of each item in it
    list_element: str
    item_element: str

    def field(self, element: str) -> Field:
        for f in self.fields:
            if f.element == element:
                return f
        raise KeyError(element)


_DT = "%Y/%m/%d %H:%M:%S"
_SLASH = "%Y/%m/%d"
_ISO = "%Y-%m-%d"

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "customers",
            "customers.csv",
            ("customerCode",),
            (
                Field("customerCode", "客户编码"),
                Field("customerName", "客户名称"),
                Field("uscc", "统一社会信用代码"),
                Field("channelLevel", "渠道级别"),
                Field("parentCode", "上级客户编码"),
                Field("province", "省份"),
                Field("city", "城市"),
                Field("address", "地址"),
                Field("phone", "电话"),
                Field("creditLimit", "信用额度", "decimal"),
                Field("salespersonCode", "业务员编码"),
                Field("currency", "币种"),
                Field("lastModified", "最后修改时间", "datetime", _DT),
            ),
            "customers",
            "customer",
        ),
        Entity(
            "salespeople",
            "salespeople.csv",
            ("salespersonCode",),
            (
                Field("salespersonCode", "业务员编码"),
                Field("name", "姓名"),
                Field("team", "团队"),
                Field("commissionRate", "提成比例", "decimal"),
            ),
            "salespeople",
            "salesperson",
        ),
        Entity(
            "products",
            "products.csv",
            ("sku",),
            (
                Field("sku", "物料编码"),
                Field("productName", "物料名称"),
                Field("spec", "规格"),
                Field("unit", "单位"),
                Field("listPrice", "标准单价", "decimal"),
            ),
            "products",
            "product",
        ),
        Entity(
            "warehouses",
            "warehouses.csv",
            ("warehouseCode",),
            (
                Field("warehouseCode", "仓库编码"),
                Field("warehouseName", "仓库名称"),
                Field("warehouseType", "类型"),
                Field("ownerCustomerCode", "所属客户编码"),
            ),
            "warehouses",
            "warehouse",
        ),
        Entity(
            "sales_orders",
            "sales_orders.csv",
            ("orderNo",),
            (
                Field("orderNo", "订单号"),
                Field("customerCode", "客户编码"),
                Field("orderDate", "订单日期", "date", _ISO),
                Field("status", "状态"),
                Field("orderAmount", "订单金额", "decimal"),
                Field("sourceRef", "来源单号"),
            ),
            "orders",
            "order",
        ),
        Entity(
            "sales_order_lines",
            "sales_order_lines.csv",
            ("orderNo", "lineNo"),
            (
                Field("orderNo", "订单号"),
                Field("lineNo", "行号", "int"),
                Field("sku", "物料编码"),
                Field("qty", "数量", "decimal"),
                Field("unitPrice", "单价", "decimal"),
                Field("lineAmount", "金额", "decimal"),
            ),
            "lines",
            "line",
        ),
        Entity(
            "inventory",
            "inventory.csv",
            ("warehouseCode", "sku"),
            (
                Field("warehouseCode", "仓库编码"),
                Field("sku", "物料编码"),
                Field("onHand", "现存量", "decimal"),
                Field("reserved", "预留量", "decimal"),
                Field("inTransit", "在途量", "decimal"),
                Field("asOfDate", "日期", "date", _SLASH),
            ),
            "positions",
            "position",
        ),
        Entity(
            "invoices",
            "invoices.csv",
            ("invoiceNo",),
            (
                Field("invoiceNo", "发票号"),
                Field("orderNo", "订单号"),
                Field("customerCode", "客户编码"),
                Field("invoiceDate", "开票日期", "date", _ISO),
                Field("dueDate", "到期日", "date", _SLASH),
                Field("amount", "金额", "decimal"),
                Field("openAmount", "未收金额", "decimal"),
            ),
            "invoices",
            "invoice",
        ),
        Entity(
            "payments",
            "payments.csv",
            ("paymentNo",),
            (
                Field("paymentNo", "收款单号"),
                Field("customerCode", "客户编码"),
                Field("paymentDate", "收款日期", "date", _SLASH),
                Field("amount", "金额", "decimal"),
                Field("memo", "摘要"),
            ),
            "payments",
            "payment",
        ),
    )
}


def entity(name: str) -> Entity:
    """The entity called ``name`` (KeyError names the known ones)."""
    try:
        return ENTITIES[name]
    except KeyError:
        raise KeyError(f"unknown DRP entity {name!r}; known: {', '.join(ENTITIES)}") from None
