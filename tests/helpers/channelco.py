"""The ChannelCo example for tests: where it lives, and its config pointed at a world and a store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "channelco"
CONFIG = EXAMPLE / "hub.yaml"
DAGS = ROOT / "dags"  # the DAG folder that runs the example on Airflow

__all__ = ["ROOT", "EXAMPLE", "CONFIG", "DAGS", "channelco_store", "write_live_config"]


def channelco_store(mp: pytest.MonkeyPatch, world: Path, url: str, config: Path = CONFIG) -> tuple[Any, Any]:
    """Point the ChannelCo example at ``world`` and a store at ``url``: (loaded config, opened store)."""
    from hub.config import load_config
    from hub.runner import open_store

    mp.setenv("CHANNELCO_DIR", str(world))
    mp.setenv("HUB_DATABASE_URL", url)
    loaded = load_config(config)
    return loaded, open_store(loaded)


def write_live_config(tmp: Path, max_share: float = 1.0, extra_push: str = "", orders: bool = True) -> Path:
    """hub-live.yaml and push.yaml copied to ``tmp`` with absolute paths and the breaker share given
    (``orders=False`` leaves out the order-status push, so only the customer targets write)."""
    text = (EXAMPLE / "hub-live.yaml").read_text(encoding="utf-8")
    text = text.replace("../../mappings/", str(ROOT / "mappings") + "/").replace(
        "reconcile: reconcile.yaml", f"reconcile: {EXAMPLE / 'reconcile.yaml'}"
    )
    (tmp / "hub.yaml").write_text(text, encoding="utf-8")
    push = (EXAMPLE / "push.yaml").read_text(encoding="utf-8").replace("max_share: 0.05", f"max_share: {max_share}")
    if not orders:
        push = "\n".join(line for line in push.splitlines() if not line.strip().startswith("sales_order:")) + "\n"
    (tmp / "push.yaml").write_text(push + extra_push, encoding="utf-8")
    return tmp / "hub.yaml"
