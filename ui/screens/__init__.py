"""The screens of the staff program's navigation, in order. A feature adds its screen here.

Screens are created lazily the first time they are shown (start-up stays fast). ``permission`` hides a
screen from roles that could not use it anyway; the services still check every call.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.i18n import N_


@dataclass(frozen=True)
class ScreenSpec:
    key: str
    title: str  # English; translated when shown
    factory: str  # "module:Class" taking (ctx, parent)
    permission: str | None = None
    badge: str | None = None  # "module:function(ctx) -> int" for a count beside the title


SCREENS: list[ScreenSpec] = [
    ScreenSpec("beranda", N_("Home"), "ui.screens.beranda:BerandaScreen"),
    ScreenSpec("penduduk", N_("Residents"), "ui.screens.penduduk:PendudukScreen", permission="resident.view"),
    ScreenSpec("permohonan", N_("Requests"), "ui.screens.permohonan:PermohonanScreen", permission="letter.request",
               badge="ui.screens.permohonan:waiting_badge"),
    ScreenSpec("surat", N_("Letters"), "ui.screens.surat:SuratScreen", permission="letter.issue"),
    ScreenSpec("buku", N_("Administration books"), "ui.screens.buku_administrasi:BukuAdministrasiScreen",
               permission="books.view"),
    ScreenSpec("laporan_bulanan", N_("Monthly report"), "ui.screens.laporan_bulanan:LaporanBulananScreen",
               permission="books.view"),
    ScreenSpec("buku_catatan", N_("Office books"), "ui.screens.buku_catatan:BukuCatatanScreen",
               permission="books.edit"),
    ScreenSpec("pengaduan", N_("Complaints"), "ui.screens.pengaduan:PengaduanScreen", permission="complaint.view",
               badge="ui.screens.pengaduan:overdue_badge"),
    ScreenSpec("apbdes", N_("APBDes"), "ui.screens.apbdes:ApbdesScreen", permission="apbdes.view"),
    ScreenSpec("sinkronisasi", N_("Synchronisation"), "ui.screens.sinkronisasi:SinkronisasiScreen",
               permission="sync.run"),
    ScreenSpec("pengguna", N_("Users"), "ui.screens.pengguna:PenggunaScreen", permission="user.manage"),
    ScreenSpec("pengaturan", N_("Settings"), "ui.screens.pengaturan:PengaturanScreen"),
]
