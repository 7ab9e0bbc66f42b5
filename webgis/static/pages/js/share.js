/* Print and share the map (issue 20 item 9): the panel of pages/_share.html.
 * The print is drawn by the server (/peta/cetak) from the permalink's state (view, layers,
 * basemap) and the screen's box; the share link is the permalink; the embed code frames
 * /peta/sematkan with the same hash. On the embed page only its "open the full map" link works. */
(function () {
  'use strict';
  var Medan = window.Medan;
  var state = Medan.state;

  function hash() { return window.location.hash || ''; }

  function activeIds() { return state.active ? Object.keys(state.active) : []; }

  /* What the server will call the print if the title is left empty (services/mapprint/request.py). */
  function defaultTitle() {
    var names = activeIds().map(function (id) { return Medan.tr(Medan.layerById(id).title); });
    var base = Medan.t('site_title');
    if (!names.length) { return base; }
    var shown = names.slice(0, 3).join(', ');
    if (names.length > 3) { shown += (state.lang === 'en' ? ' and ' : ' dan ') + (names.length - 3) + (state.lang === 'en' ? ' more' : ' lainnya'); }
    return base + ': ' + shown;
  }

  function printQuery(form) {
    var map = state.map;
    var c = map.getCenter();
    var b = map.getBounds();
    var params = new URLSearchParams();
    params.set('map', map.getZoom() + '/' + c.lat.toFixed(5) + '/' + c.lng.toFixed(5));
    params.set('bbox', [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(','));
    if (activeIds().length) { params.set('layers', activeIds().join(',')); }
    params.set('basemap', state.basemapOn === false ? 'off' : 'on');
    ['size', 'orientation', 'format'].forEach(function (name) { params.set(name, form.elements[name].value); });
    var title = form.elements.title.value.trim();
    if (title) { params.set('title', title); }
    params.set('lang', state.lang || 'id');
    return params.toString();
  }

  function say(id, text) { document.getElementById(id).textContent = text; }

  function seconds(value) {
    var text = value.toFixed(1);
    return state.lang === 'en' ? text : text.replace('.', ',');
  }

  function download(blob, name) {
    var url = URL.createObjectURL(blob);
    var link = Medan.el('a', { href: url, download: name, hidden: true });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  /* Fetched (not a plain link) so the page can say it is working, how long it took, and why it failed. */
  function submitPrint(event) {
    event.preventDefault();
    var form = event.target;
    var button = document.getElementById('print-button');
    // Busy, not disabled: a disabled button drops the keyboard focus (and Escape with it).
    if (button.getAttribute('aria-disabled') === 'true') { return; }
    var started = Date.now();
    button.setAttribute('aria-disabled', 'true');
    say('print-status', Medan.t('print_working'));
    var tick = setInterval(function () {
      say('print-status', Medan.t('print_working') + ' ' + seconds((Date.now() - started) / 1000) + ' ' + Medan.t('print_seconds'));
    }, 1000);
    fetch(form.action + '?' + printQuery(form), { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return {}; }).then(function (problem) {
            throw new Error(problem.description || response.statusText);
          });
        }
        var name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
        return response.blob().then(function (blob) { download(blob, name ? name[1] : 'peta-medan'); });
      })
      .then(function () {
        form.dataset.printed = 'true';
        say('print-status', Medan.t('print_done') + ' ' + seconds((Date.now() - started) / 1000) + ' ' + Medan.t('print_seconds') + '.');
      }, function (error) {
        say('print-status', Medan.t('print_failed') + ' ' + error.message);
      })
      .then(function () { clearInterval(tick); button.removeAttribute('aria-disabled'); });
  }

  function refreshLinks() {
    var link = window.location.origin + '/peta' + hash();
    document.getElementById('share-url').value = link;
    var frame = '<iframe src="' + window.location.origin + '/peta/sematkan' + hash() + '" width="100%" height="450" ' +
      'style="border:0" title="' + Medan.t('site_title') + '" loading="lazy" allowfullscreen></iframe>';
    document.getElementById('embed-code').value = frame;
    document.getElementById('print-title').placeholder = defaultTitle();
  }

  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    var done = function () { say('share-status', Medan.t('share_copied')); };
    var fallback = function () {
      field.select();
      try { if (document.execCommand('copy')) { done(); return; } } catch (e) { /* below */ }
      say('share-status', Medan.t('share_copy_failed'));
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else { fallback(); }
  }

  function setupPanel() {
    var panel = document.getElementById('share');
    var toggle = document.getElementById('share-toggle');
    function show(open) {
      panel.hidden = !open;
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (open) { refreshLinks(); document.getElementById('print-title').focus(); }
    }
    toggle.addEventListener('click', function () { show(panel.hidden); });
    document.getElementById('share-close').addEventListener('click', function () { show(false); toggle.focus(); });
    panel.addEventListener('keydown', function (e) { if (e.key === 'Escape') { show(false); toggle.focus(); } });
    document.getElementById('print-form').addEventListener('submit', submitPrint);
    panel.querySelectorAll('[data-copy]').forEach(function (button) {
      button.addEventListener('click', function () { copy(button); });
    });
    // The permalink changes with the view and the layers: keep the links current while open.
    var watch = setInterval(function () {
      if (!state.map) { return; }
      clearInterval(watch);
      state.map.on('moveend layeradd layerremove', function () { if (!panel.hidden) { refreshLinks(); } });
    }, 200);
  }

  function setupEmbed() {
    var open = document.getElementById('embed-open');
    open.addEventListener('click', function () { open.href = '/peta' + hash(); });
  }

  if (document.getElementById('share')) { setupPanel(); }
  if (document.getElementById('embed-open')) { setupEmbed(); }
}());
