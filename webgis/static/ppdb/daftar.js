/* /ppdb/daftar: tap the home on the map; the school choices are the lookup's nearest schools of the level. */
(function () {
  "use strict";
  var form = document.getElementById("ppdb-register");
  if (!form) { return; }
  var d = form.dataset;
  var lat = document.getElementById("home-lat"), lon = document.getElementById("home-lon");
  var level = document.getElementById("level");
  var map = L.map("ppdb-register-map", { center: [3.595, 98.672], zoom: 12 });
  var home = null;
  var schools = L.layerGroup().addTo(map);
  fetch(d.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) {
      L.geoJSON(data, { interactive: false, style: { color: "#777", weight: 0.8, fillColor: "#eef2e6", fillOpacity: 0.5 } }).addTo(map);
    }
  });

  function fill(list) {
    form.querySelectorAll("select.school-choice").forEach(function (select) {
      var keep = select.value || select.dataset.value;
      select.textContent = "";
      var blank = document.createElement("option");
      blank.value = ""; blank.textContent = d.choose; select.appendChild(blank);
      list.forEach(function (s) {
        var option = document.createElement("option");
        option.value = s.npsn;
        option.textContent = s.nama + " (" + s.npsn + ") · " + Math.round(s.distance_m) + " m" + (s.in_zone ? "" : " · " + d.out);
        option.disabled = !s.in_zone;
        if (s.npsn === keep) { option.selected = true; }
        select.appendChild(option);
      });
    });
  }

  function load() {
    if (!lat.value || !lon.value) { return; }
    var point = [+lat.value, +lon.value];
    if (home) { home.setLatLng(point); } else { home = L.marker(point).addTo(map); }
    var url = d.apiUrl + "?lon=" + encodeURIComponent(lon.value) + "&lat=" + encodeURIComponent(lat.value) +
      "&level=" + encodeURIComponent(level.value) + "&limit=10";
    fetch(url).then(function (r) { return r.ok ? r.json() : { schools: [] }; }).then(function (data) {
      schools.clearLayers();
      data.schools.forEach(function (s) {
        if (s.lat !== null) { L.circleMarker([s.lat, s.lon], { radius: 5, color: s.in_zone ? "#1a9850" : "#999" }).bindTooltip(s.nama).addTo(schools); }
      });
      fill(data.schools);
      form.dataset.ready = "1";
    });
  }

  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    load();
  });
  [lat, lon, level].forEach(function (input) { input.addEventListener("change", load); });
  load();
  document.body.setAttribute("data-ready", "true");
}());
