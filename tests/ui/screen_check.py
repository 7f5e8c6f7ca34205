"""What a clerk would trip over on one window, found by walking its widget tree (the screen harness).

``check_window(window, screen)`` returns a list of problems (empty when the window is fine):

- the window (with a title bar and a task bar) does not fit the screen's available area;
- a button or input lies outside the window, or outside a parent that clips it (only a scroll area
  may hide part of its content: that part can be scrolled to), or two of them overlap;
- a label's (or a push button's) text is wider or taller than the room it has: Qt clips it;
- a combo box's popup paints the selected / hovered item in the popup's own background colour, or
  its text in the colour of the selection;
- a visible text has a word that is neither in the Indonesian catalogs nor in the village's data
  (an English word, a raw code such as ``letter_request``), or is an English source string whose
  Indonesian translation exists but was not used.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po
from PySide6.QtCore import QItemSelectionModel, QPoint, QRect, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QTabBar,
    QTabWidget,
    QTextEdit,
    QWidget,
)

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "resources" / "locale" / "id"
TITLE_BAR = 30  # px a window manager adds above a window
TASK_BAR = 40  # px a desktop's panel takes when the available geometry does not say so

_WORD = re.compile(r"[A-Za-z]+")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_PATHLIKE = re.compile(r"\S*[/\\@]\S*|https?://\S+")  # folders, e-mail and web addresses: not words
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


@dataclass
class Vocabulary:
    """The words a clerk may see in the Indonesian program: every word of the Indonesian catalogs,
    plus the village's own data (names, places) and whatever a test adds."""

    words: set[str] = field(default_factory=set)
    english: dict[str, str] = field(default_factory=dict)  # source text -> Indonesian, where they differ
    indonesian: set[str] = field(default_factory=set)  # every translation, as written

    @classmethod
    def from_catalogs(cls) -> Vocabulary:
        vocab = cls()
        for po in sorted(LOCALE.glob("*.po")):
            with po.open("rb") as f:
                catalog = read_po(f)
            for message in catalog:
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text in strings:
                    vocab.add_text(_PLACEHOLDER.sub(" ", str(text)))
                    vocab.indonesian.add(str(text).replace("&", ""))
                if not message.context and strings[0] != ids[0]:
                    vocab.english[ids[0]] = str(strings[0])
        vocab.add_reference_data()
        return vocab

    def add_text(self, text: str) -> None:
        self.words.update(w.lower() for w in _WORD.findall(text.replace("&", "")))

    def add_reference_data(self) -> None:
        """Region names, code-list names (as shown), the languages' own names: Indonesian data."""
        from kiosk import i18n, refdata
        from kiosk.text import display_name

        for code, name in refdata.provinces().items():
            self.add_text(name)
            for kab, kab_name in refdata.kabupaten(code).items():
                self.add_text(kab_name)
                for kec, kec_name in refdata.kecamatan(kab).items():
                    self.add_text(kec_name)
                    for desa_name in refdata.desa(kec).values():
                        self.add_text(desa_name)
        from kiosk.books.catalog import BOOKS  # the books' official names (Permendagri 47/2016), shown as-is

        for book in BOOKS.values():
            self.add_text(book.title)
        for stem in refdata.code_list_names():
            try:
                names = refdata.code_list(stem).items()
            except KeyError:
                continue
            for _code, name in names:
                self.add_text(display_name(name))
        for name in i18n.LANGUAGES.values():
            self.add_text(name)

    def add_database(self, db: Path) -> None:
        """Names, places and free text of the village's records (not codes: a raw status is a defect)."""
        con = sqlite3.connect(db)
        try:
            for table, columns in (
                ("office_profile", ("village_name", "kecamatan_name", "kabupaten_name", "provinsi_name",
                                    "address", "email", "head_name", "head_title", "secretary_name",
                                    "secretary_title", "service_hours")),
                ("user", ("full_name", "username")),
                ("resident", ("name", "birth_place", "father_name", "mother_name", "address", "dusun")),
                ("family", ("address", "dusun")),
                ("device", ("name",)),
                ("complaint", ("subject", "body", "text", "description", "reporter_name")),
                ("letter_request", ("reason",)),
            ):
                have = {r[1] for r in con.execute(f'PRAGMA table_info("{table}")')}
                for column in columns:
                    if column in have:
                        for (value,) in con.execute(f'SELECT DISTINCT "{column}" FROM "{table}"'):
                            if isinstance(value, str):
                                self.add_text(value)
        finally:
            con.close()

    def unknown_words(self, text: str) -> list[str]:
        out = []
        text = " ".join(t for t in text.split() if not any(c.isdigit() for c in t))  # ids, numbers, dates
        for word in _WORD.findall(text):
            if len(word) <= 2 or word.isupper() or word.lower() in self.words:
                continue
            out.append(word)
        return out


def _rect_in(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())


def _visible_descendants(top: QWidget) -> Iterator[QWidget]:
    for w in top.findChildren(QWidget):
        if w.isVisibleTo(top) and w.width() > 0 and w.height() > 0 and w.window() is top:
            yield w


def _clip_rect(widget: QWidget, top: QWidget) -> tuple[QRect, bool]:
    """The part of ``top`` in which ``widget`` can be seen, and whether a scroll area lies between
    (then only the scrolled content's own parents clip it: the rest can be scrolled to)."""
    clip = QRect(-10**6, -10**6, 2 * 10**6, 2 * 10**6)
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and parent is area.viewport():
            return clip, True
        clip = clip.intersected(_rect_in(parent, top))
        parent = parent.parentWidget()
    return clip.intersected(top.rect()), False


def _seen_rect(widget: QWidget, top: QWidget) -> QRect:
    """The part of ``widget`` on the screen now: clipped by every parent, scroll viewports included."""
    rect = _rect_in(widget, top)
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        rect = rect.intersected(_rect_in(parent, top))
        parent = parent.parentWidget()
    return rect.intersected(top.rect())


def _name(w: QWidget) -> str:
    text = ""
    for attr in ("text", "placeholderText", "title"):
        fn = getattr(w, attr, None)
        if callable(fn):
            try:
                value = fn()
            except TypeError:
                continue
            if isinstance(value, str) and value:
                text = value
                break
    label = f"{type(w).__name__}"
    if w.objectName():
        label += f"#{w.objectName()}"
    if text:
        label += f" {text[:40]!r}"
    return label


def check_geometry(top: QWidget, screen: QRect) -> list[str]:
    problems = []
    room_w, room_h = screen.width(), screen.height() - TITLE_BAR - TASK_BAR
    if top.width() > room_w or top.height() > room_h:
        problems.append(f"window {top.width()}×{top.height()} does not fit the {screen.width()}×{screen.height()} "
                        f"screen (room {room_w}×{room_h} with title and task bar)")
    controls: list[tuple[QWidget, QRect]] = []
    for w in _visible_descendants(top):
        if not isinstance(w, (*CONTROLS, QLabel, QAbstractScrollArea)):
            continue
        if isinstance(w.parentWidget(), (QAbstractSpinBox, QComboBox, QTabBar)) or w.objectName().startswith("qt_"):
            continue  # a spin box's own line edit, a tab bar's scroll buttons
        r = _rect_in(w, top)
        clip, _scrolled = _clip_rect(w, top)
        inside = clip.adjusted(-1, -1, 1, 1)
        if not inside.contains(r):
            what = "cut off" if inside.intersects(r) else "outside the window"
            problems.append(f"{_name(w)} at {r.x()},{r.y()} {r.width()}×{r.height()} is {what} "
                            f"(visible area {clip.x()},{clip.y()} {clip.width()}×{clip.height()})")
        seen = _seen_rect(w, top)
        if isinstance(w, CONTROLS) and not seen.isEmpty():
            controls.append((w, seen))  # the part the user sees
    for i, (a, ra) in enumerate(controls):
        for b, rb in controls[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            overlap = ra.intersected(rb)
            if overlap.width() > 2 and overlap.height() > 2:
                problems.append(f"{_name(a)} and {_name(b)} overlap")
    return problems


def check_text_room(top: QWidget) -> list[str]:
    problems = []
    for w in _visible_descendants(top):
        if isinstance(w, QLabel):
            if not w.text().strip() or (w.pixmap() is not None and not w.pixmap().isNull()):
                continue
            if w.wordWrap():
                need_h = w.heightForWidth(w.contentsRect().width() + (w.width() - w.contentsRect().width()))
                if need_h > w.height() + 1:
                    problems.append(f"{_name(w)}: wrapped text needs {need_h}px height, has {w.height()}px (clipped)")
            else:
                need = w.sizeHint()
                if need.width() > w.width() + 1 or need.height() > w.height() + 1:
                    problems.append(f"{_name(w)}: text needs {need.width()}×{need.height()}, has "
                                    f"{w.width()}×{w.height()} (clipped)")
        elif isinstance(w, QPushButton) and w.text().strip():
            need = w.sizeHint()
            if need.width() > w.width() + 1:
                problems.append(f"{_name(w)}: text needs {need.width()}px, the button has {w.width()}px (clipped)")
    return problems


def _distance(a: QColor, b: QColor) -> int:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue())


def _colours(image: object, rect: QRect) -> list[tuple[QColor, int]]:
    counts: dict[int, int] = {}
    w, h = image.width(), image.height()  # type: ignore[attr-defined]
    for x in range(max(0, rect.left() + 2), min(w, rect.right() - 1), 2):
        for y in range(max(0, rect.top() + 1), min(h, rect.bottom())):
            rgb = image.pixel(x, y)  # type: ignore[attr-defined]
            counts[rgb] = counts.get(rgb, 0) + 1
    return [(QColor.fromRgb(rgb), n) for rgb, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def check_combo_popup(combo: QComboBox) -> list[str]:
    """Open the popup, make item 1 the current (hovered) one, and look at the pixels."""
    if combo.count() < 2:
        return []
    combo.showPopup()
    QApplication.processEvents()
    view = combo.view()
    try:
        model = view.model()
        current, other = model.index(1, combo.modelColumn()), model.index(0, combo.modelColumn())
        view.setCurrentIndex(current)
        view.selectionModel().select(current, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        QApplication.processEvents()
        image = view.viewport().grab().toImage()
        selected = _colours(image, view.visualRect(current))
        plain = _colours(image, view.visualRect(other))
    finally:
        combo.hidePopup()
        QApplication.processEvents()
    if not selected or not plain:
        return []
    sel_bg, plain_bg = selected[0][0], plain[0][0]
    problems = []
    if _distance(sel_bg, plain_bg) < 60:
        problems.append(f"{_name(combo)}: the selected item's background {sel_bg.name()} is (nearly) the "
                        f"popup's background {plain_bg.name()}: the user cannot see which item is chosen")
    ink = [c for c, n in selected[1:] if n >= 3]
    if not ink or max(_distance(c, sel_bg) for c in ink) < 200:
        problems.append(f"{_name(combo)}: the selected item's text is invisible on {sel_bg.name()}")
    return problems


def check_spin_arrows(spin: QAbstractSpinBox) -> list[str]:
    """A spin box (or date field) shows its up and down arrows: in each half of its right edge, a
    triangle (several rows of dark pixels), not only the buttons' border lines."""
    if spin.buttonSymbols() == QAbstractSpinBox.ButtonSymbols.NoButtons or spin.width() < 40:
        return []
    image = spin.grab().toImage()
    w, h = image.width(), image.height()
    base = QColor.fromRgb(image.pixel(w - 12, 3))
    halves: tuple[tuple[int, int], ...] = ((3, h // 2 - 1), (h // 2 + 1, h - 3))
    if isinstance(spin, QDateTimeEdit) and spin.calendarPopup():
        halves = ((3, h - 3),)  # one drop-down arrow that opens the calendar
    for top, bottom in halves:
        rows = 0
        for y in range(top, bottom):
            ink = sum(1 for x in range(w - 20, w - 3) if _distance(QColor.fromRgb(image.pixel(x, y)), base) > 250)
            if 2 <= ink <= 14:
                rows += 1
        if rows < 3:
            return [f"{_name(spin)}: no up/down arrows can be seen"]
    return []


def visible_texts(top: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for every text a user can see or hover in ``top``."""
    if top.windowTitle():
        yield "window title", top.windowTitle()
    if isinstance(top, QMainWindow):
        for action in top.menuBar().actions():
            yield "menu", action.text()
            menu = action.menu()
            if menu is not None:
                for sub in menu.actions():
                    if sub.text():
                        yield "menu item", sub.text()
    for w in _visible_descendants(top):
        name = _name(w)
        if w.toolTip():
            yield f"{name} tooltip", w.toolTip()
        if isinstance(w, (QLabel, QAbstractButton)) and w.text():
            if (isinstance(w, QLabel) and w.textFormat() == Qt.TextFormat.RichText) or "<" in w.text():
                yield name, re.sub(r"&[a-z]+;|&#\d+;", " ", re.sub(r"<[^>]+>", " ", w.text()))
            else:
                yield name, w.text()
        if isinstance(w, QLineEdit) and w.placeholderText():
            yield f"{name} placeholder", w.placeholderText()
        if isinstance(w, QGroupBox) and w.title():
            yield name, w.title()
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                yield f"{name} tab", w.tabText(i)
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                yield f"{name} item", w.itemText(i)
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                yield f"{name} item", w.item(i).text()
        if (isinstance(w, QAbstractItemView) and not isinstance(w, (QListWidget, QHeaderView))
                and w.model() is not None):
            model = w.model()
            for c in range(model.columnCount()):
                header = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
                if isinstance(header, str):
                    yield f"{name} header", header
            for r in range(min(model.rowCount(), 30)):
                for c in range(model.columnCount()):
                    value = model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole)
                    if isinstance(value, str):
                        yield f"{name} cell", value


def check_language(top: QWidget, vocab: Vocabulary, *, skip: tuple[str, ...] = ()) -> list[str]:
    """``skip``: places (e.g. ``"#pageSizeCombo item"``) whose text is deliberately not translated."""
    problems = []
    seen: set[tuple[str, str]] = set()
    for where, text in visible_texts(top):
        if any(s in where for s in skip):
            continue
        text = text.replace("&", "")
        if (where, text) in seen:
            continue
        seen.add((where, text))
        if text in vocab.english and text not in vocab.indonesian:
            problems.append(f"{where}: English {text!r} (the catalog has {vocab.english[text]!r})")
            continue
        unknown = vocab.unknown_words(_PATHLIKE.sub(" ", text))
        if unknown:
            problems.append(f"{where}: {text[:80]!r} has words not in the Indonesian catalogs: {unknown}")
    return problems


def check_window(top: QWidget, screen: QRect, vocab: Vocabulary | None = None, *,
                 combos: bool = True) -> list[str]:
    QApplication.processEvents()
    problems = check_geometry(top, screen) + check_text_room(top)
    if combos:
        for combo in top.findChildren(QComboBox):
            if combo.isVisibleTo(top):
                problems += check_combo_popup(combo)
    for spin in top.findChildren(QAbstractSpinBox):
        if spin.isVisibleTo(top):
            problems += check_spin_arrows(spin)
    if vocab is not None:
        problems += check_language(top, vocab)
    return problems


def place_on(top: QWidget, screen_index: int) -> QRect:
    """Show ``top`` on one of the virtual screens (tests/ui/offscreen_screens.json); its area."""
    screens = QApplication.screens()
    screen = screens[min(screen_index, len(screens) - 1)]
    top.setScreen(screen)
    area = screen.availableGeometry()
    return area


def unique(problems: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(problems))
