/* /agenda: the window's events as markers (blue public, brown internal); "show on map" opens one. */
(function () {
  "use strict";
  var el = document.getElementById("a-map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var data = JSON.parse(document.getElementById("a-data").textContent);
  var map = L.map(el, { center: [3.595, 98.672], zoom: 12 });
  var markers = {};
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) {
      var colour = f.properties.sifat === "internal" ? "#b15928" : "#1f78b4";
      return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: colour, fillOpacity: 0.9 });
    },
    onEachFeature: function (f, marker) {
      var box = document.createElement("div");
      box.textContent = f.properties.jam + " · " + f.properties.judul + " · " + f.properties.tempat;
      marker.bindPopup(box);
      markers[f.id] = marker;
    }
  }).addTo(map);
  if (data.features && data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
  el.dataset.markers = String((data.features || []).length);
  Array.prototype.forEach.call(document.querySelectorAll(".a-event"), function (item) {
    item.querySelector(".a-show").addEventListener("click", function () {
      var marker = markers[item.dataset.kode];
      if (!marker) { return; }
      map.setView(marker.getLatLng(), 16);
      marker.openPopup();
      el.dataset.opened = item.dataset.kode;
      el.scrollIntoView({ block: "nearest" });
    });
  });
  document.body.setAttribute("data-ready", "true");
}());
