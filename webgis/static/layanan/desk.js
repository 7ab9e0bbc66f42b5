/* The services desk: the queue's map (every case's plot, overdue ones ringed in red; a click opens
   the case) and a case's map (its plot, the field visits, and a tap that fills the visit's point). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { return; }
  var map = L.map(el).setView([3.595, 98.672], 12);  // a view first: vector layers added to a map without one throw
  var bounds = L.latLngBounds([]);

  function draw(geometry, overdue) {
    var layer = L.geoJSON(geometry, {
      style: { color: overdue ? "#b30000" : "#0b3c5d", weight: overdue ? 4 : 2 },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6 }); }
    }).addTo(map);
    bounds.extend(layer.getBounds());
    return layer;
  }

  document.querySelectorAll("#queue tr[data-geometry]").forEach(function (row) {
    var layer = draw(JSON.parse(row.dataset.geometry), row.dataset.overdue === "true");
    layer.bindTooltip(row.dataset.id);
    layer.on("click", function () { window.location.href = row.dataset.href; });
  });

  if (el.dataset.geometry) {
    draw(JSON.parse(el.dataset.geometry), false);
    document.querySelectorAll("#history tr[data-lat]").forEach(function (row) {
      var p = [parseFloat(row.dataset.lat), parseFloat(row.dataset.lon)];
      L.circleMarker(p, { radius: 6, color: "#1a7f37" }).bindTooltip("kunjungan / visit").addTo(map);
      bounds.extend(p);
    });
    var lon = document.getElementById("visit-lon");
    var lat = document.getElementById("visit-lat");
    var marker = null;
    if (lon && lat) {
      map.on("click", function (e) {
        lon.value = e.latlng.lng.toFixed(7);
        lat.value = e.latlng.lat.toFixed(7);
        if (marker) { marker.setLatLng(e.latlng); } else { marker = L.marker(e.latlng).addTo(map); }
      });
    }
  }
  if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 18, padding: [20, 20] }); }
  document.body.setAttribute("data-ready", "true");
}());
