"""The playground serves its own page only (issue 15): `Host` and `Origin` checks against
cross-site WebSocket hijacking and DNS rebinding, and a limit of sessions per client.

Each refusal is tested through Starlette's test client (whose own address is
`testserver`) and once through a real uvicorn server on loopback."""
from __future__ import annotations

import asyncio
import http.client
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette's notice about its httpx transport
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402
from starlette.websockets import WebSocketDisconnect  # noqa: E402

from lamina.playground.server import ServerThread, create_app  # noqa: E402

LINK = "#dataset=xor&networkShape=2&seed=0.25"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def _refused(client, **headers) -> int:
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws", headers=headers) as ws:
            ws.send_json({"type": "ping", "t": 1})
            ws.receive_json()
    return refused.value.code


@pytest.mark.parametrize("path", ["/", "/static/app.js"])
def test_security_http_refuses_foreign_host(client, path):
    # DNS rebinding: evil.example resolves to 127.0.0.1, the browser sends its name.
    response = client.get(path, headers={"host": "evil.example:8000"})
    assert response.status_code == 403
    assert "Host 'evil.example:8000' is not an address of this playground" in response.text
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://testserver.evil",
                                    "https://testserver", "http://testserver:8080"])
def test_security_socket_refuses_foreign_origin(client, origin):
    assert _refused(client, origin=origin) == 1008


def test_security_socket_refuses_rebinding_host(client):
    assert _refused(client, host="evil.example:8000", origin="http://evil.example:8000") == 1008


def test_security_socket_accepts_own_origin_and_origin_less_clients(client):
    for headers in ({"origin": "http://testserver"}, {}):
        with client.websocket_connect("/ws", headers=headers) as ws:
            ws.send_json({"type": "hello", "hash": LINK})
            while (msg := ws.receive_json())["type"] != "setup":
                pass
            assert msg["state"]["networkShape"] == [2]


def test_security_sessions_per_client_leave_room_for_others():
    app = create_app()  # 64 sessions, 16 per client
    with TestClient(app, client=("10.0.0.1", 5000)) as greedy, \
            TestClient(app, client=("10.0.0.2", 5000)) as other:
        sockets = [greedy.websocket_connect("/ws").__enter__() for _ in range(16)]
        try:
            for ws in sockets:
                ws.send_json({"type": "ping", "t": 1})
                assert ws.receive_json()["type"] == "pong"
            with greedy.websocket_connect("/ws") as extra:
                extra.send_json({"type": "ping", "t": 1})  # answered only if served
                message = extra.receive_json()
            assert message["type"] == "error"
            assert "This client already runs 16 sessions" in message["message"]
            with other.websocket_connect("/ws") as ws:
                ws.send_json({"type": "ping", "t": 2})
                assert ws.receive_json() == {"type": "pong", "t": 2}
        finally:
            for ws in sockets:
                ws.__exit__(None, None, None)


def test_security_allow_origin_admits_that_origin_only():
    app = create_app(allow_origins=["https://Lab.Example"])
    with TestClient(app) as c:
        headers = {"host": "lab.example", "origin": "https://lab.example"}
        with c.websocket_connect("/ws", headers=headers) as ws:
            ws.send_json({"type": "ping", "t": 3})
            assert ws.receive_json() == {"type": "pong", "t": 3}
        assert _refused(c, host="lab.example", origin="https://evil.example") == 1008
        assert c.get("/", headers={"host": "lab.example"}).status_code == 200


@pytest.mark.parametrize("origin", ["*", "null", "lab.example", "http://lab.example/page",
                                    "ftp://lab.example"])
def test_security_allow_origin_rejects_malformed(origin):
    with pytest.raises(ValueError, match="must look like http://host:port"):
        create_app(allow_origins=[origin])


def test_security_real_server_refuses_foreign_origin_and_host():
    websockets = pytest.importorskip("websockets")
    pytest.importorskip("uvicorn")
    with ServerThread(port=0) as server:
        netloc = server.url.split("://")[1]
        host, port = netloc.split(":")

        def get(host_header: str) -> int:
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request("GET", "/", headers={"Host": host_header})
            status = conn.getresponse().status
            conn.close()
            return status

        async def socket(origin: str) -> str:
            try:
                async with websockets.connect(f"ws://{netloc}/ws", origin=origin) as ws:
                    await ws.send('{"type": "ping", "t": 4}')
                    return await asyncio.wait_for(ws.recv(), timeout=10)
            except websockets.InvalidStatus as exc:
                return f"refused {exc.response.status_code}"

        assert get(netloc) == 200 and get(f"localhost:{port}") == 200
        assert get(f"evil.example:{port}") == 403
        assert asyncio.run(socket(f"http://{netloc}")) == '{"type":"pong","t":4}'
        assert asyncio.run(socket(f"http://localhost:{port}")) == '{"type":"pong","t":4}'
        assert asyncio.run(socket("http://evil.example")) == "refused 403"
        assert asyncio.run(socket("null")) == "refused 403"
