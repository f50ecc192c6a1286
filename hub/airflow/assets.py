"""The Asset a pipeline updates when its run changed the canonical store (downstream DAGs schedule on it)."""

from __future__ import annotations

from typing import Any

__all__ = ["canonical_asset", "asset_name", "asset_uri"]


def asset_name(pipeline: str) -> str:
    """Asset name of a pipeline's canonical store, e.g. ``hub_channelco_canonical``."""
    return f"hub_{pipeline}_canonical"


def asset_uri(pipeline: str) -> str:
    """Asset URI of a pipeline's canonical store, e.g. ``hub://channelco/canonical``."""
    return f"hub://{pipeline}/canonical"


def canonical_asset(pipeline: str) -> Any:
    """The ``airflow.sdk.Asset`` a pipeline DAG emits; a report DAG uses it as its ``schedule``."""
    from airflow.sdk import Asset

    return Asset(name=asset_name(pipeline), uri=asset_uri(pipeline), group="channelhub")
