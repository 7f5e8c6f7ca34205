"""Letter commands: ``smart-kampung letters types|issue|register|verify|void``."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from cli import emit, login, open_services
from kiosk.errors import NotFound, ValidationError
from kiosk.i18n import N_, _


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("letters", parents=[parent], help=_("letter types, issuing, register and verification"))
    lsub = p.add_subparsers(dest="letters_command", required=True)

    t = lsub.add_parser("types", parents=[parent], help=_("list the letter types with their fields"))
    t.set_defaults(handler=cmd_types)

    i = lsub.add_parser("issue", parents=[parent], help=_("issue a letter for a resident"))
    i.add_argument("--type", required=True, dest="letter_type", help=_("letter type code, e.g. domisili"))
    i.add_argument("--nik", required=True, help=_("the resident's NIK"))
    i.add_argument("--field", action="append", default=[], metavar="KEY=VALUE",
                   help=_("a field value (repeat for each field; lists of people as JSON)"))
    i.add_argument("--user", help=_("the user who issues (password from SMART_KAMPUNG_PASSWORD)"))
    i.add_argument("--signer", default="kepala", choices=["kepala", "sekretaris"],
                   help=_("who signs: kepala or sekretaris (a.n. the head)"))
    i.add_argument("--out", help=_("also save the PDF to this file"))
    i.set_defaults(handler=cmd_issue)

    r = lsub.add_parser("register", parents=[parent], help=_("the register of outgoing letters (Buku Agenda)"))
    r.add_argument("--year", type=int, help=_("year (default: this year)"))
    r.add_argument("--user", help=_("the user who reads it (password from SMART_KAMPUNG_PASSWORD)"))
    r.add_argument("--export", help=_("write the register to a .xlsx or .pdf file"))
    r.set_defaults(handler=cmd_register)

    v = lsub.add_parser("verify", parents=[parent], help=_("check a letter's signed code offline"))
    v.add_argument("file", nargs="?", help=_("the letter's PDF file"))
    v.add_argument("--qr", help=_("the text of the letter's QR code"))
    v.set_defaults(handler=cmd_verify)

    pr = lsub.add_parser("print", parents=[parent],
                         help=_("write issued letters into one PDF to print (reprints are marked and counted)"))
    which = pr.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", action="append", dest="letters", metavar="NUMBER_OR_ID",
                       help=_("a letter's number or id (repeat for several)"))
    which.add_argument("--date", help=_("every letter issued on this day (YYYY-MM-DD)"))
    pr.add_argument("--out", required=True, help=_("the PDF file to write"))
    pr.add_argument("--user", help=_("the user who prints (password from SMART_KAMPUNG_PASSWORD)"))
    pr.set_defaults(handler=cmd_print)

    d = lsub.add_parser("void", parents=[parent], help=_("void an issued letter"))
    d.add_argument("letter", help=_("the letter's number or id"))
    d.add_argument("--reason", required=True, help=_("why the letter is voided"))
    d.add_argument("--user", help=_("the supervisor who voids it"))
    d.set_defaults(handler=cmd_void)


def cmd_types(args: argparse.Namespace) -> int:
    services = open_services(args)
    catalog = services.letters.catalog()
    types = []
    for lt in catalog:
        types.append({
            "code": lt.code, "title": lt.title, "classification": lt.classification, "version": lt.version,
            "kiosk": lt.kiosk, "needs_approval": lt.needs_approval, "validity": lt.validity,
            "fields": [{"name": f.name, "label": f.label, "kind": f.kind, "required": f.required,
                        "options": [[c, label] for c, label in f.choices],
                        "columns": [{"name": c.name, "label": c.label, "kind": c.kind, "required": c.required,
                                     "options": [[k, label] for k, label in c.choices]} for c in f.columns]}
                       for f in lt.fields],
        })
    broken = [{"path": str(path), "error": err} for path, err in catalog.broken]

    def text() -> str:
        lines = []
        for t in types:
            flags = " ".join(x for x in (_("kiosk") if t["kiosk"] else "",
                                         _("needs approval") if t["needs_approval"] else "") if x)
            lines.append(f"{t['code']:18} {t['title']}" + (f"  [{flags}]" if flags else ""))
            for f in t["fields"]:
                req = "*" if f["required"] else " "
                lines.append(f"    {req} {f['name']:20} {f['kind']:9} {f['label']}")
        for b in broken:
            lines.append(_("BROKEN: {error}").format(error=b["error"]))
        return "\n".join(lines)

    emit(args, {"types": types, "broken": broken}, text)
    return 0


def _parse_fields(items: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(N_("Write each field as --field key=value."), fields={item: N_("Invalid format.")})
        values[key.strip()] = value
    return values


def cmd_issue(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    resident = services.residents.by_nik(actor, args.nik)
    if resident is None:
        raise NotFound(N_("No resident with NIK {nik}."), nik=args.nik)
    signer = services.letters.signer_for(args.signer)
    try:
        info = services.letters.issue_direct(actor, resident_id=resident.id, letter_type=args.letter_type,
                                             values=_parse_fields(args.field), signer=signer)
    except ValidationError as e:
        if not e.fields:
            raise
        details = "; ".join(f"{name}: {msg}" for name, msg in e.field_messages().items())
        raise ValidationError(N_("Check these fields: {details}"), details=details) from None
    out = None
    if args.out:
        out = Path(args.out)
        data = services.letters.letter_pdf(actor, info.id)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    pdf = str(out) if out else info.pdf_path
    emit(args, {"ok": True, "id": info.id, "number": info.number, "pdf": pdf, "archived": info.pdf_path,
                "issued_on": info.issued_on, "valid_until": info.valid_until, "resident": info.resident_name},
         _("Letter {number} issued for {name}.\nPDF: {path}").format(number=info.number, name=info.resident_name,
                                                                      path=pdf))
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)  # the register names residents: a person reads it (issue 20.7)
    year = args.year or dt.date.today().year
    rows = services.letters.register(actor, year=year)
    if args.export:
        services.letters.export_register(actor, year, Path(args.export))
    labels = {"issued": _("issued"), "void": _("VOID"), "unused": _("unused")}
    data = [{"no": r.sequence_number, "sequence": r.sequence_key, "number": r.number, "date": r.issued_on,
             "type": r.letter_type, "title": r.letter_title, "resident": r.resident_name, "state": r.state,
             "prints": r.print_count, "void_reason": r.void_reason, "id": r.letter_id} for r in rows]

    def text() -> str:
        if not rows:
            return _("No letters in {year}.").format(year=year)
        width = shutil.get_terminal_size((120, 20)).columns
        lines = []
        for r in rows:
            day = r.issued_on.strftime("%d-%m-%Y") if r.issued_on else "-"
            line = f"{r.sequence_number:4} {r.number:34} {day:10} {labels.get(r.state, r.state):8} " \
                   f"{r.letter_title} — {r.resident_name}"
            lines.append(line[:width])
        return "\n".join(lines)

    emit(args, {"year": year, "rows": data}, text)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from kiosk.services.letters.verification import CHECK_LABELS

    services = open_services(args)
    if args.qr:
        report = services.letters.verify_text(args.qr)
    elif args.file:
        report = services.letters.verify_pdf(Path(args.file))
    else:
        raise ValidationError(N_("Give a PDF file or --qr TEXT."))
    status = {"sah": "SAH", "dibatalkan": "DIBATALKAN", "tidak sah": "TIDAK SAH",
              "tidak dikenal": "TIDAK DIKENAL"}.get(report.status, report.status.upper())

    def text() -> str:
        lines = [f"{'✔' if report.ok else '✘'} {status}: {report.message}"]
        s = report.summary
        if s:
            lines.append(_("What was issued (hold it against the paper):"))
            rows = [(_("Letter"), s.get("title", "")), (_("Number"), s.get("number", "")),
                    (_("Date"), s.get("issued_on_text") or s.get("issued_on", "")), (_("Name"), s.get("name", "")),
                    (_("NIK"), s.get("nik_masked", ""))]
            rows += [(str(label), str(value)) for label, value in s.get("fields") or []]
            signer = s.get("signer") or {}
            who = ", ".join(x for x in (signer.get("name"), signer.get("title")) if x)
            if signer.get("capacity"):
                who += f" ({signer['capacity']})"
            rows.append((_("Signed by"), who))
            if report.void_reason is not None:
                rows.append((_("Voided"), f"{report.voided_on or '-'}: {report.void_reason}"))
            width = max(len(label) for label, _v in rows)
            lines += [f"  {label:{width}}  {value}" for label, value in rows]
        elif report.number or report.village_code:
            lines.append(_("Number: {number} · issued {date} · village {village}").format(
                number=report.number or "-", date=report.issued_on or "-", village=report.village_code or "-"))
        for name, ok in report.checks:
            lines.append(f"  {'ok ' if ok else 'NO '} {_(CHECK_LABELS.get(name, name))}")
        if report.ok and not report.compared:
            lines.append(_("The text of the paper was not compared."))
        return "\n".join(lines)

    emit(args, report.to_json(), text)
    return 0 if report.ok else 1


def cmd_print(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            raise ValidationError(N_("Write the date as YYYY-MM-DD, e.g. 2026-11-27."),
                                  fields={"date": N_("Invalid format.")}) from None
        ids = [info.id for info in services.letters.letters_issued_on(actor, day)]
        if not ids:
            raise NotFound(N_("No letters were issued on {date}."), date=args.date)
    else:
        ids = [services.letters.find_letter(actor, key).id for key in args.letters]
    data, infos = services.letters.print_pdf(actor, ids)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    rows = [{"id": i.id, "number": i.number, "void": i.voided, "print_count": i.print_count} for i in infos]
    emit(args, {"ok": True, "pdf": str(out), "letters": rows},
         _("{count} letter(s) written to {path}.").format(count=len(rows), path=out))
    return 0


def cmd_void(args: argparse.Namespace) -> int:
    services = open_services(args)
    actor = login(services, args.user)
    letter = services.letters.find_letter(actor, args.letter)
    info = services.letters.void(actor, letter.id, args.reason)
    emit(args, {"ok": True, "id": info.id, "number": info.number, "void_reason": info.void_reason},
         _("Letter {number} is void.").format(number=info.number))
    return 0
