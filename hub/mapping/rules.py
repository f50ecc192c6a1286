"""The schema of a mapping file (pydantic): what each key means and which values are allowed.

A file holds ``system`` (the source system name), an optional default source ``timezone``,
``value_maps`` (code tables, shared by every file of a :class:`~hub.mapping.loader.MappingSet`)
and ``mappings`` (one per source stream and canonical entity). Each part is validated on its own
so that one broken mapping does not hide the problems of the others; semantic checks (entity and
field names, transforms, value maps, formats, defaults) are done by the compiler. See
``mappings/README.md`` for the format as integrators read it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

__all__ = ["FieldRule", "MappingRule", "ValueMap", "MappingFile", "SOURCE_KEYS", "SourcePath"]

#: a path into a source record: a top-level key, or a list of keys / list indexes for nested data
SourcePath = str | list[str | int]

#: the keys that say where a field's value comes from (exactly one per field)
SOURCE_KEYS = ("from", "coalesce", "concat", "template", "const")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldRule(_Model):
    """How one canonical field gets its value. A bare string is short for ``{from: <string>}``."""

    from_: SourcePath | None = Field(default=None, alias="from")
    coalesce: list[SourcePath] | None = Field(default=None, min_length=2)
    concat: list[SourcePath] | None = Field(default=None, min_length=2)
    sep: str = " "
    template: str | None = None
    const: Any = None
    transforms: list[str | dict[str, Any]] = Field(default_factory=list)
    map: str | None = None
    map_default: Any = None
    default: Any = None
    required: StrictBool = False
    formats: list[str] | None = Field(default=None, min_length=1)
    timezone: str | None = None
    true_values: list[str] | None = Field(default=None, min_length=1)
    false_values: list[str] | None = Field(default=None, min_length=1)
    reverse: StrictBool = True
    description: str = ""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"from": data}
        return data

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        given = [k for k in SOURCE_KEYS if k in self.sources_set()]
        if len(given) != 1:
            which = ", ".join(given) if given else "none"
            raise ValueError(f"give exactly one of {', '.join(SOURCE_KEYS)} (found: {which})")
        if "map_default" in self.model_fields_set and self.map is None:
            raise ValueError("map_default needs map")
        return self

    def sources_set(self) -> set[str]:
        """The source keys present in the file (``from`` under its YAML name)."""
        return {("from" if k == "from_" else k) for k in self.model_fields_set} & set(SOURCE_KEYS)

    @property
    def source_kind(self) -> str:
        """``from``, ``coalesce``, ``concat``, ``template`` or ``const``."""
        return next(iter(self.sources_set()))

    def has(self, key: str) -> bool:
        """True when ``key`` was written in the file (so ``default: null`` counts)."""
        return key in self.model_fields_set


class MappingRule(_Model):
    """One source stream of one system mapped to one canonical entity."""

    stream: str = Field(min_length=1)
    entity: str = Field(min_length=1)
    #: a column, or a template of columns such as ``"{订单号}|{行号}"``
    key: str = Field(min_length=1)
    #: only records whose columns equal these values (a list means any of them)
    when: dict[str, str | list[str]] = Field(default_factory=dict)
    #: source timezone of naive date-times (overrides the file's)
    timezone: str | None = None
    #: strip surrounding whitespace of every source value before anything else
    strip: StrictBool = True
    fields: dict[str, Any] = Field(min_length=1)
    description: str = ""


class ValueMap(_Model):
    """A code table: source value -> canonical value."""

    values: dict[str, Any] = Field(min_length=1)
    #: canonical value for a source value not in ``values`` (absent: such a value is an error)
    default: Any = None
    #: keep a source value not in ``values`` as it is
    passthrough: StrictBool = False
    ignore_case: StrictBool = False
    #: canonical -> source for push-back where ``values`` is not one-to-one
    reverse: dict[str, str] = Field(default_factory=dict)
    description: str = ""

    @model_validator(mode="after")
    def _default_or_passthrough(self) -> ValueMap:
        if self.passthrough and "default" in self.model_fields_set:
            raise ValueError("give either default or passthrough, not both")
        return self

    def has_default(self) -> bool:
        """True when a ``default`` was written (even ``null``)."""
        return "default" in self.model_fields_set


class MappingFile(_Model):
    """The top level of a mapping file; ``value_maps`` and ``mappings`` are validated one by one."""

    system: str | None = Field(default=None, min_length=1)
    timezone: str | None = None
    value_maps: dict[str, Any] = Field(default_factory=dict)
    mappings: list[Any] = Field(default_factory=list)
    description: str = ""

    @model_validator(mode="after")
    def _system_for_mappings(self) -> MappingFile:
        if self.mappings and not self.system:
            raise ValueError("a file with mappings needs 'system'")
        return self
