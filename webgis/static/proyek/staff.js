/* /proyek/staf: the agency's projects on a map (tap one to pick it); with a project picked, a tap on the map
   marks where the progress report is made (sent as lon/lat, checked by the server to lie near the works);
   the stage form shows only the fields of the stage chosen. */
(function () {
  "use strict";
  var el = document.getElementById("staff-map");
  if (!el) { return; }
  var d = el.dataset;
  var points = JSON.parse(d.points || "[]");
  var map = L.map(el, { center: [3.595, 98.672], zoom: 12 });
  var group = L.featureGroup();
  points.forEach(function (p) {
    var chosen = p.kode === d.chosen;
    var m = L.circleMarker([p.lat, p.lon], { radius: chosen ? 11 : 7, weight: chosen ? 3 : 1, color: "#1d2730",
                                             fillColor: chosen ? "#b3261e" : "#0b4f6c", fillOpacity: 0.85 });
    m.bindTooltip(p.kode + " · " + p.nama);
    m.on("click", function () {
      if (!chosen) { window.location = d.base + "?kode=" + encodeURIComponent(p.kode) + (d.lang ? "&lang=" + d.lang : ""); }
    });
    group.addLayer(m);
    if (chosen) { map.setView([p.lat, p.lon], 16); }
  });
  group.addTo(map);
  if (!d.chosen && points.length) { map.fitBounds(group.getBounds(), { maxZoom: 15, padding: [20, 20] }); }
  var pick = document.getElementById("pick-form");
  if (pick) {  // picking from the list opens the project at once (the button stays for keyboards without JS)
    pick.elements.kode.addEventListener("change", function () { if (pick.elements.kode.value) { pick.submit(); } });
  }
  var form = document.getElementById("progress-form");
  var tapped = null;
  if (form) {
    map.on("click", function (e) {
      form.elements.lon.value = e.latlng.lng.toFixed(6);
      form.elements.lat.value = e.latlng.lat.toFixed(6);
      if (tapped) { map.removeLayer(tapped); }
      tapped = L.marker(e.latlng).addTo(map);
      el.dataset.tapped = "1";
    });
  }
  var stage = document.getElementById("stage-form");
  if (stage) {
    var select = stage.elements.to;
    var sync = function () {
      Array.prototype.forEach.call(stage.querySelectorAll(".p-stage-field"), function (label) {
        var on = label.getAttribute("data-for") === select.value;
        label.hidden = !on;
        Array.prototype.forEach.call(label.querySelectorAll("input, select, textarea"), function (i) { i.disabled = !on; });
      });
    };
    select.addEventListener("change", sync);
    sync();
  }
  el.dataset.ready = "1";
  document.body.dataset.ready = "true";
}());
