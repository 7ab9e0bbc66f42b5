/* /rute-berkendara: tap the start and the destination on the map (or type "lon,lat"); the page
   asks /api/rute-berkendara and draws the suggested route (green) over the usual one (grey,
   dashed) with the congested intersections it avoids (red), and says both times in words. While
   both points are set the route is asked again every minute, so it follows the congestion as the
   detectors report it. The URL keeps the points (?dari=&ke=), so a route can be shared.
   Text from the server is set as text, never as HTML. */
(function () {
  "use strict";
  var el = document.getElementById("d-map");
  var REFRESH_MS = 60000;
  var t = JSON.parse(document.getElementById("d-strings").textContent);
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var map = L.map(el, { center: [3.585, 98.679], zoom: 13 });
  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (outline) {
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: "#777", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.6 } })
        .addTo(map).bringToBack();
    }
  });
  if (el.dataset.ready !== "true") { document.body.setAttribute("data-ready", "true"); return; }

  var from = document.getElementById("d-from"), to = document.getElementById("d-to");
  var avoid = document.getElementById("d-avoid"), result = document.getElementById("d-result");
  var pins = {}, drawn = L.featureGroup().addTo(map), asked = 0, timer = null;

  function parse(value) {
    var parts = String(value || "").split(",").map(Number);
    return parts.length === 2 && parts.every(isFinite) ? parts : null;
  }
  function format(latlng) { return latlng.lng.toFixed(5) + "," + latlng.lat.toFixed(5); }
  function pin(key, input, label) {
    var point = parse(input.value);
    if (pins[key]) { map.removeLayer(pins[key]); delete pins[key]; }
    if (!point) { return; }
    pins[key] = L.marker([point[1], point[0]], {
      title: label, keyboard: false,
      icon: L.divIcon({ className: "d-pin", html: key, iconSize: [24, 24] })
    }).addTo(map);
  }
  function node(tag, text, cls) {
    var n = document.createElement(tag);
    if (text) { n.textContent = text; }
    if (cls) { n.className = cls; }
    return n;
  }
  function minutes(s) { return Math.max(1, Math.round(s / 60)) + " " + t.minutes; }
  function km(m) { return (m / 1000).toFixed(1).replace(".", lang === "id" ? "," : ".") + " km"; }
  function streets(route) {
    return route.jalan.map(function (s) { return s.nama || t.unnamed; })
      .filter(function (name, i, all) { return all.indexOf(name) === i; }).join(", ");
  }
  function card(title, route, cls) {
    var box = node("div", null, "d-card " + cls);
    box.appendChild(node("h2", title));
    var line = km(route.jarak_m) + " · ± " + minutes(route.waktu_s);
    if (route.tundaan_s > 0) { line += " (" + t.delay + ": " + minutes(route.tundaan_s) + ")"; }
    box.appendChild(node("p", line, "d-time"));
    box.appendChild(node("p", t.via + " " + streets(route), "d-streets"));
    return box;
  }
  function list(title, items, cls) {
    var box = node("div", null, cls);
    box.appendChild(node("p", title));
    var ul = node("ul");
    items.forEach(function (c) {
      var text = c.nama + " (" + c.tingkat + (c.antrean_m ? ", " + t.queue + " " + Math.round(c.antrean_m) + " m" : "") + ")";
      ul.appendChild(node("li", text));
    });
    box.appendChild(ul);
    return box;
  }
  function show(body) {
    var s = body.ringkasan;
    drawn.clearLayers();
    L.geoJSON(body, {
      filter: function (f) { return f.properties.peran === "biasa"; },
      style: { color: "#555", weight: 5, opacity: 0.8, dashArray: "8 6" }, interactive: false
    }).addTo(drawn);
    L.geoJSON(body, {
      filter: function (f) { return f.properties.peran === "saran"; },
      style: { color: "#1a9641", weight: 6, opacity: 0.95 }, interactive: false
    }).addTo(drawn);
    L.geoJSON(body, {
      filter: function (f) { return f.properties.peran === "dihindari"; },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#d7191c", fillOpacity: 1,
                                        className: "d-avoided" }).bindTooltip(f.properties.nama);
      }
    }).addTo(drawn);
    result.replaceChildren();
    result.appendChild(card(t.suggested, s.rute, "d-suggested"));
    if (s.dihindari.length) {
      result.appendChild(list(t.avoided, s.dihindari, "d-avoided-list"));
      result.appendChild(card(t.usual, s.rute_biasa, "d-usual"));
    } else if (s.hindari_kemacetan) {
      result.appendChild(node("p", t.same_route, "d-same"));
    }
    if (s.tidak_terhindarkan.length) { result.appendChild(list(t.unavoidable, s.tidak_terhindarkan, "d-note")); }
    if (s.kemacetan_diperbarui) {
      var at = new Date(s.kemacetan_diperbarui);
      result.appendChild(node("p", t.updated + ": " + at.toLocaleTimeString(lang === "en" ? "en-GB" : "id-ID",
        { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Jakarta" }) + " WIB", "d-updated"));
    }
    if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { maxZoom: 17, padding: [24, 24] }); }
  }
  function failed(message) {
    drawn.clearLayers();
    result.replaceChildren(node("p", message, "d-error"));
    result.firstChild.setAttribute("role", "alert");
  }
  function ask() {
    pin("A", from, t["from"]);
    pin("B", to, t.to);
    if (timer) { clearTimeout(timer); timer = null; }
    if (!from.value || !to.value) { return; }
    var query = "dari=" + encodeURIComponent(from.value) + "&ke=" + encodeURIComponent(to.value) +
                "&hindari=" + (avoid.checked ? "1" : "0");
    history.replaceState(null, "", location.pathname + "?" + query + (lang === "en" ? "&lang=en" : ""));
    result.setAttribute("aria-busy", "true");
    asked += 1;
    var mine = asked;
    fetch(el.dataset.api + "?" + query + "&lang=" + lang, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (mine !== asked) { return; }
        if (answer.ok) { show(answer.body); } else { failed(answer.body.description || String(answer.body.code)); }
      }, function () { if (mine === asked) { failed(t.no_streets); } })
      .then(function () {
        if (mine !== asked) { return; }
        result.removeAttribute("aria-busy");
        el.dataset.routes = String(Number(el.dataset.routes || 0) + 1);
        timer = setTimeout(function () { if (!document.hidden) { ask(); } }, REFRESH_MS);
      });
  }

  map.on("click", function (e) {
    if (!from.value || (from.value && to.value)) {
      from.value = format(e.latlng);
      to.value = "";
      drawn.clearLayers();
      result.replaceChildren();
    } else {
      to.value = format(e.latlng);
    }
    ask();
  });
  [from, to].forEach(function (input) { input.addEventListener("change", ask); });
  avoid.addEventListener("change", ask);
  document.getElementById("d-swap").addEventListener("click", function () {
    var a = from.value; from.value = to.value; to.value = a; ask();
  });
  document.getElementById("d-clear").addEventListener("click", function () {
    from.value = ""; to.value = ""; drawn.clearLayers(); result.replaceChildren(); ask();
    history.replaceState(null, "", location.pathname + (lang === "en" ? "?lang=en" : ""));
  });
  document.getElementById("d-form").addEventListener("submit", function (e) { e.preventDefault(); ask(); });
  ask();
  document.body.setAttribute("data-ready", "true");
}());
