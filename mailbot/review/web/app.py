"""The web application: its routes, static files and middleware. `create_app(App)` is all `mailbot web` needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from mailbot.app import App
from mailbot.clock import utcnow
from mailbot.review.web import (
    case_actions,
    case_page,
    insight_page,
    login,
    oidc,
    outbox_pages,
    queue_page,
    queue_work,
    register_pages,
    search_page,
    staff_admin,
)
from mailbot.review.web.client_address import ClientAddress
from mailbot.review.web.oidc_client import OidcClient
from mailbot.review.web.security import SecurityHeaders
from mailbot.review.web.state import WebState
from mailbot.review.web.templating import make_templates
from mailbot.review.working_hours import working_hours_between

STATIC = Path(__file__).parent / "static"
NHSUK_DIST = Path("node_modules/nhsuk-frontend/dist/nhsuk")
NHSUK_CSS = "nhsuk-frontend.min.css"


def nhsuk_folder(app: App) -> Path | None:
    """The NHS.UK frontend the build installed under [web] assets_dir, if it is there."""
    folder = app.config.path(app.config.web.assets_dir) / NHSUK_DIST
    return folder if (folder / NHSUK_CSS).is_file() else None


def routes(nhsuk: Path | None) -> list[BaseRoute]:
    found: list[BaseRoute] = [
        Route("/login", login.login_page, methods=["GET"]),
        Route("/login", login.login_submit, methods=["POST"]),
        Route("/logout", login.logout, methods=["POST"]),
        Route(oidc.START_PATH, oidc.oidc_start, methods=["GET"]),
        Route(oidc.CALLBACK_PATH, oidc.oidc_callback, methods=["GET"]),
        Route("/", queue_page.queue_view, methods=["GET"]),
        Route("/next", queue_work.next_case, methods=["GET"]),
        Route("/search", search_page.search_view, methods=["GET"]),
        Route("/cases/{reference}", case_page.case_view, methods=["GET"]),
        Route("/cases/{reference}/assign", queue_work.assign, methods=["POST"]),
        Route("/cases/{reference}/release", queue_work.release, methods=["POST"]),
        Route("/cases/{reference}/ask", queue_work.ask, methods=["POST"]),
        Route("/cases/{reference}/warn", queue_work.warn, methods=["POST"]),
        Route("/cases/{reference}/attachments/{index:int}", case_page.attachment, methods=["GET"]),
        Route("/cases/{reference}/attachments/{index:int}/page1.png", case_page.page_image, methods=["GET"]),
        Route("/cases/{reference}/approve", case_actions.approve_preview, methods=["GET", "POST"]),
        Route("/cases/{reference}/approve/confirm", case_actions.approve_confirm, methods=["POST"]),
        Route("/cases/{reference}/reject", case_actions.reject_preview, methods=["GET", "POST"]),
        Route("/cases/{reference}/reject/confirm", case_actions.reject_confirm, methods=["POST"]),
        Route("/cases/{reference}/close", case_actions.close_case, methods=["POST"]),
        Route("/cases/{reference}/reopen", case_actions.reopen_case, methods=["POST"]),
        Route("/cases/{reference}/resend", case_actions.resend_confirmation, methods=["POST"]),
        Route("/cases/{reference}/note", case_actions.add_note, methods=["POST"]),
        Route("/cases/{reference}/retry", case_actions.retry_message, methods=["POST"]),
        Route("/outbox", outbox_pages.outbox_view, methods=["GET"]),
        Route("/insight", insight_page.insight_view_page, methods=["GET"]),
        Route("/outbox/{message_id:int}", outbox_pages.outbox_message_view, methods=["GET"]),
        Route("/register", register_pages.search, methods=["GET"]),
        Route("/staff", staff_admin.staff_list, methods=["GET"]),
        Route("/staff/{staff_id:int}/unlock", staff_admin.staff_unlock, methods=["POST"]),
        Route("/staff/{staff_id:int}/reset", staff_admin.staff_reset, methods=["POST"]),
        Route("/staff/{staff_id:int}/disable", staff_admin.staff_disable, methods=["POST"]),
        Route("/staff/{staff_id:int}/enable", staff_admin.staff_enable, methods=["POST"]),
        Route("/account/password", staff_admin.own_password, methods=["GET", "POST"]),
        Route("/register/{code}", register_pages.organisation_view, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    if nhsuk is not None:
        found.append(Mount("/nhsuk", StaticFiles(directory=nhsuk), name="nhsuk"))
        # The NHS.UK stylesheet asks for its icons at /assets/images/...
        found.append(Mount("/assets", StaticFiles(directory=nhsuk / "assets"), name="nhsuk-assets"))
    return found


def create_app(app: App, *, clock: Callable[[], datetime] = utcnow) -> Starlette:
    nhsuk = nhsuk_folder(app)
    web = Starlette(routes=routes(nhsuk), middleware=[
        Middleware(ClientAddress, trusted_proxies=app.config.web.trusted_proxies), Middleware(SecurityHeaders)])
    web.state.web = WebState(app=app, clock=clock, templates=make_templates(nhsuk_css=nhsuk is not None))
    web.state.oidc = OidcClient(app.config) if app.config.oidc.enabled else None
    web.state.web.templates.env.globals["oidc_label"] = app.config.oidc.label if app.config.oidc.enabled else ""
    web.state.web.templates.env.globals.update(working_hours=working_hours_between,
                                               warn_after_hours=app.config.review.warn_after_hours)
    return web
