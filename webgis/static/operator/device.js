/* A device: latest values with units, alarms, suggestions, the command form (check,
 * confirm, send, read-back shown) and SVG charts of the last hour/day/week. */
(function () {
  'use strict';
  var Op = window.Operator;
  var body = document.body;
  var DEVICE_URL = body.getAttribute('data-device-url');
  var TELEMETRY_URL = body.getAttribute('data-telemetry-url');
  var COMMAND_URL = body.getAttribute('data-command-url');
  var ACK_URL = body.getAttribute('data-ack-url');
  var SVG = 'http://www.w3.org/2000/svg';
  var state = { device: null, window: 'hour', pending: null };
  var STATUS_TEXT = { online: 'terhubung / online', offline: 'terputus / offline', alarm: 'alarm',
                      unknown: 'belum ada data / no data' };

  /* A point as people call it (its title in the register map), by name. */
  function titleOf(name) {
    var p = ((state.device && state.device.points) || []).filter(function (q) { return q.name === name; })[0];
    return p && p.title ? p.title.id : name;
  }

  function renderValues(d) {
    var status = document.getElementById('status');
    status.textContent = STATUS_TEXT[d.status] || d.status;
    status.setAttribute('data-status', d.status);
    status.className = 'badge ' + d.status;
    document.getElementById('last-seen').textContent = 'terakhir / last seen: ' + Op.time(d.last_seen);
    document.getElementById('fault').textContent = d.fault ? 'gangguan / fault: ' + d.fault : '';
    var tbody = document.getElementById('values');
    Op.clear(tbody);
    d.points.forEach(function (p) {
      var bad = d.out_of_range.indexOf(p.name) >= 0;
      tbody.appendChild(Op.el('tr', { 'data-point': p.name, className: bad ? 'out-of-range' : '' }, [
        Op.el('td', { title: p.description || '' }, [p.title.id, Op.el('span', { className: 'point-name', text: p.name })]),
        Op.el('td', { className: 'num', text: Op.number(p.value) }),
        Op.el('td', { text: p.unit || '' })
      ]));
    });
    var alarms = document.getElementById('alarms');
    if (!Op.editing(alarms)) {
      Op.clear(alarms);
      d.alarms.forEach(function (a) { alarms.appendChild(Op.alarmItem(a, ACK_URL, null, refresh, d.shelving)); });
    }
    var sug = document.getElementById('suggestions');
    Op.clear(sug);
    d.suggestions.forEach(function (s) {
      var apply = Op.el('button', { type: 'button', text: 'Terapkan… / Apply…' });
      apply.addEventListener('click', function () {
        document.getElementById('command-point').value = s.point;
        document.getElementById('command-value').value = String(s.suggested);
        showBounds();
        check();
      });
      sug.appendChild(Op.el('li', { 'data-point': s.point }, [
        s.title.id + ': ' + s.current + ' → ' + s.suggested + ' ' + s.unit + ' ', apply]));
    });
    var log = document.getElementById('commands');
    Op.clear(log);
    d.commands.forEach(function (c) {
      log.appendChild(Op.el('li', { text: Op.time(c.at) + ' ' + c.actor + ': ' + titleOf(c.point) + ' = ' + Op.number(c.value) +
        ' → ' + c.result + (c.read_back !== null ? ' (baca ulang / read back ' + Op.number(c.read_back) + ')' : '') }));
    });
  }

  function fillPoints(d) {
    var select = document.getElementById('command-point');
    if (select.options.length) { return; }
    d.points.filter(function (p) { return p.writable; }).forEach(function (p) {
      select.appendChild(Op.el('option', { value: p.name, text: p.title.id + (p.unit ? ' (' + p.unit + ')' : '') }));
    });
    if (!select.options.length) { document.getElementById('command-form').hidden = true; }
    showBounds();
  }

  function writable(name) {
    return (state.device.points || []).filter(function (p) { return p.name === name; })[0];
  }

  function showBounds() {
    var p = writable(document.getElementById('command-point').value);
    var input = document.getElementById('command-value');
    var text = '';
    if (p) {
      if (p.allowed) { text = 'boleh / allowed: ' + p.allowed.join(', '); }
      if (p.min !== null) { input.min = p.min; text += ' min ' + p.min; } else { input.removeAttribute('min'); }
      if (p.max !== null) { input.max = p.max; text += ' max ' + p.max; } else { input.removeAttribute('max'); }
      text += ' · sekarang / now ' + Op.number(p.value);
    }
    document.getElementById('command-bounds').textContent = text;
  }

  function result(text, ok) {
    var node = document.getElementById('command-result');
    node.textContent = text;
    node.className = ok ? 'ok' : 'error';
  }

  function check() {
    var point = document.getElementById('command-point').value;
    var value = document.getElementById('command-value').value;
    Op.postJSON(COMMAND_URL, { point: point, value: value }).then(function (r) {
      if (r.status !== 200) { result(r.body.description || String(r.status), false); return; }
      state.pending = { point: point, value: r.body.value };
      var p = writable(point);
      document.getElementById('command-question').textContent = 'Tulis / Write ' + titleOf(point) + ' = ' + r.body.value +
        ' ' + (r.body.unit || '') + ' (sekarang / now ' + Op.number(p ? p.value : null) + ')?';
      document.getElementById('command-confirm').hidden = false;
      result('', true);
    });
  }

  function send() {
    var pending = state.pending;
    document.getElementById('command-confirm').hidden = true;
    if (!pending) { return; }
    state.pending = null;
    Op.postJSON(COMMAND_URL, { point: pending.point, value: pending.value, confirm: true }).then(function (r) {
      if (r.status === 200) {
        result(r.body.result + ': ' + titleOf(r.body.point) + ' ' + Op.number(r.body.previous) + ' → ' +
          Op.number(r.body.read_back) + ' (audit #' + r.body.audit_id + ')', true);
      } else {
        result((r.body.description || r.body.detail || r.body.result || r.status) +
          (r.body.audit_id ? ' (audit #' + r.body.audit_id + ')' : ''), false);
      }
      refresh();
    });
  }

  /* One small SVG line chart per point (numeric points only, bucket averages). */
  function chart(series, since) {
    var w = 320, h = 110, pad = 28;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('class', 'chart');
    svg.setAttribute('data-point', series.point);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', series.title ? series.title.id : series.point);
    var t0 = new Date(since).getTime() / 1000, t1 = Date.now() / 1000;
    var lo = Math.min.apply(null, series.v), hi = Math.max.apply(null, series.v);
    if (hi === lo) { hi = lo + 1; }
    var x = function (t) { return pad + (w - pad - 4) * (t - t0) / (t1 - t0); };
    var y = function (v) { return h - 16 - (h - 32) * (v - lo) / (hi - lo); };
    var d = series.t.map(function (t, i) { return (i ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(series.v[i]).toFixed(1); }).join(' ');
    var path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', d);
    path.setAttribute('class', 'line');
    svg.appendChild(path);
    [[lo, y(lo)], [hi, y(hi)]].forEach(function (pair) {
      var label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', 2);
      label.setAttribute('y', pair[1] + 3);
      label.textContent = Op.number(pair[0]);
      svg.appendChild(label);
    });
    var title = document.createElementNS(SVG, 'text');
    title.setAttribute('x', pad);
    title.setAttribute('y', 10);
    title.setAttribute('class', 'title');
    title.textContent = (series.title ? series.title.id : series.point) + (series.unit ? ' (' + series.unit + ')' : '') + ' · ' + series.v.length + ' titik';
    svg.appendChild(title);
    return svg;
  }

  function loadCharts() {
    var url = TELEMETRY_URL + '?window=' + state.window;
    return Op.getJSON(url).then(function (r) {
      if (!r.changed) { return; }
      var box = document.getElementById('charts');
      Op.clear(box);
      r.body.series.forEach(function (s) { box.appendChild(chart(s, r.body.since)); });
      if (!r.body.series.length) { box.appendChild(Op.el('p', { className: 'muted', text: 'Belum ada telemetri / No telemetry yet' })); }
    });
  }

  function refresh() {
    return Op.getJSON(DEVICE_URL).then(function (r) {
      if (r.changed) { state.device = r.body; renderValues(r.body); fillPoints(r.body); }
      body.setAttribute('data-ready', 'true');
    });
  }

  document.getElementById('command-point').addEventListener('change', showBounds);
  // A camera: its snapshot comes through the app (the camera is on the device network).
  var snapshot = document.getElementById('snapshot');
  if (snapshot) {
    var snapshotBase = snapshot.getAttribute('src');
    snapshot.addEventListener('error', function () { document.getElementById('snapshot-error').hidden = false; });
    snapshot.addEventListener('load', function () { document.getElementById('snapshot-error').hidden = true; });
    document.getElementById('snapshot-refresh').addEventListener('click', function () {
      snapshot.src = snapshotBase + '?t=' + Date.now();
    });
  }
  document.getElementById('command-form').addEventListener('submit', function (e) { e.preventDefault(); check(); });
  document.getElementById('command-yes').addEventListener('click', send);
  document.getElementById('command-no').addEventListener('click', function () {
    state.pending = null;
    document.getElementById('command-confirm').hidden = true;
    result('Dibatalkan, tidak ada yang ditulis / Cancelled, nothing written', true);
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-window]'), function (button) {
    button.addEventListener('click', function () {
      state.window = button.getAttribute('data-window');
      Array.prototype.forEach.call(document.querySelectorAll('[data-window]'), function (b) {
        b.setAttribute('aria-pressed', String(b === button));
      });
      loadCharts();
    });
  });
  Op.every(3000, refresh);
  Op.every(15000, loadCharts);
})();
