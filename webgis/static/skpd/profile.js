/* /skpd/<agency>: the agency's offices on a map over the kelurahan outlines (the platform's own
   layer, no tile server: the app fetches nothing from the internet). */
(function () {
  "use strict";
  var box = document.getElementById("office-map");
  var data = document.getElementById("office-data");
  if (!box || !data) { return; }
  var offices = JSON.parse(data.textContent);
  var COLOURS = { skpd: "#084594", kecamatan: "#cb181d", kelurahan: "#fd8d3c", upt: "#238b45" };
  var map = L.map(box, { center: [3.595, 98.672], zoom: 12 });
  map.createPane("boundaries").style.zIndex = 250;
  fetch(box.dataset.boundariesUrl).then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (kel) {
      L.geoJSON(kel, { pane: "boundaries", interactive: false,
                       style: { color: "#8a8a8a", weight: 1, fillColor: "#f4f1ea", fillOpacity: 0.6 } }).addTo(map);
    }).catch(function () { /* the offices still show without the outlines */ });
  var layer = L.geoJSON(offices, {
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 1.5, fillOpacity: 0.9,
                                      fillColor: COLOURS[feature.properties.jenis] || "#555" });
    },
    onEachFeature: function (feature, marker) {
      var p = feature.properties;
      var text = document.createElement("div");
      var name = document.createElement("b");
      name.textContent = p.nama;
      text.appendChild(name);
      [p.alamat, p.nama_kel ? p.nama_kel + ", " + p.nama_kec : null].forEach(function (line) {
        if (line) { text.appendChild(document.createElement("br")); text.appendChild(document.createTextNode(line)); }
      });
      marker.bindPopup(text);
      marker.on("add", function () {
        var el = marker.getElement && marker.getElement();
        if (el) { el.setAttribute("data-office", p.kode); el.classList.add("office-marker"); }
      });
    }
  }).addTo(map);
  if (offices.features.length === 1) {
    map.setView(layer.getLayers()[0].getLatLng(), 15);
  } else if (offices.features.length > 1) {
    map.fitBounds(layer.getBounds(), { padding: [20, 20], maxZoom: 15 });
  }
  box.setAttribute("data-markers", String(offices.features.length));
  document.body.setAttribute("data-ready", "true");
}());
