"""Helpers for the end-to-end hub test: the example config wired to live servers, pull/push runs, world truth.

Used by ``test_e2e_hub.py``; it is not a conftest, so importing it adds no fixtures by itself.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import realsys_harness as harness
import realsys_world
import requests
from sqlalchemy import Engine, select

from hub.config import HubConfig, load_config
from hub.pipeline.context import StageContext
from hub.pipeline.push import push
from hub.pipeline.runlog import StageCounts, finish_run, start_run
from hub.runner import RunResult, open_store, run_pipeline
from hub.store.models import MODELS, CrosswalkLink

EXAMPLE = harness.REPO / "examples" / "realsys" / "hub.yaml"
#: the full sync (pull, reconcile, push) and the same without the push
PIPELINE, PULL_ONLY = "realsys", "realsys-pull"
#: account custom fields the push writes (erp_code is seeded; open_receivables is defined by the test)
CRM_FIELDS = {
    "erp_code": "ERP Customer Code",
    "credit_limit": "Credit limit (ERP)",
    "open_receivables": "Open receivables (ERP)",
}
_N = re.compile(r"(\d+)\.example\.cn")


def hub_env(tryton: harness.ServerInfo, crm: harness.ServerInfo, store: Path) -> dict[str, str]:
    """The environment examples/realsys/hub.yaml reads: URLs, secrets and a throw-away SQLite store."""
    return {
        "TRYTON_URL": tryton.url, "TRYTON_DATABASE": tryton.credentials["database"],
        "TRYTON_USER": tryton.credentials["username"], "TRYTON_PASSWORD": tryton.credentials["password"],
        "DJANGOCRM_URL": crm.url, "DJANGOCRM_TOKEN": crm.credentials["token"],
        "HUB_DATABASE_URL": f"sqlite:///{store}",
    }  # fmt: skip


def define_account_fields(crm: harness.ServerInfo) -> None:
    """Create the text custom fields of Account the push writes (those not defined yet), over the API."""
    headers = {"Authorization": f"Bearer {crm.credentials['token']}"}
    url = f"{crm.url}/api/custom-fields/"
    resp = requests.get(url, params={"target_model": "Account", "include_counts": "false"}, headers=headers, timeout=30)
    resp.raise_for_status()
    have = {d["key"] for d in resp.json()["definitions"]}
    for key, label in CRM_FIELDS.items():
        if key not in have:
            body = {"target_model": "Account", "key": key, "label": label, "field_type": "text"}
            made = requests.post(url, json=body, headers=headers, timeout=30)
            assert made.status_code == 201, f"defining custom field {key}: HTTP {made.status_code} {made.text[:300]}"


@dataclass
class Hub:
    """The example configuration loaded against the live servers, and its store."""

    config: HubConfig
    engine: Engine

    @classmethod
    def open(cls) -> Hub:
        config = load_config(EXAMPLE)
        return cls(config, open_store(config))

    def run(self, pipeline: str = PIPELINE) -> RunResult:
        """One run of ``pipeline`` by the embedded runner (extract -> map -> reconcile [-> push])."""
        return run_pipeline(self.config, pipeline, engine=self.engine, trigger="test")

    def push(self, dry_run: bool = False) -> StageCounts:
        """The push stage in a run of its own, as ``hub push`` runs it (here: for the dry run)."""
        run_id = start_run(self.engine, PIPELINE, trigger="test push")
        try:
            counts = push(
                StageContext(config=self.config, engine=self.engine, pipeline=PIPELINE, run_id=run_id), dry_run=dry_run
            )
        except BaseException as exc:
            finish_run(self.engine, run_id, "failed", error=str(exc)[:4000])
            raise
        finish_run(self.engine, run_id, "succeeded", {"push": counts.as_dict()})
        return counts

    def clusters(self) -> dict[str, dict[str, list[str]]]:
        """canonical id -> system -> external ids of the party crosswalk."""
        cw = CrosswalkLink.__table__
        out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        with self.engine.connect() as conn:
            for cid, system, ext in conn.execute(
                select(cw.c.canonical_id, cw.c.system, cw.c.external_id).where(cw.c.entity == "party")
            ):
                out[cid][system].append(ext)
        return {k: dict(v) for k, v in out.items()}

    def parties(self, system: str) -> dict[str, dict[str, Any]]:
        """external id -> canonical party fields of ``system`` (``golden`` for the golden records)."""
        t = MODELS["party"].__table__
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.system == system, t.c.deleted.is_(False))).mappings().all()
        return {r["external_id"]: dict(r) for r in rows}


def read_all(connector: Any, stream: str) -> dict[str, dict[str, Any]]:
    """key -> data of a full read of ``stream`` straight from the live system (not through the hub)."""
    out = {}
    for batch in connector.read(stream, None):
        out.update((r.key, r.data) for r in batch.records if r.error is None)
    return out


@dataclass(frozen=True)
class Truth:
    """Which seeded records are which world company (company number ``n``)."""

    overlap: frozenset[int]
    crm_only: frozenset[int]
    erp_only: frozenset[int]

    @staticmethod
    def company_of(system: str, record: dict[str, Any]) -> int | None:
        """The world company of a canonical party record (Tryton: seeded code; CRM: website), or None."""
        if system == "tryton":
            code = record.get("erp_code") or ""
            return int(code[1:]) - 100 if re.fullmatch(r"C\d{6}", code) else None
        m = _N.search(record.get("website") or record.get("email") or "")
        return int(m.group(1)) if m else None


def world_truth() -> Truth:
    """Overlap and one-sided companies of the world the templates were seeded from."""
    world = realsys_world.build_world()
    erp = {int(p["code"][1:]) - 100 for p in world["tryton"]["parties"]}
    crm = {int(_N.search(a["website"]).group(1)) for a in world["djangocrm"]["accounts"]}  # type: ignore[union-attr]
    return Truth(frozenset(erp & crm), frozenset(crm - erp), frozenset(erp - crm))


def open_receivables(invoices: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Tryton party id -> sum of amount_to_pay of its customer invoices (from a live read)."""
    from decimal import Decimal

    out: dict[str, Decimal] = defaultdict(Decimal)
    for inv in invoices.values():
        if inv.get("amount_to_pay") not in (None, ""):
            out[str(inv["party_id"])] += Decimal(str(inv["amount_to_pay"]))
    return dict(out)


def push_stage(result: RunResult) -> dict[str, Any]:
    """The push stage's counts and detail of a run (targets, held, failed)."""
    found = [s for s in result.stages if s["stage"] == "push"]
    assert len(found) == 1, f"run {result.run_id} has {len(found)} push stages: {[s['stage'] for s in result.stages]}"
    return found[0]


def start_pair(base: Path) -> tuple[harness.ServerInfo, harness.ServerInfo]:
    """Fresh copies of the cached Tryton and django-crm templates, started on free loopback ports.

    The test writes into both systems, so it runs its own instances rather than the session's
    shared ones (whose seeded counts other live tests check). Raises ``harness.NoInterpreter``
    when a system cannot run on this machine.
    """
    tryton_template, crm_template = harness.tryton_template(), harness.djangocrm_template()
    tryton = harness.start_tryton(base / "tryton", template=tryton_template)
    try:
        crm = harness.start_djangocrm(base / "djangocrm", template=crm_template)
    except BaseException:
        harness.stop_pid(Path(tryton.pidfile))
        raise
    return tryton, crm


__all__ = [
    "EXAMPLE",
    "PIPELINE",
    "PULL_ONLY",
    "Hub",
    "Truth",
    "define_account_fields",
    "hub_env",
    "open_receivables",
    "push_stage",
    "read_all",
    "start_pair",
    "world_truth",
]


def run_then_push(config_path: Path, pipeline: str, engine: Any = None) -> tuple[dict[str, Any], Any]:
    """Run ``pipeline`` without its push stage (it must succeed), then push; the push detail and the store."""
    from hub.config import load_config
    from hub.pipeline.context import StageContext
    from hub.pipeline.push import push
    from hub.runner import open_store, run_pipeline

    config = load_config(config_path)
    engine = engine or open_store(config)
    pc = config.pipelines[pipeline].model_copy(update={"push": None})
    staged = config.model_copy(update={"pipelines": {**config.pipelines, pipeline: pc}})
    result = run_pipeline(staged, pipeline, engine=engine)
    assert result.status == "succeeded", result
    detail = push(StageContext(config=config, engine=engine, pipeline=pipeline, run_id=result.run_id)).detail
    return detail, engine
