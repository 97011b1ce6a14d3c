"""`mailbot web`: the review web page for PCSE staff (SPEC 13), served by uvicorn on [web] listen."""

from __future__ import annotations

import argparse

from mailbot.app import App
from mailbot.errors import UsageError
from mailbot.hardening import make_undumpable


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("web", help="serve the review web page for PCSE staff")
    parser.add_argument("--listen", metavar="HOST:PORT", help="override [web] listen")
    parser.set_defaults(handler=run)


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise UsageError(f"mailbot: web: listen must be HOST:PORT, got {listen!r}")
    return host.strip("[]"), int(port)


def run(args: argparse.Namespace) -> int:
    import uvicorn  # only this command needs the server

    from mailbot.review.web.app import create_app

    make_undumpable()  # its secrets (store password, OIDC client secret) are not for its page-drawing children
    app = App.from_args(args)
    host, port = split_listen(args.listen or app.config.web.listen)
    app.engine  # noqa: B018 - create or check the schema before the first request, not during it
    # X-Forwarded-For and -Proto are believed only from [web] trusted_proxies, by the app itself
    # (mailbot/review/web/client_address.py): uvicorn's own handling would trust 127.0.0.1 whatever the config says.
    # log_config=None: uvicorn's lines go through mailbot's own handler (redacted; JSON when asked for).
    uvicorn.run(create_app(app), host=host, port=port, log_level="info", log_config=None, proxy_headers=False,
                server_header=False)
    return 0
