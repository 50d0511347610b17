/* page.js: the charts of a lighter-host report (`lighter-host report`),
 * drawn from the JSON in #report-data: one SVG chart per logged key with
 * every run's curve over steps, a legend whose checkboxes switch runs off
 * and on, and a readout of each run's value under the pointer. Written by
 * hand without a library so that the page opens offline. Once drawn, each
 * chart says what it drew for tests that read the DOM: data-lines (how many
 * runs have a curve there) and data-plot (its plot area in page pixels:
 * left,top,width,height); the body says data-charts. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var W = 440, H = 250, L = 60, R = 14, T = 28, B = 34; // chart size and margins
  var PW = W - L - R, PH = H - T - B;
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var hidden = {}; // run index -> true while switched off

  function make(tag, attrs, parent, svg) {
    var e = svg ? document.createElementNS(NS, tag) : document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function svg(tag, attrs, parent) { return make(tag, attrs, parent, true); }
  function text(tag, attrs, parent, s) {
    var e = svg(tag, attrs, parent);
    e.textContent = s;
    return e;
  }

  // About n round values (1, 2 or 5 times a power of ten) from lo to hi.
  function ticks(lo, hi, n) {
    var raw = (hi - lo) / n, step = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / step;
    step *= f >= 7.5 ? 10 : f >= 3.5 ? 5 : f >= 1.5 ? 2 : 1;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-6; v += step)
      out.push(Math.abs(v) < step * 1e-6 ? 0 : v);
    return out;
  }

  function fmt(v) {
    if (v === null || v === undefined) return "-";
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
    return String(+v.toPrecision(5));
  }

  // The range of the shown runs' points, padded; null when there is none.
  function extent(c) {
    var e = {x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity};
    c.series.forEach(function (s) {
      if (hidden[s.run]) return;
      for (var i = 0; i < s.x.length; i++) {
        if (s.y[i] === null) continue;
        e.x0 = Math.min(e.x0, s.x[i]), e.x1 = Math.max(e.x1, s.x[i]);
        e.y0 = Math.min(e.y0, s.y[i]), e.y1 = Math.max(e.y1, s.y[i]);
      }
    });
    if (e.x0 > e.x1) return null;
    if (e.x0 === e.x1) e.x0 -= 1, e.x1 += 1;
    if (e.y0 === e.y1) {
      var d = Math.abs(e.y0) / 10 || 1;
      e.y0 -= d, e.y1 += d;
    }
    var pad = (e.y1 - e.y0) * 0.05;
    e.y0 -= pad, e.y1 += pad;
    return e;
  }

  // A curve as SVG path data. Past two points per pixel column, only each
  // column's lowest and highest point are kept: the same picture, far
  // fewer nodes. A missing value (null) breaks the line.
  function curve(s, sx, sy) {
    var d = "", pen = false, col = null, lo = -1, hi = -1, many = s.x.length > 2 * PW;
    function put(i) {
      d += (pen ? "L" : "M") + sx(s.x[i]).toFixed(1) + "," + sy(s.y[i]).toFixed(1);
      pen = true;
    }
    function flush() {
      if (lo < 0) return;
      if (lo === hi) put(lo);
      else if (lo < hi) put(lo), put(hi);
      else put(hi), put(lo);
      lo = hi = -1;
    }
    for (var i = 0; i < s.x.length; i++) {
      if (s.y[i] === null) {
        flush();
        pen = false;
        continue;
      }
      if (!many) {
        put(i);
        continue;
      }
      var c = Math.round(sx(s.x[i]));
      if (c !== col) flush(), col = c;
      if (lo < 0 || s.y[i] < s.y[lo]) lo = i;
      if (hi < 0 || s.y[i] > s.y[hi]) hi = i;
    }
    flush();
    return d;
  }

  // The index of the point nearest to x (steps ascend in metrics.csv).
  function nearest(xs, x) {
    var lo = 0, hi = xs.length - 1;
    while (hi - lo > 1) {
      var m = (lo + hi) >> 1;
      if (xs[m] <= x) lo = m;
      else hi = m;
    }
    return Math.abs(xs[hi] - x) < Math.abs(xs[lo] - x) ? hi : lo;
  }

  function axes(g, e, sx, sy) {
    ticks(e.x0, e.x1, 6).forEach(function (t) {
      var x = sx(t).toFixed(1);
      svg("line", {x1: x, x2: x, y1: T, y2: T + PH, "class": "grid"}, g);
      text("text", {x: x, y: T + PH + 14, "class": "tick", "text-anchor": "middle"}, g, fmt(t));
    });
    ticks(e.y0, e.y1, 5).forEach(function (t) {
      var y = sy(t).toFixed(1);
      svg("line", {x1: L, x2: L + PW, y1: y, y2: y, "class": "grid"}, g);
      text("text", {x: L - 6, y: +y + 4, "class": "tick", "text-anchor": "end"}, g, fmt(t));
    });
    svg("rect", {x: L, y: T, width: PW, height: PH, "class": "frame"}, g);
    text("text", {x: L + PW, y: H - 4, "class": "tick", "text-anchor": "end"}, g, "step");
  }

  // The readout: a guide at the nearest logged step, a dot on each curve
  // and a box with the step and every shown run's value there.
  function readout(box, g, c, e, sx, sy) {
    var guide = svg("line", {y1: T, y2: T + PH, "class": "guide", visibility: "hidden"}, g);
    var dots = svg("g", {}, g);
    var tip = make("div", {"class": "tip"}, box);
    function hide() {
      guide.setAttribute("visibility", "hidden");
      dots.textContent = "";
      tip.style.display = "none";
    }
    g.addEventListener("mouseleave", hide);
    g.addEventListener("mousemove", function (ev) {
      var px = ev.clientX - g.getBoundingClientRect().left;
      var x = e.x0 + (px - L) / PW * (e.x1 - e.x0), at = null;
      if (px < L || px > L + PW) return hide();
      c.series.forEach(function (s) {
        if (hidden[s.run] || !s.x.length) return;
        var i = nearest(s.x, x);
        if (at === null || Math.abs(s.x[i] - x) < Math.abs(at - x)) at = s.x[i];
      });
      if (at === null) return hide();
      guide.setAttribute("x1", sx(at)), guide.setAttribute("x2", sx(at));
      guide.setAttribute("visibility", "visible");
      dots.textContent = tip.textContent = "";
      make("div", {"class": "step"}, tip).textContent = "step " + at;
      c.series.forEach(function (s) {
        if (hidden[s.run] || !s.x.length) return;
        var i = nearest(s.x, at), run = data.runs[s.run], row = make("div", {}, tip);
        make("span", {"class": "swatch", style: "background:" + run.color}, row);
        var v = fmt(s.y[i]) + (s.x[i] !== at ? " (step " + s.x[i] + ")" : "");
        row.appendChild(document.createTextNode(run.name + ": " + v));
        if (s.y[i] !== null) svg("circle", {cx: sx(s.x[i]), cy: sy(s.y[i]), r: 3.5, fill: run.color}, dots);
      });
      tip.style.display = "block";
      tip.style.left = (px > W / 2 ? px - tip.offsetWidth - 12 : px + 12) + "px";
      tip.style.top = T + "px";
    });
  }

  function chart(c, parent) {
    var box = make("div", {"class": "chart", "data-key": c.key}, parent);
    var g = svg("svg", {width: W, height: H, viewBox: "0 0 " + W + " " + H}, box);
    text("text", {x: L, y: 17, "class": "title"}, g, c.key);
    var e = extent(c), lines = 0;
    box.setAttribute("data-lines", 0);
    if (!e) return box;
    function sx(x) { return L + (x - e.x0) / (e.x1 - e.x0) * PW; }
    function sy(y) { return T + PH - (y - e.y0) / (e.y1 - e.y0) * PH; }
    axes(g, e, sx, sy);
    c.series.forEach(function (s) {
      if (hidden[s.run]) return;
      var d = curve(s, sx, sy), color = data.runs[s.run].color;
      if (!d) return;
      svg("path", {d: d, stroke: color, "class": "line"}, g);
      if (s.x.length <= 30) // few points (an epoch's value): mark each
        for (var i = 0; i < s.x.length; i++)
          if (s.y[i] !== null) svg("circle", {cx: sx(s.x[i]), cy: sy(s.y[i]), r: 2.5, fill: color}, g);
      lines++;
    });
    box.setAttribute("data-lines", lines);
    readout(box, g, c, e, sx, sy);
    return box;
  }

  function legend() {
    var box = document.getElementById("legend");
    box.textContent = "";
    data.runs.forEach(function (run, i) {
      var item = make("label", {"class": "run"}, box), check = make("input", {type: "checkbox"}, item);
      check.checked = !hidden[i];
      check.addEventListener("change", function () {
        hidden[i] = !check.checked;
        draw();
      });
      make("span", {"class": "swatch", style: "background:" + run.color}, item);
      make("span", {"class": "name"}, item).textContent = run.name;
      if (run.label) make("span", {"class": "label"}, item).textContent = run.label;
    });
  }

  function draw() {
    var box = document.getElementById("charts");
    box.textContent = "";
    if (!data.charts.length) box.textContent = "No run has logged a value yet (no metrics.csv rows).";
    data.charts.forEach(function (c) {
      var r = chart(c, box).querySelector("svg").getBoundingClientRect();
      box.lastChild.setAttribute("data-plot", [Math.round(r.left + window.scrollX + L),
        Math.round(r.top + window.scrollY + T), PW, PH].join(","));
    });
    document.body.setAttribute("data-charts", data.charts.length);
  }

  legend();
  draw();
})();
