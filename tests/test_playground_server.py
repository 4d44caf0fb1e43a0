"""The playground server: protocol, bounds, and hostile messages (Starlette test client)."""
from __future__ import annotations

import json
import time
import warnings

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")
with warnings.catch_warnings():  # starlette's notice about its httpx transport
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from lamina.playground.server import create_app, parse_message  # noqa: E402

LINK = "#activation=relu&dataset=xor&networkShape=3&seed=0.25&batchSize=10"


def _until(ws, kind):
    for _ in range(50):
        msg = ws.receive_json()
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind} message")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(max_sessions=3)) as c:
        yield c


def test_server_serves_page_and_static_files(client):
    page = client.get("/")
    assert page.status_code == 200 and 'id="play-pause-button"' in page.text
    for name in ("app.js", "draw.js", "sgd.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert "http" not in client.get("/static/style.css").text  # no CDN fonts or icons


def test_server_hello_sends_setup_with_hash(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        msg = _until(ws, "setup")
        assert msg["state"]["networkShape"] == [3] and msg["epoch"] == 0
        assert "networkShape=3" in msg["hash"] and len(msg["train"]) == 250
        assert len(msg["output"]) == 4 * ((100 * 100 + 2) // 3)  # base64 of 100x100 bytes
        assert [len(w["kernel"]) for w in msg["weights"]] == [2, 3]


def test_server_step_is_exactly_one_epoch(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        ws.send_json({"type": "step"})
        assert _until(ws, "frame")["epoch"] == 1
        ws.send_json({"type": "step"})
        assert _until(ws, "frame")["epoch"] == 2


def test_server_play_streams_frames_until_pause(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        ws.send_json({"type": "play"})
        epochs = []
        for _ in range(3):
            epochs.append(_until(ws, "frame")["epoch"])
            ws.send_json({"type": "ack"})
        ws.send_json({"type": "pause"})
        assert epochs == sorted(epochs) and epochs[0] >= 1 and epochs[-1] > epochs[0]


@pytest.mark.parametrize("raw, expected", [
    ("not json", "must be JSON"),
    ("[1, 2]", "Unknown message type"),
    ('{"type": "explode"}', "Unknown message type 'explode'"),
    ('{"type": "set", "changes": {"networkShape": [8, 8, 8, 8, 8, 8, 8, 8]}}', "at most 6"),
    ('{"type": "set", "changes": {"bogus": 1}}', "Unknown setting 'bogus'"),
    ('{"type": "set", "changes": "x"}', "must be an object"),
    ('{"type": "set", "changes": {"learningRate": "fast"}}', "learningRate"),
    ('{"type": "edit", "layer": "0", "kind": "kernel", "i": 0, "j": 0, "value": 1}', "layer"),
    ('{"type": "edit", "layer": 0, "kind": "kernel", "i": 99, "j": 0, "value": 1}', "outside"),
    ('{"type": "edit", "layer": 0, "kind": "kernel", "i": 0, "j": 0, "value": 1e300}', "finite"),
    ('{"type": "hello", "hash": 5}', "'hash' must be"),
    ('{"type": "sgd", "settings": {"examples": 1e9}}', "examples"),
])
def test_server_hostile_message_gets_error_and_session_survives(client, raw, expected):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        ws.send_text(raw)
        msg = _until(ws, "error")
        assert expected in msg["message"]
        ws.send_json({"type": "step"})
        assert _until(ws, "frame")["epoch"] == 1
        ws.send_json({"type": "ping", "t": 7})
        assert _until(ws, "pong")["t"] == 7


def test_server_binary_message_gets_error(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_bytes(b"\x00\x01")
        assert "JSON text" in _until(ws, "error")["message"]


def test_server_message_before_hello_gets_error(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "step"})
        assert "hello" in _until(ws, "error")["message"]


def test_server_frees_session_on_close(client):
    tabs = client.app.state.playground.tabs
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        assert len(tabs) == 1
    deadline = time.time() + 5
    while tabs and time.time() < deadline:
        time.sleep(0.02)
    assert len(tabs) == 0


def test_server_refuses_sessions_over_limit(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b, \
            client.websocket_connect("/ws") as c:
        for ws in (a, b, c):
            ws.send_json({"type": "ping", "t": 1})
            _until(ws, "pong")
        with client.websocket_connect("/ws") as d:
            assert "already runs 3 sessions" in _until(d, "error")["message"]


def test_server_export_returns_script(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        ws.send_json({"type": "step"})
        _until(ws, "frame")
        ws.send_json({"type": "export"})
        text = _until(ws, "export")["script"]
        assert "model.fit(x_train, y_train, batch_size=10, epochs=1, shuffle=False, verbose=0)" \
            in text


def test_server_live_setting_keeps_epoch_and_reports_hash(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "hello", "hash": LINK})
        _until(ws, "setup")
        ws.send_json({"type": "set", "changes": {"learningRate": 0.1}})
        assert "learningRate=0.1" in _until(ws, "settings")["hash"]
        ws.send_json({"type": "set", "changes": {"activation": "tanh"}})
        assert _until(ws, "setup")["state"]["activation"] == "tanh"


def test_server_sgd_explorer_path(client):
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"type": "sgd", "settings": {"learning_rate": 0.5, "batch_size": 8,
                                                   "examples": 32, "epochs": 3}})
        msg = _until(ws, "sgd")
        assert len(msg["path"]) == 1 + 3 * 4 and msg["loss"][-1] < msg["loss"][0]


def test_parse_message_rejects_non_object():
    with pytest.raises(ValueError, match="Unknown message type 'int'"):
        parse_message(json.dumps(3))
