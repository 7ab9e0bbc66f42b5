/* Street names on the offline basemap at street zoom, and the staff's note while there are none.
 *
 * Once an OpenStreetMap extract is loaded (python -m webgis basemap import, geodata/osm.py),
 * layers.json `streets` says so; from zoom `label_min_zoom` the names of the streets in view
 * (the roads layer's items API, bbox of the view) are written at the middle of each street's
 * longest part, turned along it and never upside down, one label per street name within
 * MIN_GAP_PX. The roads themselves are drawn by the basemap (a public line layer), whose
 * credits already carry OpenStreetMap's attribution; the labels add it too, should the
 * basemap's tiles be cached without it. Until the extract is loaded the map is as before,
 * and staff see a note saying how to load it. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var state = Medan.state;
  var PANE = 'medan-street-labels';
  var MIN_GAP_PX = 160;   // two labels of one street name at least this far apart
  var CROWDED_PX = 28;    // any two labels at least this far apart
  var group = null;
  var request = 0;

  Medan.setupStreets = function (config) {
    var streets = config.streets;
    if (!streets) { return; }
    if (streets.staff_note) { showStaffNote(streets.staff_note); }
    if (!streets.loaded) { return; }
    var pane = state.map.createPane(PANE);
    pane.style.zIndex = 425;
    pane.style.pointerEvents = 'none';
    pane.setAttribute('aria-hidden', 'true');
    group = L.layerGroup();
    Medan.refreshStreets = function () { refresh(streets); };
    state.map.on('moveend', Medan.refreshStreets);
    refresh(streets);
  };

  Medan.refreshStreets = function () { /* no streets loaded */ };

  Medan.streetLabelsShown = function () {
    return group && state.map.hasLayer(group) ? group.getLayers().length : 0;
  };

  function showStaffNote(note) {
    var list = document.getElementById('layer-list');
    if (!list || document.getElementById('streets-note')) { return; }
    list.parentNode.insertBefore(Medan.el('p', { id: 'streets-note', className: 'staff-note', role: 'note',
                                                 text: Medan.tr(note) }), list);
  }

  function refresh(streets) {
    var map = state.map;
    var seq = ++request;
    if (!state.basemapOn || map.getZoom() < streets.label_min_zoom) {
      group.clearLayers();
      map.removeLayer(group);
      return;
    }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); });
    Medan.getJSON(streets.items_url + '&bbox=' + bbox.join(',')).then(function (collection) {
      if (seq === request) { draw(collection.features || []); }
    }, function () { /* labels are a help, not the map: keep what is shown */ });
  }

  function draw(features) {
    var map = state.map;
    var placed = [];
    group.clearLayers();
    features.forEach(function (feature) {
      var name = feature.properties && feature.properties.nama;
      var anchor = name && feature.geometry ? anchorOf(feature.geometry) : null;
      if (!anchor) { return; }
      var crowded = placed.some(function (other) {
        var gap = other.point.distanceTo(anchor.point);
        return gap < CROWDED_PX || (other.name === name && gap < MIN_GAP_PX);
      });
      if (crowded) { return; }
      placed.push({ name: name, point: anchor.point });
      var text = document.createElement('span');
      text.textContent = name;
      // Turned about the anchor: rotate() applies after translate() moved the text's middle onto it.
      text.style.transform = 'rotate(' + anchor.angle.toFixed(1) + 'deg) translate(-50%, -50%)';
      group.addLayer(L.marker(map.layerPointToLatLng(anchor.point), {
        pane: PANE, interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'street-label', iconSize: null, html: text })
      }));
    });
    if (!map.hasLayer(group)) { group.addTo(map); }
  }

  /* The middle of the longest part of a (multi)line on screen, and the angle of the street there. */
  function anchorOf(geometry) {
    var parts = geometry.type === 'LineString' ? [geometry.coordinates]
      : geometry.type === 'MultiLineString' ? geometry.coordinates : [];
    var best = null;
    parts.forEach(function (coordinates) {
      var points = coordinates.map(function (c) { return state.map.latLngToLayerPoint([c[1], c[0]]); });
      var length = 0;
      for (var i = 1; i < points.length; i++) { length += points[i].distanceTo(points[i - 1]); }
      if (points.length > 1 && (!best || length > best.length)) { best = { points: points, length: length }; }
    });
    return best ? alongMiddle(best.points, best.length / 2) : null;
  }

  function alongMiddle(points, half) {
    for (var i = 1; i < points.length; i++) {
      var a = points[i - 1];
      var b = points[i];
      var step = a.distanceTo(b);
      if (half <= step || i === points.length - 1) {
        var t = step ? Math.min(1, half / step) : 0;
        var angle = Math.atan2(b.y - a.y, b.x - a.x) * 180 / Math.PI;
        if (angle > 90) { angle -= 180; } else if (angle < -90) { angle += 180; }
        return { point: L.point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t), angle: angle };
      }
      half -= step;
    }
    return null;
  }
}());
