/* The homepage map: start-up, layers on and off, language switch and permalinks.
 * Permalink: #map=<zoom>/<lat>/<lon>&layers=<id,id>&feature=<layer>/<fid>.
 * Anything in the hash that is not a sensible value is dropped, with a notice. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var state = Medan.state;
  state.active = {};   // layer id -> Leaflet layer (on the map or waiting for its zoom range)
  state.selected = null;

  Medan.layerById = function (id) {
    var layers = state.config.layers;
    for (var i = 0; i < layers.length; i++) { if (layers[i].id === id) { return layers[i]; } }
    return null;
  };

  Medan.isActive = function (id) { return Object.prototype.hasOwnProperty.call(state.active, id); };

  function inZoomRange(layer) {
    var zoom = state.map.getZoom();
    return zoom >= layer.zoom.min && zoom <= layer.zoom.max;
  }

  function syncVisibility() {
    Object.keys(state.active).forEach(function (id) {
      var overlay = state.active[id];
      var show = inZoomRange(Medan.layerById(id));
      if (show && !state.map.hasLayer(overlay)) { overlay.addTo(state.map); }
      if (!show && state.map.hasLayer(overlay)) { state.map.removeLayer(overlay); }
    });
    Medan.updateZoomHints();
    Medan.updateCredits();
  }

  Medan.setLayer = function (id, on) {
    var layer = Medan.layerById(id);
    if (!layer || on === Medan.isActive(id)) { return Promise.resolve(); }
    var loading = Promise.resolve();
    if (on) {
      var overlay = Medan.createOverlay(layer);
      state.active[id] = overlay;
      loading = overlay.medanLoad().catch(function () { Medan.toast(Medan.t('load_failed') + ' ' + Medan.tr(layer.title)); });
    } else {
      state.map.removeLayer(state.active[id]);
      delete state.active[id];
    }
    syncVisibility();
    Medan.renderPanel();
    Medan.writeHash();
    return loading;
  };

  /* ---------------------------------------------------------------- permalinks */
  function parseHash(hash) {
    var params = {};
    hash.replace(/^#/, '').split('&').forEach(function (part) {
      var at = part.indexOf('=');
      if (at > 0) {
        try { params[part.slice(0, at)] = decodeURIComponent(part.slice(at + 1)); } catch (e) { params.bad = true; }
      }
    });
    return params;
  }

  /* The view, layers and feature a hash asks for; `fixed` says whether anything was dropped. */
  Medan.readPermalink = function (hash) {
    var params = parseHash(hash || '');
    var config = state.config;
    var wanted = { center: null, zoom: null, layers: [], feature: null, basemap: true, fixed: !!params.bad };
    if (params.basemap !== undefined) {
      if (params.basemap === 'off') { wanted.basemap = false; } else if (params.basemap !== 'on') { wanted.fixed = true; }
    }
    if (params.map !== undefined) {
      var parts = params.map.split('/').map(Number);
      var center = parts.length === 3 && parts.every(isFinite) ? L.latLng(parts[1], parts[2]) : null;
      if (center && state.extent.contains(center) && parts[0] >= config.min_zoom && parts[0] <= config.max_zoom) {
        wanted.zoom = Math.round(parts[0]);
        wanted.center = center;
      } else { wanted.fixed = true; }
    }
    if (params.layers !== undefined) {
      params.layers.split(',').forEach(function (id) {
        if (Medan.layerById(id) && wanted.layers.indexOf(id) < 0) { wanted.layers.push(id); } else if (id) { wanted.fixed = true; }
      });
    }
    if (params.feature !== undefined) {
      var match = /^([a-z][a-z0-9_]{0,62})\/(\d{1,15})$/.exec(params.feature);
      if (match && Medan.layerById(match[1])) { wanted.feature = { layer: match[1], fid: Number(match[2]) }; }
      else { wanted.fixed = true; }
    }
    return wanted;
  };

  var writing = false;
  Medan.writeHash = function () {
    if (!state.map || state.restoring) { return; }
    var c = state.map.getCenter();
    var hash = '#map=' + state.map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5);
    var ids = Object.keys(state.active);
    if (ids.length) { hash += '&layers=' + ids.join(','); }
    if (!state.basemapOn) { hash += '&basemap=off'; }
    if (state.selected) { hash += '&feature=' + state.selected.layer + '/' + state.selected.fid; }
    if (hash !== window.location.hash) {
      writing = true;
      window.history.replaceState(null, '', hash);
      writing = false;
    }
  };

  Medan.onFeatureSelected = function (layerId, fid) {
    state.selected = fid === null || fid === undefined ? null : { layer: layerId, fid: fid };
    Medan.writeHash();
  };

  function openLinkedFeature(feature) {
    var layer = Medan.layerById(feature.layer);
    return Medan.getJSON(layer.item_url.replace('{fid}', feature.fid)).then(function (item) {
      var bounds = L.geoJSON(item).getBounds();
      var at = bounds.getCenter();
      Medan.openFeaturePopup(layer, item.properties || {}, feature.fid, at, true);
    }, function () { Medan.toast(Medan.t('feature_missing')); });
  }

  Medan.applyPermalink = function (hash) {
    var wanted = Medan.readPermalink(hash);
    state.restoring = true;
    if (wanted.center) { state.map.setView(wanted.center, wanted.zoom, { animate: false }); }
    var loads = Object.keys(state.active).filter(function (id) { return wanted.layers.indexOf(id) < 0; })
      .map(function (id) { return Medan.setLayer(id, false); });
    wanted.layers.forEach(function (id) { loads.push(Medan.setLayer(id, true)); });
    loads.push(Medan.setBasemap(wanted.basemap));
    if (wanted.feature) { loads.push(openLinkedFeature(wanted.feature)); }
    state.restoring = false;
    if (wanted.fixed) { Medan.toast(Medan.t('permalink_fixed')); }
    Medan.writeHash();
    return Promise.all(loads);
  };

  /* ---------------------------------------------------------------- language */
  Medan.applyLanguage = function (lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach(function (node) { node.textContent = Medan.t(node.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach(function (node) {
      node.placeholder = Medan.t(node.dataset.i18nPlaceholder);
    });
    document.querySelectorAll('[data-i18n-label]').forEach(function (node) {
      node.setAttribute('aria-label', Medan.t(node.dataset.i18nLabel));
    });
    document.querySelectorAll('[data-lang]').forEach(function (button) {
      button.setAttribute('aria-pressed', button.dataset.lang === lang ? 'true' : 'false');
    });
    // The citizen pages take the language from ?lang= (Indonesian without it).
    ['report-link', 'ppdb-link'].forEach(function (id) {
      var link = document.getElementById(id);
      if (link) { link.href = link.pathname + (lang === 'en' ? '?lang=en' : ''); }
    });
    document.title = Medan.t('site_title');
    Medan.renderPanel();
    Medan.rerenderHere();
    if (state.popup && state.map.hasLayer && state.map._popup && state.map._popup.isOpen()) {
      var p = state.popup;
      state.map._popup.setContent(Medan.popupContent(p.layer, p.props, p.fid));
    }
  };

  function setupLanguage() {
    document.querySelectorAll('[data-lang]').forEach(function (button) {
      button.addEventListener('click', function () {
        Medan.rememberLang(button.dataset.lang);
        Medan.applyLanguage(button.dataset.lang);
      });
    });
  }

  /* ---------------------------------------------------------------- start */
  function createMap(config) {
    var bounds = L.latLngBounds(config.extent);
    state.extent = bounds;
    var map = L.map('map', {
      preferCanvas: true, minZoom: config.min_zoom, maxZoom: config.max_zoom,
      maxBounds: bounds.pad(0.5), zoomSnap: 1, keyboard: true
    });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    Medan.setupCredits(map);
    state.map = map;
    Medan.createPanes(map);
    // Start at the permalink's view, not the default one: otherwise the basemap
    // first fetches and draws the city-zoom tiles, only to throw them away.
    var wanted = Medan.readPermalink(window.location.hash);
    map.setView(wanted.center || config.center, wanted.center ? wanted.zoom : config.zoom);
    return map;
  }

  /* Declared rasters (hazard overlays) join the layer list in their theme, so the
   * panel, legend, permalink and zoom hints treat them like any other layer. */
  function mergeRasters(config) {
    (config.rasters || []).forEach(function (raster) {
      var theme = config.themes.filter(function (t) { return t.id === raster.theme; })[0];
      if (!theme) { return; }
      config.layers.push(raster);
      theme.layers.push(raster.id);
    });
  }

  function start(config) {
    mergeRasters(config);
    state.config = config;
    state.ui = config.ui;
    var map = createMap(config);
    Medan.mark('medan:map-created');
    Medan.createBasemap(config);
    Medan.setupStreets(config);
    var lang = Medan.storedLang() || config.lang;
    Medan.applyLanguage(lang);
    if (lang !== config.lang) { Medan.rememberLang(lang); }
    Medan.setupPanelToggle();
    if (window.innerWidth >= 800) { document.getElementById('panel').classList.add('open'); }
    Medan.setupSearch();
    Medan.setupHere();
    Medan.setupInView(map);
    setupLanguage();
    map.on('zoomend', syncVisibility);
    map.on('moveend', Medan.writeHash);
    map.on('popupclose', function () { Medan.onFeatureSelected(null, null); });
    window.addEventListener('hashchange', function () { if (!writing) { Medan.applyPermalink(window.location.hash); } });
    // The permalink's layers and the basemap (unless it says basemap=off).
    Medan.applyPermalink(window.location.hash).then(function () {
      Medan.mark('medan:interactive');
      document.body.dataset.ready = 'true';
    });
    if (config.editor) { loadEditor(config.editor); }
  }

  /* The editor (drawing library, forms): only for a user who may write a layer. It
   * calls Medan.startEditor when loaded. */
  function loadEditor(editor) {
    editor.styles.forEach(function (href) {
      document.head.appendChild(Medan.el('link', { rel: 'stylesheet', href: href }));
    });
    var script = Medan.el('script', { src: editor.script });
    script.addEventListener('load', function () { Medan.startEditor(editor); });
    document.body.appendChild(script);
  }

  Medan.getJSON('/peta/layers.json').then(start, function () {
    document.getElementById('toast').hidden = false;
    document.getElementById('toast').textContent = 'Peta gagal dimuat. / The map could not be loaded.';
  });
}());
