/* The inventory visit: the agency's assets on a map; a click on an asset picks it in the form, a tap
   anywhere fills where the visitor stands (the phone's GPS fills it too when it is allowed). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var map = L.map(el, { zoomAnimation: false }).setView([3.595, 98.672], 12);
  var chosen = document.getElementById("visit-asset");
  var lon = document.getElementById("visit-lon"), lat = document.getElementById("visit-lat");
  var here = null;
  var byCode = {};
  function stand(latlng) {
    lat.value = latlng.lat.toFixed(6); lon.value = latlng.lng.toFixed(6);
    if (here) { here.setLatLng(latlng); } else { here = L.marker(latlng).addTo(map); }
  }
  var layer = L.geoJSON(JSON.parse(el.dataset.assets), {
    style: function () { return { color: "#0b3c5d", weight: 2 }; },
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6 }); },
    onEachFeature: function (f, l) {
      byCode[f.id] = l;
      l.bindTooltip(f.id + " · " + f.properties.nama);
      l.on("click", function (e) { chosen.value = f.id; stand(e.latlng); L.DomEvent.stop(e); });
    }
  }).addTo(map);
  if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { maxZoom: 17, animate: false }); }
  map.on("click", function (e) { stand(e.latlng); });
  chosen.addEventListener("change", function () {  // picked from the list: show it, then tap where you stand
    var l = byCode[chosen.value];
    if (!l) { return; }
    map.once("moveend", function () { el.dataset.focus = chosen.value; });  // tests wait for the view to settle
    if (l.getBounds) { map.fitBounds(l.getBounds(), { maxZoom: 18, animate: false }); }
    else { map.setView(l.getLatLng(), 18, { animate: false }); }
  });
  if (navigator.geolocation && !lat.value) {
    navigator.geolocation.getCurrentPosition(function (p) {
      stand(L.latLng(p.coords.latitude, p.coords.longitude));
    }, function () {}, { timeout: 5000 });
  }
  document.body.setAttribute("data-ready", "true");
}());
