/* /angkot pages. The planner: the first map click (or a found place) is the start, the second
   the destination, then the form is sent (the page lists the trips without this script too);
   the trips of the answer are drawn, the chosen one on top: walking dashed, riding in the
   vehicle's colour. A route's page: the route and its numbered stops. Backdrop: the city's
   kelurahan outline (no tiles from the internet). */
(function () {
  "use strict";
  var el = document.getElementById("a-map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var PAINT = { kuning: "#f9a825", hijau: "#2e7d32", biru: "#1565c0", merah: "#c62828", oranye: "#ef6c00",
                putih: "#78909c" };
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var map = L.map(el, { center: [3.59, 98.67], zoom: 12 });

  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (outline) {
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: "#777", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.6 } })
        .addTo(map).bringToBack();
    }
  });

  function paint(warna) { return PAINT[String(warna || "").split("-")[0]] || "#f08a00"; }

  var routeData = document.getElementById("a-route-data");
  if (routeData) { drawRoute(JSON.parse(routeData.textContent)); return; }

  function drawRoute(route) {
    var line = L.geoJSON(route.geometry, { style: { color: paint(route.warna), weight: 5, opacity: 0.9 } }).addTo(map);
    route.halte.forEach(function (stop, i) {
      L.circleMarker([stop.lat, stop.lon], { radius: 5, color: "#fff", weight: 1, fillColor: "#a63603", fillOpacity: 1,
                                             className: "a-stop-marker" })
        .bindTooltip((i + 1) + ". " + stop.nama).addTo(map);
    });
    map.fitBounds(line.getBounds(), { padding: [16, 16] });
    el.dataset.stops = String(route.halte.length);
    document.body.setAttribute("data-ready", "true");
  }

  var form = document.getElementById("a-form");
  var input = { dari: document.getElementById("a-dari"), ke: document.getElementById("a-ke") };
  var named = { dari: document.getElementById("a-dari-nama"), ke: document.getElementById("a-ke-nama") };
  var markers = {};

  function parse(text) {
    var parts = String(text || "").split(",").map(Number);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) && text.trim() ? parts : null;
  }
  function mark(end) {
    if (markers[end]) { map.removeLayer(markers[end]); delete markers[end]; }
    var p = parse(input[end].value);
    if (!p) { return; }
    markers[end] = L.marker([p[1], p[0]], {
      icon: L.divIcon({ className: "a-end-marker", html: end === "dari" ? "A" : "B", iconSize: [22, 22] }),
      title: end === "dari" ? "A" : "B", keyboard: false }).addTo(map);
  }
  function choose(end, lon, lat, name) {
    input[end].value = lon.toFixed(6) + "," + lat.toFixed(6);
    named[end].value = name || "";
    mark(end);
    el.dataset.chosen = [input.dari.value ? "dari" : "", input.ke.value ? "ke" : ""].join(" ").trim();
    if (parse(input.dari.value) && parse(input.ke.value)) { form.submit(); }
  }
  map.on("click", function (e) {
    var end = !input.dari.value || input.ke.value ? "dari" : "ke";
    if (end === "dari") { input.ke.value = ""; named.ke.value = ""; mark("ke"); }
    choose(end, e.latlng.lng, e.latlng.lat, "");
  });

  function search(end) {
    var q = document.getElementById("a-q-" + end).value.trim();
    var list = document.getElementById("a-hits-" + end);
    list.textContent = "";
    if (!q) { return; }
    fetch("/peta/search.json?q=" + encodeURIComponent(q)).then(function (r) { return r.json(); }).then(function (answer) {
      var results = answer.results || [];
      if (!results.length) {
        var none = document.createElement("li");
        none.textContent = form.dataset.noPlace || (lang === "en" ? "No place found." : "Tempat tidak ditemukan.");
        list.appendChild(none);
      }
      results.slice(0, 6).forEach(function (hit) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "a-hit";
        button.textContent = hit.name;
        button.addEventListener("click", function () {
          list.textContent = "";
          choose(end, hit.point[0], hit.point[1], hit.name);
        });
        item.appendChild(button);
        list.appendChild(item);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".a-find"), function (button) {
    button.addEventListener("click", function () { search(button.dataset.end); });
  });
  ["dari", "ke"].forEach(function (end) {
    document.getElementById("a-q-" + end).addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); search(end); }
    });
    mark(end);
  });

  var answer = JSON.parse(document.getElementById("a-data").textContent || "null");
  var drawn = null;
  function show(index) {
    if (drawn) { map.removeLayer(drawn); }
    var trip = answer.perjalanan[index];
    drawn = L.geoJSON(trip.geojson, {
      style: function (f) {
        return f.properties.moda === "angkot" ? { color: paint(f.properties.warna), weight: 6, opacity: 0.95 }
                                              : { color: "#333", weight: 3, dashArray: "6 6" };
      },
      onEachFeature: function (f, layer) { if (f.properties.label) { layer.bindTooltip(f.properties.label); } }
    }).addTo(map);
    map.fitBounds(drawn.getBounds(), { padding: [24, 24] });
    Array.prototype.forEach.call(document.querySelectorAll(".a-trip"), function (item) {
      if (Number(item.dataset.index) === index) { item.setAttribute("aria-current", "true"); }
      else { item.removeAttribute("aria-current"); }
    });
    el.dataset.trip = String(index);
    el.dataset.legs = String(trip.geojson.features.length);
  }
  if (answer && answer.perjalanan.length) {
    Array.prototype.forEach.call(document.querySelectorAll(".a-show"), function (button) {
      button.addEventListener("click", function () { show(Number(button.dataset.index)); });
    });
    show(0);
    if (window.matchMedia("(max-width: 899px)").matches) { el.scrollIntoView({ block: "start" }); }  // the phone's form is long
  } else if (markers.dari && markers.ke) {
    map.fitBounds(L.featureGroup([markers.dari, markers.ke]).getBounds(), { padding: [40, 40] });
  }
  document.body.setAttribute("data-ready", "true");
}());
