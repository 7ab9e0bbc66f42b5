/* A case's page: its plot (or point) on a small map over the kelurahan outlines. */
(function () {
  "use strict";
  var el = document.getElementById("case-map");
  if (!el) { return; }
  var map = L.map(el).setView([3.595, 98.672], 12);  // a view first: vector layers added to a map without one throw
  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) { L.geoJSON(data, { interactive: false, style: { color: "#555", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.5 } }).addTo(map).bringToBack(); }
  });
  var shape = L.geoJSON(JSON.parse(el.dataset.geometry), { style: { color: "#0b4f6c", weight: 3 } }).addTo(map);
  map.fitBounds(shape.getBounds(), { maxZoom: 18 });
  document.body.setAttribute("data-ready", "true");
}());
