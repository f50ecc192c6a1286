"""Salesforce error bodies, shared by the REST routes and the Bulk API 2.0 routes."""

from __future__ import annotations

from typing import Any

from testkit.servers.rest.kit import Response, json_response

__all__ = ["sf_errors"]


def sf_errors(
    status: int, code: str, message: str, fields: list[str] | None = None, headers: dict[str, str] | None = None
) -> Response:
    """A Salesforce error body: ``[{"message", "errorCode", "fields"?}]``."""
    item: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        item["fields"] = fields
    return json_response([item], status, headers)
