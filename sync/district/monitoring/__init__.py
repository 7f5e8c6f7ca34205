"""District e-monitoring: staff accounts, sign-in, and server-rendered pages of every village's service.

A package by job: `models` (tables), `security` (accounts, lockout, signed sessions and sign-in links),
`queries` (the aggregate figures and the device status report), `routes` (pages and CSV exports). The
settings (secret, limits) come from `sync.district.settings`. Everything others import is re-exported here.
"""

from sync.district.monitoring.models import DeviceReport, DistrictUser
from sync.district.monitoring.queries import (
    OPEN_REQUEST_STATES,
    SYNC_AMBER,
    SYNC_GREEN,
    StatusReport,
    VillageDetail,
    VillageRow,
    month_bounds,
    overview,
    overview_one,
    village_detail,
)
from sync.district.monitoring.routes import BULAN, pages, report_router, router
from sync.district.monitoring.security import (
    COOKIE,
    ENV_SECRET,
    LOCK_MINUTES,
    LOGIN_LINK_MINUTES,
    MAX_FAILURES,
    SESSION_HOURS,
    MonitoringError,
    UserDep,
    Viewer,
    add_user,
    authenticate,
    current_user,
    login_link,
    make_token,
    read_token,
    server_secret,
    session_cookie_for,
    user_command,
)

__all__ = [
    "BULAN", "COOKIE", "ENV_SECRET", "LOCK_MINUTES", "LOGIN_LINK_MINUTES", "MAX_FAILURES", "OPEN_REQUEST_STATES",
    "SESSION_HOURS", "SYNC_AMBER", "SYNC_GREEN", "DeviceReport", "DistrictUser", "MonitoringError", "StatusReport",
    "UserDep", "Viewer", "VillageDetail", "VillageRow", "add_user", "authenticate", "current_user", "login_link",
    "make_token", "month_bounds", "overview", "overview_one", "pages", "read_token", "report_router", "router",
    "server_secret", "session_cookie_for", "user_command", "village_detail",
]
