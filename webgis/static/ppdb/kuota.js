/* /ppdb/kuota: each school a circle sized by its seats, coloured by how full it is. */
(function () {
  "use strict";
  var element = document.getElementById("quota-map");
  if (!element) { return; }
  var map = L.map("quota-map", { center: [3.595, 98.672], zoom: 12 });
  fetch(element.dataset.url).then(function (r) { return r.json(); }).then(function (data) {
    var layer = L.geoJSON(data, { pointToLayer: function (f, latlng) {
      var p = f.properties, share = p.seats ? p.filled / p.seats : 1;
      var colour = share >= 1 ? "#d73027" : share >= 0.75 ? "#fc8d59" : share > 0 ? "#91cf60" : "#1a9850";
      return L.circleMarker(latlng, { radius: 4 + Math.sqrt(p.seats), color: colour, fillOpacity: 0.6 })
        .bindTooltip(p.nama + ": " + p.filled + " / " + p.seats);
    } }).addTo(map);
    if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 14 }); }
  });
  document.body.setAttribute("data-ready", "true");
}());
