/* A service's application form (/layanan/<service>): draw the plot by tapping its corners, and see at
   once what the platform finds there (zoning, flood hazard, river distance), asked of
   POST /api/layanan/<service>/periksa. The polygon goes to the form as GeoJSON (field "geometry").
   Where the service allows it, tapping one of the applicant's own tax parcels uses its boundary
   instead (field "parcel", its feature id: the server reads the parcel, as the applicant may). */
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
  var parcelField = document.getElementById("parcel");
  var pickedNote = document.getElementById("parcel-picked");
  var picked = null;  // the tax parcel whose boundary is the plot, while it is

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
    field.value = g && !picked ? JSON.stringify(g) : "";
    if (parcelField) {
      parcelField.value = picked ? picked.id : "";
      pickedNote.textContent = picked ? pickedNote.dataset.label + ": " + (picked.properties.nop || picked.id) : "";
    }
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
  function pick(feature) {
    var g = feature.geometry;
    var ring = g.type === "MultiPolygon" ? g.coordinates[0][0] : g.coordinates[0];
    picked = feature;
    corners = ring.slice(0, -1).map(function (c) { return L.latLng(c[1], c[0]); });
    redraw();
  }

  if (d.parcelsUrl) {
    fetch(d.parcelsUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data || !data.features.length) { return; }
      var parcels = L.geoJSON(data, {
        style: { color: "#8c510a", weight: 2, fillColor: "#dfc27d", fillOpacity: 0.35 },
        onEachFeature: function (feature, layer) {
          layer.on("click", function (e) {
            if (corners.length && !picked) { return; }  // a corner of a plot being drawn, not a pick
            L.DomEvent.stopPropagation(e);
            pick(feature);
          });
        }
      }).addTo(map);
      var again = data.features.filter(function (f) { return String(f.id) === parcelField.value; })[0];
      if (again) { pick(again); }
      if (!corners.length) { map.fitBounds(parcels.getBounds(), { maxZoom: 18 }); }
    });
  }

  map.on("click", function (e) {
    if (picked) { picked = null; corners = []; }  // tapping elsewhere starts a new drawing
    corners.push(e.latlng);
    redraw();
  });
  document.getElementById("undo-corner").addEventListener("click", function () {
    if (picked) { picked = null; corners = []; } else { corners.pop(); }
    redraw();
  });
  document.getElementById("clear-plot").addEventListener("click", function () { picked = null; corners = []; redraw(); });
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
