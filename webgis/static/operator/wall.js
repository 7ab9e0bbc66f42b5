/* The control room's wall map: the whole screen, refreshed every few seconds without a
 * click, alarms first (listed by priority, unacknowledged before acknowledged, newest
 * first; their devices drawn largest and on top), then the offline devices. A banner
 * says when the data stopped updating, so a frozen wall is never mistaken for a calm city. */
(function () {
  'use strict';
  var Op = window.Operator;
  var body = document.body;
  var STATUS_URL = body.getAttribute('data-status-url');
  var DEVICE_URL = body.getAttribute('data-device-url');
  var REFRESH_MS = Number(body.getAttribute('data-refresh-ms')) || 5000;
  var COLOURS = { online: '#1a9641', offline: '#636363', alarm: '#d7191c', unknown: '#9ecae1' };
  var PRIORITY = { critical: 0, warning: 1, info: 2 };
  var DRAW_ORDER = { unknown: 0, online: 1, offline: 2, alarm: 3 };
  var lastOk = 0;
  var markers = {};
  var fitted = false;

  var map = L.map('map', { zoomControl: false }).setView([3.5952, 98.6722], 12);
  map.createPane('boundaries').style.zIndex = 250;
  Op.getJSON(body.getAttribute('data-boundaries-url')).then(function (r) {
    L.geoJSON(r.body, { pane: 'boundaries', interactive: false,
                        style: { color: '#7a7a7a', weight: 1, fill: true, fillColor: '#f4f1ea', fillOpacity: 0.6 } }).addTo(map);
  }).catch(function () { /* devices show without the backdrop */ });

  function pageOf(layer, code) {
    return DEVICE_URL.replace('LAYER', encodeURIComponent(layer)).replace('CODE', encodeURIComponent(code));
  }

  /* Alarms first: priority, then unacknowledged before acknowledged, then newest. */
  function byUrgency(a, b) {
    return (PRIORITY[a.severity] - PRIORITY[b.severity]) ||
      ((a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1)) ||
      (new Date(b.opened_at) - new Date(a.opened_at));
  }

  function drawDevices(devices) {
    var seen = {};
    devices.slice().sort(function (a, b) { return DRAW_ORDER[a.status] - DRAW_ORDER[b.status]; }).forEach(function (d) {
      seen[d.id] = true;
      var style = { radius: d.status === 'alarm' ? 10 : d.status === 'offline' ? 7 : 5, color: '#222', weight: 1,
                    fillColor: COLOURS[d.status] || COLOURS.unknown, fillOpacity: 0.9 };
      var m = markers[d.id];
      if (!m) { m = markers[d.id] = L.circleMarker([d.lat, d.lon], style).addTo(map); } else { m.setStyle(style); }
      if (d.status === 'alarm' || d.status === 'offline') { m.bringToFront(); }
      var path = m.getElement && m.getElement();
      if (path) { path.setAttribute('data-device', d.id); path.setAttribute('data-status', d.status); }
    });
    Object.keys(markers).forEach(function (id) { if (!seen[id]) { map.removeLayer(markers[id]); delete markers[id]; } });
    if (!fitted && devices.length) {
      fitted = true;
      map.fitBounds(L.latLngBounds(devices.map(function (d) { return [d.lat, d.lon]; })), { padding: [20, 20] });
    }
  }

  function drawAlarms(alarms) {
    var list = document.getElementById('wall-alarms');
    Op.clear(list);
    alarms.slice().sort(byUrgency).forEach(function (a) {
      list.appendChild(Op.el('li', { className: 'alarm ' + a.severity + ' ' + a.state, 'data-alarm': String(a.id),
                                     'data-severity': a.severity }, [
        Op.el('a', { href: pageOf(a.layer, a.code), text: a.code }),
        ' ' + (a.message || a.rule) + ' ',
        Op.el('span', { className: 'muted', text: (Op.SEVERITY[a.severity] || a.severity) + ', ' +
          (Op.STATE[a.state] || a.state) + ' · ' + Op.time(a.opened_at) })
      ]));
    });
    document.getElementById('wall-no-alarms').hidden = alarms.length > 0;
  }

  function drawOffline(devices) {
    var list = document.getElementById('wall-offline');
    Op.clear(list);
    devices.filter(function (d) { return d.link === 'offline'; }).forEach(function (d) {
      list.appendChild(Op.el('li', { 'data-device': d.id }, [Op.el('a', { href: pageOf(d.layer, d.code), text: d.code }),
        ' ' + d.name + ' · terakhir / last ' + Op.time(d.last_seen)]));
    });
  }

  function render(status) {
    drawDevices(status.devices);
    drawAlarms(status.alarms);
    drawOffline(status.devices);
    ['online', 'offline', 'alarm', 'unknown'].forEach(function (k) {
      document.querySelector('[data-count="' + k + '"]').textContent = String(status.counts[k] || 0);
    });
  }

  function refresh() {
    return Op.getJSON(STATUS_URL).then(function (r) {
      if (r.changed) { render(r.body); }
      lastOk = Date.now();
      document.getElementById('updated').textContent = 'Diperbarui / Updated ' + new Date().toLocaleTimeString();
      body.setAttribute('data-refreshes', String(Number(body.getAttribute('data-refreshes') || 0) + 1));
      body.setAttribute('data-ready', 'true');
    }).catch(function () { /* the stale banner says so */ });
  }

  function tick() {
    document.getElementById('clock').textContent = new Date().toLocaleTimeString();
    document.getElementById('stale').hidden = !lastOk || Date.now() - lastOk < 3 * REFRESH_MS;
  }

  document.getElementById('fullscreen').addEventListener('click', function () {
    var root = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (root.requestFullscreen) { root.requestFullscreen(); }
  });
  // A wall is watched, not clicked: refresh even when the tab is in the background.
  refresh();
  window.setInterval(refresh, REFRESH_MS);
  window.setInterval(tick, 1000);
  tick();
})();
