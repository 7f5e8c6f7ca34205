"""Pengaturan → Cadangan: where backups go, a second folder (USB drive), how often, the last backup and
its check, "back up now", and restore (administrators) from a listed backup or a chosen file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk import settings
from kiosk.i18n import N_, _
from kiosk.permissions import allowed
from kiosk.services.backup import BackupInfo, CreateResult, RestoreResult
from ui import msgbox
from ui.context import AppContext

INTERVALS = ((24, N_("Every day")), (12, N_("Every 12 hours")), (6, N_("Every 6 hours")),
             (168, N_("Every week")), (0, N_("Never (not recommended)")))
REASONS = {"manual": N_("manual"), "daily": N_("daily"), "pre-migration": N_("before upgrade"),
           "pre-restore": N_("before restore")}
CHECKS = {"ok": N_("OK"), "damaged": N_("damaged"), "foreign": N_("not usable"), "unchecked": N_("not checked")}


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(n, 1) / 1024:.0f} KB"


def _when(info: BackupInfo) -> str:
    if info.created is None:
        return "?"
    from datetime import UTC

    return info.created.replace(tzinfo=UTC).astimezone().strftime("%d-%m-%Y %H.%M")


class BackupTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        actor = ctx.require_actor()
        self.can_edit = allowed(actor, "settings.edit")
        self.can_restore = allowed(actor, "backup.restore")
        backup = ctx.services.backup
        layout = QVBoxLayout(self)

        where = QGroupBox(_("Where and how often"))
        form = QFormLayout(where)
        folder = QLabel(str(ctx.services.store.paths.backups))
        folder.setObjectName("backupFolder")
        folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_("Backup folder"), folder)
        second_row = QHBoxLayout()
        self.second = QLineEdit(str(backup.second_folder() or ""))
        self.second.setObjectName("secondFolder")
        self.second.setPlaceholderText(_("e.g. a USB drive (optional)"))
        self.second.setReadOnly(not self.can_edit)
        choose = QPushButton(_("Choose…"))
        choose.setObjectName("chooseSecondFolder")
        choose.setEnabled(self.can_edit)
        choose.clicked.connect(self._choose_second)
        second_row.addWidget(self.second, 1)
        second_row.addWidget(choose)
        form.addRow(_("Second folder"), second_row)
        self.interval = QComboBox()
        self.interval.setObjectName("backupInterval")
        for hours, label in INTERVALS:
            self.interval.addItem(_(label), hours)
        index = self.interval.findData(backup.interval_hours())
        if index < 0:
            self.interval.addItem(_("Every {hours} hours").format(hours=backup.interval_hours()),
                                  backup.interval_hours())
            index = self.interval.count() - 1
        self.interval.setCurrentIndex(index)
        self.interval.setEnabled(self.can_edit)
        form.addRow(_("Automatic backup"), self.interval)
        form.addRow(_("Kept"), QLabel(_("the last 7 days, 4 weeks and 12 months; the last 10 manual ones")))
        save = QPushButton(_("Save backup settings"))
        save.setObjectName("saveBackupSettings")
        save.setEnabled(self.can_edit)
        save.clicked.connect(self._save_settings)
        form.addRow(save)
        layout.addWidget(where)

        status = QGroupBox(_("Backups"))
        box = QVBoxLayout(status)
        self.last = QLabel()
        self.last.setObjectName("lastBackup")
        self.last.setWordWrap(True)
        box.addWidget(self.last)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("backupTable")
        self.table.setHorizontalHeaderLabels([_("Made"), _("Kind"), _("Size"), _("Check")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.backup_now = QPushButton(_("Back up now"))
        self.backup_now.setObjectName("backupNow")
        self.backup_now.clicked.connect(self._backup_now)
        self.restore_selected = QPushButton(_("Restore selected…"))
        self.restore_selected.setObjectName("restoreSelected")
        self.restore_selected.setEnabled(self.can_restore)
        self.restore_selected.clicked.connect(self._restore_selected)
        self.restore_file = QPushButton(_("Restore from file…"))
        self.restore_file.setObjectName("restoreFile")
        self.restore_file.setEnabled(self.can_restore)
        self.restore_file.clicked.connect(self._restore_from_file)
        if not self.can_restore:
            tip = _("Only an administrator can restore a backup.")
            self.restore_selected.setToolTip(tip)
            self.restore_file.setToolTip(tip)
        buttons.addWidget(self.backup_now)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_selected)
        buttons.addWidget(self.restore_file)
        box.addLayout(buttons)
        layout.addWidget(status, 1)
        self.backups: list[BackupInfo] = []
        self.refresh()

    # ---- showing ----

    def refresh(self) -> None:
        self.ctx.runner.run(self.ctx.services.backup.list, self._show, lambda e: msgbox.show_error(self, e))

    def _show(self, backups: list[BackupInfo]) -> None:
        self.backups = backups
        self.table.setRowCount(len(backups))
        for row, b in enumerate(backups):
            cells = [_when(b), _(REASONS.get(b.reason, b.reason)), _size(b.size), _(CHECKS.get(b.check, b.check))]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(b.problem or b.name)
                self.table.setItem(row, col, item)
        if not backups:
            self.last.setText(_("No backup has been made yet."))
            return
        newest = backups[0]
        text = _("Last backup: {when} ({kind}, {size}) — check: {check}").format(
            when=_when(newest), kind=_(REASONS.get(newest.reason, newest.reason)), size=_size(newest.size),
            check=_(CHECKS.get(newest.check, newest.check)))
        if newest.problem:
            text += "\n" + newest.problem
        self.last.setText(text)

    # ---- settings ----

    def _choose_second(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Choose the second backup folder"), self.second.text())
        if folder:
            self.second.setText(folder)

    def _save_settings(self) -> None:
        actor = self.ctx.require_actor()
        prefs = self.ctx.services.preferences
        second, hours = self.second.text().strip(), int(self.interval.currentData())
        if second and not Path(second).is_dir():
            msgbox.show_error(self, _("The folder {folder} does not exist.").format(folder=second))
            return

        def work() -> None:
            prefs.set(actor, settings.BACKUP_SECOND_FOLDER, second)
            prefs.set(actor, settings.BACKUP_INTERVAL_HOURS, hours)

        self.ctx.runner.write(work, lambda _r: msgbox.show_info(self, _("The backup settings were saved.")),
                              lambda e: msgbox.show_error(self, e))

    # ---- backing up ----

    def _backup_now(self) -> None:
        actor = self.ctx.require_actor()
        self.backup_now.setEnabled(False)
        self.ctx.runner.write(lambda: self.ctx.services.backup.create(actor, "manual"), self._backed_up,
                              self._failed)

    def _failed(self, error: BaseException) -> None:
        self.backup_now.setEnabled(True)
        msgbox.show_error(self, error)

    def _backed_up(self, result: CreateResult) -> None:
        self.backup_now.setEnabled(True)
        text = _("Backup saved and checked: {path}").format(path=result.backup.path)
        if result.second_copy:
            text += "\n" + _("Second copy: {path}").format(path=result.second_copy)
        if result.second_copy_error:
            text += "\n" + result.second_copy_error
        msgbox.show_info(self, text)
        self.refresh()

    # ---- restoring ----

    def _restore_selected(self) -> None:
        row = self.table.currentRow()
        if row < 0 or row >= len(self.backups):
            msgbox.show_error(self, _("Choose a backup in the list first."))
            return
        self._restore(self.backups[row].path)

    def _restore_from_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Choose a backup file"), "",
                                                    _("Smart Kampung backups (*.zip *.sqlite3)"))
        if path:
            self._restore(Path(path))

    def _restore(self, path: Path) -> None:
        backup = self.ctx.services.backup
        info = backup.inspect(path)
        if not info.ok:
            try:
                backup.verify(path)
            except Exception as e:  # the typed reason: damaged, not a backup, too new
                msgbox.show_error(self, e)
            return
        question = _("Replace ALL data of this office with the backup made {when}?\n\n"
                     "The current data is backed up first, so this can be undone. Everyone is signed out "
                     "afterwards.").format(when=_when(info))
        if not msgbox.confirm(self, question, _("Restore backup"), yes=_("Restore")):
            return
        actor = self.ctx.require_actor()
        self.ctx.runner.write(lambda: backup.restore(actor, path), self._restored,
                              lambda e: msgbox.show_error(self, e))

    def _restored(self, result: RestoreResult) -> None:
        text = _("The backup made {when} was restored.").format(when=_when(result.restored))
        if result.pre_restore:
            text += "\n" + _("The data before the restore was saved as {name}.").format(name=result.pre_restore.name)
        if result.needs_reenroll:
            text += "\n" + _("This device must be enrolled with the district again before it syncs.")
        msgbox.show_info(self, text)
        self.ctx.changed("*")
        window: Any = self.window()
        signal = getattr(window, "logout_requested", None)
        if signal is not None:  # the signed-in user may not exist in the restored data
            signal.emit()
        else:
            self.refresh()
