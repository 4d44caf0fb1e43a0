"""The playground's web server: static page plus one WebSocket session per tab.

Protocol (JSON text frames). The page sends `{"type": ...}` messages: `hello`
(with the URL `hash`), `play`, `pause`, `step`, `reset`, `regenerate`, `set`
(`changes`), `edit` (`layer`, `kind`, `i`, `j`, `value`), `ack` (a frame was
drawn), `ping` (`t`), `export`, `sgd` (the SGD explorer). The server answers with
`thumbnails` (once, before the first `setup`), `setup`, `frame`, `settings`, `pong`,
`export`, `sgd` or `error` (`message`) messages.

Bounds: at most `max_sessions` tabs, and `max_sessions_per_client` from one remote
address; messages over 64 KiB are refused by the WebSocket layer; all training runs
in a pool of `workers` threads and each frame trains for about `frame_budget_s`; a
closed tab's session is dropped at once. Requests whose `Host` or `Origin` is not the
playground's own are refused before they reach the app (`guard.py`).
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
import webbrowser
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lamina.playground import engine
from lamina.playground.export import script as export_script
from lamina.playground.guard import Guard, normalize_origin
from lamina.playground.session import Session, thumbnails
from lamina.playground.sgd import explore
from lamina.playground.state import parse_hash, serialize_hash

STATIC = Path(__file__).parent / "static"
MAX_MESSAGE = 64 * 1024
_TYPES = ("hello", "play", "pause", "step", "reset", "regenerate", "set", "edit", "ack",
          "ping", "export", "sgd")


class Tab:
    """The server side of one WebSocket: its session, play loop and flow control."""

    def __init__(self, ws: Any, app_state: "AppState"):
        self.ws, self.app = ws, app_state
        self.client = ws.client.host if ws.client else None
        self.session: Session | None = None
        self.lock = asyncio.Lock()
        self.playing = False
        self.acked = asyncio.Event()
        self.acked.set()
        self.loop_task: asyncio.Task | None = None
        self.per_epoch_s = 2e-3
        self.sent_thumbnails = False

    async def send(self, message: dict) -> None:
        """Send one message as compact JSON (never NaN: JSON has none)."""
        await self.ws.send_text(json.dumps(message, separators=(",", ":"), allow_nan=False))

    async def run(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the shared training threads."""
        return await asyncio.get_running_loop().run_in_executor(self.app.executor, fn, *args)

    def _need_session(self) -> Session:
        if self.session is None:
            raise ValueError("The session is not set up yet: send a 'hello' message with the "
                             "URL hash first.")
        return self.session

    async def handle(self, message: dict) -> None:
        """Act on one checked message; errors propagate to the caller, which reports."""
        kind = message.get("type")
        if kind == "ping":
            await self.send({"type": "pong", "t": message.get("t")})
        elif kind == "ack":
            self.acked.set()
        elif kind == "hello":
            text = message.get("hash", "")
            if not isinstance(text, str) or len(text) > 4000:
                raise ValueError("'hash' must be the URL hash as a string (at most 4000 "
                                 "characters).")
            async with self.lock:
                self.session = await self.run(Session, parse_hash(text), self.app.pool)
                if not self.sent_thumbnails:
                    await self.send({"type": "thumbnails", "data": await self.run(thumbnails)})
                    self.sent_thumbnails = True
                await self.send(self.session.describe())
        elif kind == "play":
            self._need_session()
            if not self.playing:
                self.playing = True
                self.loop_task = asyncio.create_task(self._play_loop())
        elif kind == "pause":
            self.playing = False
        elif kind == "sgd":
            await self.send(await self.run(explore, message.get("settings")))
        else:
            await self._session_message(kind, message)

    async def _session_message(self, kind: str, message: dict) -> None:
        session = self._need_session()
        async with self.lock:
            if kind == "step":
                await self.run(session.train, 1)
                await self.send(session.frame())
            elif kind == "reset":
                await self.run(session.reset)
                await self.send(session.describe())
            elif kind == "regenerate":
                await self.run(session.regenerate)
                await self.send(session.describe())
            elif kind == "set":
                what = await self.run(session.update, message.get("changes"))
                if what == "live":
                    await self.send({"type": "settings", "hash": serialize_hash(session.state)})
                else:
                    await self.send(session.describe())
            elif kind == "edit":
                await self.run(session.set_weight, message.get("layer"), message.get("kind"),
                               message.get("i"), message.get("j"), message.get("value"))
                await self.send(session.frame())
            elif kind == "export":
                await self.send({"type": "export", "script": export_script(session)})

    async def _play_loop(self) -> None:
        try:
            while self.playing and self.session is not None:
                async with self.lock:
                    session = self.session
                    k, dt = await self.run(session.timed_train, self.app.frame_budget_s,
                                           self.app.max_epochs_per_frame, self.per_epoch_s)
                    self.per_epoch_s = 0.7 * self.per_epoch_s + 0.3 * dt / k
                    frame = session.frame()
                try:
                    await asyncio.wait_for(self.acked.wait(), timeout=5)
                except asyncio.TimeoutError:
                    pass
                if not self.playing:
                    break
                self.acked.clear()
                await self.send(frame)
        except Exception as exc:  # noqa: BLE001 - reported to the page, never fatal
            self.playing = False
            await self._report(exc)

    async def _report(self, exc: Exception) -> None:
        text = str(exc) if isinstance(exc, (ValueError, TypeError)) else \
            f"{type(exc).__name__}: {exc}"
        try:
            await self.send({"type": "error", "message": text[:500]})
        except Exception:  # noqa: BLE001 - the socket is gone
            pass

    def close(self) -> None:
        """Stop playing and drop the session (the tab closed)."""
        self.playing = False
        if self.loop_task is not None:
            self.loop_task.cancel()
        self.session = None


class AppState:
    """What all tabs share: the training threads, the model pool, the limits."""

    def __init__(self, max_sessions: int, workers: int, frame_budget_s: float,
                 max_sessions_per_client: int):
        self.max_sessions = max_sessions
        self.max_sessions_per_client = max_sessions_per_client
        self.executor = ThreadPoolExecutor(max_workers=workers,
                                           thread_name_prefix="playground")
        self.pool = engine.ModelPool(per_architecture=workers)
        self.frame_budget_s = frame_budget_s
        self.max_epochs_per_frame = 200
        self.tabs: set = set()


def parse_message(text: Any) -> dict:
    """A checked message from the page.

    Raises:
        ValueError: for non-JSON, non-objects, or unknown message types.

    Example:
        >>> parse_message('{"type": "ping", "t": 1}')
        {'type': 'ping', 't': 1}
    """
    if not isinstance(text, str):
        raise ValueError("Messages must be JSON text, but received binary data.")
    try:
        message = json.loads(text)
    except ValueError:
        raise ValueError(f"Messages must be JSON, but received {text[:60]!r}.") from None
    if not isinstance(message, dict) or message.get("type") not in _TYPES:
        got = message.get("type") if isinstance(message, dict) else type(message).__name__
        raise ValueError(f"Unknown message type {str(got)[:40]!r}. Valid types: "
                         f"{list(_TYPES)}.")
    return message


def create_app(max_sessions: int = 64, workers: int = 2, frame_budget_s: float = 0.02,
               max_sessions_per_client: int = 16, allow_origins: Any = ()) -> Any:
    """The ASGI app (Starlette): the page at `/`, its files, and the `/ws` socket.

    Args:
        max_sessions: the most tabs served at once; more are told to close one.
        workers: threads that train (all sessions share them).
        frame_budget_s: training time per frame while playing.
        max_sessions_per_client: the most tabs from one remote address, so that one
            client cannot take every session of a shared server.
        allow_origins: web origins allowed besides the server's own
            (`http://host:port`); see `guard.py`.

    Raises:
        ValueError: for a malformed origin.
    """
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import FileResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocket, WebSocketDisconnect

    origins = [normalize_origin(o) for o in allow_origins]
    state = AppState(max_sessions, workers, frame_budget_s, max_sessions_per_client)

    async def index(request: Any) -> Any:
        return FileResponse(STATIC / "index.html")

    async def socket(ws: WebSocket) -> None:
        await ws.accept()
        tab = Tab(ws, state)
        if len(state.tabs) >= state.max_sessions:
            await tab.send({"type": "error", "message": f"The server already runs "
                            f"{state.max_sessions} sessions; close a tab and reload."})
            await ws.close()
            return
        if sum(t.client == tab.client for t in state.tabs) >= state.max_sessions_per_client:
            await tab.send({"type": "error", "message": f"This client already runs "
                            f"{state.max_sessions_per_client} sessions; close a tab and "
                            "reload."})
            await ws.close()
            return
        state.tabs.add(tab)
        try:
            while True:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    break
                try:
                    await tab.handle(parse_message(message.get("text")))
                except Exception as exc:  # noqa: BLE001 - reported, never fatal
                    await tab._report(exc)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            tab.close()
            state.tabs.discard(tab)

    app = Starlette(routes=[Route("/", index), WebSocketRoute("/ws", socket),
                            Mount("/static", StaticFiles(directory=STATIC), name="static")],
                    middleware=[Middleware(Guard, allow_origins=origins)])
    app.state.playground = state
    return app


def make_server(host: str = "127.0.0.1", port: int = 8000, **app_options: Any) -> Any:
    """A `uvicorn.Server` for the app (not started)."""
    import uvicorn

    config = uvicorn.Config(create_app(**app_options), host=host, port=port,
                            log_level="warning", ws_max_size=MAX_MESSAGE, lifespan="off")
    return uvicorn.Server(config)


class ServerThread:
    """The server on a background thread, for tests and benchmarks.

    Example:
        >>> with ServerThread(port=0) as server:
        ...     server.url.startswith("http://127.0.0.1:")
        True
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **app_options: Any):
        self.server = make_server(host, port, **app_options)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        sock = self.server.servers[0].sockets[0]
        host, port = sock.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("The playground server did not start within 30 s.")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def run_server(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True,
               allow_origins: Any = ()) -> None:
    """Serve until interrupted; open the page in a browser once listening."""
    server = make_server(host, port, allow_origins=allow_origins)
    if open_browser:
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}/"

        def opener() -> None:
            while not server.started and not server.should_exit:
                time.sleep(0.05)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=opener, daemon=True).start()
    print(f"Lamina Playground on http://{host}:{port}/ (Ctrl-C to stop)")
    server.run()
