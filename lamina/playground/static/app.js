// The playground page: controls, network drawing, and the WebSocket session.
"use strict";
const $ = (id) => document.getElementById(id);
const INPUTS = ["x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY", "cosX", "cosY"];
const INPUT_LABELS = { x: "X\u2081", y: "X\u2082", xSquared: "X\u2081\u00b2", ySquared: "X\u2082\u00b2",
  xTimesY: "X\u2081X\u2082", sinX: "sin(X\u2081)", sinY: "sin(X\u2082)", cosX: "cos(X\u2081)", cosY: "cos(X\u2082)" };
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const REG_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const CLASS_SETS = ["circle", "xor", "gauss", "spiral"], REG_SETS = ["reg-plane", "reg-gauss"];
const NODE = 34, ROW = 46, COL = 118, LEFT = 70, TOP = 92;

const app = {
  ws: null, state: null, train: [], test: [], history: [], frame: null, playing: false,
  grid: 100, neuronGrid: 20, hoverNeuron: null, rate: { t: 0, epoch: 0 }, pendingDraw: false,
};

// -- socket ----------------------------------------------------------------------------
function send(msg) { if (app.ws && app.ws.readyState === 1) app.ws.send(JSON.stringify(msg)); }

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  app.ws = new WebSocket(`${proto}://${location.host}/ws`);
  app.ws.onopen = () => send({ type: "hello", hash: location.hash });
  app.ws.onmessage = (ev) => onMessage(JSON.parse(ev.data));
  app.ws.onclose = () => { setPlaying(false); showMessage("Disconnected from the server. Reload the page to reconnect."); };
}

function onMessage(msg) {
  if (msg.type === "setup") return setup(msg);
  if (msg.type === "thumbnails") return buildThumbnails(msg.data);
  if (msg.type === "frame") return onFrame(msg);
  if (msg.type === "settings") return setHash(msg.hash);
  if (msg.type === "error") { if (app.playing && /session/.test(msg.message)) setPlaying(false); return showMessage(msg.message); }
  if (msg.type === "export") return showExport(msg.script);
  if (msg.type === "sgd") return SGD.onResult(msg);
  if (msg.type === "pong") return (window.__pong && window.__pong(msg));
}

function showMessage(text, info = false) {
  const el = $("message");
  el.textContent = text; el.className = info ? "info" : ""; el.hidden = false;
  clearTimeout(showMessage.timer);
  showMessage.timer = setTimeout(() => { el.hidden = true; }, 6000);
}

function setHash(hash) { history.replaceState(null, "", "#" + hash); }

// -- state from the server ---------------------------------------------------------------
function setup(msg) {
  app.state = msg.state; app.train = msg.train; app.test = msg.test;
  app.grid = msg.grid; app.neuronGrid = msg.neuron_grid;
  app.history = msg.history.slice();
  setHash(msg.hash);
  syncControls();
  buildNetwork();
  $("links").dataset.key = "";
  document.body.dataset.setups = String(+(document.body.dataset.setups || 0) + 1);
  onFrame(msg, true);
}

function onFrame(msg, fromSetup = false) {
  app.frame = { epoch: msg.epoch, lossTrain: msg.loss_train, lossTest: msg.loss_test,
    output: Draw.decode(msg.output), neurons: Draw.decode(msg.neurons), weights: msg.weights };
  if (!fromSetup && msg.type === "frame") {
    const h = app.history;
    const ok = msg.loss_train !== null && msg.loss_test !== null;
    if (ok && (!h.length || h[h.length - 1][0] !== msg.epoch)) h.push([msg.epoch, msg.loss_train, msg.loss_test]);
    if (h.length > 4000) app.history = h.filter((_, i) => i % 2 === 0);
  }
  if (!app.pendingDraw) { app.pendingDraw = true; requestAnimationFrame(drawFrame); }
}

function drawFrame() {
  app.pendingDraw = false;
  const f = app.frame, s = app.state;
  if (!f || !s) return;
  $("iter-number").textContent = f.epoch.toLocaleString("en-US", { minimumIntegerDigits: 6 });
  $("loss-train").textContent = f.lossTrain === null ? "NaN" : f.lossTrain.toFixed(3);
  $("loss-test").textContent = f.lossTest === null ? "NaN" : f.lossTest.toFixed(3);
  const now = performance.now();
  if (now - app.rate.t > 1000) {
    const eps = ((f.epoch - app.rate.epoch) * 1000) / (now - app.rate.t);
    $("epochs-per-second").textContent = app.playing && eps > 0 ? `${eps.toFixed(0)} epochs/s` : "";
    app.rate = { t: now, epoch: f.epoch };
  }
  Draw.lineChart($("linechart"), app.history);
  drawMainHeatmap();
  const ng = app.neuronGrid, per = ng * ng;
  document.querySelectorAll(".node.hidden-node").forEach((el) => {
    Draw.heatmap(el.querySelector("canvas"), f.neurons, ng, +el.dataset.index * per, s.discretize);
  });
  const oc = document.querySelector("#node-output canvas");
  if (oc) Draw.heatmap(oc, f.output, app.grid, 0, s.discretize);
  drawLinks();
  if (app.playing) send({ type: "ack" });
}

function drawMainHeatmap() {
  const f = app.frame, s = app.state, canvas = $("heatmap-canvas"), label = $("heatmap-label");
  if (app.hoverNeuron !== null) {
    const n = app.hoverNeuron;
    if (n.kind === "input") Draw.heatmap(canvas, Draw.featureGrid(n.name, 50), 50);
    else Draw.heatmap(canvas, f.neurons, app.neuronGrid, n.index * app.neuronGrid * app.neuronGrid, s.discretize);
    label.textContent = n.label; label.hidden = false;
  } else {
    Draw.heatmap(canvas, f.output, app.grid, 0, s.discretize);
    label.hidden = true;
  }
  Draw.points($("points-canvas"), app.train, app.test, s.showTestData);
}

// -- controls ------------------------------------------------------------------------------
function fillSelect(el, values) {
  el.innerHTML = values.map((v) => `<option value="${v}">${v}</option>`).join("");
}

function syncControls() {
  const s = app.state;
  const pick = (el, v, values) => {
    if (values && !values.includes(v)) { values.push(v); values.sort((a, b) => a - b); fillSelect(el, values); }
    el.value = String(v);
  };
  pick($("learningRate"), s.learningRate, LEARNING_RATES);
  pick($("regularRate"), s.regularizationRate, REG_RATES);
  $("activations").value = s.activation; $("regularizations").value = s.regularization;
  $("problem").value = s.problem; $("optimizer").value = s.optimizer;
  for (const id of ["percTrainData", "noise", "batchSize"]) { $(id).value = s[id]; $(id + "-value").textContent = s[id]; }
  $("show-test-data").checked = s.showTestData; $("discretize").checked = s.discretize;
  document.body.classList.toggle("hide-text", s.hideText);
  const n = s.networkShape.length;
  $("num-layers").textContent = n; $("layers-word").textContent = n === 1 ? "hidden layer" : "hidden layers";
  document.querySelectorAll(".data-thumbnail").forEach((el) => {
    const sets = s.problem === "classification" ? CLASS_SETS : REG_SETS;
    el.hidden = !sets.includes(el.dataset.dataset);
    el.classList.toggle("selected", el.dataset.dataset === (s.problem === "classification" ? s.dataset : s.regDataset));
  });
  for (const [key, hidden] of Object.entries(s.hidden || {})) {
    const el = $(key.replace(/_hide$/, "")); if (el && hidden) el.closest(".control, .slider, .check")?.setAttribute("hidden", "");
  }
}

function change(changes) { send({ type: "set", changes }); }

function setPlaying(on) {
  app.playing = on;
  $("play-pause-button").classList.toggle("playing", on);
  if (!on) $("epochs-per-second").textContent = "";
  app.rate = { t: performance.now(), epoch: app.frame ? app.frame.epoch : 0 };
}

function setShape(shape) {
  const s = app.state, n = shape.length;
  const pad = (a, v) => a.slice(0, n).concat(Array(Math.max(0, n - a.length)).fill(v));
  change({ networkShape: shape, dropout: pad(s.dropout, 0), batchNorm: pad(s.batchNorm, 0) });
}

function wireControls() {
  fillSelect($("learningRate"), LEARNING_RATES); fillSelect($("regularRate"), REG_RATES);
  $("play-pause-button").onclick = () => { setPlaying(!app.playing); send({ type: app.playing ? "play" : "pause" }); };
  $("next-step-button").onclick = () => { setPlaying(false); send({ type: "pause" }); send({ type: "step" }); };
  $("reset-button").onclick = () => { setPlaying(false); send({ type: "pause" }); app.history = []; send({ type: "reset" }); };
  $("data-regen-button").onclick = () => send({ type: "regenerate" });
  $("learningRate").onchange = (e) => change({ learningRate: +e.target.value });
  $("regularRate").onchange = (e) => change({ regularizationRate: +e.target.value });
  $("activations").onchange = (e) => change({ activation: e.target.value });
  $("regularizations").onchange = (e) => change({ regularization: e.target.value });
  $("problem").onchange = (e) => change({ problem: e.target.value });
  $("optimizer").onchange = (e) => change({ optimizer: e.target.value });
  for (const id of ["percTrainData", "noise", "batchSize"]) {
    $(id).oninput = (e) => { $(id + "-value").textContent = e.target.value; };
    $(id).onchange = (e) => change({ [id]: +e.target.value });
  }
  $("show-test-data").onchange = (e) => { app.state.showTestData = e.target.checked; change({ showTestData: e.target.checked }); drawFrame(); };
  $("discretize").onchange = (e) => { app.state.discretize = e.target.checked; change({ discretize: e.target.checked }); drawFrame(); };
  $("add-layers").onclick = () => { const s = app.state.networkShape; if (s.length < 6) setShape(s.concat([2])); };
  $("remove-layers").onclick = () => { const s = app.state.networkShape; if (s.length) setShape(s.slice(0, -1)); };
  $("export-button").onclick = () => send({ type: "export" });
  $("export-close").onclick = () => { $("export-dialog").hidden = true; };
  $("export-copy").onclick = () => navigator.clipboard && navigator.clipboard.writeText($("export-code").textContent);
  $("export-download").onclick = () => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([$("export-code").textContent], { type: "text/x-python" }));
    a.download = "playground_run.py"; a.click(); URL.revokeObjectURL(a.href);
  };
  $("tab-network").onclick = () => showTab(false); $("sgd-tab").onclick = () => showTab(true);
  window.addEventListener("hashchange", () => send({ type: "hello", hash: location.hash }));
}

function showTab(sgd) {
  $("network-view").hidden = sgd; $("controls").hidden = sgd; $("sgd-view").hidden = !sgd;
  $("tab-network").classList.toggle("active", !sgd); $("sgd-tab").classList.toggle("active", sgd);
  if (sgd) SGD.start(); else SGD.stop();
}

function showExport(script) { $("export-code").textContent = script; $("export-dialog").hidden = false; }

// The data sets' thumbnails: points drawn by the server's generators (no noise), as
// TensorFlow Playground draws its thumbnails from its generators.
function buildThumbnails(data) {
  const box = $("datasets");
  box.innerHTML = "";
  for (const name of CLASS_SETS.concat(REG_SETS)) {
    const c = document.createElement("canvas");
    c.width = c.height = 48; c.className = "data-thumbnail"; c.dataset.dataset = name; c.title = name;
    c.dataset.points = String(data[name].length);
    Draw.thumbnail(c, data[name]);
    c.onclick = () => change(REG_SETS.includes(name) ? { regDataset: name } : { dataset: name });
    box.appendChild(c);
  }
  if (app.state) syncControls();
}

// -- the network diagram ------------------------------------------------------------------
function nodePos(col, row) { return [LEFT + col * COL, TOP + row * ROW]; }

function buildNetwork() {
  const s = app.state, net = $("network");
  net.querySelectorAll(".node, .node-label, .layer-buttons, .layer-info").forEach((el) => el.remove());
  const active = s.networkShape;
  INPUTS.forEach((name, r) => {
    const [x, y] = nodePos(0, r), el = document.createElement("div");
    el.className = "node input" + (s[name] ? "" : " off"); el.id = `node-input-${name}`;
    el.style.left = x + "px"; el.style.top = y + "px"; el.title = `${INPUT_LABELS[name]} (click to toggle)`;
    const c = document.createElement("canvas"); el.appendChild(c);
    Draw.heatmap(c, Draw.featureGrid(name, 20), 20);
    el.onclick = () => change({ [name]: !s[name] });
    hoverNeuron(el, { kind: "input", name, label: INPUT_LABELS[name] });
    const lab = document.createElement("div");
    lab.className = "node-label"; lab.textContent = INPUT_LABELS[name];
    lab.style.left = x - 62 + "px"; lab.style.top = y + 10 + "px";
    net.append(el, lab);
  });
  let index = 0;
  active.forEach((units, l) => {
    const [bx, by] = nodePos(l + 1, 0);
    const btns = document.createElement("div");
    btns.className = "layer-buttons"; btns.style.left = bx - 10 + "px"; btns.style.top = by - 88 + "px";
    btns.innerHTML = `<button class="icon-button small" title="Add a neuron"><svg><use href="#i-plus"/></svg></button>` +
      `<button class="icon-button small" title="Remove a neuron"><svg><use href="#i-minus"/></svg></button>`;
    const [plus, minus] = btns.querySelectorAll("button");
    plus.id = `add-neuron-${l}`; minus.id = `remove-neuron-${l}`;
    plus.title = "Add a neuron (Shift-click: beyond 8, up to 32)";
    plus.onclick = (e) => { if (units < (e.shiftKey ? 32 : 8)) setShape(active.map((u, i) => (i === l ? u + 1 : u))); };
    minus.onclick = () => { if (units > 1) setShape(active.map((u, i) => (i === l ? u - 1 : u))); };
    const info = document.createElement("div");
    info.className = "layer-info"; info.style.left = bx - 28 + "px"; info.style.top = by - 56 + "px";
    const bn = (s.batchNorm[l] || 0) === 1, dr = s.dropout[l] || 0;
    info.innerHTML = `${units} neuron${units > 1 ? "s" : ""}<br>` +
      `<label><input type="checkbox" id="bn-${l}" ${bn ? "checked" : ""}>BN</label>` +
      `<label title="Dropout rate ${dr || 0.2}"><input type="checkbox" id="dropout-${l}" ${dr ? "checked" : ""}>Drop</label>`;
    net.append(btns, info);
    info.querySelector(`#bn-${l}`).onchange = (e) => { const v = active.map((_, i) => (i === l ? +e.target.checked : s.batchNorm[i] || 0)); change({ batchNorm: v, dropout: active.map((_, i) => s.dropout[i] || 0) }); };
    info.querySelector(`#dropout-${l}`).onchange = (e) => { const v = active.map((_, i) => (i === l ? (e.target.checked ? 0.2 : 0) : s.dropout[i] || 0)); change({ dropout: v, batchNorm: active.map((_, i) => s.batchNorm[i] || 0) }); };
    for (let j = 0; j < units; j++) {
      const [x, y] = nodePos(l + 1, j), el = document.createElement("div");
      el.className = "node hidden-node"; el.id = `node-${l}-${j}`; el.dataset.index = index++;
      el.style.left = x + "px"; el.style.top = y + "px";
      el.appendChild(document.createElement("canvas"));
      const bias = document.createElement("div"); bias.className = "bias"; bias.id = `bias-${l}-${j}`;
      el.appendChild(bias);
      editable(bias, () => ({ layer: l, kind: "bias", i: 0, j, label: "Bias" }));
      hoverNeuron(el, { kind: "hidden", index: +el.dataset.index, label: `Layer ${l + 1}, neuron ${j + 1}` });
      net.appendChild(el);
    }
  });
  const out = document.createElement("div"), [ox, oy] = nodePos(active.length + 1, 0);
  out.className = "node output-node"; out.id = "node-output"; out.style.left = ox + "px"; out.style.top = oy + "px";
  out.appendChild(document.createElement("canvas"));
  const ob = document.createElement("div"); ob.className = "bias"; ob.id = `bias-${active.length}-0`; out.appendChild(ob);
  editable(ob, () => ({ layer: active.length, kind: "bias", i: 0, j: 0, label: "Bias" }));
  net.appendChild(out);
  const rows = Math.max(INPUTS.length, ...active, 1);
  net.style.height = TOP + rows * ROW + 20 + "px";
  const svg = $("links"); svg.setAttribute("width", ox + NODE + 20); svg.setAttribute("height", TOP + rows * ROW);
}

function hoverNeuron(el, info) {
  el.addEventListener("mouseenter", () => { app.hoverNeuron = info; drawMainHeatmap(); });
  el.addEventListener("mouseleave", () => { app.hoverNeuron = null; drawMainHeatmap(); });
}

function drawLinks() {
  const s = app.state, f = app.frame, svg = $("links");
  if (!f || !f.weights) return;
  const inputs = INPUTS.map((n, r) => [n, r]).filter(([n]) => s[n]).map(([, r]) => r);
  const layers = [inputs].concat(s.networkShape.map((u) => [...Array(u).keys()]), [[0]]);
  const key = JSON.stringify(layers);
  const style = (v) => [Draw.css(Math.max(-1, Math.min(1, v))), Math.min(8, 0.5 + Math.abs(v) * 2.5).toFixed(2)];
  if (svg.dataset.key === key) {  // same structure: update in place (keeps hover state)
    let k = 0;
    const paths = svg.children;
    f.weights.forEach((w, l) => layers[l].forEach((_, i) => layers[l + 1].forEach((_, j) => {
      const [stroke, width] = style(w.kernel[i][j]), p = paths[k++];
      p.setAttribute("stroke", stroke); p.setAttribute("stroke-width", width);
    })));
    return;
  }
  const parts = [];
  f.weights.forEach((w, l) => {
    layers[l].forEach((fromRow, i) => layers[l + 1].forEach((toRow, j) => {
      const [stroke, width] = style(w.kernel[i][j]);
      const [x1, y1] = nodePos(l, fromRow), [x2, y2] = nodePos(l + 1, toRow);
      const a = x1 + NODE, b = y1 + NODE / 2, c = x2, d = y2 + NODE / 2, m = (a + c) / 2;
      parts.push(`<path id="link-${l}-${i}-${j}" data-l="${l}" data-i="${i}" data-j="${j}" d="M${a},${b}C${m},${b} ${m},${d} ${c},${d}" ` +
        `stroke="${stroke}" stroke-width="${width}" stroke-opacity="0.85"/>`);
    }));
  });
  svg.innerHTML = parts.join("");
  svg.dataset.key = key;
}

// -- hover card and weight editing ------------------------------------------------------------
function weightOf(t) {
  const w = app.frame.weights[t.layer];
  return t.kind === "bias" ? w.bias[t.j] : w.kernel[t.i][t.j];
}

function editable(el, target) {
  el.addEventListener("mouseenter", (e) => showCard(e, target(), false));
  el.addEventListener("mouseleave", () => { if ($("hovercard-input").hidden) $("hovercard").hidden = true; });
  el.addEventListener("click", (e) => { e.stopPropagation(); showCard(e, target(), true); });
}

function showCard(e, t, edit) {
  if (!app.frame) return;
  const card = $("hovercard"), input = $("hovercard-input");
  card.style.left = e.pageX + 12 + "px"; card.style.top = e.pageY - 10 + "px";
  const value = weightOf(t);
  $("hovercard-text").textContent = `${t.label} is ${value.toFixed(3)}` + (edit ? "" : " (click to edit)");
  card.hidden = false; input.hidden = !edit;
  if (edit) {
    input.value = value.toFixed(3); input.focus(); input.select();
    input.onkeydown = (k) => {
      if (k.key === "Enter") { send({ type: "edit", layer: t.layer, kind: t.kind, i: t.i, j: t.j, value: +input.value }); input.hidden = true; card.hidden = true; }
      if (k.key === "Escape") { input.hidden = true; card.hidden = true; }
    };
  }
}

function wireLinks() {
  const svg = $("links");
  const target = (p) => ({ layer: +p.dataset.l, kind: "kernel", i: +p.dataset.i, j: +p.dataset.j, label: "Weight" });
  svg.addEventListener("mouseover", (e) => { if (e.target.tagName === "path") showCard(e, target(e.target), false); });
  svg.addEventListener("mouseout", (e) => { if (e.target.tagName === "path" && $("hovercard-input").hidden) $("hovercard").hidden = true; });
  svg.addEventListener("click", (e) => { if (e.target.tagName === "path") { e.stopPropagation(); showCard(e, target(e.target), true); } });
  document.addEventListener("click", (e) => { if (!$("hovercard").contains(e.target)) { $("hovercard").hidden = true; $("hovercard-input").hidden = true; } });
}

wireControls();
wireLinks();
connect();
window.lamina = { app, send };
