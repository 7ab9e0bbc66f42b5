/* A hospital's free beds over time: one small SVG step line per class (the reports as they came). */
(function () {
  "use strict";
  var box = document.getElementById("history-chart");
  if (!box) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var W = 320, H = 120, PAD = 24;
  function svgNode(tag, attrs) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    return n;
  }
  function chart(seri, since, until) {
    var t0 = Date.parse(since), t1 = until, top = 1;
    seri.titik.forEach(function (p) { top = Math.max(top, p.kapasitas); });
    var x = function (t) { return PAD + (W - 2 * PAD) * (t - t0) / Math.max(1, t1 - t0); };
    var y = function (v) { return H - PAD - (H - 2 * PAD) * v / top; };
    var svg = svgNode("svg", { viewBox: "0 0 " + W + " " + H, "class": "chart", role: "img",
                               "data-kelas": seri.kelas, "aria-label": seri.judul[box.dataset.lang] || seri.kelas });
    var dpath = "";
    seri.titik.forEach(function (p, i) {
      var px = x(Date.parse(p.waktu)), py = y(p.tersedia);
      dpath += i === 0 ? "M" + px.toFixed(1) + " " + py.toFixed(1) : " H" + px.toFixed(1) + " V" + py.toFixed(1);
    });
    var last = seri.titik[seri.titik.length - 1];
    dpath += " H" + x(t1).toFixed(1);
    svg.appendChild(svgNode("path", { d: dpath, fill: "none", stroke: "#2b83ba", "stroke-width": 2 }));
    svg.appendChild(svgNode("line", { x1: PAD, x2: W - PAD, y1: y(top), y2: y(top), stroke: "#bbb",
                                      "stroke-dasharray": "3 3" }));
    var title = svgNode("text", { x: PAD, y: 14, "font-size": 12 });
    title.textContent = (seri.judul[box.dataset.lang] || seri.kelas) + ": " + last.tersedia + " / " + last.kapasitas;
    svg.appendChild(title);
    return svg;
  }
  fetch(box.dataset.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var now = Date.now();
      data.seri.forEach(function (s) { box.appendChild(chart(s, data.sejak, now)); });
      box.dataset.series = String(data.seri.length);
      document.body.dataset.ready = "true";
    })
    .catch(function () { box.dataset.failed = "1"; document.body.dataset.ready = "true"; });
}());
