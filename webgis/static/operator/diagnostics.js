/* A device's communication section: its polling settings, the poller's counters
 * (requests, timeouts, Modbus exceptions by name, garbled answers, last round trip),
 * availability per day (a bar per day) and per month, and its offline periods. */
(function () {
  'use strict';
  var Op = window.Operator;
  var DIAGNOSTICS_URL = document.body.getAttribute('data-diagnostics-url');
  var SVG = 'http://www.w3.org/2000/svg';

  function duration(s) {
    if (s === null || s === undefined) { return '—'; }
    if (s < 60) { return s + ' dtk'; }
    if (s < 3600) { return Math.round(s / 60) + ' mnt'; }
    if (s < 86400) { return (Math.round(s / 360) / 10) + ' jam'; }
    return (Math.round(s / 8640) / 10) + ' hari';
  }

  function percent(v) { return v === null || v === undefined ? '—' : (Math.round(v * 100) / 100) + ' %'; }

  function rows(tbody, pairs) {
    Op.clear(tbody);
    pairs.forEach(function (p) {
      tbody.appendChild(Op.el('tr', { 'data-key': p[0] }, [Op.el('th', { text: p[1] }), Op.el('td', { className: 'num', text: p[2] })]));
    });
  }

  function renderPolling(p) {
    var dflt = function (key) { return p.poller_defaults.indexOf(key) >= 0 ? ' (bawaan poller / poller default)' : ''; };
    rows(document.getElementById('polling'), [
      ['interval_s', 'Interval polling / Poll interval', p.interval_s + ' dtk'],
      ['timeout_s', 'Batas waktu jawab / Answer timeout', p.timeout_s + ' dtk' + dflt('timeout_s')],
      ['retries', 'Jumlah ulang / Retries', String(p.retries) + dflt('retries')]
    ]);
  }

  function renderComm(c) {
    if (!c) {
      rows(document.getElementById('comm'), [['none', 'Belum ada data / No data yet', '—']]);
      return;
    }
    var exceptions = Object.keys(c.exceptions || {}).sort().map(function (k) { return k + ' ×' + c.exceptions[k]; }).join(', ');
    rows(document.getElementById('comm'), [
      ['requests', 'Permintaan / Requests', Op.number(c.requests)],
      ['ok', 'Dijawab / Answered', Op.number(c.ok)],
      ['timeouts', 'Tanpa jawaban / Timeouts', Op.number(c.timeouts)],
      ['exceptions', 'Pengecualian Modbus / Modbus exceptions', exceptions || '0'],
      ['garbled', 'Jawaban rusak / Garbled', Op.number(c.garbled)],
      ['connection', 'Gangguan koneksi / Connection faults', Op.number(c.connection)],
      ['last_rtt_ms', 'Waktu jawab terakhir / Last round trip', c.last_rtt_ms === null ? '—' : Op.number(c.last_rtt_ms) + ' ms'],
      ['since', 'Dihitung sejak / Counted since', Op.time(c.since)]
    ]);
  }

  /* One bar per day, oldest left; its height is the availability, grey when not observed. */
  function dayChart(days) {
    var w = 320, h = 90, n = days.length, bw = (w - 30) / n;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('class', 'chart availability');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Ketersediaan per hari / Availability per day');
    days.slice().reverse().forEach(function (d, i) {
      var bar = document.createElementNS(SVG, 'rect');
      var v = d.availability === null ? 0 : d.availability;
      bar.setAttribute('x', (28 + i * bw).toFixed(1));
      bar.setAttribute('width', Math.max(1, bw - 1).toFixed(1));
      bar.setAttribute('y', (h - 12 - (h - 24) * v / 100).toFixed(1));
      bar.setAttribute('height', ((h - 24) * v / 100).toFixed(1));
      bar.setAttribute('class', d.availability === null ? 'unobserved' : v < 99 ? 'low' : 'good');
      bar.setAttribute('data-day', d.period);
      bar.setAttribute('data-availability', d.availability === null ? '' : String(d.availability));
      var tip = document.createElementNS(SVG, 'title');
      tip.textContent = d.period + ': ' + percent(d.availability) + ', terputus / offline ' + duration(d.offline_s);
      bar.appendChild(tip);
      svg.appendChild(bar);
    });
    [[100, 12], [0, h - 12]].forEach(function (pair) {
      var label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', 2);
      label.setAttribute('y', pair[1] + 3);
      label.textContent = pair[0] + '%';
      svg.appendChild(label);
    });
    return svg;
  }

  function render(d) {
    renderPolling(d.polling);
    renderComm(d.comm);
    var box = document.getElementById('availability-days');
    Op.clear(box);
    box.appendChild(dayChart(d.days));
    var months = document.getElementById('availability-months');
    Op.clear(months);
    d.months.filter(function (m) { return m.availability !== null; }).forEach(function (m) {
      months.appendChild(Op.el('tr', { 'data-month': m.period }, [Op.el('td', { text: m.period }),
        Op.el('td', { className: 'num', text: percent(m.availability) }), Op.el('td', { className: 'num', text: duration(m.offline_s) })]));
    });
    var periods = document.getElementById('offline-periods');
    Op.clear(periods);
    d.periods.forEach(function (p) {
      periods.appendChild(Op.el('tr', { className: p.end ? '' : 'ongoing' }, [Op.el('td', { text: Op.time(p.start) }),
        Op.el('td', { text: p.end ? Op.time(p.end) : 'masih terputus / still offline' }),
        Op.el('td', { className: 'num', text: duration(p.duration_s) })]));
    });
    document.getElementById('offline-count').textContent = d.period_count ?
      d.period_count + ' periode terputus dalam 12 bulan / offline periods in 12 months' :
      'Tidak pernah terputus / Never offline' + (d.observed_since ? ' sejak / since ' + Op.time(d.observed_since) : '');
    document.getElementById('diagnostics').setAttribute('data-ready', 'true');
  }

  function refresh() {
    return Op.getJSON(DIAGNOSTICS_URL).then(function (r) { if (r.changed) { render(r.body); } });
  }

  Op.every(30000, refresh);
})();
