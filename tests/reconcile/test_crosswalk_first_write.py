"""A first crosswalk build of an entity writes its links without reading any back; later builds compare."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

import hub.reconcile.crosswalk as crosswalk
from hub.reconcile.crosswalk import Cluster, write_crosswalk
from hub.store.engine import make_engine
from hub.store.migrate import upgrade
from hub.store.models import CrosswalkLink


def _links(conn: Any, entity: str) -> dict[tuple[str, str], tuple[Any, ...]]:
    t = CrosswalkLink.__table__
    q = select(t.c.system, t.c.external_id, t.c.canonical_id, t.c.rule, t.c.score, t.c.explanation).where(
        t.c.entity == entity
    )
    return {(r[0], r[1]): tuple(r[2:]) for r in conn.execute(q)}


def test_first_build_reads_nothing_back_and_stores_what_a_rebuild_finds_unchanged(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []
    real = crosswalk.load_existing

    def spy(conn: Any, entity: str, members: str | None = None) -> Any:
        reads.append(entity)
        return real(conn, entity, members)

    monkeypatch.setattr(crosswalk, "load_existing", spy)
    engine = make_engine(store_url)
    upgrade(engine)
    a, b, c = ("crm", "A"), ("drp", "B"), ("drp", "C")
    why = {a: ("name", 0.93, {"name": {"score": 0.93, "left": "华信", "right": "华信贸易"}}), b: ("name", 0.93, None)}
    clusters = [Cluster((a, b), why), Cluster((c,))]
    with engine.begin() as conn:
        write_crosswalk(conn, "salesperson", [Cluster((("drp", "S1"),))], 1)  # another entity's links exist
        reads.clear()
        first = write_crosswalk(conn, "party", clusters, 1)
        assert reads == [] and first["links_changed"] == 3
        stored = _links(conn, "party")
        assert stored[a][0] == stored[b][0] != stored[c][0]
        assert stored[a][1:3] == ("name", 0.93) and stored[a][3]["name"]["right"] == "华信贸易"
        # the same clusters again: read back, found equal, nothing written
        assert write_crosswalk(conn, "party", clusters, 2)["links_changed"] == 0 and reads == ["party"]
        # one rule changed: only that link is written
        changed = [Cluster((a, b), {**why, b: ("uscc", 1.0, None)}), Cluster((c,))]
        assert write_crosswalk(conn, "party", changed, 3)["links_changed"] == 1
        assert _links(conn, "party")[b][1] == "uscc" and _links(conn, "party")[a] == stored[a]
    engine.dispose()
