// Drawing helpers: colour scale, heatmaps from uint8 grids, points, line chart.
"use strict";
const Draw = (() => {
  const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
  const DOMAIN = 6;

  function colour(t) {  // t in [-1, 1] -> [r, g, b], as TensorFlow Playground's scale
    const a = t < 0 ? NEG : POS, s = Math.min(1, Math.abs(t));
    return [MID[0] + (a[0] - MID[0]) * s, MID[1] + (a[1] - MID[1]) * s, MID[2] + (a[2] - MID[2]) * s];
  }
  const css = (t) => { const c = colour(t); return `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`; };

  function decode(b64) {
    const bin = atob(b64), out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // values: Uint8Array (0 = -1, 255 = +1) or Float32Array in [-1, 1]; n x n, row 0 on top.
  function heatmap(canvas, values, n, offset = 0, discretize = false) {
    if (canvas.width !== n) { canvas.width = n; canvas.height = n; }
    const ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n);
    const bytes = values instanceof Uint8Array;
    for (let i = 0; i < n * n; i++) {
      let t = bytes ? values[offset + i] / 127.5 - 1 : values[offset + i];
      if (discretize) t = t > 0 ? 1 : -1;
      const c = colour(t);
      img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2]; img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  const FEATURES = {
    x: (x, y) => x, y: (x, y) => y, xSquared: (x, y) => x * x, ySquared: (x, y) => y * y,
    xTimesY: (x, y) => x * y, sinX: (x, y) => Math.sin(x), sinY: (x, y) => Math.sin(y),
    cosX: (x, y) => Math.cos(x), cosY: (x, y) => Math.cos(y),
  };
  const FEATURE_SCALE = { x: 6, y: 6, xSquared: 36, ySquared: 36, xTimesY: 36, sinX: 1, sinY: 1, cosX: 1, cosY: 1 };

  function featureGrid(name, n) {
    const out = new Float32Array(n * n), f = FEATURES[name], s = FEATURE_SCALE[name];
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
      const x = -DOMAIN + (2 * DOMAIN * c) / (n - 1), y = DOMAIN - (2 * DOMAIN * r) / (n - 1);
      let v = f(x, y) / s;
      if (name === "xSquared" || name === "ySquared") v = 2 * v - 1;
      out[r * n + c] = v;
    }
    return out;
  }

  function points(canvas, train, test, showTest) {
    const ctx = canvas.getContext("2d"), w = canvas.width, k = w / (2 * DOMAIN);
    ctx.clearRect(0, 0, w, w);
    const draw = (pts, stroke) => {
      for (const [x, y, label] of pts) {
        ctx.beginPath();
        ctx.arc((x + DOMAIN) * k, (DOMAIN - y) * k, w / 110, 0, 2 * Math.PI);
        ctx.fillStyle = css(label); ctx.fill();
        ctx.lineWidth = w / 300; ctx.strokeStyle = stroke; ctx.stroke();
      }
    };
    draw(train, "#fff");
    if (showTest) draw(test, "#000");
  }

  function lineChart(canvas, history) {
    const ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height;
    ctx.clearRect(0, 0, w, h);
    if (history.length < 2) return;
    let max = 0;
    for (const p of history) max = Math.max(max, p[1], p[2]);
    max = max || 1;
    const last = history[history.length - 1][0], first = history[0][0], span = Math.max(1, last - first);
    for (const [col, colour_] of [[1, "#777"], [2, "#000"]]) {
      ctx.beginPath();
      history.forEach((p, i) => {
        const x = ((p[0] - first) / span) * (w - 2) + 1, y = h - 2 - (p[col] / max) * (h - 4);
        i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.strokeStyle = colour_; ctx.lineWidth = 1.5; ctx.stroke();
    }
  }

  function thumbnail(canvas, pts) {
    const ctx = canvas.getContext("2d"), w = canvas.width, k = w / (2 * DOMAIN);
    ctx.fillStyle = "#f4f4f4"; ctx.fillRect(0, 0, w, w);
    for (const [x, y, label] of pts) {
      ctx.fillStyle = css(label);
      ctx.fillRect((x + DOMAIN) * k - 1, (DOMAIN - y) * k - 1, 2, 2);
    }
  }

  return { colour, css, decode, heatmap, featureGrid, points, lineChart, thumbnail, DOMAIN };
})();
