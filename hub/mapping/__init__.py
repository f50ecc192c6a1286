"""Declarative mapping of source records to the canonical model (the OCA *mapper* role).

Public API::

    from hub.mapping import load_mappings
    mset = load_mappings([Path("mappings/channelco")])      # MappingRuleError lists every problem
    for m in mset.for_stream("drp", "sales_order_lines"):   # CompiledMapping
        if m.matches(record.data):
            row = m.apply(record.data)   # {"external_id": ..., <canonical field>: typed value}
            back = m.reverse(row)        # {source column: text} for push-back

``apply`` raises :class:`hub.errors.MappingError` naming every bad field of the record.
The YAML format is documented in ``mappings/README.md``.
"""

from hub.mapping.coerce import CoercionError, make_coercer, make_formatter
from hub.mapping.compiler import CompiledMapping
from hub.mapping.loader import MappingSet, default_transforms, load_mappings
from hub.mapping.rules import FieldRule, MappingFile, MappingRule, ValueMap

__all__ = [
    "CoercionError",
    "CompiledMapping",
    "FieldRule",
    "MappingFile",
    "MappingRule",
    "MappingSet",
    "ValueMap",
    "default_transforms",
    "load_mappings",
    "make_coercer",
    "make_formatter",
]
