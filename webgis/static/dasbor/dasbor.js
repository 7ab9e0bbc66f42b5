/* /dasbor: pick an indicator, see its monthly trend (SVG drawn here: no chart library is fetched),
   its choropleth by kecamatan and, for any figure, how it was computed (the provenance dialog). */
(function () {
  "use strict";
  var S = document.getElementById("d-strings").dataset;
  var lang = S.lang;
  var API = "/api/dasbor/indikator/";
  var COLOURS = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"];
  var current = null, chosenKec = null, map = null, shapes = null;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function fmt(v, unit) { return v === null || v === undefined ? "—" : v.toFixed(1) + " " + unit; }
  function svgEl(name, attrs) {
    var el = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function provenance(indicator, params) {
    var q = new URLSearchParams(params || {});
    return getJSON(API + indicator + "/asal?" + q.toString()).then(function (p) {
      var place = p.kode_kec ? "kecamatan " + p.kode_kec : S.allCity;
      if (p.agency) { place += " · " + p.agency; }
      document.getElementById("p-title").textContent = p.title[lang] + " — " + place + " — " + p.month;
      document.getElementById("p-figure").textContent = fmt(p.value, p.unit) + " (n = " + p.n + " " + S.records + ")";
      document.getElementById("p-words").textContent = p.provenance[lang];
      document.getElementById("p-layers").textContent = p.layers.join(", ");
      document.getElementById("p-period").textContent = p.period ? p.period.start + " … " + p.period.end +
        " · " + S.computedAt + " " + p.period.refreshed_at.slice(0, 16).replace("T", " ") + " UTC" : "—";
      document.getElementById("p-compute").textContent = p.compute;
      document.getElementById("p-sql").textContent = p.sql || "—";
      document.getElementById("p-source").textContent = p.function_source;
      var dialog = document.getElementById("d-provenance");
      dialog.dataset.indicator = indicator;
      dialog.dataset.month = p.month || "";
      dialog.dataset.n = String(p.n);
      if (!dialog.open) { dialog.showModal(); }
    });
  }

  function drawChart(lines, unit, indicator) {
    var box = document.getElementById("d-chart");
    box.textContent = "";
    var W = 640, H = 240, L = 44, R = 10, T = 10, B = 28;
    var months = {};
    lines.forEach(function (line) { line.points.forEach(function (p) { months[p.month] = true; }); });
    var axis = Object.keys(months).sort();
    var values = [];
    lines.forEach(function (line) { line.points.forEach(function (p) { if (p.value !== null) { values.push(p.value); } }); });
    var svg = svgEl("svg", { viewBox: "0 0 " + W + " " + H, "aria-label": unit });
    box.appendChild(svg);
    box.dataset.points = "0";
    if (!axis.length) { return; }
    var lo = Math.min(0, Math.min.apply(null, values)), hi = Math.max.apply(null, values) || 1;
    function x(m) { return L + (axis.length === 1 ? 0.5 : axis.indexOf(m) / (axis.length - 1)) * (W - L - R); }
    function y(v) { return T + (1 - (v - lo) / (hi - lo || 1)) * (H - T - B); }
    [lo, (lo + hi) / 2, hi].forEach(function (v) {
      svg.appendChild(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#ddd" }));
      var label = svgEl("text", { x: 2, y: y(v) + 4, "font-size": 11, fill: "#555" });
      label.textContent = v.toFixed(0);
      svg.appendChild(label);
    });
    [axis[0], axis[axis.length - 1]].forEach(function (m, i) {
      var label = svgEl("text", { x: i ? W - R - 48 : L, y: H - 8, "font-size": 11, fill: "#555" });
      label.textContent = m;
      svg.appendChild(label);
    });
    var count = 0;
    lines.forEach(function (line) {
      var path = line.points.filter(function (p) { return p.value !== null; })
        .map(function (p, i) { return (i ? "L" : "M") + x(p.month).toFixed(1) + "," + y(p.value).toFixed(1); }).join(" ");
      svg.appendChild(svgEl("path", { d: path, fill: "none", stroke: line.colour, "stroke-width": 2 }));
      line.points.forEach(function (p) {
        if (p.value === null) { return; }
        var dot = svgEl("circle", { cx: x(p.month), cy: y(p.value), r: axis.length > 36 ? 2.5 : 4, fill: line.colour,
          "class": "d-point", "data-month": p.month, "data-kecamatan": line.kec || "", tabindex: 0 });
        var title = svgEl("title", {});
        title.textContent = line.label + " " + p.month + ": " + fmt(p.value, unit) + " (n = " + p.n + ")";
        dot.appendChild(title);
        dot.addEventListener("click", function () {
          provenance(indicator, line.kec ? { kecamatan: line.kec, bulan: p.month } : { bulan: p.month });
        });
        svg.appendChild(dot);
        count += 1;
      });
    });
    box.dataset.points = String(count);
    box.dataset.lines = String(lines.length);
  }

  var trendAsked = 0;
  function loadTrend() {
    var card = current, asked = ++trendAsked;
    var id = card.dataset.indicator, unit = card.dataset.unit;
    var wanted = [getJSON(API + id)];
    if (chosenKec) { wanted.push(getJSON(API + id + "?kecamatan=" + encodeURIComponent(chosenKec.kode))); }
    return Promise.all(wanted).then(function (answers) {
      if (asked !== trendAsked) { return; }  // a later choice (another kecamatan) answers instead
      var lines = [{ label: S.city, colour: "#1f4e79", points: answers[0].points }];
      if (answers[1]) { lines.push({ label: chosenKec.nama, kec: chosenKec.kode, colour: "#e6550d", points: answers[1].points }); }
      document.getElementById("d-chart-place").textContent = "— " + lines.map(function (l) { return l.label; }).join(" / ");
      drawChart(lines, unit, id);
    });
  }

  function colourOf(value, lo, hi, better) {
    if (value === null || value === undefined) { return "#bdbdbd"; }
    var k = Math.min(4, Math.floor(((value - lo) / ((hi - lo) || 1)) * 5));
    return COLOURS[better === "lower" ? 4 - k : k];
  }

  function loadMap() {
    var id = current.dataset.indicator;
    var el = document.getElementById("d-map");
    if (!map) { map = L.map(el, { center: [3.595, 98.672], zoom: 11 }); }
    return getJSON(API + id + "/peta").then(function (data) {
      if (shapes) { map.removeLayer(shapes); }
      var values = data.features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null; });
      var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
      shapes = L.geoJSON(data, {
        style: function (f) {
          return { color: "#555", weight: 0.8, fillOpacity: 0.75, fillColor: colourOf(f.properties.value, lo, hi, data.indicator.better) };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var box = document.createElement("div");
          var line = document.createElement("div");
          line.textContent = p.nama_kec + ": " + fmt(p.value, data.indicator.unit) + " (n = " + (p.n || 0) + ")";
          var how = document.createElement("button");
          how.type = "button";
          how.className = "d-map-how";
          how.textContent = S.how;
          how.addEventListener("click", function () { provenance(id, { kecamatan: p.kode_kec, bulan: data.month }); });
          box.appendChild(line);
          box.appendChild(how);
          layer.bindPopup(box);
          layer.on("click", function () { chosenKec = { kode: p.kode_kec, nama: p.nama_kec }; loadTrend(); });
        }
      }).addTo(map);
      // Fit without animation before saying the map is drawn: a tap during the zoom animation is lost.
      if (shapes.getBounds().isValid()) { map.fitBounds(shapes.getBounds(), { animate: false }); }
      el.dataset.features = String(data.features.length);
      el.dataset.month = data.month || "";
      document.getElementById("d-map-month").textContent = data.month ? "— " + data.month : "";
      var legend = document.getElementById("d-legend");
      legend.textContent = values.length ? fmt(lo, data.indicator.unit) + " … " + fmt(hi, data.indicator.unit) : "";
    });
  }

  function loadAgencies() {
    var box = document.getElementById("d-agencies");
    box.hidden = !current.dataset.byAgency;
    if (box.hidden) { return Promise.resolve(); }
    return getJSON(API + current.dataset.indicator + "/skpd").then(function (data) {
      var body = box.querySelector("tbody");
      body.textContent = "";
      data.rows.forEach(function (r) {
        var tr = document.createElement("tr");
        tr.dataset.agency = r.agency;
        [r.agency, fmt(r.value, data.unit), String(r.n)].forEach(function (text, i) {
          var td = document.createElement("td");
          if (i === 1) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "d-figure-small";
            b.textContent = text;
            b.addEventListener("click", function () { provenance(data.id, { skpd: r.agency, bulan: data.month }); });
            td.appendChild(b);
          } else { td.textContent = text; }
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    });
  }

  function select(card) {
    if (current) { current.removeAttribute("aria-current"); }
    current = card;
    chosenKec = null;
    card.setAttribute("aria-current", "true");
    var detail = document.getElementById("d-detail");
    detail.hidden = false;
    document.getElementById("d-detail-title").textContent = card.querySelector(".d-select").textContent;
    return Promise.all([loadTrend(), loadMap(), loadAgencies()])
      .then(function () { detail.dataset.ready = card.dataset.indicator; })
      .catch(function () { detail.dataset.failed = "1"; });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".d-card"), function (card) {
    card.querySelector(".d-select").addEventListener("click", function () { select(card); });
    var figure = card.querySelector(".d-figure");
    if (figure) {
      figure.addEventListener("click", function () { provenance(card.dataset.indicator, { bulan: figure.dataset.month }); });
    }
  });
  function ready() { document.body.setAttribute("data-ready", "true"); }
  var first = document.querySelector(".d-card");
  if (first) { select(first).then(ready); } else { ready(); }
}());
