/* The basemap, one item of the layer panel, and the credits of what is on screen.
 *
 * The offline basemap draws the public boundary and line layers as a grey
 * backdrop (each layer's own style in grey, lighter and thinner), so a layer's
 * colours appear only while its own box is ticked; the basemap has a box of
 * its own ("Peta dasar") and can be switched off (permalink: basemap=off).
 *
 * The attribution lists the sources of what is drawn right now: the basemap's
 * layers while it is on, and every ticked layer inside its zoom range, each
 * credit once (from the declarations, /peta/layers.json `attributions`). */
(function () {
  'use strict';
  var Medan = window.Medan;
  var state = Medan.state;
  state.basemapOn = true;
  state.basemapLayers = [];
  var shownCredits = '';

  /* A declared colour as a light grey of the same lightness order: dark lines stay darker. */
  function grey(color) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || '');
    var lum = m ? 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16) : 128;
    var v = Math.round(255 - (255 - lum) * 0.45);
    return 'rgb(' + v + ',' + v + ',' + v + ')';
  }

  Medan.backdropStyle = function (layer, props) {
    var style = Medan.pathStyle(layer, props);
    style.color = grey(style.color);
    style.fillColor = grey(style.fillColor);
    style.fillOpacity = Math.min(style.fillOpacity || 0, 0.2);
    style.weight = Math.max(0.6, (style.weight || 1) * 0.5);
    style.opacity = 0.8;
    return style;
  };

  /* The basemap's Leaflet layers (a configured raster under the grey backdrop). */
  Medan.createBasemap = function (config) {
    var basemap = config.basemap;
    var layers = [];
    if (basemap.raster) {
      layers.push(L.tileLayer(basemap.raster.url, { maxZoom: 19 }));
    }
    if (basemap.layers.length) {
      // 512-px tiles from one zoom level up: a quarter of the requests for the
      // backdrop every first view waits for (12 instead of ~24 at 1280x800). From
      // zoom 12 (tile zoom 11), where kelurahan and routes start, smaller zooms
      // scale those tiles down rather than fetch tiles without them.
      layers.push(new Medan.OffsetProtobuf(basemap.tiles_url, {
        pane: 'medan-basemap', interactive: false, rendererFactory: L.canvas.tile,
        tileSize: 512, zoomOffset: -1, minNativeZoom: 12, maxNativeZoom: 22,
        vectorTileLayerStyles: Medan.tileStyles(basemap.layers, Medan.backdropStyle)
      }));
    }
    state.basemapLayers = layers;
    return layers;
  };

  /* Switch the basemap on or off; resolves when its tiles are drawn (at once when off). */
  Medan.setBasemap = function (on) {
    state.basemapOn = !!on;
    var loads = state.basemapLayers.map(function (layer) {
      if (!on) { state.map.removeLayer(layer); return Promise.resolve(); }
      if (state.map.hasLayer(layer)) { return Promise.resolve(); }
      return new Promise(function (resolve) { layer.once('load', resolve); layer.addTo(state.map); });
    });
    var toggle = document.getElementById('basemap-toggle');
    if (toggle) { toggle.checked = state.basemapOn; }
    Medan.updateCredits();
    if (Medan.refreshStreets) { Medan.refreshStreets(); }  // street names go with the basemap
    if (Medan.writeHash) { Medan.writeHash(); }
    return Promise.all(loads);
  };

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  /* The credits of the layers drawn now, in the order they appear in the panel. */
  Medan.creditsOnScreen = function () {
    var config = state.config;
    var credits = [];
    function add(list) { (list || []).forEach(function (c) { if (credits.indexOf(c) < 0) { credits.push(c); } }); }
    if (state.basemapOn) { add(config.basemap.attributions); }
    config.layers.forEach(function (layer) {
      var overlay = state.active[layer.id];
      if (overlay && state.map.hasLayer(overlay)) { add(layer.attributions); }
    });
    return credits;
  };

  /* One attribution entry holding every credit, joined with " · ": credits themselves
   * contain commas, which Leaflet uses between entries. */
  Medan.updateCredits = function () {
    var control = state.map && state.map.attributionControl;
    if (!control) { return; }
    var wanted = Medan.creditsOnScreen().map(escapeHtml).join(' · ');
    if (wanted === shownCredits) { return; }
    if (shownCredits) { control.removeAttribution(shownCredits); }
    if (wanted) { control.addAttribution(wanted); }
    shownCredits = wanted;
  };

  /* On a phone the credits take one line, cut short, and open on a tap, as the compact
   * attribution of vector-map libraries does; they never cover the map. The keyboard's way
   * to open them is a real button beside them: the credits hold links, and a link inside
   * an element acting as a button is unreachable to screen readers (axe nested-interactive). */
  Medan.setupCredits = function (map) {
    var node = map.attributionControl.getContainer();
    node.id = 'map-credits';
    var button = Medan.el('button', { type: 'button', className: 'credits-toggle', 'aria-controls': 'map-credits',
                                      'aria-expanded': 'false', 'data-i18n': 'credits_toggle',
                                      text: Medan.t('credits_toggle') });
    node.parentNode.insertBefore(button, node);
    L.DomEvent.disableClickPropagation(button);
    var phone = window.matchMedia('(max-width: 640px)');
    function fit() { node.classList.toggle('credits-compact', phone.matches); }
    function toggle() {
      var open = node.classList.toggle('credits-open');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    }
    node.addEventListener('click', function (e) {
      if (phone.matches && !(e.target && e.target.tagName === 'A')) { toggle(); }
    });
    button.addEventListener('click', toggle);
    if (phone.addEventListener) { phone.addEventListener('change', fit); }
    fit();
  };
}());
