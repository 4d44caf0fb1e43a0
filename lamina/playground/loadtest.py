"""A bounded load test of the playground server over loopback.

Opens `sessions` WebSocket sessions (at most 64, on 127.0.0.1 only), has every one
of them press play and acknowledge each frame as a page would, and pings the
server from every session every `ping_every_s` seconds while they all train.
Reports setup times, epochs trained, frames, and ping latency percentiles.

    python -m lamina.playground.loadtest --sessions 50 --seconds 20

Against a running playground (`--url`), all sessions come from one client, so at most
its `max_sessions_per_client` (16 by default) are served.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from urllib.parse import urlparse

import numpy as np

LINK = "#activation=relu&dataset=spiral&networkShape=8,8,8&learningRate=0.03&batchSize=10"
MAX_SESSIONS, MAX_SECONDS = 64, 120


async def _session(url: str, index: int, seconds: float, ping_every_s: float,
                   t_start: float, out: dict) -> None:
    import websockets

    async with websockets.connect(url, max_size=2**22) as ws:
        t0 = time.perf_counter()
        await ws.send(json.dumps({"type": "hello", "hash": f"{LINK}&seed=0.{index:05d}"}))
        while json.loads(await ws.recv())["type"] != "setup":
            pass
        out["setup_s"].append(time.perf_counter() - t0)
        await ws.send(json.dumps({"type": "play"}))
        stop = t_start + seconds
        last_epoch, next_ping = 0, time.perf_counter()
        while time.perf_counter() < stop:
            if time.perf_counter() >= next_ping:
                await ws.send(json.dumps({"type": "ping", "t": time.perf_counter()}))
                next_ping += ping_every_s
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.01, next_ping -
                                                                     time.perf_counter()))
            except asyncio.TimeoutError:
                continue
            msg = json.loads(raw)
            if msg["type"] == "frame":
                out["frames"] += 1
                last_epoch = msg["epoch"]
                await ws.send('{"type":"ack"}')
            elif msg["type"] == "pong":
                out["ping_s"].append(time.perf_counter() - msg["t"])
            elif msg["type"] == "error":
                out["errors"].append(msg["message"])
        await ws.send(json.dumps({"type": "pause"}))
        out["epochs"] += last_epoch


async def run_load(url: str, sessions: int = 50, seconds: float = 20.0,
                   ping_every_s: float = 0.25) -> dict[str, Any]:
    """Run the load test against a playground at `url` (http://127.0.0.1:port).

    Returns:
        Figures: sessions, setup time p50/max, epochs, frames, ping p50/p95/max (ms),
        pings answered, errors.
    """
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"The load test only runs against loopback, but received {url!r}. "
                         "Start the playground on 127.0.0.1.")
    if not 1 <= sessions <= MAX_SESSIONS or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"sessions must be 1..{MAX_SESSIONS} and seconds in (0, "
                         f"{MAX_SECONDS}], but received {sessions} and {seconds}.")
    ws_url = "ws://" + url.split("://", 1)[1].rstrip("/") + "/ws"
    out: dict = {"setup_s": [], "frames": 0, "epochs": 0, "ping_s": [], "errors": []}
    t_start = time.perf_counter()
    results = await asyncio.gather(*[
        _session(ws_url, i, seconds, ping_every_s, t_start, out) for i in range(sessions)],
        return_exceptions=True)
    failed = [repr(r) for r in results if isinstance(r, BaseException)]
    pings = np.array(out["ping_s"]) * 1000 if out["ping_s"] else np.zeros(1)
    return {"sessions": sessions, "completed": sessions - len(failed),
            "seconds": round(time.perf_counter() - t_start, 1),
            "setup_p50_s": round(float(np.median(out["setup_s"] or [0])), 2),
            "setup_max_s": round(float(np.max(out["setup_s"] or [0])), 2),
            "epochs": out["epochs"], "frames": out["frames"], "pings": len(out["ping_s"]),
            "ping_p50_ms": round(float(np.percentile(pings, 50)), 1),
            "ping_p95_ms": round(float(np.percentile(pings, 95)), 1),
            "ping_max_ms": round(float(pings.max()), 1),
            "errors": out["errors"][:5] + failed[:5]}


def main(argv: list[str] | None = None) -> None:
    """Command line: start a server on a free loopback port and load it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--url", default=None, help="a running playground (loopback only)")
    args = parser.parse_args(argv)
    if args.url:
        print(json.dumps(asyncio.run(run_load(args.url, args.sessions, args.seconds))))
        return
    from lamina.playground.server import ServerThread

    limit = max(64, args.sessions)  # one client (this process) opens every session
    with ServerThread(port=0, max_sessions=limit, max_sessions_per_client=limit) as server:
        print(json.dumps(asyncio.run(run_load(server.url, args.sessions, args.seconds))))


if __name__ == "__main__":
    main()
