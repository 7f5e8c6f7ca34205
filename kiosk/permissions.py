"""Roles and what they may do. Services call ``require``; hiding a button is never the check."""

from __future__ import annotations

from kiosk.actor import Actor
from kiosk.errors import PermissionDenied
from kiosk.i18n import N_

# What each permission is for, with the lowest role that holds it. Later features add theirs here.
_OPERATOR = {
    "resident.view",
    "resident.edit",
    "resident.import",
    "resident.export",
    "resident.set_pin",
    "letter.request",
    "letter.issue",
    "letter.print",
    "complaint.view",
    "complaint.record",
    "complaint.respond",
    "sync.run",
    "backup.create",
    "books.view",
    "books.edit",
    "apbdes.view",
    "apbdes.edit",
    "apbdes.import",
    "apbdes.realize",
}
_SUPERVISOR = _OPERATOR | {
    "letter.approve",
    "letter.void",
    "letter.batch_print",
    "kiosk.exit",
    "kiosk.start",
    "sync.resolve_conflict",
    "report.close",
    "apbdes.approve",
}
_ADMIN = _SUPERVISOR | {
    "office.edit",
    "user.manage",
    "settings.edit",
    "letter_type.edit",
    "sync.enroll",
    "sync.export_queue",
    "backup.restore",
    "audit.verify",
}
# A resident at the kiosk: only their own requests and complaints (the services check ownership).
_RESIDENT = {"kiosk.request_letter", "kiosk.file_complaint", "kiosk.view_own"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset(_OPERATOR),
    "supervisor": frozenset(_SUPERVISOR),
    "admin": frozenset(_ADMIN),
    "resident": frozenset(_RESIDENT),
}


def allowed(actor: Actor, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor, permission: str) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` holds ``permission``."""
    if not allowed(actor, permission):
        raise PermissionDenied(permission=permission)


class UserRequired(PermissionDenied):
    """The action must be traceable to a person: the program acting for itself may not do it."""

    code = "user_required"
    template = N_("This needs a signed-in user who may do it (on the command line: --user NAME) ({permission}).")


def require_user(actor: Actor, permission: str) -> None:
    """Like ``require``, and refuse the program acting for itself (``Actor.system``: no user id), for
    actions a person must answer for (enrolling, exporting the queue, reading the register)."""
    if actor.user_id is None:
        raise UserRequired(permission=permission)
    require(actor, permission)
