"""Sinkronisasi: enrollment at the district, last sync, the queue by state with reasons, conflicts side by
side with a choice per field, and "Sinkronkan sekarang". Network work runs on the runner's threads."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import _
from ui.labels import entity_label, operation_label
from ui.msgbox import show_error, show_info


class SinkronisasiScreen(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(QLabel(f"<h2>{_('Synchronisation')}</h2>"))
        top = QHBoxLayout()
        self.status_label = QLabel("")
        self.status_label.setObjectName("SyncScreenStatus")
        self.status_label.setWordWrap(True)
        top.addWidget(self.status_label, 1)
        self.sync_now = QPushButton(_("Sync now"))
        self.sync_now.setProperty("primary", True)
        self.sync_now.clicked.connect(self._sync_now_clicked)
        top.addWidget(self.sync_now)
        layout.addLayout(top)

        enroll = QGroupBox(_("Enrollment at the district"))
        form = QFormLayout(enroll)
        self.server_edit = QLineEdit()
        self.server_edit.setPlaceholderText("https://server-kabupaten.example")
        self.code_edit = QLineEdit()
        self.enroll_button = QPushButton(_("Enroll"))
        self.enroll_button.clicked.connect(self._enroll)
        form.addRow(_("Server address"), self.server_edit)
        form.addRow(_("Enrollment code"), self.code_edit)
        enroll_row = QHBoxLayout()
        enroll_row.addStretch(1)
        enroll_row.addWidget(self.enroll_button)
        form.addRow(enroll_row)
        layout.addWidget(enroll)

        self.queue_table = QTableWidget(0, 5)
        self.queue_table.setHorizontalHeaderLabels([_("Data"), _("Change"), _("State"), _("Attempts"), _("Reason")])
        self.queue_table.horizontalHeader().setStretchLastSection(True)
        self.queue_table.verticalHeader().hide()
        layout.addWidget(QLabel(_("Changes waiting for the district")))
        self.queue_counts = QLabel("")
        layout.addWidget(self.queue_counts)
        layout.addWidget(self.queue_table, 1)

        self.conflicts_box = QGroupBox(_("Conflicts"))
        self.conflicts_layout = QVBoxLayout(self.conflicts_box)
        layout.addWidget(self.conflicts_box)
        self._choices: dict[int, dict[str, QButtonGroup]] = {}
        ctx.signals.sync_status.connect(lambda _s: self.refresh())
        ctx.signals.data_changed.connect(lambda _e: self.refresh())
        self.refresh()

    def on_shown(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        services = self.ctx.services
        self.ctx.runner.run(lambda: (services.sync.status(), services.sync.queue(limit=200),
                                     [(i, services.sync.local_values(i)) for i in services.sync.issues()]),
                            self._show)

    def _show(self, data: Any) -> None:
        status, (counts, rows), issues = data
        lines = [status.label()]
        if status.detail():
            lines.append(status.detail())
        if status.server:
            lines.append(_("Server: {url}").format(url=status.server))
        self.status_label.setText("\n".join(lines))
        self.queue_counts.setText(", ".join(f"{_(k)}: {v}" for k, v in sorted(counts.items())))
        self.queue_table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, value in enumerate((f"{entity_label(r.entity)} {r.entity_id[:8]}", operation_label(r.op), _(r.state), str(r.attempts),
                                       r.last_error or "")):
                self.queue_table.setItem(i, j, QTableWidgetItem(value))
        for column in range(4):  # "Permohonan surat 01a2…" whole, not "Letter ..."; the reason stretches
            self.queue_table.resizeColumnToContents(column)
        while self.conflicts_layout.count():
            item = self.conflicts_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self._choices = {}
        for issue, local in issues:
            self.conflicts_layout.addWidget(self._issue_widget(issue, local))

    def _issue_widget(self, issue: Any, local: dict[str, Any]) -> QWidget:
        box = QGroupBox(f"{entity_label(issue.entity)} {issue.entity_id[:8]} — {issue.reason or issue.kind}")
        form = QFormLayout(box)
        groups: dict[str, QButtonGroup] = {}
        for name, both in issue.fields.items():
            row = QHBoxLayout()
            mine = QRadioButton(_("use the office's data: {value}").format(value=both.get("local")))
            theirs = QRadioButton(_("use the server's data: {value}").format(value=both.get("server")))
            group = QButtonGroup(box)
            group.addButton(mine, 0)
            group.addButton(theirs, 1)
            row.addWidget(mine)
            row.addWidget(theirs)
            holder = QWidget()
            holder.setLayout(row)
            form.addRow(name, holder)
            groups[name] = group
        self._choices[issue.id] = groups
        buttons = QHBoxLayout()
        if issue.entity == "letter" and issue.reason == "number_taken":  # numbered twice before enrolment
            note = QLabel(_("Another letter of the village already holds this number at the district (both "
                            "offices numbered their letters before they enrolled). Fix: void this letter and "
                            "issue it again under a new number."))
            note.setWordWrap(True)
            form.addRow(note)
            renumber = QPushButton(_("Issue again under a new number"))
            renumber.setObjectName("RenumberDuplicate")
            renumber.clicked.connect(lambda _c=False, lid=issue.entity_id: self._renumber(lid))
            buttons.addWidget(renumber)
        elif issue.kind == "conflict":
            resolve = QPushButton(_("Save choices"))
            resolve.clicked.connect(lambda _c=False, i=issue.id: self._resolve(i))
            buttons.addWidget(resolve)
        else:
            retry = QPushButton(_("Send again"))
            retry.clicked.connect(lambda _c=False, i=issue.id: self._act("retry", i))
            dismiss = QPushButton(_("Accept the district's answer"))
            dismiss.clicked.connect(lambda _c=False, i=issue.id: self._act("dismiss", i))
            buttons.addWidget(retry)
            buttons.addWidget(dismiss)
        holder = QWidget()
        holder.setLayout(buttons)
        form.addRow(holder)
        return box

    def choose(self, issue_id: int, field: str, side: str) -> None:
        """Pick "local" or "server" for one field (what the radio buttons do; used by tests)."""
        self._choices[issue_id][field].button(0 if side == "local" else 1).setChecked(True)

    def _resolve(self, issue_id: int) -> None:
        choices = {}
        for name, group in self._choices.get(issue_id, {}).items():
            if group.checkedId() >= 0:
                choices[name] = "local" if group.checkedId() == 0 else "server"
        actor = self.ctx.require_actor()
        self.ctx.runner.write(lambda: self.ctx.services.sync.resolve_conflict(actor, issue_id, choices),
                              lambda _r: self._after_write(), lambda e: show_error(self, e))

    def _renumber(self, letter_id: str) -> None:
        actor = self.ctx.require_actor()
        self.ctx.runner.write(lambda: self.ctx.services.duplicates.fix(actor, [letter_id]),
                              lambda done: self._renumbered(done), lambda e: show_error(self, e))

    def _renumbered(self, done: Any) -> None:
        if done:
            show_info(self, _("Letter {old} is void; it was issued again as {new}.").format(
                old=done[0].number, new=done[0].new_number))
        self._after_write()

    def _act(self, action: str, issue_id: int) -> None:
        actor = self.ctx.require_actor()
        fn = getattr(self.ctx.services.sync, action)
        self.ctx.runner.write(lambda: fn(actor, issue_id), lambda _r: self._after_write(),
                              lambda e: show_error(self, e))

    def _after_write(self) -> None:
        self.ctx.changed("*")
        self._sync_now()

    def _worker(self) -> Any:
        return getattr(self.window(), "sync_worker", None)

    def _sync_now_clicked(self) -> None:
        if not self.ctx.services.office.device().enrolled:  # nothing to sync with yet: say what to do
            show_info(self, _("This computer is not enrolled at the district yet. Ask the district for an "
                              "enrolment code, type the server address and the code under "
                              "\"Enrollment at the district\" below, and press \"Enroll\"."))
            self.server_edit.setFocus()
            return
        self._sync_now()

    def _sync_now(self) -> None:
        worker = self._worker()
        if worker is not None:
            worker.trigger(force=True)
        self.refresh()

    def _enroll(self) -> None:
        from sync.client import SyncClient

        actor = self.ctx.require_actor()
        url, code = self.server_edit.text().strip(), self.code_edit.text().strip()

        def work() -> Any:
            return SyncClient(self.ctx.services.store).enroll(url, code, actor=actor)

        def done(resp: Any) -> None:
            show_info(self, _("Enrolled at the district as device {device}.").format(device=resp.device_id))
            self.code_edit.clear()
            self._sync_now()

        self.ctx.runner.run(work, done, lambda e: show_error(self, e))
