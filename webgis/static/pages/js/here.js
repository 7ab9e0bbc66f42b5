/* "What is here?" (a click on the map) and "Di mana saya?" (geolocation). One
 * request per click to /peta/here.json, answered by one spatial query. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var marker = null;
  var requestNumber = 0;

  function panel() { return document.getElementById('info'); }

  function show(children) {
    var body = Medan.clear(document.getElementById('info-body'));
    children.forEach(function (child) { body.appendChild(child); });
    panel().hidden = false;
  }

  function message(key) { return Medan.el('p', { className: 'message', text: Medan.t(key) }); }

  /* What a row says: a containing feature's name, or its legend class, and
   * for the nearest feature the distance. */
  function describe(result, layer) {
    var text = result.name || '';
    var c = Medan.classFor(layer.style, result.properties);
    if (c && (!text || layer.style.property !== layer.label)) {
      text = text ? text + ' · ' + Medan.tr(c.label) : Medan.tr(c.label);
    }
    if (result.relation === 'nearest') {
      text = (text || '?') + ' (' + Medan.formatDistance(result.distance_m) + ')';
    }
    return text || '—';
  }

  function render(answer) {
    if (answer.outside) { show([message('here_outside')]); return; }
    // Where the point is (containing areas, boundaries first) before what is near it.
    var themes = Medan.state.config.themes.map(function (t) { return t.id; });
    var rank = function (r) {
      return (r.relation === 'contains' ? 0 : 100) + themes.indexOf(Medan.layerById(r.layer).theme);
    };
    var ordered = answer.results.slice().sort(function (a, b) { return rank(a) - rank(b); });
    var rows = ordered.map(function (result) {
      var layer = Medan.layerById(result.layer);
      var title = Medan.tr(layer.title) + (result.relation === 'nearest' ? ' ' + Medan.t('here_nearest') : '');
      return Medan.el('div', { className: 'here-row', 'data-layer': result.layer, 'data-relation': result.relation }, [
        Medan.el('dt', { text: title }),
        Medan.el('dd', { text: describe(result, layer) })
      ]);
    });
    var children = [Medan.el('dl', { className: 'here-list' }, rows)];
    if (!answer.inside) { children.unshift(message('here_outside')); }
    else if (!rows.length) { children.unshift(message('here_none')); }
    show(children);
  }

  Medan.whatIsHere = function (latlng) {
    var map = Medan.state.map;
    if (marker) { map.removeLayer(marker); }
    marker = L.circleMarker(latlng, { radius: 7, color: '#111', weight: 2, fillColor: '#ffeb3b', fillOpacity: 1,
                                      interactive: false }).addTo(map);
    show([message('here_loading')]);
    var mine = ++requestNumber;
    var url = '/peta/here.json?lon=' + latlng.lng.toFixed(6) + '&lat=' + latlng.lat.toFixed(6);
    return Medan.getJSON(url).then(function (answer) {
      if (mine !== requestNumber) { return; }
      Medan.state.lastHere = answer;
      render(answer);
    }, function () {
      if (mine === requestNumber) { show([message('here_failed')]); }
    });
  };

  Medan.rerenderHere = function () {
    if (Medan.state.lastHere && !panel().hidden) { render(Medan.state.lastHere); }
  };

  Medan.setupHere = function () {
    var map = Medan.state.map;
    map.on('click', function (e) {
      if (Medan.state.drawing) { return; }  // the click places a vertex (pages/js/edit.js)
      if (e.originalEvent && e.originalEvent._medanFeatureClick) { return; }  // a tile feature was clicked
      if (Medan.featureClickAt(e.latlng)) { return; }  // a point on a canvas point layer was clicked
      if (Medan.state.editing) { return; }  // a click beside the feature being edited asks nothing
      Medan.whatIsHere(e.latlng);
    });
    document.getElementById('info-close').addEventListener('click', function () {
      panel().hidden = true;
      if (marker) { map.removeLayer(marker); marker = null; }
      document.getElementById('map').focus();
    });
    document.getElementById('locate-button').addEventListener('click', function () {
      if (!navigator.geolocation) { Medan.toast(Medan.t('locate_failed')); return; }
      navigator.geolocation.getCurrentPosition(function (position) {
        var here = L.latLng(position.coords.latitude, position.coords.longitude);
        if (!Medan.state.extent.contains(here)) { Medan.toast(Medan.t('locate_outside')); return; }
        map.flyTo(here, Math.max(map.getZoom(), 16), { duration: 0.8 });
        Medan.whatIsHere(here);
      }, function () { Medan.toast(Medan.t('locate_failed')); }, { enableHighAccuracy: true, timeout: 10000 });
    });
  };
}());
