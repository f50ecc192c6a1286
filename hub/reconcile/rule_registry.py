"""The discrepancy rule registry: one entry per rule, read by config validation, detection and reports.

Adding a rule means adding its detect function (a pure function in
:mod:`hub.reconcile.discrepancy_rules` taking its inputs, then the :class:`RulesConfig`) and one
:class:`DiscrepancyRule` entry here. The rule file's ``rules:`` keys are checked against
:data:`RULES`; the reconcile stage hands each enabled rule the inputs it names (see
:data:`INPUTS`); reports list and label rules by their ``section`` and ``label``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel

from hub.reconcile import discrepancy_rules as dr
from hub.reconcile import fulfilment
from hub.reconcile.discrepancy import Discrepancy, Severity
from hub.reconcile.rules_config import (
    CreditRulesConfig,
    FulfilmentRulesConfig,
    HierarchyRulesConfig,
    InventoryRulesConfig,
    OrderRulesConfig,
    PaymentRulesConfig,
    RulesConfig,
)

__all__ = ["DiscrepancyRule", "RULES", "RULE_KINDS", "INPUTS", "rules_in", "kinds_in"]

#: what the reconcile stage can hand a rule, per customer bucket or over the whole store
INPUTS: Mapping[str, str] = MappingProxyType(
    {
        "crm_orders": "the CRM orders",
        "drp_orders": "the DRP orders",
        "linked_crm_ids": "CRM order ids linked to a DRP order",
        "linked_drp_nos": "DRP order numbers linked to a CRM order",
        "edi_order_nos": "DRP order numbers that came from an EDI 850",
        "known_drp_customers": "DRP customer codes with a CRM counterpart",
        "linked_pairs": "(CRM order, DRP order, link) of every order link",
        "lines": "order lines by (system, order id)",
        "applications": "cash application of the DRP payments",
        "drp_parties": "DRP customers with name, credit limit, channel level and parent",
        "crm_parties": "CRM accounts with name, channel level and parent",
        "party_canonical": "(system, customer id) -> canonical customer, over every customer (the party crosswalk)",
        "party_systems": "canonical customer -> the systems that hold it, over every customer",
        "holds": "CRM orders the order push holds for credit, with its figures (handed over by the push)",
        "invoices": "DRP invoices",
        "locations": "DRP locations (warehouses)",
        "drp_stock": "DRP inventory rows",
        "edi_stock": "EDI 846 inventory lines",
        "opportunity_order_nos": "DRP order numbers whose source reference is a CRM opportunity",
        "invoice_lines": "DRP invoice lines by invoice number",
        "fulfilment_lines": "850 lines and the partner's 855/856/810 lines by PO number",
    }
)


@dataclass(frozen=True)
class DiscrepancyRule:
    """One discrepancy rule: its kind, default severity, settings, detect function, inputs and report label."""

    kind: str
    severity: Severity
    description: str
    #: the section of the rule file (a :class:`RulesConfig` field) the rule reads, and its model with defaults
    settings: str
    settings_model: type[BaseModel]
    #: ``detect(*inputs, config)`` yields the findings
    detect: Callable[..., Iterable[Discrepancy]]
    inputs: tuple[str, ...]
    #: "customer": checked per customer bucket; "store": over the whole store at once; "push": found by the
    #: order push, which hands over its inputs and writes the findings (hub.push.hold_findings)
    scope: Literal["customer", "store", "push"]
    #: what the key's first id is: an order of the finding's system, a DRP payment, a DRP customer, a warehouse
    #: (it places a customer finding under its customer)
    keyed_by: Literal["order", "payment", "party", "location"]
    #: the report section that lists the rule's findings, and how reports label it
    section: str
    label: str

    def run(self, inputs: Any, config: RulesConfig) -> Iterable[Discrepancy]:
        """The rule's findings; ``inputs`` has an attribute per name of :data:`INPUTS`."""
        if not config.enabled(self.kind):
            return ()
        return self.detect(*(getattr(inputs, name) for name in self.inputs), config)


def _order_missing_in_crm(
    drp_orders: Any, linked_drp_nos: Any, edi_order_nos: Any, known: Any, from_opportunity: Any, config: RulesConfig
) -> Iterable[Discrepancy]:
    return dr.order_missing_in_crm(drp_orders, linked_drp_nos, edi_order_nos, known, config, from_opportunity)


_RULES = (
    DiscrepancyRule(
        "order_missing_in_drp",
        "high",
        "A CRM order whose status must reach the DRP (approved, shipped) has no linked DRP order.",
        "orders",
        OrderRulesConfig,
        dr.order_missing_in_drp,
        ("crm_orders", "linked_crm_ids"),
        "customer",
        "order",
        "orders",
        "Missing in DRP",
    ),
    DiscrepancyRule(
        "order_missing_in_crm",
        "medium",
        "A DRP order of a customer the CRM knows has no CRM order and came neither from an EDI 850 nor from a "
        "CRM opportunity.",
        "orders",
        OrderRulesConfig,
        _order_missing_in_crm,
        ("drp_orders", "linked_drp_nos", "edi_order_nos", "known_drp_customers", "opportunity_order_nos"),
        "customer",
        "order",
        "orders",
        "Missing in CRM",
    ),
    DiscrepancyRule(
        "order_amount_mismatch",
        "high",
        "Linked orders' amounts differ by more than the per-order tolerance.",
        "orders",
        OrderRulesConfig,
        dr.order_amount_mismatch,
        ("linked_pairs",),
        "customer",
        "order",
        "orders",
        "Amount differs",
    ),
    DiscrepancyRule(
        "order_status_mismatch",
        "medium",
        "Linked orders' statuses are in no common equivalence class.",
        "orders",
        OrderRulesConfig,
        dr.order_status_mismatch,
        ("linked_pairs",),
        "customer",
        "order",
        "orders",
        "Status differs",
    ),
    DiscrepancyRule(
        "order_line_mismatch",
        "medium",
        "Linked orders' lines differ by SKU or quantity.",
        "orders",
        OrderRulesConfig,
        dr.order_line_mismatch,
        ("linked_pairs", "lines"),
        "customer",
        "order",
        "orders",
        "Lines differ",
    ),
    DiscrepancyRule(
        "inventory_variance",
        "medium",
        "Consignment stock in the DRP differs from the owner's latest EDI 846.",
        "inventory",
        InventoryRulesConfig,
        dr.inventory_variance,
        ("locations", "drp_stock", "edi_stock"),
        "store",
        "location",
        "inventory",
        "Stock differs from EDI 846",
    ),
    DiscrepancyRule(
        "unapplied_payment",
        "medium",
        "A payment that cash application could not apply to any invoice.",
        "payments",
        PaymentRulesConfig,
        dr.unapplied_payment,
        ("applications",),
        "customer",
        "payment",
        "receivables",
        "Unapplied payment",
    ),
    DiscrepancyRule(
        "credit_exceeded",
        "high",
        "A customer's open invoices plus approved orders exceed its credit limit.",
        "credit",
        CreditRulesConfig,
        dr.credit_exceeded,
        ("drp_parties", "invoices", "drp_orders"),
        "customer",
        "party",
        "receivables",
        "Over credit limit",
    ),
    DiscrepancyRule(
        "credit_hold",
        "medium",
        "A CRM order the order push holds because it does not fit the customer's (or group's) available credit.",
        "credit",
        CreditRulesConfig,
        dr.credit_hold,
        ("holds",),
        "push",
        "order",
        "receivables",
        "Held for credit",
    ),
    DiscrepancyRule(
        "hierarchy_mismatch",
        "medium",
        "A customer's parent (through the crosswalk) or channel level differs between the CRM and the DRP.",
        "hierarchy",
        HierarchyRulesConfig,
        dr.hierarchy_mismatch,
        ("crm_parties", "drp_parties", "party_canonical", "party_systems"),
        "customer",
        "party",
        "customers",
        "Hierarchy differs",
    ),
    DiscrepancyRule(
        "invoice_amount_mismatch",
        "medium",
        "A DRP order's invoices add up to more than the order, or to another amount once it is completed.",
        "orders",
        OrderRulesConfig,
        dr.invoice_amount_mismatch,
        ("drp_orders", "invoices"),
        "customer",
        "order",
        "receivables",
        "Invoiced amount differs",
    ),
    DiscrepancyRule(
        "invoice_line_mismatch",
        "medium",
        "A DRP order's invoice lines invoice a SKU or quantity the order does not hold (or, once it is completed, "
        "less than ordered), or an invoice's lines do not add up to it.",
        "fulfilment",
        FulfilmentRulesConfig,
        fulfilment.invoice_line_mismatch,
        ("drp_orders", "lines", "invoices", "invoice_lines"),
        "customer",
        "order",
        "orders",
        "Invoice lines differ",
    ),
    DiscrepancyRule(
        "fulfilment_quantity_mismatch",
        "medium",
        "A DRP order from an EDI 850 whose acknowledged (855), shipped (856) or invoiced (810) quantities disagree "
        "with the 850 and the DRP order.",
        "fulfilment",
        FulfilmentRulesConfig,
        fulfilment.fulfilment_quantity_mismatch,
        ("drp_orders", "lines", "edi_order_nos", "fulfilment_lines"),
        "customer",
        "order",
        "orders",
        "Acknowledged, shipped or invoiced quantities differ",
    ),
)

#: every discrepancy rule by kind, in the order they run
RULES: Mapping[str, DiscrepancyRule] = MappingProxyType({r.kind: r for r in _RULES})
#: kind -> default severity
RULE_KINDS: Mapping[str, str] = MappingProxyType({r.kind: r.severity for r in _RULES})


def rules_in(*, scope: str | None = None, section: str | None = None) -> tuple[DiscrepancyRule, ...]:
    """The rules of one detection scope and/or one report section, in registry order."""
    return tuple(r for r in _RULES if (scope is None or r.scope == scope) and (section is None or r.section == section))


def kinds_in(*, scope: str | None = None, section: str | None = None) -> tuple[str, ...]:
    """The kinds of :func:`rules_in`."""
    return tuple(r.kind for r in rules_in(scope=scope, section=section))
