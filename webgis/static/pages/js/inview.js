/* "Fitur di layar": the keyboard's and the screen reader's way to the features on the map.
 *
 * Points drawn on a canvas (points.js) and vector tiles have no element a keyboard can reach,
 * so this control lists, as buttons, the features of the layers switched on that lie in the
 * current view (the OGC API items of each layer, bbox = the view, the first PER_LAYER of each).
 * The list follows the map as it moves; a button opens the feature's popup, which takes the
 * focus and gives it back on Escape. Every popup, however opened, is announced. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var PER_LAYER = 25;
  var REFRESH_MS = 300;
  var opener = null;     // the list button whose popup is open: Escape returns there
  var request = 0;
  var timer = null;

  function t(key, values) {
    var text = Medan.t(key);
    Object.keys(values || {}).forEach(function (k) { text = text.replace('{' + k + '}', values[k]); });
    return text;
  }

  /* The layers switched on and drawn at this zoom that hold features (not rasters). */
  function layersOnScreen() {
    var state = Medan.state;
    return Object.keys(state.active).map(Medan.layerById).filter(function (layer) {
      return layer && layer.source !== 'raster' && state.map.hasLayer(state.active[layer.id]);
    });
  }

  function itemsUrl(layer, bounds) {
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (v) { return v.toFixed(6); }).join(',');
    return '/collections/' + encodeURIComponent(layer.id) + '/items?f=json&limit=' + PER_LAYER + '&bbox=' + bbox;
  }

  function anchorOf(feature) {
    var g = feature.geometry;
    if (g && g.type === 'Point') { return L.latLng(g.coordinates[1], g.coordinates[0]); }
    var bounds = L.geoJSON(feature).getBounds();
    var center = bounds.getCenter();
    return Medan.state.map.getBounds().contains(center) ? center : Medan.state.map.getCenter();
  }

  function featureButton(layer, feature) {
    var props = feature.properties || {};
    var name = (layer.label && props[layer.label]) || (Medan.tr(layer.title) + ' ' + feature.id);
    var button = Medan.el('button', { type: 'button', className: 'in-view-feature', 'data-layer': layer.id,
                                      'data-fid': feature.id }, [String(name)]);
    button.addEventListener('click', function () {
      opener = button;
      Medan.openFeaturePopup(layer, props, feature.id, anchorOf(feature));
    });
    return Medan.el('li', {}, [button]);
  }

  function layerGroup(layer, collection) {
    var features = collection.features || [];
    var title = Medan.el('h3', { text: Medan.tr(layer.title) });
    var note = null;
    if (collection.numberMatched !== undefined && collection.numberMatched > features.length) {
      note = Medan.el('p', { className: 'in-view-more', text: t('in_view_more',
        { shown: features.length, total: collection.numberMatched }) });
    }
    return Medan.el('section', { className: 'in-view-layer', 'data-layer': layer.id },
                    [title, note, Medan.el('ul', {}, features.map(function (f) { return featureButton(layer, f); }))]);
  }

  function keyOf(button) { return button ? [button.dataset.layer, button.dataset.fid] : null; }

  function buttonFor(key) {
    return key && document.querySelector('.in-view-feature[data-layer="' + key[0] + '"][data-fid="' + key[1] + '"]');
  }

  /* The list again for the view now. The old list stays until the new one is there, and the
   * focus and the popup's way back follow the feature into the new list. */
  function refresh() {
    var box = document.getElementById('in-view-box');
    if (!box || box.hidden) { return; }
    var mine = ++request;
    var layers = layersOnScreen();
    var status = document.getElementById('in-view-status');
    var list = document.getElementById('in-view-list');
    if (!layers.length) { Medan.clear(list); status.textContent = Medan.t('in_view_no_layers'); return; }
    if (!list.firstChild) { status.textContent = Medan.t('here_loading'); }
    var bounds = Medan.state.map.getBounds();
    Promise.all(layers.map(function (layer) {
      return Medan.getJSON(itemsUrl(layer, bounds)).then(function (c) { return [layer, c]; },
                                                            function () { return [layer, { features: [] }]; });
    })).then(function (answers) {
      if (mine !== request) { return; }
      var focused = list.contains(document.activeElement) ? keyOf(document.activeElement) : null;
      var back = keyOf(opener);
      Medan.clear(list);
      var count = 0;
      answers.forEach(function (answer) {
        if ((answer[1].features || []).length) { list.appendChild(layerGroup(answer[0], answer[1])); }
        count += (answer[1].features || []).length;
      });
      if (back) { opener = buttonFor(back) || opener; }
      if (focused && buttonFor(focused)) { buttonFor(focused).focus(); }
      var said = count ? t('in_view_count', { n: count }) : Medan.t('in_view_none');
      if (status.textContent !== said) { status.textContent = said; }
      document.body.dataset.inViewCount = String(count);
    });
  }

  function later(e) {
    if (e && e.layer && !(e.layer instanceof L.GridLayer || e.layer instanceof L.FeatureGroup)) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, REFRESH_MS);
  }

  function control(map) {
    var Control = L.Control.extend({
      options: { position: 'topleft' },
      onAdd: function () {
        var box = Medan.el('div', { id: 'in-view-box', className: 'in-view-box', hidden: true }, [
          Medan.el('p', { id: 'in-view-status', className: 'in-view-status', role: 'status', 'aria-live': 'polite' }),
          Medan.el('div', { id: 'in-view-list', className: 'in-view-list' })
        ]);
        var toggle = Medan.el('button', { type: 'button', id: 'in-view-toggle', className: 'in-view-toggle',
                                          'aria-expanded': 'false', 'aria-controls': 'in-view-box',
                                          'data-i18n': 'in_view_button', text: Medan.t('in_view_button') });
        toggle.addEventListener('click', function () {
          box.hidden = !box.hidden;
          toggle.setAttribute('aria-expanded', box.hidden ? 'false' : 'true');
          refresh();
        });
        box.addEventListener('keydown', function (e) {
          if (e.key === 'Escape') { box.hidden = true; toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); }
        });
        var node = Medan.el('div', { className: 'leaflet-control in-view', role: 'region',
                                     'aria-labelledby': 'in-view-toggle' }, [toggle, box]);
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        // The map's own arrow-key panning must not take the keys meant for this list.
        L.DomEvent.on(node, 'keydown', L.DomEvent.stopPropagation);
        return node;
      }
    });
    return new Control().addTo(map);
  }

  /* A popup is a small dialog: named by its title, announced, focused when the keyboard opened it. */
  function onPopupOpen(e) {
    var container = e.popup.getElement();
    var title = container && container.querySelector('.popup-title');
    if (!title) { return; }
    title.id = 'popup-title';
    title.setAttribute('tabindex', '-1');
    container.setAttribute('role', 'dialog');
    container.setAttribute('aria-labelledby', 'popup-title');
    var layer = container.querySelector('.popup-layer');
    Medan.announce(t('popup_opened', { title: title.textContent }) + (layer ? ' (' + layer.textContent + ')' : ''));
    container.addEventListener('keydown', function (k) {
      if (k.key === 'Escape') { Medan.state.map.closePopup(); }
    });
    if (opener) { title.focus(); }
  }

  function onPopupClose() {
    if (!opener) { return; }
    // The list may have been rebuilt meanwhile (the popup panned the map): its new button for the feature.
    var back = document.body.contains(opener) ? opener : buttonFor(keyOf(opener));
    opener = null;
    (back || document.getElementById('in-view-toggle')).focus();
  }

  /* One polite live region for what the map does without moving the focus. */
  Medan.announce = function (text) {
    var region = document.getElementById('map-announcer');
    if (!region) {
      region = Medan.el('div', { id: 'map-announcer', className: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
      document.body.appendChild(region);
    }
    region.textContent = text;
  };

  /* The skip link moves the focus to the map without touching the hash: following "#map" would
   * replace the permalink (#map=zoom/lat/lon&layers=...) and switch every layer off. */
  function setupSkipLink() {
    var link = document.querySelector('.skip-link[href="#map"]');
    if (!link) { return; }
    link.addEventListener('click', function (e) {
      e.preventDefault();
      document.getElementById('map').focus();
    });
  }

  Medan.setupInView = function (map) {
    control(map);
    setupSkipLink();
    map.on('moveend layeradd layerremove', later);
    map.on('popupopen', onPopupOpen);
    map.on('popupclose', onPopupClose);
  };
}());
