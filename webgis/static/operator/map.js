/* The operators' device map: every device coloured by status, active alarms (click to
 * fly to the device, acknowledge), traffic suggestions; polled every few seconds. */
(function () {
  'use strict';
  var Op = window.Operator;
  var body = document.body;
  var STATUS_URL = body.getAttribute('data-status-url');
  var TRAFFIC_URL = body.getAttribute('data-traffic-url');
  var DEVICE_URL = body.getAttribute('data-device-url');
  var ACK_URL = body.getAttribute('data-ack-url');
  var COLOURS = { online: '#1a9641', offline: '#636363', alarm: '#d7191c', unknown: '#9ecae1' };
  var POLL_MS = 3000;

  var map = L.map('map', { preferCanvas: false }).setView([3.5952, 98.6722], 12);
  // An offline backdrop from the platform's own layer, as on the homepage: kelurahan outlines.
  map.createPane('boundaries').style.zIndex = 250;
  Op.getJSON(body.getAttribute('data-boundaries-url')).then(function (r) {
    L.geoJSON(r.body, { pane: 'boundaries', interactive: false,
                        style: { color: '#7a7a7a', weight: 1, fill: true, fillColor: '#f4f1ea', fillOpacity: 0.6 } })
      .addTo(map);
    body.setAttribute('data-boundaries', String(r.body.features.length));
  }).catch(function () { /* the devices still show without the backdrop */ });
  var markers = {};
  var devices = {};
  var fitted = false;

  function pageOf(d) {
    return DEVICE_URL.replace('LAYER', encodeURIComponent(d.layer)).replace('CODE', encodeURIComponent(d.code));
  }

  function popup(d) {
    var box = Op.el('div', {}, [
      Op.el('strong', { text: d.name }), Op.el('br'),
      Op.el('span', { text: d.layer + '/' + d.code + ' · ' + d.status }), Op.el('br'),
      Op.el('a', { href: pageOf(d), text: 'Buka perangkat / Open device' })
    ]);
    return box;
  }

  function draw(d) {
    var marker = markers[d.id];
    var style = { radius: d.status === 'alarm' ? 8 : 6, color: '#222', weight: 1,
                  fillColor: COLOURS[d.status] || COLOURS.unknown, fillOpacity: 0.9 };
    if (!marker) {
      marker = markers[d.id] = L.circleMarker([d.lat, d.lon], style).addTo(map);
      marker.bindPopup(function () { return popup(devices[d.id]); });
    } else {
      marker.setLatLng([d.lat, d.lon]);
      marker.setStyle(style);
    }
    var path = marker.getElement && marker.getElement();
    if (path) {
      path.setAttribute('data-device', d.id);
      path.setAttribute('data-status', d.status);
      path.classList.add('device-marker');
    }
  }

  function flyTo(alarm) {
    var d = devices[alarm.device_id];
    if (!d) { return; }
    map.flyTo([d.lat, d.lon], 17, { duration: 0.5 });
    markers[d.id].openPopup();
    body.setAttribute('data-selected', d.id);
  }

  function render(status) {
    var seen = {};
    status.devices.forEach(function (d) { devices[d.id] = d; seen[d.id] = true; draw(d); });
    Object.keys(markers).forEach(function (id) {
      if (!seen[id]) { map.removeLayer(markers[id]); delete markers[id]; delete devices[id]; }
    });
    ['online', 'offline', 'alarm', 'unknown'].forEach(function (k) {
      document.querySelector('[data-count="' + k + '"]').textContent = String(status.counts[k] || 0);
    });
    var list = document.getElementById('alarms');
    Op.clear(list);
    status.alarms.forEach(function (a) { list.appendChild(Op.alarmItem(a, ACK_URL, flyTo, refresh)); });
    document.getElementById('no-alarms').hidden = status.alarms.length > 0;
    if (!fitted && status.devices.length) {
      fitted = true;
      map.fitBounds(L.latLngBounds(status.devices.map(function (d) { return [d.lat, d.lon]; })), { padding: [20, 20] });
    }
  }

  function renderSuggestions(payload) {
    var list = document.getElementById('suggestions');
    Op.clear(list);
    payload.suggestions.forEach(function (s) {
      var d = devices[s.device_id] || { layer: s.layer, code: s.code };
      list.appendChild(Op.el('li', {}, [
        Op.el('a', { href: pageOf(d), text: s.code }),
        ' ' + s.title.id + ': ' + s.point + ' ' + s.current + ' → ' + s.suggested + ' ' + s.unit +
        ' (antrean ' + Op.number(s.queue_avg_m) + ' m)'
      ]));
    });
  }

  function refresh() {
    return Op.getJSON(STATUS_URL).then(function (r) {
      if (r.changed) { render(r.body); }
      document.getElementById('updated').textContent = 'Diperbarui / Updated ' + new Date().toLocaleTimeString();
      body.setAttribute('data-ready', 'true');
    }).catch(function (e) { document.getElementById('updated').textContent = String(e); });
  }

  Op.every(POLL_MS, refresh);
  Op.every(30000, function () { Op.getJSON(TRAFFIC_URL).then(function (r) { renderSuggestions(r.body); }); });
})();
