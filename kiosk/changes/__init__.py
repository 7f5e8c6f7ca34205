"""The one way a synced record changes: the entity registry and the gateway, with the audit trail.

Every service that changes data calls ``record_change`` (one record) or ``record_changes`` (a batch)
inside ``Store.write()``; the data change, the version bump, the hash-chained audit entry and the outbox
row for the district then commit together or not at all. See docs/ARCHITECTURE.md.
"""

from kiosk.changes.audit import (
    GENESIS_HASH,
    AuditVerification,
    audit_entry_hash,
    verify_audit_chain,
    write_audit,
)
from kiosk.changes.gateway import (
    BulkChange,
    commit_listeners,
    ensure_not_in_flight,
    on_outbox_commit,
    record_change,
    record_changes,
    sqlite_datetime_text,
)
from kiosk.changes.registry import (
    ENTITY_ORDER,
    PARENT_FIELDS,
    REGISTRY,
    SYNCED_ENTITIES,
    EntitySpec,
    MergeRefused,
)
from kiosk.errors import RecordLocked

__all__ = [
    "ENTITY_ORDER", "GENESIS_HASH", "PARENT_FIELDS", "REGISTRY", "SYNCED_ENTITIES", "AuditVerification", "BulkChange",
    "EntitySpec", "MergeRefused", "RecordLocked", "audit_entry_hash", "commit_listeners", "ensure_not_in_flight",
    "on_outbox_commit", "record_change", "record_changes", "sqlite_datetime_text", "verify_audit_chain",
    "write_audit",
]
