"""Airflow hooks that turn a Connection into connector secrets (Salesforce, REST, SOAP, SFTP/drop folder).

One Connection per system, conn id ``hub_<system>``; its conn type says which fields mean what:

================  ==========================================================================
conn type          secrets produced
================  ==========================================================================
hub_salesforce     username (login), password, extras: security_token, client_secret,
                   private_key, session_id
hub_rest           username (login), password, extras: token, api_key, client_secret
hub_soap           username (login), password
hub_sftp           username (login), password, extras: private_key, passphrase
================  ==========================================================================

Any other string extra is passed on under its own name, so a connector needing another secret
works without code here. Non-secret settings (URLs, object lists) stay in hub.yaml.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

__all__ = [
    "HubConnectionHook",
    "HubSalesforceHook",
    "HubRestHook",
    "HubSoapHook",
    "HubSftpHook",
    "HOOKS",
    "conn_id_for",
    "secrets_from_connection",
]

#: extras each conn type documents (others pass through too)
_EXTRAS = {
    "hub_salesforce": ("security_token", "client_secret", "private_key", "session_id"),
    "hub_rest": ("token", "api_key", "client_secret"),
    "hub_soap": (),
    "hub_sftp": ("private_key", "passphrase"),
}


def conn_id_for(system: str) -> str:
    """The Connection id of a system: ``hub_<system>``."""
    return f"hub_{system}"


def secrets_from_connection(conn: Any) -> dict[str, str]:
    """Secrets of a Connection: login -> username, password, and every non-empty string extra."""
    out: dict[str, str] = {}
    if conn.login:
        out["username"] = conn.login
    if conn.password:
        out["password"] = conn.password
    for key, value in (conn.extra_dejson or {}).items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) != "":
            out[str(key)] = str(value)
    return out


class HubConnectionHook(BaseHook):
    """Reads one system's Connection and hands its secrets to the hub (base of the typed hooks)."""

    conn_name_attr = "hub_conn_id"
    default_conn_name = "hub_default"
    conn_type = "hub_rest"
    hook_name = "ChannelHub"

    def __init__(self, hub_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hub_conn_id = hub_conn_id
        self._secrets: dict[str, str] | None = None

    def get_conn(self) -> dict[str, str]:
        """The secrets of the Connection (cached on the hook)."""
        if self._secrets is None:
            self._secrets = secrets_from_connection(self.get_connection(self.hub_conn_id))
        return self._secrets

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        extras = _EXTRAS.get(cls.conn_type, ())
        return {
            "hidden_fields": ["schema", "port"] if cls.conn_type != "hub_sftp" else ["schema"],
            "relabeling": {"login": "Username"},
            "placeholders": {"extra": "{" + ", ".join(f'"{e}": "..."' for e in extras) + "}" if extras else "{}"},
        }

    def __repr__(self) -> str:  # never the secrets
        return f"{type(self).__name__}({self.hub_conn_id!r})"


class HubSalesforceHook(HubConnectionHook):
    """Salesforce credentials for a hub system."""

    conn_type = "hub_salesforce"
    hook_name = "ChannelHub Salesforce"


class HubRestHook(HubConnectionHook):
    """REST API credentials for a hub system."""

    conn_type = "hub_rest"
    hook_name = "ChannelHub REST"


class HubSoapHook(HubConnectionHook):
    """SOAP service credentials for a hub system."""

    conn_type = "hub_soap"
    hook_name = "ChannelHub SOAP"


class HubSftpHook(HubConnectionHook):
    """SFTP drop-folder credentials for a hub system."""

    conn_type = "hub_sftp"
    hook_name = "ChannelHub SFTP drop folder"


HOOKS = (HubSalesforceHook, HubRestHook, HubSoapHook, HubSftpHook)
