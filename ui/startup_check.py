"""At start-up, before the store is opened: is the database sound? If not, offer the newest good backup
instead of crashing. After sign-in: the daily backup in the background, and again on a timer."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer

from kiosk.i18n import _
from ui import msgbox

log = logging.getLogger(__name__)
BACKUP_TIMER_MS = 60 * 60 * 1000  # look every hour whether the automatic backup is due


def check_database_or_recover(data_dir: str | None) -> bool:
    """True when the program may go on (database sound, or restored); False to quit."""
    from kiosk.services.integrity import quick_check, recover

    check = quick_check(data_dir, thorough=False)  # milliseconds; the page-by-page check runs after sign-in
    if check.ok:
        return True
    backup = check.newest_good_backup
    if backup is None:
        msgbox.show_error(None, _("The database is damaged and there is no good backup in {folder}. Nothing was "
                                  "changed. Ask the district's IT staff for help; the file is kept as it is.")
                          .format(folder=check.database.parent / "backups"), _("Database damaged"))
        return False
    when = f"{backup.created:%d-%m-%Y %H.%M} UTC" if backup.created else backup.name
    question = _("The database is damaged ({detail}).\n\nRestore the newest good backup, made {when}? "
                 "The damaged file is kept beside it. Work done after that backup must be entered again.").format(
        detail=check.detail[:200], when=when)
    if not msgbox.confirm(None, question, _("Database damaged"), yes=_("Restore")):
        return False
    try:
        recover(data_dir, backup)
    except Exception as e:
        log.exception("start-up recovery failed")
        msgbox.show_error(None, e)
        return False
    msgbox.show_info(None, _("The backup made {when} was restored. Check the latest work and enter again "
                             "what is missing.").format(when=when))
    return True


def start_daily_backups(ctx: Any, parent: QObject) -> QTimer:
    """Run the automatic backup now if it is due (in the background), then look again every hour."""

    def run() -> None:
        ctx.runner.write(ctx.services.backup.run_daily_if_due, None,
                         lambda e: log.warning("automatic backup failed: %s", e))

    def checked(check: Any) -> None:
        if check.ok:
            run()
            return
        newest = check.newest_good_backup
        msgbox.show_error(None, _("The database check found damage ({detail}). Save nothing more: restore the "
                                  "newest good backup ({name}) in Settings → Backups, or restart the program "
                                  "to be offered it.").format(detail=check.detail[:200],
                                                             name=newest.name if newest else "-"),
                          _("Database damaged"))

    def thorough() -> None:
        from kiosk.services.integrity import quick_check

        ctx.runner.run(lambda: quick_check(ctx.services.store.paths, thorough=True), checked,
                       lambda e: log.warning("database check failed: %s", e))

    timer = QTimer(parent)
    timer.setInterval(BACKUP_TIMER_MS)
    timer.timeout.connect(run)
    timer.start()
    QTimer.singleShot(0, thorough)
    return timer
