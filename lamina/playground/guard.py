"""Who may talk to the playground: its own page, at the addresses it serves.

The server listens on loopback, but any web page the user visits can make the
browser connect to `127.0.0.1`: a WebSocket from another site (cross-site WebSocket
hijacking) carries that site's `Origin`, and a site whose name is made to resolve to
127.0.0.1 (DNS rebinding) sends its own name as `Host`. `Guard` refuses both before
the app sees them:

- `Host` must be an address the server serves: the address the connection came in
  on (its IP and port), `localhost` when that address is loopback, or the host of an
  origin allowed explicitly.
- `Origin`, when present, must be the server's own (`http://` + one of those hosts)
  or one allowed explicitly. Browsers always send it with a WebSocket; a client that
  sends none is not a web page (a script on this machine, which could do anything a
  page can anyway).

Sessions per client (remote address) are limited by the server itself.
"""
from __future__ import annotations

import ipaddress
import logging
from typing import Any, Iterable
from urllib.parse import urlsplit

LOG = logging.getLogger("lamina.playground")


def normalize_origin(origin: str) -> str:
    """`scheme://host[:port]` in lower case, the form browsers send.

    Raises:
        ValueError: for anything else (a path, no scheme, `*`, `null`).

    Example:
        >>> normalize_origin("HTTPS://Lab.Example:8443/")
        'https://lab.example:8443'
    """
    parts = urlsplit(str(origin).strip())
    if parts.scheme not in ("http", "https") or not parts.hostname \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"An allowed origin must look like http://host:port (scheme, host "
                         f"and optional port, nothing else), but received {origin!r}.")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _name(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def own_hosts(server: Any) -> set:
    """The `Host` values that name this server: `ip:port` of the address the connection
    came in on, and `localhost:port` when it is loopback (the bare name on port 80).

    Example:
        >>> sorted(own_hosts(("127.0.0.1", 8000)))
        ['127.0.0.1:8000', 'localhost:8000']
    """
    if not server or not server[0]:
        return set()
    host, port = str(server[0]).lower(), server[1]
    names = {_name(host)}
    try:
        if ipaddress.ip_address(host).is_loopback:
            names.add("localhost")
    except ValueError:
        pass  # a name, as in Starlette's test client ("testserver")
    out = {f"{n}:{port}" for n in names}
    if port in (80, None):
        out |= names
    return out


def refusal(headers: dict, server: Any, allow_origins: Iterable[str] = ()) -> str | None:
    """Why a request must be refused, or None when it may go on.

    Args:
        headers: the request's headers, names in lower case.
        server: `(ip, port)` of the address the connection came in on (ASGI's `server`).
        allow_origins: origins allowed besides the server's own (normalized).

    Example:
        >>> refusal({"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"},
        ...         ("127.0.0.1", 8000)) is None
        True
        >>> refusal({"host": "127.0.0.1:8000", "origin": "http://evil.example"},
        ...         ("127.0.0.1", 8000))
        "Origin 'http://evil.example' is not this playground's (http://127.0.0.1:8000 or http://localhost:8000)."
    """
    own = own_hosts(server)
    allowed = set(allow_origins)
    hosts = own | {urlsplit(o).netloc for o in allowed}
    host = headers.get("host", "").strip().lower()
    listed = " or ".join(sorted(own)) or "none"
    if host not in hosts:
        return f"Host {host[:80]!r} is not an address of this playground ({listed})."
    origin = headers.get("origin")
    if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in own} | allowed:
        own_origins = " or ".join(f"http://{h}" for h in sorted(own)) or "none"
        return f"Origin {origin[:80]!r} is not this playground's ({own_origins})."
    return None


class Guard:
    """ASGI middleware that refuses requests failing `refusal` (HTTP 403; a WebSocket
    handshake is refused, which the browser also sees as 403).

    Args:
        app: the ASGI app.
        allow_origins: origins to allow besides the server's own, e.g. a reverse proxy's
            `https://lab.example` (their hosts are allowed as `Host` too).
    """

    def __init__(self, app: Any, allow_origins: Iterable[str] = ()):
        self.app = app
        self.allow_origins = frozenset(normalize_origin(o) for o in allow_origins)
        self.refused = 0

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        reason = refusal(headers, scope.get("server"), self.allow_origins)
        if reason is None:
            await self.app(scope, receive, send)
            return
        self.refused += 1
        LOG.warning("Refused a %s request: %s To allow another origin, start the playground "
                    "with --allow-origin.", scope["type"], reason)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
            return
        body = (reason + " The playground only serves its own page; see "
                "docs/playground.md (Security).\n").encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
