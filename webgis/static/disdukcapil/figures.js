/* /disdukcapil/statistik: issued registrations per kelurahan as a choropleth; "< 5" cells in their own hatch-grey class. */
(function () {
  "use strict";
  var el = document.getElementById("civil-map");
  if (!el) { return; }
  var d = el.dataset;
  var map = L.map(el, { center: [3.595, 98.672], zoom: 11 });
  // Fixed breaks (0, < 5, 5-9, 10-19, 20+): the same classes every month, so two months compare.
  var CLASSES = [
    { label: "0", colour: "#f7f7f7", test: function (n) { return n === 0; } },
    { label: d.tSuppressed, colour: "#cccccc", test: function (n) { return n === null; } },
    { label: "5–9", colour: "#9ecae1", test: function (n) { return n >= 5 && n < 10; } },
    { label: "10–19", colour: "#4292c6", test: function (n) { return n >= 10 && n < 20; } },
    { label: "20+", colour: "#08519c", test: function (n) { return n >= 20; } }
  ];
  function colour(n) {
    for (var i = 0; i < CLASSES.length; i++) { if (CLASSES[i].test(n)) { return CLASSES[i].colour; } }
    return "#ffffff";
  }
  var legend = document.getElementById("civil-legend");
  CLASSES.forEach(function (c) {
    var item = document.createElement("span");
    var swatch = document.createElement("i");
    swatch.style.background = c.colour;
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(" " + c.label + "  "));
    legend.appendChild(item);
  });
  fetch(d.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          return { color: "#555", weight: 0.6, fillOpacity: 0.8, fillColor: colour(f.properties.jumlah) };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var box = document.createElement("div");
          box.style.whiteSpace = "pre-line";
          box.textContent = d.tKelurahan + " " + p.nama_kel + " (" + p.nama_kec + ")\n" + d.tCount + ": " + p.tampil;
          l.bindPopup(box);
        }
      }).addTo(map);
      el.dataset.features = String(data.features.length);
      map.fitBounds(layer.getBounds());
    })
    .catch(function () { el.dataset.failed = "1"; });
}());
