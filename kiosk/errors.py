"""Typed domain errors of the core: each carries a code and the data to explain it.

The core raises them with an English message template (marked with ``N_``); the UI and the command
line show ``error.user_message()``, which translates the template at display time into the user's
language and fills in the data.
"""

from __future__ import annotations

from typing import Any

from kiosk.i18n import N_, _


class DomainError(Exception):
    """Base of every error a user may see. ``code`` is stable for scripts (``--json``)."""

    code = "error"
    template = N_("The operation could not be completed.")

    def __init__(self, template: str | None = None, /, **data: Any) -> None:
        if template is not None:
            self.template = template
        self.data = data
        super().__init__(self.template.format(**data) if data else self.template)

    def user_message(self) -> str:
        text = _(self.template)
        try:
            return text.format(**self.data)
        except (KeyError, IndexError, ValueError):
            return text

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.user_message()}


class PermissionDenied(DomainError):
    code = "permission_denied"
    template = N_("You do not have permission to do this ({permission}).")


class NotFound(DomainError):
    code = "not_found"
    template = N_("The record was not found.")


class ValidationError(DomainError):
    """Input that breaks a rule. ``fields`` maps a field name to its (translated-at-display) message."""

    code = "invalid"
    template = N_("Please correct the highlighted fields.")

    def __init__(
        self, template: str | None = None, /, fields: dict[str, str] | None = None, **data: Any
    ) -> None:
        super().__init__(template, **data)
        self.fields = dict(fields or {})

    def field_messages(self) -> dict[str, str]:
        return {k: _(v) for k, v in self.fields.items()}

    def user_message(self) -> str:
        base = super().user_message()
        if self.fields and self.template == ValidationError.template:
            return base + "\n" + "\n".join(f"• {m}" for m in self.field_messages().values())
        return base


class ConflictError(DomainError):
    code = "conflict"
    template = N_("The record was changed by someone else. Reload it and try again.")


class AuthenticationFailed(DomainError):
    code = "auth_failed"
    template = N_("Wrong username or password.")


class AccountLocked(DomainError):
    code = "locked"
    template = N_("Too many failed attempts. Try again in {minutes} minutes.")


class NotConfigured(DomainError):
    code = "not_configured"
    template = N_("This office has not been set up yet. Run the setup first.")


class StorageError(DomainError):
    code = "storage"
    template = N_("The data could not be saved: {reason}. Nothing was changed.")


class RecordLocked(DomainError):
    """A synced record whose change is on its way to the district cannot be edited until the answer is in."""

    code = "record_locked"
    template = N_("This record is being sent to the district right now. Try again in a moment.")
