/* The complaint form (/lapor): pick the place on the map, show the chosen category's
   attributes, and list possible duplicates nearby with a "support" button.
   Works without this script too: the lat/long fields can be typed. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var d = form.dataset;
  var lat = document.getElementById("lat");
  var lon = document.getElementById("long");
  var code = document.getElementById("service_code");
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var map = L.map("report-map", { center: [3.595, 98.672], zoom: 12 });
  var marker = null;

  fetch(d.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (data) {
      L.geoJSON(data, { interactive: false, style: { color: "#555", weight: 1, fillColor: "#e8eef3", fillOpacity: 0.5 } }).addTo(map);
    }
  });

  function place(latValue, lonValue, pan) {
    lat.value = latValue.toFixed(6);
    lon.value = lonValue.toFixed(6);
    if (marker) { marker.setLatLng([latValue, lonValue]); } else { marker = L.marker([latValue, lonValue]).addTo(map); }
    if (pan) { map.setView([latValue, lonValue], 16); }
    duplicates();
  }

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
  form.addEventListener("medan:place", function (e) { place(e.detail.lat, e.detail.lon, true); });

  document.getElementById("use-location").addEventListener("click", function () {
    var message = document.getElementById("locate-message");
    if (!navigator.geolocation) { message.textContent = d.tLocateFailed; return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      message.textContent = "";
      place(p.coords.latitude, p.coords.longitude, true);
    }, function () { message.textContent = d.tLocateFailed; }, { enableHighAccuracy: true, timeout: 10000 });
  });

  function showAttributes() {
    document.querySelectorAll(".c-attributes").forEach(function (box) {
      var on = box.dataset.category === code.value;
      box.hidden = !on;
      box.querySelectorAll("input, select, textarea").forEach(function (el) { el.disabled = !on; });
    });
  }
  code.addEventListener("change", function () { showAttributes(); duplicates(); });
  showAttributes();

  function supportButton(id) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "support-button"; button.dataset.id = id;
    button.textContent = d.tSupport;
    return button;
  }

  function duplicates() {
    var box = document.getElementById("duplicates");
    var list = document.getElementById("duplicate-list");
    if (!code.value || !lat.value || !lon.value) { box.hidden = true; return; }
    var url = d.duplicatesUrl + "?service_code=" + encodeURIComponent(code.value) +
      "&lat=" + encodeURIComponent(lat.value) + "&long=" + encodeURIComponent(lon.value);
    fetch(url).then(function (r) { return r.ok ? r.json() : []; }).then(function (found) {
      list.textContent = "";
      found.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = d.trackUrl.replace("ID", encodeURIComponent(item.service_request_id));
        link.textContent = item.service_request_id;
        li.appendChild(link);
        li.appendChild(document.createTextNode(" — Kel. " + (item.nama_kel || "-") + ", " + item.distance_m + " " +
          d.tMetres + "; " + d.tSupporters + ": " + item.supporters + " "));
        li.appendChild(supportButton(item.service_request_id));
        list.appendChild(li);
      });
      box.hidden = found.length === 0;
    }).catch(function () { box.hidden = true; });
  }

  // Supporting posts a small form of its own (a form cannot nest inside the report form).
  document.getElementById("duplicate-list").addEventListener("click", function (e) {
    var button = e.target.closest("button.support-button");
    if (!button) { return; }
    var real = document.createElement("form");
    real.method = "post";
    real.action = d.supportUrl.replace("ID", encodeURIComponent(button.dataset.id));
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrf_token"; token.value = csrf;
    real.appendChild(token);
    document.body.appendChild(real);
    real.submit();
  });

  if (lat.value && lon.value && isFinite(+lat.value) && isFinite(+lon.value)) {
    place(+lat.value, +lon.value, true);
  }
}());
