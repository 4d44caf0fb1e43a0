"""Bounded load over loopback against a real uvicorn server (count and time capped)."""
from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("uvicorn")
websockets = pytest.importorskip("websockets")

from lamina.playground.loadtest import run_load  # noqa: E402
from lamina.playground.server import ServerThread  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with ServerThread(port=0) as s:
        yield s


def test_loadtest_sessions_train_and_server_answers_pings(server):
    asyncio.run(run_load(server.url, sessions=1, seconds=1))  # compile the network once
    figures = asyncio.run(run_load(server.url, sessions=8, seconds=6, ping_every_s=0.2))
    assert figures["completed"] == 8 and figures["errors"] == []
    assert figures["epochs"] > 8 and figures["frames"] >= 8
    assert figures["pings"] > 50 and figures["ping_p95_ms"] < 1000


def test_loadtest_refuses_non_loopback():
    with pytest.raises(ValueError, match="only runs against loopback"):
        asyncio.run(run_load("http://example.com:8000", sessions=1, seconds=1))


def test_loadtest_refuses_unbounded_counts(server):
    with pytest.raises(ValueError, match="sessions must be 1..64"):
        asyncio.run(run_load(server.url, sessions=1000, seconds=1))


def test_server_closes_oversized_message_and_stays_up(server):
    url = "ws://" + server.url.split("://")[1] + "/ws"

    async def scenario() -> tuple:
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "hello", "hash": "#" + "x" * 100_000}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                for _ in range(5):
                    await asyncio.wait_for(ws.recv(), timeout=10)
            code = closed.value.rcvd.code if closed.value.rcvd else None
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "ping", "t": 3}))
            pong = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        return code, pong

    code, pong = asyncio.run(scenario())
    assert code == 1009 and pong == {"type": "pong", "t": 3}
