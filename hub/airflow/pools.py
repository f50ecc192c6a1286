"""One Airflow pool per source system, so parallel stream tasks respect the system's API limits.

Every task that talks to a system (discover, extract, push) runs in the pool ``hub_<system>``.
A system with a ``rate_limit`` gets one slot (its streams are read one at a time, so the
connector's throttle is the system-wide rate); other systems get ``DEFAULT_SLOTS``.

Create the pools once per Airflow installation (and after adding a system)::

    python -m hub.airflow.pools path/to/hub.yaml > pools.json
    airflow pools import pools.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from hub.config import HubConfig

__all__ = ["pool_name", "pool_slots", "pool_specs", "DEFAULT_SLOTS", "main"]

DEFAULT_SLOTS = 4
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def pool_name(system: str) -> str:
    """The pool of a system's tasks: ``hub_<system>``."""
    return "hub_" + _UNSAFE.sub("_", system)


def pool_slots(config: HubConfig, system: str) -> int:
    """Slots of a system's pool: 1 when it has a rate limit, else ``DEFAULT_SLOTS``."""
    return 1 if config.system(system).rate_limit else DEFAULT_SLOTS


def pool_specs(config: HubConfig) -> dict[str, dict[str, Any]]:
    """Pools for every system some pipeline reads, in the format of ``airflow pools import``."""
    systems = dict.fromkeys(s.system for pc in config.pipelines.values() for s in pc.sources)
    return {
        pool_name(system): {
            "slots": pool_slots(config, system),
            "description": f"ChannelHub tasks talking to {system} ({config.system(system).connector})",
            "include_deferred": False,
        }
        for system in systems
    }


def main(argv: list[str] | None = None) -> int:
    """Print the pools JSON of a config file."""
    from hub.config import load_config

    parser = argparse.ArgumentParser(prog="python -m hub.airflow.pools", description=__doc__.splitlines()[0])
    parser.add_argument("config", help="path of hub.yaml")
    args = parser.parse_args(argv)
    json.dump(pool_specs(load_config(args.config)), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
