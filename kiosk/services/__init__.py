"""The services: one way in for each action, shared by the staff screens, the kiosk and the command line."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from kiosk.db import Store

if TYPE_CHECKING:
    from kiosk.books.service import MonthlyReportService
    from kiosk.budget.service import ApbdesService
    from kiosk.services.backup import BackupService
    from kiosk.services.complaints import ComplaintService
    from kiosk.services.duplicates import DuplicateLetterService
    from kiosk.services.kiosk_auth import KioskAuthService
    from kiosk.services.letters import LetterService
    from kiosk.services.office import OfficeService
    from kiosk.services.preferences import PreferenceService
    from kiosk.services.residents import ResidentService
    from kiosk.services.sync_state import SyncStateService
    from kiosk.services.users import UserService


class Services:
    """All services over one store, built lazily (start-up imports only what it uses)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @cached_property
    def users(self) -> UserService:
        from kiosk.services.users import UserService

        return UserService(self.store)

    @cached_property
    def office(self) -> OfficeService:
        from kiosk.services.office import OfficeService

        return OfficeService(self.store)

    @cached_property
    def preferences(self) -> PreferenceService:
        from kiosk.services.preferences import PreferenceService

        return PreferenceService(self.store)

    @cached_property
    def residents(self) -> ResidentService:
        from kiosk.services.residents import ResidentService

        return ResidentService(self.store)

    @cached_property
    def kiosk_auth(self) -> KioskAuthService:
        from kiosk.services.kiosk_auth import KioskAuthService

        return KioskAuthService(self.store)

    @cached_property
    def complaints(self) -> ComplaintService:
        from kiosk.services.complaints import ComplaintService

        return ComplaintService(self.store)

    @cached_property
    def letters(self) -> LetterService:
        from kiosk.services.letters import LetterService

        return LetterService(self.store)

    @cached_property
    def backup(self) -> BackupService:
        from kiosk.services.backup import BackupService

        return BackupService(self.store)

    @cached_property
    def sync(self) -> SyncStateService:
        from kiosk.services.sync_state import SyncStateService

        return SyncStateService(self.store)

    @cached_property
    def duplicates(self) -> DuplicateLetterService:
        from kiosk.services.duplicates import DuplicateLetterService

        return DuplicateLetterService(self.store, self.letters)

    @cached_property
    def monthly_reports(self) -> MonthlyReportService:
        from kiosk.books.service import MonthlyReportService

        return MonthlyReportService(self.store)

    @cached_property
    def apbdes(self) -> ApbdesService:
        from kiosk.budget.service import ApbdesService

        return ApbdesService(self.store)
