// Draws the page's GeoJSON (from a non-executable JSON block) on a Leaflet map.
// Kept out of the HTML so the pages work under a strict Content-Security-Policy;
// without Leaflet the map box is hidden and the attribute table remains.
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box) { return; }
  var source = document.getElementById(box.getAttribute("data-geojson-source"));
  if (typeof window.L === "undefined" || !source) { box.className += " no-map"; return; }
  var data;
  try { data = JSON.parse(source.textContent); } catch (e) { box.className += " no-map"; return; }
  var map = window.L.map(box);
  // The sources of the layer drawn (from its declaration), as text.
  var credits = box.getAttribute("data-credits");
  if (credits) {
    map.attributionControl.addAttribution(credits.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    }));
  }
  // No third-party basemap: the pages fetch nothing from outside the platform.
  var layer = window.L.geoJSON(data, {
    pointToLayer: function (feature, latlng) { return window.L.circleMarker(latlng, { radius: 5 }); },
    onEachFeature: function (feature, lyr) {
      var rows = Object.keys(feature.properties || {}).map(function (k) {
        var td = document.createElement("td"); td.textContent = String(feature.properties[k]);
        return "<tr><th>" + k + "</th>" + td.outerHTML + "</tr>";
      });
      lyr.bindPopup("<table>" + rows.join("") + "</table>");
    }
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 17 }); } else { map.setView([3.59, 98.67], 12); }
}());
