/* /pbb/realisasi: PBB collection per kelurahan as a choropleth (share of the assessed tax paid). */
(function () {
  "use strict";
  var el = document.getElementById("pbb-map");
  if (!el) { return; }
  var d = el.dataset;
  var map = L.map(el, { center: [3.595, 98.672], zoom: 11 });
  // Five classes of 20 points each: the same breaks every year, so maps of two years compare.
  var COLOURS = ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"];
  var NONE = "#bdbdbd";
  function colour(rate) {
    if (rate === null || rate === undefined) { return NONE; }
    return COLOURS[Math.min(4, Math.floor(rate / 20))];
  }
  var legend = document.getElementById("pbb-legend");
  COLOURS.forEach(function (c, i) {
    var item = document.createElement("span");
    var swatch = document.createElement("i");
    swatch.style.background = c;
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(" " + (i * 20) + "–" + (i * 20 + 20) + " %  "));
    legend.appendChild(item);
  });
  fetch(d.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#555", weight: 0.6, fillOpacity: 0.75, fillColor: colour(f.properties.persen) };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var text = d.tKelurahan + " " + p.nama_kel + " (" + p.nama_kec + ")\n" + d.tRate + ": " +
            (p.persen === null ? "—" : p.persen.toFixed(2) + " %") + "\n" + d.tPaid + ": " + p.lunas + " / " + p.sppt;
          var box = document.createElement("div");
          box.style.whiteSpace = "pre-line";
          box.textContent = text;
          l.bindPopup(box);
        }
      }).addTo(map);
      // Fit without animation before saying the map is drawn: a tap during the zoom animation is lost.
      map.fitBounds(layer.getBounds(), { animate: false });
      el.dataset.features = String(data.features.length);
    })
    .catch(function () { el.dataset.failed = "1"; });
}());
