/* /perpustakaan: the branches (purple) and the mobile library's stops (orange) on a map over the
   city's kelurahan outline (the citizen pages' offline backdrop: no tiles from the internet). Every
   point is also in the lists under the map, which work without this script. */
(function () {
  "use strict";
  var el = document.getElementById("p-map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var data = JSON.parse(document.getElementById("p-data").textContent);
  var en = document.documentElement.lang === "en";
  var map = L.map(el, { center: [3.59, 98.67], zoom: 12 });

  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (outline) {
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: "#777", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.6 } })
        .addTo(map).bringToBack();
    }
  });

  function popup(p) {
    var box = document.createElement("div");
    var name = document.createElement("strong");
    name.textContent = p.nama;
    box.appendChild(name);
    var lines = p.jam_mingguan || [];
    var detail = document.createElement("div");
    detail.textContent = p.layer === "library_branches"
      ? (p.buka_sekarang ? (en ? "Open now" : "Buka sekarang") : (en ? "Closed now" : "Tutup sekarang"))
      : p.armada + (p.buka_sekarang ? (en ? " · here now" : " · sedang singgah") : "");
    box.appendChild(detail);
    lines.forEach(function (line) { var d = document.createElement("div"); d.textContent = line; box.appendChild(d); });
    return box;
  }

  var counts = { library_branches: 0, library_mobile_stops: 0 };
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) {
      var branch = f.properties.layer === "library_branches";
      return L.circleMarker(latlng, { radius: branch ? 9 : 7, color: "#fff", weight: 2,
                                      fillColor: branch ? "#54278f" : "#e6550d", fillOpacity: 0.95 });
    },
    onEachFeature: function (f, item) {
      counts[f.properties.layer] += 1;
      item.bindPopup(popup(f.properties));
      item.bindTooltip(f.properties.nama);
    }
  }).addTo(map);
  if (data.features.length) { map.fitBounds(layer.getBounds(), { maxZoom: 15, padding: [16, 16] }); }
  el.dataset.branches = String(counts.library_branches);
  el.dataset.stops = String(counts.library_mobile_stops);
  document.body.setAttribute("data-ready", "true");
}());
