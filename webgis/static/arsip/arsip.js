/* /arsip: the results as markers; "search the map area" submits the map's bounds as bbox. */
(function () {
  "use strict";
  var el = document.getElementById("r-map");
  var data = JSON.parse(document.getElementById("r-data").textContent);
  var map = L.map(el, { center: [3.595, 98.672], zoom: 12 });
  var colours = { publik: "#33a02c", internal: "#ff7f00", rahasia: "#e31a1c" };
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillOpacity: 0.9,
        fillColor: colours[f.properties.klasifikasi] || "#555" });
    },
    onEachFeature: function (f, marker) {
      var box = document.createElement("div");
      box.textContent = f.properties.nomor_naskah + " · " + f.properties.judul;
      marker.bindPopup(box);
    }
  }).addTo(map);
  var bbox = document.getElementById("r-bbox").value;
  if (bbox) {
    var b = bbox.split(",").map(Number);
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  } else if (data.features.length) {
    map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [20, 20] });
  }
  el.dataset.markers = String(data.features.length);
  document.getElementById("r-search-map").addEventListener("click", function () {
    var r = map.getBounds();
    document.getElementById("r-bbox").value = [r.getWest(), r.getSouth(), r.getEast(), r.getNorth()]
      .map(function (v) { return v.toFixed(5); }).join(",");
    document.getElementById("r-search").submit();
  });
  document.getElementById("r-search").addEventListener("submit", function () {
    if (document.activeElement && document.activeElement.type === "submit") { document.getElementById("r-bbox").value = ""; }
  });
  document.body.setAttribute("data-ready", "true");
}());
