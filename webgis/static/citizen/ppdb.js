/* /ppdb: click (or locate) a home, choose the level, list eligible public schools with their zones. */
(function () {
  "use strict";
  var form = document.getElementById("ppdb-form");
  if (!form) { return; }
  var d = form.dataset;
  var map = L.map("ppdb-map", { center: [3.595, 98.672], zoom: 12 });
  var home = null;
  var drawn = L.layerGroup().addTo(map);
  var message = document.getElementById("ppdb-message");
  var table = document.getElementById("ppdb-schools");
  var lat = document.getElementById("ppdb-lat"), lon = document.getElementById("ppdb-lon");

  fetch(d.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) {
      L.geoJSON(data, { interactive: false, style: { color: "#777", weight: 0.8, fillColor: "#eef2e6", fillOpacity: 0.5 } }).addTo(map);
    }
  });

  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); return td; }

  function show() {
    if (!lat.value || !lon.value) { return; }
    var url = d.apiUrl + "?lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value) +
      "&level=" + encodeURIComponent(form.elements.level.value);
    var point = [+lat.value, +lon.value];
    if (home) { home.setLatLng(point); } else { home = L.marker(point).addTo(map); }
    fetch(url).then(function (r) {
      return r.json().then(function (body) { if (!r.ok) { throw new Error(body.description || d.tFailed); } return body; });
    }).then(function (data) {
      drawn.clearLayers();
      var tbody = table.querySelector("tbody");
      tbody.textContent = "";
      L.geoJSON(data.zones, { interactive: false, style: function (f) {
        var inside = data.schools.some(function (s) { return s.npsn === f.properties.npsn && s.in_zone; });
        return { color: inside ? "#1a9850" : "#999", weight: 1, fillOpacity: inside ? 0.12 : 0.03 };
      } }).addTo(drawn);
      data.schools.forEach(function (s, i) {
        var row = document.createElement("tr");
        row.className = s.in_zone ? "in-zone" : "out-zone";
        cell(row, String(i + 1)); cell(row, s.nama); cell(row, s.npsn);
        cell(row, (s.distance_m / 1000).toFixed(2) + " km"); cell(row, s.in_zone ? d.tIn : d.tOut);
        cell(row, String(s.capacity));
        tbody.appendChild(row);
        L.circleMarker([s.lat, s.lon], { radius: 6, color: s.in_zone ? "#1a9850" : "#777", fillOpacity: 0.9 })
          .bindTooltip((i + 1) + ". " + s.nama + " — " + (s.distance_m / 1000).toFixed(2) + " km").addTo(drawn);
      });
      table.hidden = false;
      message.textContent = "Kel. " + data.home.nama_kel + ", Kec. " + data.home.nama_kec;
    }).catch(function (err) { table.hidden = true; drawn.clearLayers(); message.textContent = err.message; });
  }

  map.on("click", function (e) { lat.value = e.latlng.lat.toFixed(6); lon.value = e.latlng.lng.toFixed(6); show(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); show(); });
  document.addEventListener("medan:place", function (e) { map.setView([e.detail.lat, e.detail.lon], 15); show(); });
  form.elements.level.addEventListener("change", show);
  document.getElementById("ppdb-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { message.textContent = d.tLocateFailed; return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      lat.value = p.coords.latitude.toFixed(6); lon.value = p.coords.longitude.toFixed(6);
      map.setView([p.coords.latitude, p.coords.longitude], 14);
      show();
    }, function () { message.textContent = d.tLocateFailed; });
  });
}());
