/* One search box over every layer's declared name properties (/peta/search.json).
 * Picking a result flies the map there and shows the feature's layer. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var MAX_CHARS = 100;
  var MIN_CHARS = 2;
  var highlight = null;
  var lastQuery = null;

  function box() { return document.getElementById('search-box'); }

  function say(message) {
    box().hidden = false;
    document.getElementById('search-message').textContent = message;
    Medan.clear(document.getElementById('search-results'));
  }

  function close() {
    box().hidden = true;
    Medan.clear(document.getElementById('search-results'));
    document.getElementById('search-message').textContent = '';
  }

  Medan.flyToResult = function (result) {
    var map = Medan.state.map;
    var b = result.bbox;
    var point = L.latLng(result.point[1], result.point[0]);
    var layer = Medan.layerById(result.layer);
    if (b[0] === b[2] && b[1] === b[3]) {
      map.flyTo(point, Math.max(map.getZoom(), 17, layer ? layer.zoom.min : 0), { duration: 0.8 });
    } else {
      map.flyToBounds(L.latLngBounds([b[1], b[0]], [b[3], b[2]]), { maxZoom: 17, padding: [24, 24], duration: 0.8 });
    }
    if (highlight) { map.removeLayer(highlight); }
    highlight = L.circleMarker(point, { radius: 12, color: '#d7191c', weight: 3, fill: false, interactive: false })
      .addTo(map);
    if (layer) { Medan.setLayer(layer.id, true); }
  };

  function renderResults(results, query) {
    var list = Medan.clear(document.getElementById('search-results'));
    box().hidden = false;
    if (!results.length) {
      document.getElementById('search-message').textContent = Medan.t('search_none') + ' “' + query + '”.';
      return;
    }
    document.getElementById('search-message').textContent = '';
    results.forEach(function (result) {
      var layer = Medan.layerById(result.layer);
      var button = Medan.el('button', { type: 'button', className: 'search-result' }, [
        Medan.el('span', { className: 'result-name', text: result.name }),
        // A street's kelurahan tells apart the streets of one name ("Jalan Gatot Subroto" in several).
        Medan.el('span', { className: 'result-layer',
          text: (layer ? Medan.tr(layer.title) : result.layer) + (result.area ? ' · ' + result.area : '') })
      ]);
      button.addEventListener('click', function () { close(); Medan.flyToResult(result); });
      list.appendChild(Medan.el('li', {}, [button]));
    });
  }

  function run(raw) {
    var query = raw.replace(/\s+/g, ' ').trim();
    if (query.length < MIN_CHARS) { say(Medan.t('search_empty')); return; }
    if (query.length > MAX_CHARS) { say(Medan.t('search_too_long')); return; }
    lastQuery = query;
    Medan.getJSON('/peta/search.json?q=' + encodeURIComponent(query)).then(function (body) {
      if (query === lastQuery) { renderResults(body.results || [], query); }
    }, function (error) {
      say(error && error.status === 400 ? Medan.t('search_empty') : Medan.t('search_failed'));
    });
  }

  Medan.setupSearch = function () {
    var form = document.getElementById('search-form');
    var input = document.getElementById('search-input');
    form.addEventListener('submit', function (e) { e.preventDefault(); run(input.value); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Escape') { close(); }
      if (e.key === 'ArrowDown') {
        var first = document.querySelector('#search-results button');
        if (first) { e.preventDefault(); first.focus(); }
      }
    });
    document.getElementById('search-results').addEventListener('keydown', function (e) {
      var current = document.activeElement.closest('li');
      if (!current) { return; }
      var next = e.key === 'ArrowDown' ? current.nextElementSibling : e.key === 'ArrowUp' ? current.previousElementSibling : null;
      if (next) { e.preventDefault(); next.querySelector('button').focus(); }
      if (e.key === 'Escape') { close(); input.focus(); }
    });
  };
}());
