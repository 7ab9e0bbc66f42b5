/* /proyek and /proyek/<kode>: projects as points coloured by stage, a popup with budget, contractor and progress. */
(function () {
  "use strict";
  var el = document.getElementById("proyek-map");
  if (!el) { return; }
  var d = el.dataset;
  var COLOURS = { planned: "#a6cee3", procurement: "#1f78b4", tender: "#fdbf6f", construction: "#ff7f00",
                  done: "#33a02c", cancelled: "#999999" };
  var map = L.map(el, { center: [3.595, 98.672], zoom: 12 });
  function marker(lat, lon, stage) {
    return L.circleMarker([lat, lon], { radius: 8, color: "#1d2730", weight: 1, fillOpacity: 0.9,
                                        fillColor: COLOURS[stage] || "#777" });
  }
  if (d.single) {
    marker(+d.lat, +d.lon, d.stage).addTo(map);
    map.setView([+d.lat, +d.lon], 16);
    el.dataset.ready = "1";
    document.body.dataset.ready = "true";
    return;
  }
  function rupiah(n) { return n === null || n === undefined ? "—" : "Rp" + Math.round(n).toLocaleString("id-ID"); }
  fetch(d.url, { headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (data) {
      var group = L.featureGroup();
      data.features.forEach(function (f) {
        var p = f.properties;
        var m = marker(f.geometry.coordinates[1], f.geometry.coordinates[0], p.status);
        var box = document.createElement("div");
        var title = document.createElement("a");
        title.href = "/proyek/" + encodeURIComponent(p.case_ref) + (d.lang ? "?lang=" + d.lang : "");
        title.textContent = p.nama_proyek;
        box.appendChild(title);
        var lines = [(d["tStage" + p.status.charAt(0).toUpperCase() + p.status.slice(1)] || p.status),
                     d.tBudget + ": " + rupiah(p.pagu)];
        if (p.penyedia) { lines.push(d.tContractor + ": " + p.penyedia); }
        if (p.progres_fisik !== null && p.progres_fisik !== undefined) { lines.push(d.tProgress + ": " + p.progres_fisik + "%"); }
        lines.forEach(function (line) { var div = document.createElement("div"); div.textContent = line; box.appendChild(div); });
        m.bindPopup(box);
        m.options.kode = p.case_ref;
        group.addLayer(m);
      });
      group.addTo(map);
      el.dataset.features = String(data.features.length);
      if (data.features.length) { map.fitBounds(group.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
      el.dataset.ready = "1";
      document.body.dataset.ready = "true";
    })
    .catch(function () { el.dataset.failed = "1"; document.body.dataset.ready = "true"; });
}());
