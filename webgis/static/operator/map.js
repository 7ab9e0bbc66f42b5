/* The operators' device map: every device coloured by status, a legend that filters by
 * status and device type, a search by code, active alarms (click to fly to the device,
 * acknowledge), traffic suggestions; polled every few seconds. */
(function () {
  'use strict';
  var Op = window.Operator;
  var body = document.body;
  var STATUS_URL = body.getAttribute('data-status-url');
  var TRAFFIC_URL = body.getAttribute('data-traffic-url');
  var DEVICE_URL = body.getAttribute('data-device-url');
  var ACK_URL = body.getAttribute('data-ack-url');
  var COLOURS = { online: '#1a9641', offline: '#636363', alarm: '#d7191c', unknown: '#9ecae1' };
  var STATUS_TEXT = { online: 'terhubung / online', offline: 'terputus / offline', alarm: 'alarm',
                      unknown: 'belum ada data / no data' };
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
  var typeTitles = {};
  var fitted = false;

  function pageOf(d) {
    return DEVICE_URL.replace('LAYER', encodeURIComponent(d.layer)).replace('CODE', encodeURIComponent(d.code));
  }

  function checked(fieldset) {
    var on = {};
    document.querySelectorAll('#' + fieldset + ' input:checked').forEach(function (box) { on[box.value] = true; });
    return on;
  }

  function shown(d) {
    return checked('status-filter')[d.status] === true && checked('type-filter')[d.layer] === true;
  }

  function tag(marker, d) {
    var path = marker.getElement && marker.getElement();
    if (path) {
      path.setAttribute('data-device', d.id);
      path.setAttribute('data-status', d.status);
      path.setAttribute('data-type', d.layer);
      path.classList.add('device-marker');
    }
  }

  /* Markers of devices the filters leave out are taken off the map (and out of the page). */
  function applyFilters() {
    var count = 0;
    Object.keys(markers).forEach(function (id) {
      var visible = shown(devices[id]);
      if (visible && !map.hasLayer(markers[id])) { markers[id].addTo(map); tag(markers[id], devices[id]); }
      if (!visible && map.hasLayer(markers[id])) { map.removeLayer(markers[id]); }
      if (visible) { count += 1; }
    });
    document.getElementById('shown').textContent = String(count);
  }

  /* One checkbox per device type (device layer), titled from its declaration; it is the legend too. */
  function typeFilter(types) {
    var box = document.getElementById('type-filter');
    types.forEach(function (t) {
      typeTitles[t.layer] = t.title;
      var existing = box.querySelector('label[data-type="' + t.layer + '"] b');
      if (existing) { existing.textContent = String(t.count); return; }
      var input = Op.el('input', { type: 'checkbox', name: 'type', value: t.layer });
      input.checked = true;
      input.addEventListener('change', applyFilters);
      box.appendChild(Op.el('label', { 'data-type': t.layer }, [
        input, ' ' + t.title.id + ' / ' + t.title.en + ' ', Op.el('b', { text: String(t.count) })]));
    });
  }
  document.querySelectorAll('#status-filter input').forEach(function (box) {
    box.addEventListener('change', applyFilters);
  });

  function popup(d) {
    var type = typeTitles[d.layer] || { id: d.layer, en: d.layer };
    return Op.el('div', {}, [
      Op.el('strong', { text: d.name }), Op.el('br'),
      Op.el('span', { text: d.code + ' · ' + type.id + ' / ' + type.en }), Op.el('br'),
      Op.el('span', { text: 'Status: ' + (STATUS_TEXT[d.status] || d.status) }), Op.el('br'),
      Op.el('a', { href: pageOf(d), text: 'Buka perangkat / Open device' })
    ]);
  }

  function draw(d) {
    var marker = markers[d.id];
    var style = { radius: d.status === 'alarm' ? 8 : 6, color: '#222', weight: 1,
                  fillColor: COLOURS[d.status] || COLOURS.unknown, fillOpacity: 0.9 };
    if (!marker) {
      marker = markers[d.id] = L.circleMarker([d.lat, d.lon], style);
      marker.bindPopup(function () { return popup(devices[d.id]); });
      if (shown(d)) { marker.addTo(map); }
    } else {
      marker.setLatLng([d.lat, d.lon]);
      marker.setStyle(style);
    }
    tag(marker, d);
  }

  /* Bring a device into view: its status and type are switched back on if a filter hid them. */
  function flyToDevice(d) {
    var boxes = [document.querySelector('#status-filter input[value="' + d.status + '"]'),
                 document.querySelector('#type-filter input[value="' + d.layer + '"]')];
    boxes.forEach(function (box) { if (box) { box.checked = true; } });
    applyFilters();
    map.flyTo([d.lat, d.lon], 17, { duration: 0.5 });
    markers[d.id].openPopup();
    body.setAttribute('data-selected', d.id);
  }

  function flyTo(alarm) {
    var d = devices[alarm.device_id];
    if (d) { flyToDevice(d); }
  }

  /* Find by code: an exact code (any case) first, else the one device whose code contains the text. */
  function find(text) {
    var wanted = text.trim().toUpperCase();
    var out = document.getElementById('find-result');
    if (!wanted) { out.textContent = ''; return; }
    var all = Object.keys(devices).map(function (id) { return devices[id]; });
    var exact = all.filter(function (d) { return d.code.toUpperCase() === wanted; });
    var found = exact.length ? exact : all.filter(function (d) { return d.code.toUpperCase().indexOf(wanted) >= 0; });
    if (found.length === 1) {
      out.textContent = found[0].code + ' · ' + found[0].name;
      flyToDevice(found[0]);
    } else if (!found.length) {
      out.textContent = 'Tidak ada perangkat berkode "' + text.trim() + '" / No device with that code';
    } else {
      out.textContent = found.length + ' cocok, ketik lebih lengkap / matches, type more: ' +
        found.slice(0, 5).map(function (d) { return d.code; }).join(', ') + (found.length > 5 ? ', …' : '');
    }
  }
  document.getElementById('find').addEventListener('submit', function (e) {
    e.preventDefault();
    find(document.getElementById('find-code').value);
  });

  function fillCodes(list) {
    var codes = document.getElementById('codes');
    if (codes.options.length === list.length) { return; }
    Op.clear(codes);
    list.map(function (d) { return d.code; }).sort().forEach(function (code) {
      codes.appendChild(Op.el('option', { value: code }));
    });
  }

  /* The alarm list (active or awaiting an acknowledgement) and the shelved ones apart. */
  function renderAlarms(status) {
    var list = document.getElementById('alarms');
    var shelvedList = document.getElementById('shelved-alarms');
    var shelved = status.shelved || [];
    if (Op.editing(list)) { return; }
    Op.clear(list);
    status.alarms.forEach(function (a) { list.appendChild(Op.alarmItem(a, ACK_URL, flyTo, refresh, status.shelving)); });
    document.getElementById('no-alarms').hidden = status.alarms.length > 0;
    Op.clear(shelvedList);
    shelved.forEach(function (a) { shelvedList.appendChild(Op.alarmItem(a, ACK_URL, flyTo, refresh)); });
    document.getElementById('shelved-count').textContent = String(shelved.length);
  }

  function render(status) {
    var seen = {};
    typeFilter(status.types || []);
    status.devices.forEach(function (d) { devices[d.id] = d; seen[d.id] = true; draw(d); });
    Object.keys(markers).forEach(function (id) {
      if (!seen[id]) { map.removeLayer(markers[id]); delete markers[id]; delete devices[id]; }
    });
    applyFilters();
    fillCodes(status.devices);
    ['online', 'offline', 'alarm', 'unknown'].forEach(function (k) {
      document.querySelector('[data-count="' + k + '"]').textContent = String(status.counts[k] || 0);
    });
    renderAlarms(status);
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
      list.appendChild(Op.el('li', { 'data-point': s.point }, [
        Op.el('a', { href: pageOf(d), text: s.code }),
        ' ' + s.title.id + ': ' + s.current + ' → ' + s.suggested + ' ' + s.unit +
        ' (antrean rata-rata / mean queue ' + Op.number(s.queue_avg_m) + ' m)'
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
