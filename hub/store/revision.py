"""Whether the store is at the newest schema revision, answered without loading Alembic.

Opening the store for a run asks this first: the newest revision shipped is read from the
migration files' ``revision``/``down_revision`` lines, the store's from its version table. Only
when they differ, or either cannot be read plainly (a branch, an unusual file, no version table),
does the caller ask Alembic (:mod:`hub.store.migrate`), which costs half a second to import.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["shipped_head", "at_head"]

VERSIONS = Path(__file__).with_name("migrations") / "versions"
_ASSIGN = re.compile(
    r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(\"[^\"\n]*\"|'[^'\n]*'|None|\([^)\n]*\))", re.MULTILINE
)


@lru_cache(maxsize=1)
def shipped_head() -> str | None:
    """The one revision no migration builds on (None when there is not exactly one, or a file is unusual)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(VERSIONS.glob("*.py")):
        found = dict(_ASSIGN.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        try:
            revision, down = ast.literal_eval(found["revision"]), ast.literal_eval(found.get("down_revision", "None"))
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update(d for d in (down if isinstance(down, tuple) else (down,)) if isinstance(d, str))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine) -> bool:
    """True when the store's one revision is the newest shipped; False when not, or not plainly known."""
    head = shipped_head()
    if head is None:
        return False
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except SQLAlchemyError:
        return False
    return [r[0] for r in rows] == [head]
