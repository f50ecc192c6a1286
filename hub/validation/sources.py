"""``--sources``: read the first batch of every mapped stream and check the columns the mappings read are there.

Reading leaves no trace: batches are never committed (so drop folders archive nothing: that
happens only in a batch's ``on_commit`` actions), and connectors that acknowledge what they
read (EDI 997/CONTRL) are built with acknowledgements off.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hub.config import HubConfig
from hub.configfile import ConfigFile
from hub.connector import Batch, Connector
from hub.errors import HubError
from hub.pipeline.connect import build_connector
from hub.validation.problems import Problem

__all__ = ["probe_settings", "discovered_streams", "observed_columns", "source_problems"]


def probe_settings(settings: BaseModel) -> BaseModel:
    """Settings for a read that must leave no trace: acknowledgements (EDI 997/CONTRL) turned off."""
    if "acknowledge" in type(settings).model_fields:
        return settings.model_copy(update={"acknowledge": False})
    return settings


def discovered_streams(config: HubConfig, system: str, settings: BaseModel) -> tuple[list[str] | None, Problem | None]:
    """The streams a connector lists when asked online (``discover()``)."""
    try:
        connector = build_connector(config, system, probe_settings(settings))
        try:
            return [s.name for s in connector.discover()], None
        finally:
            connector.close()
    except (HubError, OSError) as exc:
        return None, Problem(
            str(config.path) if config.path else None,
            None,
            f"system {system!r}: cannot list its streams: {exc}",
            system=system,
        )


def observed_columns(connector: Connector, stream: str) -> tuple[str, ...] | None:
    """The columns of the first batch that tells any: its declared ``columns``, else its records' keys."""
    batches = connector.read(stream, None)
    try:
        for batch in batches:
            columns = _columns(batch)
            if columns is not None:
                return columns
    finally:
        close = getattr(batches, "close", None)
        if close is not None:
            close()
    return None


def _columns(batch: Batch) -> tuple[str, ...] | None:
    if batch.columns is not None:
        return tuple(batch.columns)
    good = [r for r in batch.records if r.error is None]
    if not good:
        return None
    return tuple(dict.fromkeys(k for r in good for k in r.data))


def source_problems(
    config: HubConfig, settings: dict[str, BaseModel], by_stream: dict[tuple[str, str], list[Any]], hub_file: ConfigFile
) -> list[Problem]:
    """Every column a mapping reads that the first batch of its stream does not have, with the rule's file:line."""
    from hub.contracts import missing_columns

    source = str(config.path) if config.path else None
    out: list[Problem] = []
    for system in sorted({s for s, _ in by_stream}):
        if system not in settings:
            continue
        streams = sorted(st for s, st in by_stream if s == system)
        try:
            connector = build_connector(config, system, probe_settings(settings[system]))
        except HubError as exc:
            out.append(
                Problem(
                    source,
                    hub_file.line(("systems", system)),
                    f"system {system!r}: cannot connect: {exc}",
                    system=system,
                )
            )
            continue
        failures: dict[str, list[str]] = {}  # one problem per reason (a missing folder fails every stream alike)
        try:
            for stream in streams:
                try:
                    columns = observed_columns(connector, stream)
                except (HubError, OSError) as exc:
                    failures.setdefault(str(exc), []).append(stream)
                    continue
                if columns is None:
                    continue  # nothing delivered yet: no columns to check
                for cp in missing_columns(by_stream[(system, stream)], columns):
                    message = str(cp).removeprefix(f"{cp.where}: ")
                    out.append(Problem(cp.file, cp.line, message, system=system, stream=stream, column=cp.column))
        finally:
            connector.close()
        for reason, failed in failures.items():
            out.append(
                Problem(
                    source,
                    hub_file.line(("systems", system)),
                    f"system {system!r}: cannot read the first batch of {', '.join(failed)}: {reason}",
                    system=system,
                    stream=failed[0] if len(failed) == 1 else None,
                )
            )
    return out
