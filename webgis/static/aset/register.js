/* SIMBADA's public map: the register's assets coloured by condition (a click opens the asset's
   card), or on an asset's card its own outline. No basemap from the internet: the assets alone. */
(function () {
  "use strict";
  var el = document.getElementById("aset-map");
  function ready() { document.body.setAttribute("data-ready", "true"); }
  if (!el || !window.L) { ready(); return; }
  var COLORS = { baik: "#1a9850", rusak_ringan: "#fdae61", rusak_berat: "#d73027" };
  var map = L.map(el, { preferCanvas: true }).setView([3.595, 98.672], 12);
  function style(f) {
    var c = COLORS[(f && f.properties && f.properties.kondisi) || el.dataset.kondisi] || "#3388ff";
    return { color: c, fillColor: c, weight: 2, fillOpacity: 0.5 };
  }
  function point(f, latlng) { return L.circleMarker(latlng, Object.assign(style(f), { radius: 5 })); }
  function show(data, onEach) {
    var layer = L.geoJSON(data, { style: style, pointToLayer: point, onEachFeature: onEach }).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) { map.fitBounds(b, { maxZoom: 17 }); }
    el.dataset.drawn = String(layer.getLayers().length);
  }
  if (el.dataset.geometry) {
    show({ type: "Feature", geometry: JSON.parse(el.dataset.geometry), properties: {} });
    ready();
    return;
  }
  fetch(el.dataset.api, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      show(data, function (f, layer) {
        layer.bindTooltip(f.properties.nama + " (" + f.properties.kode_aset + ")");
        layer.on("click", function () {
          window.location.href = el.dataset.page.replace("KODE", encodeURIComponent(f.properties.kode_aset));
        });
      });
    })
    .finally(ready);
}());
