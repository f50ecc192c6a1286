"""Rules of the channel flows in ``push.yaml`` (``flows:``): CRM orders into the DRP, credit holds, CRM tasks, commission.

Example::

    flows:
      orders:
        crm: crm                          # the CRM system and its Order / Account streams
        drp: drp                          # the DRP system and its sales order stream
        # create_format: tryton           # with drp_stream: sales, when the DRP is Tryton (draft sales)
        trigger: [order, opportunity]     # activated CRM orders and/or closed-won opportunities
        when_status: [approved]           # canonical CRM order statuses that are sent
        won_stages: [Closed Won]          # opportunity stages that are sent (with their line items)
        order_number_column: ERP_Order_No__c
        hold_column: Credit_Hold_Reason__c
      credit:
        group: true                       # a parent's credit limit is shared by its children
      tasks:
        reasons:
          credit_over: {priority: High, due_days: 1}
          invoice_overdue: {days: 30, due_days: 3}
        fallback_owner: 005...            # when the record has no owner
      commission:
        period: month
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["TASK_REASONS", "CommissionFlow", "CreditFlow", "FlowRules", "OrderFlow", "TaskFlow", "TaskReason"]

#: task reasons the hub knows (see ``hub.push.tasks``)
TASK_REASONS = ("credit_over", "credit_hold", "invoice_overdue", "unapplied_payment", "stock_variance", "stale_846")


Trigger = Literal["order", "opportunity"]


def _orders_only() -> list[Trigger]:
    return ["order"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderFlow(_Strict):
    """CRM orders (and/or closed-won opportunities) with no DRP counterpart become DRP sales orders with their lines."""

    crm: str = "crm"
    drp: str = "drp"
    #: what becomes a DRP sales order: an activated CRM order, a closed-won opportunity with its line items, or both
    #: (an opportunity that already has a CRM order is then left to its order)
    trigger: list[Trigger] = Field(default_factory=_orders_only, min_length=1)
    crm_stream: str = "Order"
    #: the CRM opportunity stream and its line items (raw records: OpportunityId, Product2Id, Quantity, UnitPrice)
    opportunity_stream: str = "Opportunity"
    opportunity_line_stream: str = "OpportunityLineItem"
    #: opportunity stages (as the CRM names them) that are sent
    won_stages: list[str] = Field(default_factory=lambda: ["Closed Won"])
    drp_stream: str = "sales_orders"
    #: the shape of the create: the DRP SOAP ``CreateSalesOrder`` (header and lines, idempotent by request id and
    #: 来源单号) or a Tryton draft ``sale.sale`` with lines (``drp_stream: sales``; idempotent by its reference)
    create_format: Literal["drp_soap", "tryton"] = "drp_soap"
    #: canonical statuses of CRM orders that are sent (Activated maps to ``approved``)
    when_status: list[str] = Field(default_factory=lambda: ["approved"])
    #: orders dated before this are history, never sent
    not_before: dt.date | None = None
    #: the CRM order (and opportunity) column that receives the DRP order number
    order_number_column: str = "ERP_Order_No__c"
    #: the CRM order (and opportunity) column that receives the credit-hold reason (cleared on release)
    hold_column: str | None = "Credit_Hold_Reason__c"
    #: largest difference between the header amount and the sum of the lines
    amount_tolerance: float = Field(0.01, ge=0)
    #: circuit breaker: more creates than this share of the DRP's orders, and than ``breaker_min``, wait for
    #: ``hub push --approve RUN``
    breaker_share: float = Field(0.05, gt=0, le=1)
    breaker_min: int = Field(20, ge=0)


class CreditFlow(_Strict):
    """Available credit = limit - open receivables - open (unshipped, uninvoiced) orders."""

    enabled: bool = True
    #: a parent's credit limit is shared by its children (checked on top of each customer's own)
    group: bool = False
    #: DRP order statuses that still hold credit as open orders (canonical)
    open_statuses: list[str] = Field(default_factory=lambda: ["approved"])
    #: the CRM account column that shows the available credit
    account_column: str | None = "Available_Credit__c"


class TaskReason(_Strict):
    """One reason for a salesperson task."""

    enabled: bool = True
    subject: str | None = None
    priority: Literal["High", "Normal", "Low"] = "Normal"
    #: the task is due this many days after it is opened
    due_days: int = Field(3, ge=0)
    #: threshold in days (invoice_overdue: days past due; stale_846: report age)
    days: int = Field(30, ge=0)


class TaskFlow(_Strict):
    """Tasks for salespeople in the CRM: one open task per reason and record.

    ``format: salesforce`` writes ``Task`` records (Subject, WhatId, OwnerId, ...); ``format: djangocrm`` writes
    django-crm tasks (title, account, assigned_to, ...) with ``stream: tasks``, ``account_stream: accounts`` and
    the key in a Task custom field (``key_column: cf_<key>``).
    """

    crm: str = "crm"
    #: the task fields of the CRM: Salesforce ``Task`` or django-crm ``tasks``
    format: Literal["salesforce", "djangocrm"] = "salesforce"
    stream: str = "Task"
    #: the external-id column of the Task that carries the hub's key (django-crm: a custom field ``cf_<key>``)
    key_column: str = "Hub_Key__c"
    #: the CRM account stream as extracted, whose owner (OwnerId, or the first of assigned_to_ids) gets the task
    account_stream: str = "Account"
    #: the DRP whose invoices, customers and inventory the reasons read (default: the order flow's)
    drp: str | None = None
    reasons: dict[
        Literal["credit_over", "credit_hold", "invoice_overdue", "unapplied_payment", "stock_variance", "stale_846"],
        TaskReason,
    ] = Field(default_factory=dict)
    #: owner when the record has none (a CRM user id)
    fallback_owner: str | None = None
    #: reporting date of the overdue and stale checks (default: today, UTC)
    as_of: dt.date | None = None

    @model_validator(mode="after")
    def _djangocrm_key_is_a_custom_field(self) -> TaskFlow:
        if self.format == "djangocrm" and not self.key_column.startswith("cf_"):
            raise ValueError(
                f"key_column {self.key_column!r}: django-crm tasks carry the hub's key in a Task custom field, "
                "named cf_<key> (e.g. cf_hub_key)"
            )
        return self


class CommissionFlow(_Strict):
    """Commission base per salesperson and period: paid invoices by payment date, attributed to the order's owner."""

    crm: str = "crm"
    stream: str = "Commission__c"
    key_column: str = "Hub_Key__c"
    period: Literal["month", "quarter"] = "month"


class FlowRules(_Strict):
    """The ``flows:`` section of the push rules (each part optional)."""

    orders: OrderFlow | None = None
    credit: CreditFlow | None = None
    tasks: TaskFlow | None = None
    commission: CommissionFlow | None = None
