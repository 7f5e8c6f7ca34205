"""Every message box of the staff program goes through here (tests patch this one module)."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

from kiosk.errors import DomainError
from kiosk.i18n import _

log = logging.getLogger(__name__)


def error_text(error: BaseException | str) -> str:
    """The user's-language text for an error; the unexpected get a calm generic message."""
    if isinstance(error, str):
        return error
    if isinstance(error, DomainError):
        return error.user_message()
    if isinstance(error, OSError) and getattr(error, "errno", None) == 28:
        return _("The disk is full. Nothing was changed. Free some space and try again.")
    log.error("unexpected error shown to the user", exc_info=error)
    return _("Something went wrong. Nothing was lost; the details are in the log. Please try again, "
             "and tell the administrator if it happens again.")


def show_error(parent: QWidget | None, error: BaseException | str, title: str | None = None) -> None:
    QMessageBox.warning(parent, title or _("Cannot continue"), error_text(error))


def show_info(parent: QWidget | None, text: str, title: str | None = None) -> None:
    QMessageBox.information(parent, title or _("Information"), text)


def confirm(parent: QWidget | None, text: str, title: str | None = None, *, yes: str | None = None,
            no: str | None = None) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title or _("Confirm"), text, parent=parent)
    yes_button = box.addButton(yes or _("Yes"), QMessageBox.ButtonRole.YesRole)
    box.addButton(no or _("Cancel"), QMessageBox.ButtonRole.NoRole)
    box.exec()
    return box.clickedButton() is yes_button
