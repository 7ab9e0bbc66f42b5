/* /lapor/peta: complaints per kelurahan as a choropleth and a heat map, both from public data only. */
(function () {
  "use strict";
  var form = document.getElementById("map-filters");
  if (!form) { return; }
  var d = form.dataset;
  var map = L.map("complaints-map", { center: [3.595, 98.672], zoom: 12 });
  var COLOURS = ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#08306b"];
  var choropleth = null;
  var heat = new L.CanvasHeat([], { radius: 20, blur: 14 });
  var legend = document.getElementById("map-legend");
  var total = document.getElementById("map-total");

  function breaks(values) {
    var max = Math.max.apply(null, values.concat([1]));
    var step = Math.max(1, Math.ceil(max / 4));
    return [1, 1 + step, 1 + 2 * step, 1 + 3 * step];
  }
  function colour(n, b) {
    if (n < b[0]) { return COLOURS[0]; }
    for (var i = b.length - 1; i >= 0; i--) { if (n >= b[i]) { return COLOURS[i + 1]; } }
    return COLOURS[0];
  }
  function drawLegend(b) {
    legend.textContent = "";
    var labels = ["0"].concat(b.map(function (v, i) { return i < b.length - 1 ? v + "–" + (b[i + 1] - 1) : "≥ " + v; }));
    labels.forEach(function (label, i) {
      var item = document.createElement("span");
      var swatch = document.createElement("i");
      swatch.style.background = COLOURS[i];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(" " + label));
      legend.appendChild(item);
    });
  }

  /* The kelurahan with reports, most first: each name is a button that shows its area on the map
   * with its tooltip, the keyboard's way to the choropleth's polygons. */
  function fillTable(group) {
    var body = document.querySelector("#map-table tbody");
    body.textContent = "";
    var layers = group.getLayers().filter(function (l) { return l.feature.properties.jumlah > 0; });
    layers.sort(function (a, b) { return b.feature.properties.jumlah - a.feature.properties.jumlah; });
    layers.forEach(function (layer) {
      var p = layer.feature.properties;
      var row = document.createElement("tr");
      var name = document.createElement("button");
      name.type = "button";
      name.className = "c-link-button";
      name.textContent = p.nama_kel;
      name.addEventListener("click", function () {
        if (!map.hasLayer(group)) { form.elements.choropleth.checked = true; group.addTo(map); }
        map.fitBounds(layer.getBounds(), { animate: false });
        layer.openTooltip(layer.getBounds().getCenter());
      });
      var cells = [name, p.nama_kec, String(p.jumlah)].map(function (content) {
        var td = document.createElement("td");
        if (typeof content === "string") { td.textContent = content; } else { td.appendChild(content); }
        return td;
      });
      cells.forEach(function (td) { row.appendChild(td); });
      body.appendChild(row);
    });
  }

  function query() {
    var params = new URLSearchParams();
    var code = form.elements.service_code.value, days = form.elements.days.value;
    if (code) { params.set("service_code", code); }
    if (days) { params.set("days", days); }
    var s = params.toString();
    return s ? "?" + s : "";
  }

  function load() {
    var q = query();
    fetch(d.countsUrl + q).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var b = breaks(data.features.map(function (f) { return f.properties.jumlah; }));
        if (choropleth) { map.removeLayer(choropleth); }
        choropleth = L.geoJSON(data, {
          style: function (f) {
            return { color: "#555", weight: 0.6, fillOpacity: 0.7, fillColor: colour(f.properties.jumlah, b) };
          },
          onEachFeature: function (f, layer) {
            layer.bindTooltip("Kel. " + f.properties.nama_kel + " (" + f.properties.nama_kec + "): " +
              f.properties.jumlah + " " + d.tReports);
          }
        });
        if (form.elements.choropleth.checked) { choropleth.addTo(map); }
        fillTable(choropleth);
        heat.bringToFront && heat.bringToFront();
        drawLegend(b);
        total.textContent = data.total + " " + d.tReports;
        total.dataset.total = data.total;
      }).catch(function () { total.textContent = d.tFailed; });
    fetch(d.pointsUrl + q).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        heat.setPoints(data.points.map(function (p) { return [p[1], p[0], p[2]]; }));
        if (form.elements.heat.checked && !map.hasLayer(heat)) { heat.addTo(map); }
      }).catch(function () { total.textContent = d.tFailed; });
  }

  form.addEventListener("change", function (e) {
    if (e.target.name === "choropleth") {
      if (e.target.checked && choropleth) { choropleth.addTo(map); } else if (choropleth) { map.removeLayer(choropleth); }
      return;
    }
    if (e.target.name === "heat") {
      if (e.target.checked) { heat.addTo(map); } else { map.removeLayer(heat); }
      return;
    }
    load();
  });
  load();
}());
