"""Unexpected exceptions (database, OS, driver) as one-line hub errors that name the root cause first."""

from __future__ import annotations

from hub.errors import HubError, StoreError

__all__ = ["as_hub_error", "exception_chain", "store_failure"]

#: driver errors that mean the database server ended the session, whatever statement was running
_SERVER_ENDED = ("AdminShutdown", "CrashShutdown", "IdleSessionTimeout", "IdleInTransactionSessionTimeout")


def exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and those it happened during or because of, innermost (root cause) first."""
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen[::-1]


def _first_line(text: str) -> str:
    text = text.split("\n[SQL:")[0].strip()
    return text.splitlines()[0].strip() if text else ""


def _db_text(err: BaseException) -> str:
    from sqlalchemy.exc import DBAPIError

    orig = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
    text = _first_line(str(orig)) or type(orig).__name__
    name = type(orig).__name__
    if name in _SERVER_ENDED or "server closed the connection" in text:
        return f"the database server terminated the connection ({name}: {text})"
    return text


def store_failure(exc: BaseException) -> str | None:
    """The one-line message of a failure of the store (database or driver), root cause first; None for other errors."""
    err = as_hub_error(exc)
    return str(err) if isinstance(err, StoreError) and not isinstance(exc, HubError) else None


def as_hub_error(exc: BaseException) -> HubError:
    """An unexpected exception as a hub error: database, OS and driver failures named plainly, root cause first.

    A failure while cleaning up after the first one (a temporary table dropped on a connection the server
    already closed) is named after it, never instead of it.
    """
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    if isinstance(exc, HubError):
        return exc
    chain = exception_chain(exc)
    db = [
        e for e in chain if isinstance(e, SQLAlchemyError) or type(e).__module__.split(".")[0] in ("psycopg", "sqlite3")
    ]
    if db:
        text = _db_text(db[0])
        # what went wrong afterwards (a driver error's SQLAlchemy wrapper is the same failure, not a later one)
        later = [
            e
            for e in db[1:]
            if not (isinstance(e, DBAPIError) and e.orig in db)
            and _first_line(str(e))
            and _first_line(str(e)) not in text
        ]
        extra = f" (then: {_first_line(str(later[-1]))[:200]})" if later else ""
        return StoreError(f"the store failed: {text}{extra}")
    root = chain[0]
    if isinstance(root, OSError):
        where = f"{root.filename}: " if getattr(root, "filename", None) else ""
        return HubError(f"{where}{root.strerror or root}")
    return HubError(f"unexpected {type(root).__name__}: {root} (run with -v for the trace)")
