/* /umkm pages: the products found (or the business) on a map over the city's kelurahan outline (no
   tiles from the internet). On the search page a tap on the map (or Enter on the focused map: its
   centre) sets "near this point", and "use my location" asks the browser; the form works without. */
(function () {
  "use strict";
  var el = document.getElementById("u-map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var data = JSON.parse(document.getElementById("u-data").textContent || "{}");
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var map = L.map(el, { center: [3.585, 98.679], zoom: 13 });
  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (outline) {
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: "#777", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.6 } })
        .addTo(map).bringToBack();
    }
  });
  var found = L.geoJSON(data.features ? data : null, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#b35806", fillOpacity: 0.95 });
    },
    onEachFeature: function (f, item) {
      var link = document.createElement("a");
      link.href = "/umkm/usaha/" + encodeURIComponent(f.properties.case_ref || f.id) + (lang === "en" ? "?lang=en" : "");
      link.textContent = (f.properties.nama_produk ? f.properties.nama_produk + " — " : "") + f.properties.nama_usaha;
      item.bindPopup(link);
    }
  }).addTo(map);
  if (data.features && data.features.length) { map.fitBounds(found.getBounds(), { maxZoom: 16, padding: [24, 24] }); }

  var lon = document.getElementById("u-lon"), lat = document.getElementById("u-lat");
  if (lon && lat) {
    var said = document.getElementById("u-point"), marker = null, circle = null;
    var radius = document.getElementById("u-radius");
    var show = function (ll) {
      lon.value = ll.lng.toFixed(6); lat.value = ll.lat.toFixed(6);
      if (marker) { map.removeLayer(marker); map.removeLayer(circle); }
      marker = L.marker(ll, { keyboard: false }).addTo(map);
      circle = L.circle(ll, { radius: (parseFloat((radius.value || "3").replace(",", ".")) || 3) * 1000,
                              color: "#2166ac", weight: 1, fillOpacity: 0.05, interactive: false }).addTo(map);
      said.textContent = ll.lat.toFixed(5) + ", " + ll.lng.toFixed(5);
    };
    if (lon.value && lat.value) {  // a search near a point: its circle in view, not every result across town
      show(L.latLng(parseFloat(lat.value), parseFloat(lon.value)));
      map.fitBounds(circle.getBounds(), { padding: [12, 12] });
    }
    map.on("click", function (e) { show(e.latlng); });
    el.addEventListener("keydown", function (e) { if (e.key === "Enter") { show(map.getCenter()); } });
    document.getElementById("u-clear").addEventListener("click", function () {
      lon.value = ""; lat.value = ""; said.textContent = "";
      if (marker) { map.removeLayer(marker); map.removeLayer(circle); marker = null; }
    });
    document.getElementById("u-locate").addEventListener("click", function () {
      if (!navigator.geolocation) { return; }
      navigator.geolocation.getCurrentPosition(function (p) {
        var ll = L.latLng(p.coords.latitude, p.coords.longitude);
        show(ll); map.setView(ll, 14);
      });
    });
  }
  el.dataset.count = String(data.features ? data.features.length : 0);
  document.body.setAttribute("data-ready", "true");
}());
