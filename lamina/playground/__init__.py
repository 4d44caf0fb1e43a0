"""The Playground: TensorFlow Playground in the browser, training Lamina itself.

Start it with `lamina playground`, `python -m lamina.playground` (which also takes
`--allow-origin`) or `lamina.playground.serve(host, port, open_browser)`. Importing this package needs nothing beyond Lamina; serving needs
the `playground` extra (Starlette and uvicorn).
"""
from __future__ import annotations

from typing import Sequence

from lamina.playground.initial import set_initial_weights
from lamina.playground.state import PlaygroundState, parse_hash, serialize_hash


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True,
          allow_origins: Sequence[str] = ()) -> None:
    """Serve the playground on `host:port` until interrupted (Ctrl-C).

    The server answers only its own page: requests whose `Host` or `Origin` is
    another site's are refused (see docs/playground.md, Security).

    Args:
        host: the interface to listen on; loopback by default.
        port: the TCP port.
        open_browser: open the page in the default web browser once listening.
        allow_origins: other web origins to accept (`"https://lab.example"`), for a
            reverse proxy or another name for this machine; each one can drive the
            playground, so list only sites you trust.
    """
    from lamina.playground.server import run_server

    run_server(host=host, port=port, open_browser=open_browser, allow_origins=allow_origins)


__all__ = ["PlaygroundState", "parse_hash", "serialize_hash", "serve", "set_initial_weights"]
