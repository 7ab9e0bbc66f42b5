/* The operators' network map: links coloured by status (up / degraded / down / not probed), sites as
 * dots of the same colours, long outages listed (click: fly to the site), a site's probe history on
 * click; polled every 10 s with ETags (an unchanged answer is a 304). */
(function () {
  'use strict';
  var Op = window.Operator;
  var body = document.body;
  var NETWORK_URL = body.getAttribute('data-network-url');
  var SITE_URL = body.getAttribute('data-site-url');
  var COLOURS = { up: '#1a9641', degraded: '#fdae61', down: '#d7191c', unknown: '#9e9e9e' };
  var TEXT = { up: 'tersambung / up', degraded: 'lambat / degraded', down: 'terputus / down',
               unknown: 'belum diperiksa / not probed' };
  var POLL_MS = 10000;
  var map = L.map('map').setView([3.5952, 98.6722], 12);
  map.createPane('boundaries').style.zIndex = 250;
  Op.getJSON(body.getAttribute('data-boundaries-url')).then(function (r) {
    L.geoJSON(r.body, { pane: 'boundaries', interactive: false,
                        style: { color: '#7a7a7a', weight: 1, fill: true, fillColor: '#f4f1ea', fillOpacity: 0.6 } })
      .addTo(map);
  }).catch(function () { /* the network still shows without the backdrop */ });
  var links = {};
  var sites = {};
  var fitted = false;

  function tag(layer, attrs) {
    var el = layer.getElement && layer.getElement();
    if (!el) { return; }
    Object.keys(attrs).forEach(function (k) {
      if (k === 'class') { el.classList.add(attrs[k]); } else { el.setAttribute(k, attrs[k]); }
    });
  }

  function drawLinks(list) {
    list.forEach(function (l) {
      var parts = l.geometry.type === 'LineString' ? [l.geometry.coordinates] : l.geometry.coordinates;
      var latlngs = parts.map(function (part) { return part.map(function (c) { return [c[1], c[0]]; }); });
      var line = links[l.kode];
      if (!line) {
        line = links[l.kode] = L.polyline(latlngs, { weight: l.jenis === 'fiber' ? 3 : 2,
                                                     dashArray: l.jenis === 'vpn' ? '6 4' : null }).addTo(map);
        line.bindTooltip(l.dari + ' → ' + l.ke + ' · ' + l.jenis + ' ' + l.bandwidth_mbps + ' Mbps · ' + l.provider);
      }
      line.setStyle({ color: COLOURS[l.status] || COLOURS.unknown });
      tag(line, { 'data-link': l.kode, 'data-status': l.status, 'class': 'net-link' });
    });
  }

  function drawSites(list) {
    list.forEach(function (s) {
      var dot = sites[s.kode];
      if (!dot) {
        dot = sites[s.kode] = L.circleMarker([s.lat, s.lon], { radius: s.jenis === 'kelurahan' ? 4 : 6, weight: 1,
                                                              color: '#333', fillOpacity: 0.95 }).addTo(map);
        dot.on('click', function () { showSite(s.kode); });
      }
      dot.setStyle({ fillColor: COLOURS[s.status] || COLOURS.unknown });
      dot.unbindTooltip();
      dot.bindTooltip(s.nama + ' — ' + TEXT[s.status] + (s.address ? ' · ' + s.address : ''));
      dot.siteData = s;
      tag(dot, { 'data-site': s.kode, 'data-status': s.status, 'class': 'net-site' });
    });
  }

  function drawAlerts(list) {
    var ul = document.getElementById('net-alerts');
    Op.clear(ul);
    list.forEach(function (a) {
      var minutes = Math.round((a.down_for_s || 0) / 60);
      var li = Op.el('li', { 'data-site': a.kode, className: 'alarm-item' }, [
        Op.el('b', { text: a.nama }), ' — terputus sejak / down since ' + new Date(a.since).toLocaleString('id-ID') +
        ' (' + minutes + ' menit / min)' + (a.error ? ' · ' + a.error : '')]);
      li.addEventListener('click', function () { map.flyTo([a.lat, a.lon], 15); showSite(a.kode); });
      ul.appendChild(li);
    });
    document.getElementById('net-no-alerts').hidden = list.length > 0;
  }

  function showSite(code) {
    var box = document.getElementById('net-site');
    var s = sites[code] && sites[code].siteData;
    Op.clear(box);
    if (!s) { return; }
    box.appendChild(Op.el('p', {}, [Op.el('b', { text: s.nama }), ' (' + s.kode + ')']));
    box.appendChild(Op.el('p', { 'data-site-status': s.status, text: TEXT[s.status] +
      (s.latency_ms != null ? ' · ' + s.latency_ms.toFixed(1) + ' ms' : '') +
      (s.loss_pct != null ? ' · hilang / loss ' + s.loss_pct.toFixed(0) + '%' : '') +
      (s.address ? ' · ' + s.address : '') }));
    Op.getJSON(SITE_URL.replace('OFFICE', encodeURIComponent(code))).then(function (r) {
      var table = Op.el('table', { id: 'net-history' }, [Op.el('tr', {}, [Op.el('th', { text: 'waktu / at' }),
        Op.el('th', { text: 'status' }), Op.el('th', { text: 'ms' }), Op.el('th', { text: 'jawab / answered' })])]);
      r.body.probes.slice(0, 30).forEach(function (p) {
        table.appendChild(Op.el('tr', {}, [Op.el('td', { text: new Date(p.at).toLocaleString('id-ID') }),
          Op.el('td', { text: p.status }), Op.el('td', { text: p.latency_ms != null ? p.latency_ms.toFixed(1) : '—' }),
          Op.el('td', { text: p.answered + '/' + p.tries })]));
      });
      box.appendChild(table);
    }).catch(function () { box.appendChild(Op.el('p', { text: 'riwayat gagal dimuat / history failed to load' })); });
  }

  function poll() {
    Op.getJSON(NETWORK_URL).then(function (r) {
      if (r.changed) {
        drawLinks(r.body.links);
        drawSites(r.body.sites);
        drawAlerts(r.body.alerts);
        Object.keys(r.body.counts).forEach(function (k) {
          var b = document.querySelector('[data-count="' + k + '"]');
          if (b) { b.textContent = String(r.body.counts[k]); }
        });
        if (!fitted && r.body.sites.length) {
          map.fitBounds(r.body.sites.map(function (s) { return [s.lat, s.lon]; }), { padding: [20, 20] });
          fitted = true;
        }
        body.setAttribute('data-links', String(r.body.links.length));
      }
      body.setAttribute('data-ready', 'true');
      document.getElementById('net-updated').textContent = 'Diperbarui / Updated ' + new Date().toLocaleTimeString('id-ID');
    }).catch(function () {
      document.getElementById('net-updated').textContent = 'Gagal memuat / Failed to load';
    }).then(function () { setTimeout(poll, POLL_MS); });
  }
  poll();
}());
