"""What every request handler shares: the mailbot's App, the web settings, the clock and the templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from starlette.requests import Request

from mailbot.app import App
from mailbot.config_sections import WebSection
from mailbot.processing.settings import Settings, settings_from
from store.login_throttle import ThrottlePolicy
from store.staff import SessionPolicy


@dataclass
class WebState:
    app: App
    clock: Callable[[], datetime]
    templates: Any = field(default=None)

    @property
    def web(self) -> WebSection:
        return self.app.config.web

    @property
    def login_policy(self) -> ThrottlePolicy:
        return ThrottlePolicy(free_failures=max(1, self.web.lockout_attempts),
                              first_pause=timedelta(seconds=max(1, self.web.lockout_first_seconds)),
                              longest_pause=timedelta(minutes=max(1, self.web.lockout_minutes)))

    @property
    def session_policy(self) -> SessionPolicy:
        return SessionPolicy(idle=timedelta(minutes=self.web.session_idle_minutes),
                             absolute=timedelta(minutes=self.web.session_absolute_minutes))

    @cached_property
    def settings(self) -> Settings:
        return settings_from(self.app.config)


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state
