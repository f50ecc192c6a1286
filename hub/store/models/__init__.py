"""All ORM models; importing this package registers every table on ``Base.metadata``."""

from hub.store.models.attribution import OrderAttribution
from hub.store.models.audit import AuditLog, DiscrepancyNote  # noqa: F401  (console tables)
from hub.store.models.canonical import GOLDEN, MODELS, CanonicalRecord
from hub.store.models.contracts import AlertSent, RunLock, SchemaChange, StreamColumn, StreamProfile
from hub.store.models.discrepancy import Discrepancy
from hub.store.models.links import CrosswalkEvent, CrosswalkLink, GoldenLineage, MatchKey, ReviewItem
from hub.store.models.outbox import OutboxEntry
from hub.store.models.runs import CursorState, Run, StageLog
from hub.store.models.staging import MappedStream, PayloadShape, Quarantine, SourceRecord
from hub.store.models.sync_state import SyncState
from hub.store.models.users import AppUser, ConsoleSession  # noqa: F401

__all__ = [
    "AlertSent",
    "GOLDEN",
    "MODELS",
    "CanonicalRecord",
    "CrosswalkEvent",
    "CrosswalkLink",
    "CursorState",
    "Discrepancy",
    "GoldenLineage",
    "MappedStream",
    "MatchKey",
    "OrderAttribution",
    "OutboxEntry",
    "PayloadShape",
    "Quarantine",
    "ReviewItem",
    "Run",
    "RunLock",
    "SchemaChange",
    "SourceRecord",
    "StageLog",
    "StreamColumn",
    "StreamProfile",
    "SyncState",
]
