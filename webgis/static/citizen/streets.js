/* Streets from OpenStreetMap on the citizen maps (/lapor, /ppdb, the complaints map), so that
   a citizen finds their street: from street zoom the streets in view (the roads layer's items
   API, bbox of the view) are drawn under the page's own features with their names, and
   OpenStreetMap's credit is in the map's attribution while any is drawn. The page puts the
   items URL and the credit on the map's element (data-streets, data-streets-credit); until an
   extract is loaded (python -m webgis basemap import) nothing comes back and the map is as
   before. Loaded after Leaflet and before the page's script. Names are set as text. */
(function () {
  "use strict";
  var MIN_ZOOM = 15;
  window.MedanStreets = { maps: [] };  // the maps it serves, for tests and the console

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function label(name) {
    var node = document.createElement("span");
    node.textContent = name;
    return node;
  }

  L.Map.addInitHook(function () {
    var map = this;
    var box = map.getContainer();
    var url = box.dataset.streets;
    if (!url) { return; }
    window.MedanStreets.maps.push(map);
    var streets = L.layerGroup().addTo(map);
    var credited = false;
    var request = 0;

    /* The credit is shown exactly while streets are drawn. */
    function credit(drawn) {
      if (!map.attributionControl || drawn === credited) { return; }
      var text = escapeHtml(box.dataset.streetsCredit || "");
      if (drawn) { map.attributionControl.addAttribution(text); } else { map.attributionControl.removeAttribution(text); }
      credited = drawn;
    }

    function draw(collection) {
      streets.clearLayers();
      var named = {};
      var features = (collection && collection.features) || [];
      credit(features.length > 0);
      L.geoJSON(collection, {
        interactive: false,
        style: { color: "#8a8a8a", weight: 3, opacity: 0.9 },
        onEachFeature: function (feature, layer) {
          var name = feature.properties && feature.properties.nama;
          if (!name || named[name]) { return; }  // one name per street in view
          named[name] = true;
          layer.bindTooltip(label(name), { permanent: true, direction: "center", className: "c-street-label" });
        }
      }).addTo(streets);
    }

    function refresh() {
      var seq = ++request;
      if (map.getZoom() < MIN_ZOOM) { streets.clearLayers(); credit(false); return; }
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); });
      fetch(url + "&bbox=" + bbox.join(","), { headers: { Accept: "application/geo+json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (collection) { if (seq === request && collection) { draw(collection); } })
        .catch(function () { /* streets are a help: the page works without them */ });
    }

    map.on("moveend", refresh);
    map.whenReady(refresh);
  });
}());
