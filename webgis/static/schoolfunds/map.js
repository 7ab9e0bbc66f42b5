/* /dana-sekolah: school funds per kecamatan as a choropleth (BOS per pupil, or share spent), quantile classes. */
(function () {
  "use strict";
  var el = document.getElementById("funds-map");
  if (!el) { return; }
  var d = el.dataset;
  var map = L.map(el, { center: [3.595, 98.672], zoom: 11 });
  var COLOURS = ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"];
  function fmt(n) { return n === null ? "—" : Number(n).toLocaleString("id-ID"); }
  fetch(d.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var values = data.features.map(function (f) { return f.properties[d.measure]; })
        .filter(function (v) { return v !== null; }).sort(function (a, b) { return a - b; });
      var breaks = [1, 2, 3, 4].map(function (i) { return values[Math.floor(values.length * i / 5)]; });
      function colour(v) {
        if (v === null) { return "#cccccc"; }
        var i = 0;
        while (i < breaks.length && v >= breaks[i]) { i++; }
        return COLOURS[i];
      }
      var layer = L.geoJSON(data, {
        style: function (f) { return { color: "#555", weight: 0.8, fillOpacity: 0.8, fillColor: colour(f.properties[d.measure]) }; },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var box = document.createElement("div");
          box.style.whiteSpace = "pre-line";
          box.textContent = d.tKecamatan + " " + p.nama_kec + "\n" + d.tMeasure + ": " + fmt(p[d.measure]) + "\n" +
            d.tSchools + ": " + p.sekolah + "\n" + d.tReceived + ": Rp " + fmt(p.diterima) + "\n" + d.tSpent + ": Rp " + fmt(p.dibelanjakan);
          l.bindPopup(box);
        }
      }).addTo(map);
      var legend = document.getElementById("funds-legend");
      var edges = [values[0]].concat(breaks, [values[values.length - 1]]);
      COLOURS.forEach(function (c, i) {
        var item = document.createElement("span");
        var swatch = document.createElement("i");
        swatch.style.background = c;
        item.appendChild(swatch);
        item.appendChild(document.createTextNode(" " + fmt(edges[i]) + "–" + fmt(edges[i + 1]) + "  "));
        legend.appendChild(item);
      });
      // Fit without animation before saying the map is drawn: a tap during the zoom animation is lost.
      map.fitBounds(layer.getBounds(), { animate: false });
      el.dataset.features = String(data.features.length);
      document.body.dataset.ready = "true";
    })
    .catch(function () { el.dataset.failed = "1"; document.body.dataset.ready = "true"; });
}());
