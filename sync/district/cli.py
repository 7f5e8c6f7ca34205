"""``smart-kampung-district``: run the district server and administer villages, codes and devices."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from sync.district.db import ENV_DB, default_db_url


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smart-kampung-district", description="Server kabupaten Smart Kampung")
    parser.add_argument("--db", help=f"URL basis data (bawaan: {ENV_DB} atau berkas SQLite di direktori data)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="jalankan server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    code = sub.add_parser("enroll-code", help="buat kode pendaftaran perangkat sekali pakai")
    code.add_argument("--village", required=True, help="kode desa Kemendagri, mis. 35.10.01.2001")
    code.add_argument("--role", required=True, choices=["office", "kiosk"])
    code.add_argument("--hours", type=float, default=24.0, help="berlaku berapa jam (bawaan 24)")
    code.add_argument("--name", default="", help="nama desa (jika desa baru)")
    code.add_argument("--json", action="store_true")
    revoke = sub.add_parser("revoke", help="cabut perangkat")
    revoke.add_argument("device")
    devices = sub.add_parser("devices", help="daftar perangkat")
    devices.add_argument("--json", action="store_true")
    villages = sub.add_parser("villages", help="daftar desa")
    villages.add_argument("--json", action="store_true")
    user_add = sub.add_parser("user-add", help="buat akun petugas kabupaten untuk e-monitoring")
    user_add.add_argument("name", help="nama pengguna")
    user_add.add_argument("--full-name", default="", help="nama lengkap")
    link = sub.add_parser("login-link", help="tautan masuk e-monitoring yang berlaku 10 menit")
    link.add_argument("name", help="nama pengguna")
    link.add_argument("--base-url", default="http://127.0.0.1:8000")
    rules = sub.add_parser("budget-rules", help="aturan Dana Desa dan batas waktu laporan APBDes per tahun")
    rules.add_argument("--year", type=int, required=True, help="tahun anggaran")
    rules.add_argument("--blt-max", help="BLT paling banyak (persen Dana Desa), mis. 15")
    rules.add_argument("--pangan-min", help="ketahanan pangan paling sedikit (persen), mis. 20")
    rules.add_argument("--operasional-max", help="operasional pemerintah desa paling banyak (persen), mis. 3")
    rules.add_argument("--semester1-deadline", help="batas laporan semester I, TTTT-BB-HH")
    rules.add_argument("--final-deadline", help="batas laporan akhir tahun, TTTT-BB-HH")
    rules.add_argument("--set-deadline", help="batas penetapan APBDes, TTTT-BB-HH (bawaan 31 Desember sebelumnya)")
    rules.add_argument("--json", action="store_true")
    # --db is accepted after the command too (as in the design's examples)
    for p in (serve, code, revoke, devices, villages, user_add, link, rules):
        p.add_argument("--db", dest="db_sub", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = args.db_sub or args.db or default_db_url()
    if args.command == "serve":
        return _serve(url, args.host, args.port, args.workers)
    from sync.district.db import Database
    from sync.district.store import DistrictStore, StoreError

    db: Database | None = None
    try:
        db = Database(url)
        db.upgrade()
        store = DistrictStore(db)
        if args.command == "enroll-code":
            new = store.create_enrollment_code(args.village, args.role, args.hours)
            if args.name:
                store.add_village(args.village, args.name)
            if args.json:
                print(json.dumps({"code": new.code, "village": new.village, "role": new.role,
                                  "expires_at": new.expires_at.isoformat()}))
            else:
                print(new.code)
                print(f"Desa {new.village}, peran {new.role}, berlaku sampai "
                      f"{new.expires_at:%Y-%m-%d %H:%M} UTC.", file=sys.stderr)
        elif args.command == "revoke":
            device = store.revoke(args.device)
            print(f"Perangkat {device.id} ({device.name}, desa {device.village}) dicabut.")
        elif args.command == "devices":
            rows = [{"id": d.id, "village": d.village, "role": d.role, "name": d.name,
                     "created_at": d.created_at.isoformat(),
                     "last_seen": d.last_seen.isoformat() if d.last_seen else None,
                     "last_push": d.last_push.isoformat() if d.last_push else None,
                     "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None}
                    for d in store.devices()]
            if args.json:
                print(json.dumps(rows, indent=2))
            else:
                for r in rows:
                    state = "dicabut" if r["revoked_at"] else "aktif"
                    print(f"{r['id']}  {r['village']}  {r['role']:<6}  {state:<7}  {r['name']}  "
                          f"terakhir: {r['last_seen'] or '-'}")
        elif args.command in ("user-add", "login-link"):
            from sync.district.monitoring import user_command

            return user_command(db, args)
        elif args.command == "budget-rules":
            return _budget_rules(db, args)
        elif args.command == "villages":
            villages = store.villages()
            if args.json:
                print(json.dumps([{"code": v.code, "name": v.name} for v in villages]))
            else:
                for v in villages:
                    print(f"{v.code}  {v.name}")
    except StoreError as exc:
        print(f"Galat: {exc.message}", file=sys.stderr)
        return 2
    except Exception as exc:  # a broken URL or unreachable database
        print(f"Galat: basis data tidak dapat dibuka ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    finally:
        if db is not None:
            db.dispose()
    return 0


def _budget_rules(db: object, args: argparse.Namespace) -> int:
    import datetime as dt
    from decimal import Decimal, InvalidOperation

    from sync.district.budget import queries

    try:
        values = {k: Decimal(getattr(args, k)) for k in ("blt_max", "pangan_min", "operasional_max")
                  if getattr(args, k) is not None}
        dates = {k: dt.date.fromisoformat(getattr(args, k)) for k in
                 ("semester1_deadline", "final_deadline", "set_deadline") if getattr(args, k)}
    except (InvalidOperation, ValueError):
        print("Galat: persen harus angka (mis. 15 atau 2.5) dan tanggal TTTT-BB-HH.", file=sys.stderr)
        return 2
    if any(not 0 <= v <= 100 for v in values.values()):
        print("Galat: persen harus antara 0 dan 100.", file=sys.stderr)
        return 2
    rules = queries.set_rules(db, args.year, **values, **dates) if (values or dates) else queries.rules_for(db, args.year)  # type: ignore[arg-type]
    out = {"tahun": rules.tahun, "blt_max": str(rules.blt_max), "pangan_min": str(rules.pangan_min),
           "operasional_max": str(rules.operasional_max), "semester1_deadline": rules.semester1_deadline.isoformat(),
           "final_deadline": rules.final_deadline.isoformat(), "set_deadline": rules.set_deadline.isoformat(),
           "configured": rules.configured}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"Aturan {rules.tahun}: BLT ≤ {rules.blt_max}%, pangan ≥ {rules.pangan_min}%, operasional ≤ "
              f"{rules.operasional_max}%; laporan semester I {rules.semester1_deadline}, akhir tahun "
              f"{rules.final_deadline}; penetapan {rules.set_deadline}.")
    return 0


def _serve(url: str, host: str, port: int, workers: int) -> int:
    import os

    import uvicorn

    from sync.district.db import Database

    try:
        Database(url).upgrade()  # once, before the workers start
    except Exception as exc:
        print(f"Galat: basis data tidak dapat dibuka ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    os.environ[ENV_DB] = url
    uvicorn.run("sync.district.cli:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="info")
    return 0


def app_from_env() -> object:
    """The app for uvicorn's worker processes (the URL travels in the environment)."""
    from sync.district.app import create_app

    return create_app(default_db_url(), migrate=False)


if __name__ == "__main__":
    sys.exit(main())
