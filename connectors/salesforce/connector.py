"""The Salesforce backend adapter: check, discover, read (REST or Bulk 2.0) and write (collections or Bulk 2.0)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from connectors.salesforce.client import SalesforceClient
from connectors.salesforce.config import ObjectConfig, SalesforceConfig
from connectors.salesforce.streams import read_object, select_fields, write_object
from hub.connector import Batch, Change, Check, ConnectorContext, StreamInfo, WriteResult
from hub.errors import ClientError, DiscoveryError, HubError

__all__ = ["SalesforceConnector"]


class SalesforceConnector:
    """One Salesforce org. Streams are the configured objects plus every other queryable sObject."""

    def __init__(self, config: SalesforceConfig, context: ConnectorContext, session: Any = None) -> None:
        self.config = config
        self.context = context
        self.client = SalesforceClient(config, dict(context.secrets), context.system, session=session)
        self._describes: dict[str, dict[str, Any]] = {}
        self._global: dict[str, Any] | None = None

    # --- metadata -------------------------------------------------------------------------
    def _sobjects(self) -> dict[str, dict[str, Any]]:
        if self._global is None:
            self._global = self.client.describe_global()
        return {o["name"]: o for o in self._global.get("sobjects", [])}

    def _describe(self, obj: str, stream: str) -> dict[str, Any]:
        if obj not in self._describes:
            try:
                self._describes[obj] = self.client.describe(obj, stream=stream)
            except ClientError as exc:
                if exc.status == 404 and exc.details.get("fault_code") == "NOT_FOUND":
                    raise DiscoveryError(
                        f"sObject {obj!r} does not exist or is not accessible",
                        system=self.context.system,
                        stream=stream,
                    ) from None
                raise
        return self._describes[obj]

    def _object(self, stream: str) -> ObjectConfig:
        if stream in self.config.objects:
            return self.config.objects[stream]
        if stream in self._sobjects():
            return ObjectConfig(object=stream)
        raise DiscoveryError(
            f"no stream or sObject {stream!r}; configured: {', '.join(sorted(self.config.objects)) or 'none'}",
            system=self.context.system,
            stream=stream,
        )

    # --- protocol ---------------------------------------------------------------------------
    def check(self) -> list[Check]:
        """login, API version, API limits and read/write access per configured object."""
        cfg = self.config
        try:
            self.client.login()
        except HubError as exc:
            return [Check("login", False, f"{type(exc).__name__}: {exc}")]
        who = f" as {cfg.username}" if cfg.username else ""
        checks = [Check("login", True, f"{cfg.auth}{who} at {self.client.instance_url}")]
        try:
            offered = [v["version"] for v in self.client.versions()]
            ok = cfg.api_version in offered
            checks.append(
                Check(
                    "api version",
                    ok,
                    f"v{cfg.api_version} {'offered' if ok else 'NOT offered'}; latest v{max(offered, key=float)}",
                )
            )
            limits = self.client.limits().get("DailyApiRequests", {})
            used = limits.get("Max", 0) - limits.get("Remaining", 0)
            checks.append(Check("api limits", True, f"DailyApiRequests {used}/{limits.get('Max')} used"))
        except HubError as exc:
            checks.append(Check("api version", False, f"{type(exc).__name__}: {exc}"))
        for stream, obj in cfg.objects.items():
            try:
                describe = self._describe(obj.object, stream)
                types = select_fields(obj, describe)
                rights = [r for r in ("queryable", "createable", "updateable") if describe.get(r)]
                ext = f"; upsert by {obj.external_id_field}" if obj.external_id_field else ""
                if obj.external_id_field and not any(
                    f["name"] == obj.external_id_field and f.get("externalId") for f in describe["fields"]
                ):
                    checks.append(
                        Check(f"object {obj.object}", False, f"{obj.external_id_field} is not an external id field")
                    )
                    continue
                checks.append(
                    Check(
                        f"object {obj.object}", "queryable" in rights, f"{', '.join(rights)}; {len(types)} fields{ext}"
                    )
                )
            except HubError as exc:
                checks.append(Check(f"object {obj.object}", False, f"{type(exc).__name__}: {exc}"))
        return checks

    def discover(self) -> list[StreamInfo]:
        out: list[StreamInfo] = []
        sobjects = self._sobjects()
        configured = {o.object for o in self.config.objects.values()}
        for stream, obj in self.config.objects.items():
            types = select_fields(obj, self._describe(obj.object, stream))
            meta = sobjects.get(obj.object, {})
            out.append(
                StreamInfo(
                    stream,
                    ("Id",),
                    tuple(types),
                    obj.cursor_field,
                    bool(meta.get("createable") or meta.get("updateable")),
                    f"sObject {obj.object}",
                )
            )
        for name, meta in sorted(sobjects.items()):
            if name not in configured and name not in self.config.objects and meta.get("queryable"):
                out.append(
                    StreamInfo(
                        name,
                        ("Id",),
                        (),
                        "SystemModstamp",
                        bool(meta.get("createable")),
                        f"sObject {name} (not configured)",
                    )
                )
        return out

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        obj = self._object(stream)
        types = select_fields(obj, self._describe(obj.object, stream))
        return read_object(self.client, self.config, stream, obj, types, state)

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        return write_object(self.client, self.config, stream, self._object(stream), changes)

    def close(self) -> None:
        self.client.close()

    def __repr__(self) -> str:
        return f"SalesforceConnector(system={self.context.system!r}, auth={self.config.auth!r})"
