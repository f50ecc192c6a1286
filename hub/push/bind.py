"""The bind step: a record the hub created in a target joins its golden record's crosswalk cluster.

The link is written to the crosswalk at once (rule ``push_create``). For parties it is also
recorded as an accepted pair decision with another member of the cluster, so the matcher keeps
the link when the next reconcile run sees the new record.
"""

from __future__ import annotations

from sqlalchemy import Connection

from hub.clock import utcnow
from hub.reconcile.matcher import decision_key
from hub.store.bulk import upsert
from hub.store.models import CrosswalkLink, ReviewItem

__all__ = ["bind"]


def bind(
    conn: Connection,
    entity: str,
    system: str,
    external_id: str,
    canonical_id: str,
    others: list[tuple[str, str]],
    run_id: int,
) -> None:
    """Link (entity, system, external id) to ``canonical_id``; ``others`` are the cluster's existing members."""
    upsert(
        conn,
        CrosswalkLink.__table__,
        [
            {
                "entity": entity,
                "system": system,
                "external_id": external_id,
                "canonical_id": canonical_id,
                "rule": "push_create",
                "score": None,
                "explanation": {"created_by": "hub push", "run": run_id},
                "first_run": run_id,
                "changed_run": run_id,
            }
        ],
        key=("entity", "system", "external_id"),
        change_column=None,
        update_columns=("canonical_id", "rule", "score", "explanation", "changed_run"),
    )
    if entity != "party" or not others:
        return
    sa, ia, sb, ib = decision_key((system, external_id), others[0])
    upsert(
        conn,
        ReviewItem.__table__,
        [
            {
                "entity": "party",
                "system_a": sa,
                "id_a": ia,
                "system_b": sb,
                "id_b": ib,
                "score": None,
                "explanation": {"decision": "created by hub push", "run": run_id},
                "status": "accepted",
                "decided_by": "hub push",
                "decided_at": utcnow(),
                "first_run": run_id,
                "last_run": run_id,
            }
        ],
        key=("entity", "system_a", "id_a", "system_b", "id_b"),
        change_column=None,
        update_columns=("status", "decided_by", "decided_at", "last_run"),
    )
