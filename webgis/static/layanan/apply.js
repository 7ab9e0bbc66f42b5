/* A service's application form (/layanan/<service>): draw the plot by tapping its corners, and see at
   once what the platform finds there (zoning, flood hazard, river distance), asked of
   POST /api/layanan/<service>/periksa. The polygon goes to the form as GeoJSON (field "geometry"). */
(function () {
  "use strict";
  var form = document.getElementById("apply-form");
  if (!form) { return; }
  var d = form.dataset;
  var en = d.lang === "en";
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var field = document.getElementById("geometry");
  var findings = document.getElementById("findings");
  var map = L.map("apply-map", { center: [3.595, 98.672], zoom: 12 });
  var corners = [];
  var shape = null;
  var markers = L.layerGroup().addTo(map);

  fetch(d.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) { L.geoJSON(data, { interactive: false, style: { color: "#555", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.5 } }).addTo(map); }
  });
  fetch(d.zoningUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) { L.geoJSON(data, { interactive: false, style: { color: "#b8860b", weight: 0.5, fillOpacity: 0.08 } }).addTo(map); }
  });

  function text(tag, content, cls) {
    var el = document.createElement(tag);
    el.textContent = content;
    if (cls) { el.className = cls; }
    return el;
  }

  function show(result) {
    findings.replaceChildren(text("h2", en ? "Site check findings" : "Hasil pemeriksaan lokasi"));
    var list = document.createElement("ul");
    (result.problems || []).forEach(function (p) { list.appendChild(text("li", en ? p.en : p.id, "finding blocker")); });
    if (result.place) {
      list.appendChild(text("li", "Kel. " + result.place.nama_kel + ", Kec. " + result.place.nama_kec + " · " +
        Math.round(result.area_m2) + " m²", "finding ok"));
    }
    (result.findings || []).forEach(function (f) { list.appendChild(text("li", en ? f.en : f.id, "finding " + f.level)); });
    findings.appendChild(list);
  }

  function formFields() {
    var out = {};
    form.querySelectorAll("select[name], input[name]").forEach(function (el) {
      if (el.type !== "file" && el.type !== "hidden" && el.value) { out[el.name] = el.value; }
    });
    return out;
  }

  function geometry() {
    if (corners.length < 3) { return null; }
    var ring = corners.map(function (c) { return [+c.lng.toFixed(7), +c.lat.toFixed(7)]; });
    ring.push(ring[0]);
    return { type: "Polygon", coordinates: [ring] };
  }

  function check() {
    var g = geometry();
    field.value = g ? JSON.stringify(g) : "";
    if (!g) { return; }
    fetch(d.checkUrl + (en ? "?lang=en" : ""), {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ geometry: g, fields: formFields() })
    }).then(function (r) { return r.json(); }).then(show);
  }

  function redraw() {
    markers.clearLayers();
    corners.forEach(function (c) { L.circleMarker(c, { radius: 5, color: "#0b4f6c" }).addTo(markers); });
    if (shape) { map.removeLayer(shape); shape = null; }
    if (corners.length >= 2) { shape = L.polygon(corners, { color: "#0b4f6c", weight: 2 }).addTo(map); }
    check();
  }

  if (document.getElementById("apply-map").dataset.point) {
    // A point service: one tap places the home (lon/lat); a second tap moves it. No plot, no site check.
    var lon = document.getElementById("lon"), lat = document.getElementById("lat"), home = null;
    var place = function (latlng) {
      if (home) { home.setLatLng(latlng); } else { home = L.marker(latlng).addTo(map); }
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
    };
    map.on("click", function (e) { place(e.latlng); });
    if (lon.value && lat.value) { place(L.latLng(+lat.value, +lon.value)); }
    document.body.setAttribute("data-ready", "true");
    return;
  }
  map.on("click", function (e) { corners.push(e.latlng); redraw(); });
  document.getElementById("undo-corner").addEventListener("click", function () { corners.pop(); redraw(); });
  document.getElementById("clear-plot").addEventListener("click", function () { corners = []; redraw(); });
  form.addEventListener("change", function (e) { if (e.target.name !== "geometry" && corners.length >= 3) { check(); } });

  // A form shown again after a refusal keeps the drawn plot.
  if (field.value) {
    try {
      var ring = JSON.parse(field.value).coordinates[0];
      corners = ring.slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); });
      redraw();
      map.fitBounds(L.polygon(corners).getBounds(), { maxZoom: 18 });
    } catch (err) { field.value = ""; }
  }
  document.body.setAttribute("data-ready", "true");
}());
