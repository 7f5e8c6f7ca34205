"""The screen harness's rules fail on each class of defect of issue 18, planted on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tests.ui.screen_check import Vocabulary, check_window, place_on


@pytest.fixture
def vocab() -> Vocabulary:
    return Vocabulary.from_catalogs()


@pytest.fixture
def styled(qapp: Any) -> Iterator[Any]:
    from ui.app import make_application

    app = make_application()
    yield app
    app.setStyleSheet("")


def _dialog(qtbot: Any, *widgets: QWidget, size: tuple[int, int] = (500, 400)) -> tuple[QDialog, Any]:
    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    for w in widgets:
        layout.addWidget(w)
    area = place_on(dialog, 0)
    qtbot.addWidget(dialog)
    dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog, area


def test_a_sound_dialog_passes(styled: Any, qtbot: Any, vocab: Vocabulary) -> None:
    combo = QComboBox()
    combo.addItems(["Islam", "Kristen", "Hindu"])
    dialog, area = _dialog(qtbot, QLabel("Nama lengkap"), combo, QPushButton("Simpan"), QSpinBox())
    assert check_window(dialog, area, vocab) == []


def test_window_taller_than_the_screen_fails(styled: Any, qtbot: Any) -> None:
    dialog, area = _dialog(qtbot, QPushButton("Simpan PDF"), size=(820, 900))  # the old print preview
    problems = check_window(dialog, area)
    assert any("does not fit the 1366×768 screen" in p for p in problems), problems


def test_button_outside_its_parent_fails(styled: Any, qtbot: Any) -> None:
    holder = QWidget()
    holder.setFixedHeight(60)
    bottom = QPushButton("Hapus semua", holder)
    bottom.setGeometry(0, 80, 120, 40)  # below the holder's 60 px, like the kiosk keypad's bottom row
    dialog, area = _dialog(qtbot, holder)
    problems = check_window(dialog, area)
    assert any("Hapus semua" in p and "outside the window" in p for p in problems), problems


def test_content_in_a_scroll_area_may_be_scrolled_to(styled: Any, qtbot: Any) -> None:
    body = QWidget()
    column = QVBoxLayout(body)
    for i in range(40):
        column.addWidget(QPushButton(f"Tombol {i}"))
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(body)
    dialog, area = _dialog(qtbot, scroll)
    assert check_window(dialog, area) == []


def test_clipped_label_fails(styled: Any, qtbot: Any) -> None:
    label = QLabel("(belum ada logo kantor desa)")
    label.setFixedWidth(64)
    dialog, area = _dialog(qtbot, label)
    problems = check_window(dialog, area)
    assert any("clipped" in p and "belum ada" in p for p in problems), problems


def test_invisible_combo_selection_fails(styled: Any, qtbot: Any) -> None:
    combo = QComboBox()
    combo.addItems(["Islam", "Kristen", "Hindu"])
    combo.setStyleSheet("QComboBox::item:selected { background: white; color: white; }")  # the old defect
    dialog, area = _dialog(qtbot, combo)
    problems = check_window(dialog, area)
    assert any("selected item's background" in p for p in problems), problems
    assert any("text is invisible" in p for p in problems), problems


def test_english_and_raw_codes_fail(styled: Any, qtbot: Any, vocab: Vocabulary) -> None:
    dialog, area = _dialog(qtbot, QLabel("Save profile"), QLabel("letter_request 01a23ec2 transition"),
                           QLabel("Versi 1"))
    problems = check_window(dialog, area, vocab)
    assert any("English 'Save profile'" in p and "Simpan profil" in p for p in problems), problems
    assert any("'request', 'transition'" in p for p in problems), problems
    assert not any("Versi" in p for p in problems)  # Indonesian words pass


def test_tooltip_placeholder_and_combo_items_are_read(styled: Any, qtbot: Any, vocab: Vocabulary) -> None:
    from PySide6.QtWidgets import QLineEdit

    edit = QLineEdit()
    edit.setPlaceholderText("Search by name")
    button = QPushButton("Simpan")
    button.setToolTip("Saves the resident")
    combo = QComboBox()
    combo.addItems(["Islam", "waiting"])
    dialog, area = _dialog(qtbot, edit, button, combo)
    problems = "\n".join(check_window(dialog, area, vocab))
    assert "placeholder" in problems and "tooltip" in problems and "'waiting'" in problems, problems


def test_spin_box_without_arrows_fails(styled: Any, qtbot: Any) -> None:
    spin = QSpinBox()
    spin.setStyleSheet("QSpinBox::up-arrow, QSpinBox::down-arrow { image: none; width: 0; height: 0; }"
                       "QSpinBox::up-button, QSpinBox::down-button { background: white; border: none; }")
    dialog, area = _dialog(qtbot, spin)
    problems = check_window(dialog, area)
    assert any("no up/down arrows" in p for p in problems), problems
