/* /statistik/kelurahan: coverage per kelurahan as a choropleth; hidden cells in their own grey class. */
(function () {
  "use strict";
  var el = document.getElementById("counts-map");
  if (!el) { return; }
  var d = el.dataset;
  var map = L.map(el, { center: [3.595, 98.672], zoom: 11 });
  function colour(p) {
    if (p.cakupan === null) { return "#cccccc"; }
    return p.cakupan >= 95 ? "#08519c" : p.cakupan >= 90 ? "#4292c6" : p.cakupan >= 85 ? "#9ecae1" : "#deebf7";
  }
  fetch(d.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) { return { color: "#555", weight: 0.6, fillOpacity: 0.8, fillColor: colour(f.properties) }; },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var box = document.createElement("div");
          box.style.whiteSpace = "pre-line";
          box.textContent = p.nama_kel + " (" + p.nama_kec + ")\n" + p.jumlah_tampil + " / " + p.sasaran_tampil +
            (p.cakupan === null ? "" : "\n" + d.tCoverage + ": " + p.cakupan);
          l.bindPopup(box);
        }
      }).addTo(map);
      // Fit without animation before saying the map is drawn: a tap during the zoom animation is lost.
      map.fitBounds(layer.getBounds(), { animate: false });
      el.dataset.features = String(data.features.length);
    })
    .catch(function () { el.dataset.failed = "1"; });
}());
