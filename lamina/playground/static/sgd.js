// The SGD explorer: fitted line, weight path and loss, animated batch by batch.
"use strict";
const SGD = (() => {
  let result = null, step = 0, timer = null;
  const el = (id) => document.getElementById(id);

  function settings() {
    return { learning_rate: +Math.pow(10, +el("sgd-lr").value).toPrecision(2), batch_size: +el("sgd-batch").value,
      examples: +el("sgd-examples").value, epochs: 5 };
  }

  function labels() {
    const s = settings();
    el("sgd-lr-value").textContent = s.learning_rate; el("sgd-batch-value").textContent = s.batch_size;
    el("sgd-examples-value").textContent = s.examples;
  }

  function run() { stop(); labels(); send({ type: "sgd", settings: settings() }); }

  function onResult(msg) {
    result = msg; step = 0;
    el("sgd-status").textContent = `${msg.path.length - 1} batches (${msg.steps_per_epoch} per epoch)` +
      (msg.diverged ? " \u2014 diverged: lower the learning rate" : "");
    clearInterval(timer);
    timer = setInterval(() => { draw(); if (step >= result.path.length - 1) clearInterval(timer); else step++; }, 60);
  }

  const W = [-2, 5], B = [-3, 4];
  function axes(ctx, c) { ctx.clearRect(0, 0, c.width, c.height); ctx.strokeStyle = "#ddd"; ctx.strokeRect(0, 0, c.width, c.height); }

  function draw() {
    if (!result) return;
    const [w, b] = result.path[step];
    // Data and fitted line, x in [-1, 1], y in [-3, 5].
    let c = el("sgd-fit"), ctx = c.getContext("2d");
    axes(ctx, c);
    const px = (x) => ((x + 1.1) / 2.2) * c.width, py = (y) => c.height - ((y + 3) / 8) * c.height;
    ctx.fillStyle = Draw.css(1);
    result.x.forEach((x, i) => { ctx.beginPath(); ctx.arc(px(x), py(result.y[i]), 3, 0, 7); ctx.fill(); });
    ctx.strokeStyle = "#f59322"; ctx.lineWidth = 2; ctx.beginPath();
    ctx.moveTo(px(-1.1), py(w * -1.1 + b)); ctx.lineTo(px(1.1), py(w * 1.1 + b)); ctx.stroke();
    ctx.fillStyle = "#333"; ctx.fillText(`w=${w.toFixed(3)}  b=${b.toFixed(3)}`, 8, 14);
    // Weight path over the loss surface.
    c = el("sgd-path"); ctx = c.getContext("2d"); axes(ctx, c);
    const qx = (v) => ((v - W[0]) / (W[1] - W[0])) * c.width, qy = (v) => c.height - ((v - B[0]) / (B[1] - B[0])) * c.height;
    const img = ctx.createImageData(c.width, c.height), n = result.x.length;
    let sx = 0, sy = 0, sxx = 0, sxy = 0, syy = 0;
    result.x.forEach((x, i) => { const y = result.y[i]; sx += x; sy += y; sxx += x * x; sxy += x * y; syy += y * y; });
    for (let r = 0; r < c.height; r += 2) for (let q = 0; q < c.width; q += 2) {
      const ww = W[0] + (q / c.width) * (W[1] - W[0]), bb = B[0] + ((c.height - r) / c.height) * (B[1] - B[0]);
      const loss = (ww * ww * sxx + 2 * ww * bb * sx + n * bb * bb - 2 * ww * sxy - 2 * bb * sy + syy) / n;
      const t = Math.min(1, Math.log1p(loss) / 3), col = Draw.colour(t);
      for (const [dr, dq] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const k = 4 * ((r + dr) * c.width + q + dq);
        img.data[k] = col[0]; img.data[k + 1] = col[1]; img.data[k + 2] = col[2]; img.data[k + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.beginPath();
    result.path.slice(0, step + 1).forEach(([pw, pb], i) => (i ? ctx.lineTo(qx(pw), qy(pb)) : ctx.moveTo(qx(pw), qy(pb))));
    ctx.stroke();
    ctx.fillStyle = "#000"; ctx.beginPath(); ctx.arc(qx(w), qy(b), 4, 0, 7); ctx.fill();
    // Loss per batch.
    c = el("sgd-loss"); ctx = c.getContext("2d"); axes(ctx, c);
    const max = Math.max(...result.loss.slice(0, Math.max(2, result.loss.length)).filter(isFinite)) || 1, m = result.loss.length;
    ctx.strokeStyle = "#000"; ctx.beginPath();
    result.loss.slice(0, step + 1).forEach((v, i) => {
      const x = (i / Math.max(1, m - 1)) * c.width, y = c.height - (v / max) * (c.height - 10);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = "#333"; ctx.fillText(`loss ${result.loss[step].toFixed(4)}  batch ${step}`, 8, 14);
  }

  function start() { labels(); if (!result) run(); }
  function stop() { clearInterval(timer); }

  for (const id of ["sgd-lr", "sgd-batch", "sgd-examples"]) {
    document.getElementById(id).addEventListener("input", labels);
    document.getElementById(id).addEventListener("change", run);
  }
  document.getElementById("sgd-run").addEventListener("click", run);
  return { start, stop, onResult };
})();
