"""The Playground: TensorFlow Playground in the browser, training Lamina itself.

Start it with `lamina playground` or `lamina.playground.serve(host, port,
open_browser)`. Importing this package needs nothing beyond Lamina; serving needs
the `playground` extra (Starlette and uvicorn).
"""
from __future__ import annotations

from lamina.playground.initial import set_initial_weights
from lamina.playground.state import PlaygroundState, parse_hash, serialize_hash


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True) -> None:
    """Serve the playground on `host:port` until interrupted (Ctrl-C).

    Args:
        host: the interface to listen on; loopback by default.
        port: the TCP port.
        open_browser: open the page in the default web browser once listening.
    """
    from lamina.playground.server import run_server

    run_server(host=host, port=port, open_browser=open_browser)


__all__ = ["PlaygroundState", "parse_hash", "serialize_hash", "serve", "set_initial_weights"]
