"""Validated configuration of order linking, cash application and discrepancy rules.

The YAML looks like this (every key is optional; the defaults are the ChannelCo baseline)::

    orders:
      amount_tolerance: "0.01"          # per order; a 0.01 rounding difference is no discrepancy
      expected_in_drp: [approved, shipped, completed]   # CRM statuses (raw or canonical)
      status_equivalence:               # classes of equivalent statuses, raw or canonical names
        - {crm: [Activated, approved], drp: [已审核, approved]}
        - {crm: [Shipped, shipped, completed], drp: [已发货, 已完成, shipped, completed]}
        - {crm: [Cancelled, cancelled], drp: [已关闭, cancelled]}
      link: {date_window_before: 1, date_window_after: 5, min_line_score: 0.5}
    inventory: {qty_tolerance: 0, missing_sku_as_zero: true}
    payments: {remittance_date_window_days: 0}
    credit: {exposure_order_statuses: [approved, 已审核], strict: true}
    fulfilment: {qty_tolerance: 0, complete_statuses: [completed, 已完成]}
    rules:
      order_line_mismatch: {enabled: false}
      credit_exceeded: {severity: critical}

``load_rules_config`` validates a parsed mapping, ``load_rules_yaml`` a YAML text or file and
``rules_config_of`` a section of a read config file (``discrepancies:`` of reconcile.yaml); all
raise :class:`hub.errors.MappingRuleError` listing every problem (with the YAML line when known).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from hub.configfile import ConfigFile, parse_config_text, read_config_file, validate_model
from hub.errors import MappingRuleError
from hub.reconcile.discrepancy import Severity

__all__ = [
    "Severity",
    "StatusClass",
    "OrderLinkConfig",
    "OrderRulesConfig",
    "InventoryRulesConfig",
    "PaymentRulesConfig",
    "CreditRulesConfig",
    "HierarchyRulesConfig",
    "FulfilmentRulesConfig",
    "RuleSwitch",
    "RulesConfig",
    "load_rules_config",
    "load_rules_yaml",
    "rules_config_of",
]


def _known_rule(kind: str) -> str:
    """A ``rules:`` key must name a rule of the registry."""
    from hub.reconcile.rule_registry import (
        RULES,  # the registry holds the rules, which read this config
    )

    if kind not in RULES:
        raise ValueError(f"no discrepancy rule {kind!r}; the rules are {', '.join(RULES)}")
    return kind


RuleKind = Annotated[str, AfterValidator(_known_rule)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def fold(status: str | None) -> str:
    """Comparable form of a status name (trimmed, case-folded)."""
    return (status or "").strip().casefold()


class StatusClass(_Model):
    """One class of equivalent order statuses: any CRM status here ~ any DRP status here."""

    crm: tuple[str, ...]
    drp: tuple[str, ...] = ()

    @field_validator("crm")
    @classmethod
    def _crm_not_empty(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("a status class needs at least one CRM status")
        return v


class OrderLinkConfig(_Model):
    """How CRM orders are linked to DRP orders when no reference ties them."""

    #: link on content (customer, date, lines, amount) after the reference rules
    content_match: bool = True
    #: DRP order date may be this many days before / after the CRM order date
    date_window_before: int = Field(1, ge=0, le=366)
    date_window_after: int = Field(5, ge=0, le=366)
    #: minimal line similarity (0..1) for a content link
    min_line_score: float = Field(0.5, ge=0.0, le=1.0)
    #: relative amount difference still considered "the same order" when lines are unknown
    amount_rel_tolerance: float = Field(0.005, ge=0.0, le=1.0)
    #: CRM statuses (raw or canonical) that may take part in content linking
    crm_statuses: tuple[str, ...] = ("approved", "shipped", "completed", "cancelled")
    #: an EDI PO may precede its DRP order by this many days
    edi_date_window_after: int = Field(3, ge=0, le=366)
    #: reject reference links whose customers are known to differ
    require_same_customer: bool = True


class OrderRulesConfig(_Model):
    """Order rules: amount tolerance, which CRM orders must reach the DRP, status equivalence."""

    amount_tolerance: Decimal = Field(Decimal("0.01"), ge=0)
    expected_in_drp: tuple[str, ...] = ("approved", "shipped", "completed")
    status_equivalence: tuple[StatusClass, ...] = (
        StatusClass(crm=("Activated", "approved"), drp=("已审核", "approved")),
        StatusClass(crm=("Shipped", "shipped", "completed"), drp=("已发货", "已完成", "shipped", "completed")),
        StatusClass(crm=("Cancelled", "cancelled"), drp=("已关闭", "cancelled")),
    )
    link: OrderLinkConfig = OrderLinkConfig()
    #: DRP order statuses after which the invoices must add up to the order (invoice_amount_mismatch)
    fully_invoiced: tuple[str, ...] = ("completed", "已完成")


class InventoryRulesConfig(_Model):
    """Consignment stock: DRP on-hand vs the owner's latest EDI 846."""

    qty_tolerance: Decimal = Field(Decimal("0"), ge=0)
    #: a SKU on one side only counts as 0 on the other (else it is ignored)
    missing_sku_as_zero: bool = True
    #: location kinds (canonical or raw) that are consignment warehouses
    consignment_kinds: tuple[str, ...] = ("consignment", "经销商寄售仓")


class PaymentRulesConfig(_Model):
    """Cash application: invoice references, remittance ties, amount matching."""

    #: an 820 without a trace in the memo ties to a payment of the same customer and amount
    #: whose date is at most this many days away
    remittance_date_window_days: int = Field(0, ge=0, le=60)
    amount_tolerance: Decimal = Field(Decimal("0"), ge=0)
    #: regular expressions finding invoice numbers in memos; named groups ``year`` and ``seq``
    invoice_patterns: tuple[str, ...] = (
        r"INV\s*[-_]?\s*(?P<year>(?:19|20)\d{2})\s*[-_/]?\s*(?P<seq>\d{6})(?!\d)",
        r"发票号?\s*(?:号码)?\s*[:：#]?\s*(?:INV)?\s*(?P<year>(?:19|20)\d{2})\s*[-_/]?\s*(?P<seq>\d{6})(?!\d)",
    )
    #: how a found reference is written as an invoice number
    invoice_format: str = "INV{year}-{seq}"
    trace_pattern: str = r"\bTRN\s*[:#]?\s*(?P<trace>[0-9A-Z][0-9A-Z-]{3,})"

    @field_validator("invoice_patterns", "trace_pattern")
    @classmethod
    def _compiles(cls, v: Any) -> Any:
        import re

        for pat in v if isinstance(v, tuple) else (v,):
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from None
        return v

    @field_validator("invoice_format")
    @classmethod
    def _format_ok(cls, v: str) -> str:
        try:
            v.format(year="2025", seq="000001")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"invoice_format may use only {{year}} and {{seq}}: {exc}") from None
        return v


class CreditRulesConfig(_Model):
    """Credit exposure: open invoices plus approved-but-not-invoiced orders."""

    exposure_order_statuses: tuple[str, ...] = ("approved", "已审核")
    #: exceeded means exposure > limit (strict) or >= limit
    strict: bool = True
    #: customers whose limit is 0 are skipped (no credit granted = cash only)
    skip_zero_limit: bool = False


class HierarchyRulesConfig(_Model):
    """Channel hierarchy: canonical channel levels that count as the same level across systems."""

    #: the CRM files headquarters as a Branch: hq and branch agree
    level_equivalence: tuple[tuple[str, ...], ...] = (("hq", "branch"),)


class FulfilmentRulesConfig(_Model):
    """Order -> invoice -> shipment quantities: invoice lines and EDI 855/856/810 against the order."""

    #: per SKU and order, quantities within this are equal
    qty_tolerance: Decimal = Field(Decimal("0"), ge=0)
    #: DRP order statuses after which the 856 and 810 must cover the ordered quantities
    complete_statuses: tuple[str, ...] = ("completed", "已完成")


class RuleSwitch(_Model):
    enabled: bool = True
    severity: Severity | None = None


class RulesConfig(_Model):
    """The whole rule configuration."""

    orders: OrderRulesConfig = OrderRulesConfig()
    inventory: InventoryRulesConfig = InventoryRulesConfig()
    payments: PaymentRulesConfig = PaymentRulesConfig()
    credit: CreditRulesConfig = CreditRulesConfig()
    hierarchy: HierarchyRulesConfig = HierarchyRulesConfig()
    fulfilment: FulfilmentRulesConfig = FulfilmentRulesConfig()
    #: per rule kind: on/off and severity (a kind the registry does not hold is an error)
    rules: dict[RuleKind, RuleSwitch] = {}

    def enabled(self, kind: str) -> bool:
        """Whether rule ``kind`` runs."""
        sw = self.rules.get(kind)
        return sw.enabled if sw is not None else True

    def severity(self, kind: str) -> str:
        """Configured severity of ``kind``, else its registry default."""
        from hub.reconcile.rule_registry import RULES

        sw = self.rules.get(kind)
        if sw is not None and sw.severity is not None:
            return sw.severity
        return RULES[kind].severity


def rules_config_of(file: ConfigFile, base: tuple[Any, ...] = ()) -> RulesConfig:
    """Validate the rule mapping at ``base`` of a read config file (empty: the defaults)."""
    return validate_model(RulesConfig, file, "rule configuration", MappingRuleError, base)


def load_rules_config(data: Mapping[str, Any] | None, *, file: str | None = None) -> RulesConfig:
    """Validate a parsed rule mapping (lines are known when it was parsed by :mod:`hub.configfile`)."""
    return rules_config_of(ConfigFile(file or "<rules>", data))


def load_rules_yaml(source: str | Path) -> RulesConfig:
    """Parse and validate rule YAML given as text or as a Path to a file."""
    if isinstance(source, Path):
        return rules_config_of(read_config_file(source, "rule file", MappingRuleError))
    return rules_config_of(parse_config_text(source, "<rules>", "rule file", MappingRuleError, interpolate=False))
