/* /wisata pages: the sites (coloured by kind) and the walks (orange lines, numbered stops) on a
   map over the city's kelurahan outline (the offline backdrop of the citizen pages: no tiles
   from the internet). A site's marker links to its page; the list works without this script. */
(function () {
  "use strict";
  var el = document.getElementById("w-map");
  if (!el) { document.body.setAttribute("data-ready", "true"); return; }
  var COLOURS = { sejarah: "#8c510a", religi: "#1b7837", kuliner: "#c51b7d", taman: "#2166ac" };
  var data = JSON.parse(document.getElementById("w-data").textContent);
  var lang = document.documentElement.lang === "en" ? "en" : "id";
  var map = L.map(el, { center: [3.585, 98.679], zoom: 15 });

  fetch(el.dataset.outlineUrl).then(function (r) { return r.ok ? r.json() : null; }).then(function (outline) {
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: "#777", weight: 1, fillColor: "#eef2f5", fillOpacity: 0.6 } })
        .addTo(map).bringToBack();
    }
  });

  function popup(props) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    var suffix = lang === "en" ? "?lang=en" : "";
    if (props.layer === "tourism_sites") {
      link.href = "/wisata/" + encodeURIComponent(props.kode_wisata) + suffix;
      link.textContent = props.nama;
    } else {
      link.href = "/wisata/rute/" + encodeURIComponent(props.kode_rute) + suffix;
      link.textContent = props.nama + " (" + props.jarak_m + " m)";
    }
    box.appendChild(link);
    return box;
  }

  var sites = 0, walks = 0;
  function isWalk(f) { return f.properties.layer === "tourism_walks"; }
  function bind(f, item) {
    if (isWalk(f)) { walks += 1; } else { sites += 1; }
    item.bindPopup(popup(f.properties));
    item.bindTooltip(f.properties.nama);
  }
  // Walks first, sites over them: a line through a site must not take the site's clicks.
  var walkLayer = L.geoJSON(data, { filter: isWalk, onEachFeature: bind,
                                    style: function () { return { color: "#d95f02", weight: 4, opacity: 0.9 }; } }).addTo(map);
  var siteLayer = L.geoJSON(data, {
    filter: function (f) { return !isWalk(f); },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 9, color: "#fff", weight: 2, fillColor: COLOURS[f.properties.jenis] || "#555",
                                      fillOpacity: 0.95 });
    },
    onEachFeature: bind
  }).addTo(map);
  var layer = L.featureGroup([walkLayer, siteLayer]);
  data.features.forEach(function (f) {
    if (f.properties.layer !== "tourism_walks") { return; }
    (f.properties.persinggahan || []).forEach(function (stop, i) {
      L.marker([stop.lat, stop.lon], { icon: L.divIcon({ className: "w-stop", html: String(i + 1), iconSize: [22, 22],
                                                         iconAnchor: [-2, 24] }),  // beside the site, not over it
                                      keyboard: false, interactive: false }).addTo(map);
    });
  });
  var article = document.getElementById("w-site");
  var own = article && data.features.filter(function (f) { return f.id === article.dataset.kode; })[0];
  if (own) {  // a site's page centres on the site; the walks through it run off the edges
    map.setView([own.geometry.coordinates[1], own.geometry.coordinates[0]], 17);
  } else if (data.features.length) {
    map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [24, 24] });
  }
  el.dataset.sites = String(sites);
  el.dataset.walks = String(walks);
  document.body.setAttribute("data-ready", "true");
}());
