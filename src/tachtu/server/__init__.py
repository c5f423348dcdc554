"""``tachtu serve``: segmentation over HTTP (the ``tachtu[server]`` extra: Starlette + uvicorn).

It speaks VnCoreNLP's server protocol, so VnCoreNLP's clients work unchanged,
plus a JSON API and a page for browsers; see ``app`` for the endpoints.
"""

from __future__ import annotations

import os
import socket

from .settings import ENV_VAR, ServerSettings

__all__ = ["ServerSettings", "serve"]

_APP_FACTORY = "tachtu.server.app:app_from_env"


def serve(settings: ServerSettings, *, host: str = "127.0.0.1", port: int = 9000, workers: int = 1) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM shut it down gracefully).

    With ``workers > 1`` uvicorn runs that many processes on one socket; each
    builds its own segmenters from the settings passed in ``ENV_VAR``.

    Raises:
        TachtuError: bad settings (e.g. an unreadable user dictionary), found
            before anything listens.
        OSError: the address cannot be listened on.
    """
    import uvicorn

    from .app import create_app
    from .engine import Engine

    engine = Engine(settings)
    _check_address(host, port)
    options = {"host": host, "port": port, "access_log": False, "log_level": "info"}
    try:
        if workers == 1:
            uvicorn.run(create_app(settings, engine), **options)  # type: ignore[arg-type]
        else:
            del engine  # each worker builds its own
            os.environ[ENV_VAR] = settings.to_env()
            uvicorn.run(_APP_FACTORY, factory=True, workers=workers, **options)  # type: ignore[arg-type]
    except SystemExit as exc:  # uvicorn exits on start-up failures it has already logged
        if exc.code:
            raise OSError(f"the server on {host}:{port} failed to start (see the log above)") from None


def _check_address(host: str, port: int) -> None:
    """Fail with a clear ``OSError`` if ``host:port`` is taken or not ours, before uvicorn starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:  # taken, not an address of this machine, or no such host name
            raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
