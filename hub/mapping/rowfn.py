"""One generated function per compiled mapping: source record -> the entity's bind-ready values.

``CompiledMapping.apply`` builds a ``{field: value}`` dict through unrolled steps; the mapper then
picks the entity's fields from it in column order and converts each to its bind form. This
module fuses those per-record steps into one function, generated from the mapping's field
closures (never from rule text: only indexes and identifiers go into the source), that runs the
key and the field closures in the same order as ``apply`` and returns the bind-form values
straight away. A record that fails raises ``Bad`` from its first bad field; the caller then runs
the record through ``apply`` to get the full :class:`hub.errors.MappingError` (every bad field,
named), so quarantine is the same as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["row_function", "RowFunction"]

#: data -> (external id, bind-form values in the entity's field order)
RowFunction = Callable[[dict[str, Any]], tuple[str, list[Any]]]


def row_function(
    mapping: Any,
    fields: Sequence[str],
    converters: dict[int, Callable[[Any], Any]],
    decimal_text: Callable[[Any], Any] | None = None,
) -> RowFunction | None:
    """The fused row function of ``mapping`` for an entity with ``fields`` (None: keep the general path).

    ``converters`` maps a field position to its bind converter (only fields that need one);
    ``decimal_text`` marks converters that are the SQLite decimal converter, inlined as
    ``format(v, "f")`` for Decimal values.
    """
    names = [p.name for p in mapping.plans]
    if "external_id" in names:  # a plan overriding the key: the general path handles it
        return None
    ns: dict[str, Any] = {"key_fn": mapping.key_fn, "Decimal": Decimal, "format": format}
    body = ["def row(d):", "    ext = key_fn(d)"]
    var_of: dict[str, str] = {}
    for i, plan in enumerate(mapping.plans):
        ns[f"f{i}"] = plan.fn
        body.append(f"    v{i} = f{i}(d)")
        var_of[plan.name] = f"v{i}"  # a later plan of the same name wins, as in the dict
    items = []
    for j, name in enumerate(fields):
        var = var_of.get(name)
        if var is None:
            items.append("None")
            continue
        conv = converters.get(j)
        if conv is None:
            items.append(var)
        elif decimal_text is not None and conv is decimal_text:
            ns[f"c{j}"] = conv
            items.append(
                f"(None if {var} is None else format({var}, 'f') if {var}.__class__ is Decimal else c{j}({var}))"
            )
        else:
            ns[f"c{j}"] = conv
            items.append(f"(None if {var} is None else c{j}({var}))")
    body.append(f"    return ext, [{', '.join(items)}]")
    exec(compile("\n".join(body), f"<row function {mapping.system}.{mapping.stream}->{mapping.entity}>", "exec"), ns)  # noqa: S102
    fn: RowFunction = ns["row"]
    return fn
