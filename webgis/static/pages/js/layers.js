/* Map layers built from the declarations (/peta/layers.json): styles, legends,
 * GeoJSON or vector-tile overlays, and feature popups (the basemap and the
 * credits of what is on screen: basemap.js). */
(function () {
  'use strict';
  var Medan = window.Medan;
  var PANES = { polygon: 'medan-polygons', line: 'medan-lines', point: 'medan-points' };

  // Leaflet >= 1.8 dropped L.DomEvent.fakeStop, which Leaflet.VectorGrid 1.3
  // still calls on a click on a tile feature (Leaflet.VectorGrid#274).
  // Marking the event handled keeps the behaviour it intended.
  if (L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (e) { e._medanFeatureClick = true; };
  }

  Medan.createPanes = function (map) {
    map.createPane('medan-basemap').style.zIndex = 250;
    map.createPane(PANES.polygon).style.zIndex = 410;
    map.createPane(PANES.line).style.zIndex = 420;
    map.createPane(PANES.point).style.zIndex = 430;
  };

  /* The legend class a feature falls in, for categorized and graduated styles. */
  Medan.classFor = function (style, props) {
    if (style.kind === 'simple' || !props) { return null; }
    var value = props[style.property];
    for (var i = 0; i < style.classes.length; i++) {
      var c = style.classes[i];
      if (style.kind === 'categorized' && c.value === value) { return c; }
      if (style.kind === 'graduated' && value !== null && value >= c.min && value < c.max) { return c; }
    }
    return null;
  };

  /* Leaflet path options for one feature, from the layer's declared style. */
  Medan.pathStyle = function (layer, props) {
    var s = layer.style;
    var c = Medan.classFor(s, props);
    var fill = c ? c.color : s.fill_color;
    if (layer.kind === 'point') {
      return { radius: s.radius, color: c ? '#ffffff' : s.color, weight: 1, fill: true,
               fillColor: fill, fillOpacity: 0.9, opacity: 1 };
    }
    if (layer.kind === 'line') {
      return { color: c ? c.color : s.color, weight: s.weight, opacity: 0.9, fill: false };
    }
    return { color: s.color, weight: s.weight, opacity: 0.9, fill: true, fillColor: fill,
             fillOpacity: s.fill_opacity };
  };

  // Said once as the popup's note (below), not again as table rows.
  var DOUBT_PROPERTIES = ['lokasi_diragukan', 'catatan_lokasi'];

  /* The popup of one feature: its declared public properties, labelled and formatted. */
  Medan.popupContent = function (layer, props, fid) {
    var title = (layer.label && props[layer.label]) || Medan.tr(layer.title);
    var shown = layer.properties.filter(function (prop) { return DOUBT_PROPERTIES.indexOf(prop.name) < 0; });
    var rows = shown.map(function (prop) {
      return Medan.el('tr', {}, [
        Medan.el('th', { scope: 'row', text: Medan.tr(prop.title) }),
        Medan.el('td', { text: Medan.formatValue(prop, props[prop.name]) })
      ]);
    });
    var children = [
      Medan.el('h3', { className: 'popup-title', text: String(title) }),
      Medan.el('p', { className: 'popup-layer', text: Medan.tr(layer.title) }),
      // A feature flagged as placed doubtfully (e.g. a school outside the city polygon) says so first.
      props.lokasi_diragukan === true ? Medan.el('p', { className: 'popup-doubt', role: 'note',
                                                        text: Medan.t('doubtful_location') }) : null,
      Medan.el('table', { className: 'popup-table' }, [Medan.el('tbody', {}, rows)])
    ];
    if (fid !== null && fid !== undefined) {
      children.push(Medan.el('a', { className: 'popup-link', href: layer.item_page.replace('{fid}', encodeURIComponent(fid)),
                                   text: Medan.t('feature_page') }));
      // Pages a service keeps about this feature (a school's funds), declared with the layer.
      (layer.pages || []).forEach(function (page) {
        var key = page.href.slice(page.href.indexOf('{') + 1, page.href.indexOf('}'));
        if (props[key] === null || props[key] === undefined) { return; }
        var href = page.href.replace('{' + key + '}', encodeURIComponent(String(props[key])));
        if (page.live) { children.push(liveLine(page, href)); return; }
        children.push(Medan.el('a', { className: 'popup-service', href: page.href.replace('{' + key + '}',
          encodeURIComponent(String(props[key]))), text: Medan.tr(page.title) }));
      });
      // "Edit this feature", for a layer the user may write (pages/js/edit.js, loaded only then).
      if (Medan.popupActions) { children.push(Medan.popupActions(layer, fid)); }
    }
    return Medan.el('div', { className: 'popup', 'data-layer': layer.id, 'data-fid': fid }, children);
  };

  /* A declared live page (a park's Wi-Fi now): read when the popup opens and said in a polite
   * live region, so a screen reader hears the state once it arrives. */
  function liveLine(page, href) {
    var line = Medan.el('p', { className: 'popup-live', 'aria-live': 'polite', text: Medan.t('here_loading') });
    Medan.getJSON(href, { cache: 'no-cache' }).then(function (answer) {
      Medan.clear(line);
      line.appendChild(document.createTextNode(Medan.tr(answer.ringkasan) + ' '));
      if (answer.halaman) {
        line.appendChild(Medan.el('a', { href: answer.halaman, text: Medan.tr(page.title) }));
      }
    }, function () { line.textContent = Medan.t('load_failed') + ' ' + Medan.tr(page.title); });
    return line;
  }

  /* keepView: a permalink's popup must not pan away from the view the link saved. */
  Medan.openFeaturePopup = function (layer, props, fid, latlng, keepView) {
    var state = Medan.state;
    state.popup = { layer: layer, props: props, fid: fid, latlng: latlng };
    L.popup({ maxWidth: 320, autoPanPadding: [20, 60], autoPan: !keepView })
      .setLatLng(latlng).setContent(Medan.popupContent(layer, props, fid)).openOn(state.map);
    if (Medan.onFeatureSelected) { Medan.onFeatureSelected(layer.id, fid); }
  };

  function geojsonLayer(layer) {
    var group = L.geoJSON(null, {
      pane: PANES[layer.kind],
      style: function (feature) { return Medan.pathStyle(layer, feature.properties); },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, L.extend(Medan.pathStyle(layer, feature.properties), { pane: PANES.point }));
      },
      onEachFeature: function (feature, featureLayer) {
        // Points and lines are small targets: a click on one means the feature,
        // so the map's "what is here" does not also run; polygons let it run.
        featureLayer.options.bubblingMouseEvents = layer.kind === 'polygon';
        featureLayer.on('click', function (e) {
          Medan.openFeaturePopup(layer, feature.properties || {}, feature.id, e.latlng);
        });
      }
    });
    group.medanLoad = function () {
      return Medan.getJSON(layer.items_url, layer.revalidate ? { cache: 'no-cache' } : null).then(function (collection) {
        group.addData(collection);
        group.fire('load');
      });
    };
    return group;
  }

  function tileStyles(ids, pick) {
    var styles = {};
    ids.forEach(function (id) {
      var layer = Medan.layerById(id);
      styles[id] = function (props) { return pick(layer, props); };
    });
    return styles;
  }

  function tilesLayer(layer) {
    var grid = L.vectorGrid.protobuf(layer.tiles_url, {
      pane: PANES[layer.kind], interactive: true, rendererFactory: L.canvas.tile,
      vectorTileLayerStyles: tileStyles([layer.id], Medan.pathStyle),
      maxNativeZoom: 22,
      // After an edit (pages/js/edit.js): revalidate tiles the browser cached for a minute.
      fetchOptions: layer.revalidate ? { cache: 'no-cache' } : {}
    });
    grid.on('click', function (e) {
      var props = (e.layer && e.layer.properties) || {};
      openTileFeaturePopup(layer, props, props.fid !== undefined ? props.fid : props.id, e.latlng);
    });
    grid.medanLoad = function () { return Promise.resolve(); };
    return grid;
  }

  /* The popup of a tile feature: tiles carry only what the style needs, so the
   * popup shows the whole feature from the API. */
  function openTileFeaturePopup(layer, props, fid, latlng) {
    if (fid === undefined || fid === null) { Medan.openFeaturePopup(layer, props, null, latlng); return; }
    Medan.getJSON(layer.item_url.replace('{fid}', encodeURIComponent(fid))).then(function (feature) {
      Medan.openFeaturePopup(layer, feature.properties || props, fid, latlng);
    }, function () { Medan.openFeaturePopup(layer, props, fid, latlng); });
  }

  function pointTilesLayer(layer) {
    var grid = new Medan.PointTiles(layer, { pane: PANES.point, maxNativeZoom: 22 });
    grid.medanLoad = function () { return Promise.resolve(); };
    return grid;
  }

  /* A click on a drawn point of a canvas point layer opens its popup; returns
   * whether one was hit (then the map's "what is here" does not run). The
   * layer drawn on top (last switched on) wins. */
  Medan.featureClickAt = function (latlng) {
    var state = Medan.state;
    var ids = Object.keys(state.active).reverse();
    for (var i = 0; i < ids.length; i++) {
      var overlay = state.active[ids[i]];
      if (!(overlay instanceof Medan.PointTiles) || !state.map.hasLayer(overlay)) { continue; }
      var hit = overlay.pointAt(latlng);
      if (hit) { openTileFeaturePopup(Medan.layerById(ids[i]), {}, hit.fid, hit.latlng); return true; }
    }
    return false;
  };

  /* A Leaflet layer for one declared layer; fires 'load' when drawn. */
  Medan.createOverlay = function (layer) {
    var overlay;
    if (layer.source === 'raster') {
      overlay = L.tileLayer(layer.tiles_url, { pane: PANES.polygon, opacity: layer.style.opacity,
                                               maxNativeZoom: layer.max_native_zoom });
      overlay.medanLoad = function () { return Promise.resolve(); };
    } else if (layer.source === 'tiles') {
      overlay = layer.kind === 'point' ? pointTilesLayer(layer) : tilesLayer(layer);
    } else { overlay = geojsonLayer(layer); }
    overlay.on('load', function () {
      layer.drawCount = (layer.drawCount || 0) + 1;
      Medan.mark('medan:drawn:' + layer.id + ':' + layer.drawCount);
    });
    return overlay;
  };

  /* VectorGrid 1.3 puts the tile's own zoom in the URL and ignores zoomOffset
   * (its source has the fix as a TODO); the URL's zoom must include it. */
  Medan.OffsetProtobuf = L.VectorGrid.Protobuf.extend({
    _getVectorTilePromise: function (coords) {
      var shifted = L.point(coords.x, coords.y);
      shifted.z = coords.z + (this.options.zoomOffset || 0);
      return L.VectorGrid.Protobuf.prototype._getVectorTilePromise.call(this, shifted);
    }
  });
  Medan.tileStyles = tileStyles;
}());
