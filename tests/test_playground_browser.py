"""End to end in a real headless Chromium: a TensorFlow Playground link, step, play,
pause, hover, edit a weight, export, the SGD explorer, errors shown in the page."""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); the browser "
                "tests need a real Chromium.", allow_module_level=True)
pytest.importorskip("playwright.sync_api")
pytest.importorskip("uvicorn")
from playwright.sync_api import sync_playwright  # noqa: E402

from lamina.playground.server import ServerThread  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SPIRAL = ("#activation=relu&batchSize=10&dataset=spiral&regDataset=reg-plane"
          "&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8,8&seed=0.80292"
          "&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false"
          "&xSquared=false&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false"
          "&collectStats=false&problem=classification&initZero=false&hideText=false")


def _epoch(page) -> int:
    return int(page.text_content("#iter-number").replace(",", ""))


@pytest.fixture(scope="module")
def browser_page():
    with ServerThread(port=0) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.url + "/" + SPIRAL)
        page.wait_for_function("document.body.dataset.setups === '1'", timeout=60_000)
        yield page, server, requests, errors
        browser.close()


def test_browser_opens_tensorflow_playground_link(browser_page):
    page, _, _, errors = browser_page
    assert _epoch(page) == 0
    assert page.input_value("#activations") == "relu"
    assert page.text_content("#num-layers") == "3"
    assert page.locator(".node.hidden-node").count() == 24
    assert page.eval_on_selector(".data-thumbnail.selected", "e => e.dataset.dataset") == "spiral"
    assert "networkShape=8,8,8" in page.evaluate("location.hash") and errors == []


def test_browser_step_play_pause_hover_edit_export(browser_page):
    page, server, _, errors = browser_page
    start_loss = float(page.text_content("#loss-test"))
    page.click("#next-step-button")
    page.wait_for_function("document.getElementById('iter-number').textContent !== '000,000'")
    time.sleep(0.3)
    assert _epoch(page) == 1

    page.click("#play-pause-button")
    t0, e0 = time.time(), _epoch(page)
    page.wait_for_function(f"+document.getElementById('loss-test').textContent < {start_loss / 2}",
                           timeout=60_000)
    time.sleep(float(os.environ.get("LAMINA_PLAYGROUND_PLAY_S", "3")))
    rate = (_epoch(page) - e0) / (time.time() - t0)
    print(f"\nplayground: {rate:.0f} epochs/s with the display live; test loss "
          f"{start_loss:.3f} -> {page.text_content('#loss-test')}")
    page.click("#play-pause-button")
    time.sleep(0.5)
    paused_at = _epoch(page)
    time.sleep(0.5)
    assert _epoch(page) == paused_at and float(page.text_content("#loss-test")) < start_loss / 2
    assert rate > 20

    page.hover("#node-1-3")
    assert page.text_content("#heatmap-label") == "Layer 2, neuron 4"
    page.mouse.move(5, 5)

    link = page.locator("#link-1-2-5")
    link.dispatch_event("mouseover")
    assert page.text_content("#hovercard-text").startswith("Weight is")
    link.dispatch_event("click")
    page.fill("#hovercard-input", "0.5")
    page.press("#hovercard-input", "Enter")
    page.wait_for_function("window.lamina.app.frame.weights[1].kernel[2][5] === 0.5")

    page.click("#export-button")
    page.wait_for_selector("#export-dialog:not([hidden])")
    code = page.text_content("#export-code")
    assert "w[2, 5] = 0.5" in code and "keras.layers.Dense(8, activation=\"relu\")" in code
    assert re.search(r"model\.fit\(x_train, y_train, batch_size=10, epochs=\d+", code)
    page.click("#export-close")
    if os.environ.get("LAMINA_PLAYGROUND_SCREENSHOT"):
        page.screenshot(path=os.environ["LAMINA_PLAYGROUND_SCREENSHOT"])
    assert errors == []


def test_browser_controls_change_network(browser_page):
    page, _, _, _ = browser_page
    before = int(page.evaluate("document.body.dataset.setups"))
    page.click("#remove-layers")
    page.wait_for_function(f"+document.body.dataset.setups > {before}")
    assert page.text_content("#num-layers") == "2" and _epoch(page) == 0
    assert "networkShape=8,8&" in page.evaluate("location.hash")
    page.click("#add-neuron-1")
    page.wait_for_function("document.querySelectorAll('.node.hidden-node').length === 16")
    page.select_option("#activations", "tanh")
    page.wait_for_function("location.hash.includes('activation=tanh')")


def test_browser_shows_server_error_in_page(browser_page):
    page, _, _, _ = browser_page
    page.evaluate("window.lamina.send({type: 'set', "
                  "changes: {networkShape: [1, 2, 3, 4, 5, 6, 7]}})")
    page.wait_for_selector("#message:not([hidden])")
    assert "at most 6" in page.text_content("#message")
    page.evaluate("window.lamina.send({type: 'ping', t: 1})")  # the session still answers
    page.click("#next-step-button")
    page.wait_for_function("document.getElementById('iter-number').textContent === '000,001'")


def test_browser_sgd_explorer_animates(browser_page):
    page, _, _, _ = browser_page
    page.click("#sgd-tab")
    page.wait_for_function("document.getElementById('sgd-status').textContent.includes('batches')")
    assert page.is_visible("#sgd-fit") and not page.is_visible("#network-view")
    page.click("#tab-network")
    assert page.is_visible("#heatmap")


def test_browser_loads_nothing_from_outside(browser_page):
    _, server, requests, _ = browser_page
    outside = [u for u in requests if not (u.startswith(server.url) or u.startswith("data:")
                                           or u.startswith("blob:"))]
    assert outside == []
