"""Indonesian names for the codes the core stores (record kinds, change operations): a clerk never
reads ``letter_request`` or ``transition``."""

from __future__ import annotations

from kiosk.i18n import N_, _

ENTITY_LABELS = {
    "resident": N_("Resident"), "family": N_("Family"), "letter": N_("Letter"),
    "letter_request": N_("Letter request"), "letter_type": N_("Letter type"), "complaint": N_("Complaint"),
    "office_profile": N_("Office profile"), "population_event": N_("Population event"),
    "resident_pin": N_("Kiosk PIN"), "setting": N_("Setting"), "user": N_("User"), "device": N_("Device"),
    "letter_number": N_("Letter number"), "letter_print": N_("Letter print"),
}
OPERATION_LABELS = {
    "create": N_("new"), "update": N_("changed"), "delete": N_("deleted"), "transition": N_("status changed"),
    "export": N_("exported"),
}


def entity_label(entity: str) -> str:
    return _(ENTITY_LABELS[entity]) if entity in ENTITY_LABELS else _("Record")


def operation_label(op: str) -> str:
    return _(OPERATION_LABELS[op]) if op in OPERATION_LABELS else _("changed")
