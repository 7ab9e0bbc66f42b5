/* An intersection's adaptive signal loop on its device page: the mode with its on/off
 * switch, the declared bounds, the mean queue per approach on the fixed plan before the
 * loop was turned on against the same approaches on the loop since, and the loop's history
 * (changes, fallbacks, restores). Refreshed every 5 s. */
(function () {
  'use strict';
  var Op = window.Operator;
  var URL_ = document.body.getAttribute('data-adaptive-url');
  var MODES = { off: 'mati / off (rencana tetap / fixed plan)', adaptive: 'adaptif / adaptive',
    fallback: 'kembali ke rencana tetap / fallback to the fixed plan' };
  var APPROACH = { north: 'Utara / North', east: 'Timur / East', south: 'Selatan / South', west: 'Barat / West' };
  var current = null;

  function metres(v) { return v === null || v === undefined ? '—' : (Math.round(v * 10) / 10).toString(); }

  function renderQueues(q) {
    var tbody = document.querySelector('#adaptive-queues tbody');
    Op.clear(tbody);
    if (!q) {
      tbody.appendChild(Op.el('tr', {}, [Op.el('td', { text: 'Belum pernah dinyalakan / Never turned on yet' })]));
      document.getElementById('adaptive-window').textContent = '';
      return;
    }
    q.approaches.concat([{ approach: 'total', before_m: q.total.before_m, after_m: q.total.after_m,
      change_pct: q.total.before_m ? Math.round(100 * (q.total.after_m - q.total.before_m) / q.total.before_m) : null }])
      .forEach(function (r) {
        var change = r.change_pct === null || r.change_pct === undefined || isNaN(r.change_pct) ? '—'
          : (r.change_pct > 0 ? '+' : '') + r.change_pct + ' %';
        tbody.appendChild(Op.el('tr', { 'data-approach': r.approach }, [
          Op.el('th', { text: APPROACH[r.approach] || 'Jumlah / Total' }),
          Op.el('td', { className: 'num', text: metres(r.before_m) }),
          Op.el('td', { className: 'num', text: metres(r.after_m) }),
          Op.el('td', { className: 'num', text: change })]));
      });
    document.getElementById('adaptive-window').textContent = 'Rata-rata ' + q.before_min + ' mnt sebelum dinyalakan ('
      + Op.time(q.enabled_at) + ') dan ' + q.after_min + ' mnt terakhir dengan sinyal adaptif / mean over the '
      + q.before_min + ' min before it was turned on and the latest ' + q.after_min + ' min on the loop';
  }

  function renderEvents(events) {
    var list = document.getElementById('adaptive-events');
    Op.clear(list);
    events.forEach(function (e) {
      var plan = e.plan && e.previous ? ' ' + ['north', 'east', 'south', 'west'].map(function (a) {
        return a[0].toUpperCase() + ' ' + e.previous[a] + '→' + e.plan[a];
      }).join(', ') + ' dtk' : '';
      list.appendChild(Op.el('li', { 'data-event': e.event, text: Op.time(e.at) + ' · ' + e.event + ' · ' + e.actor
        + plan + (e.detail ? ' · ' + e.detail : '') }));
    });
  }

  function render(p) {
    current = p;
    var mode = document.getElementById('adaptive-mode');
    mode.textContent = MODES[p.mode] || p.mode;
    mode.className = 'badge ' + p.mode;
    document.getElementById('adaptive-reason').textContent = p.reason || '';
    var button = document.getElementById('adaptive-switch');
    button.textContent = p.mode === 'off' ? 'Nyalakan / Turn on' : 'Matikan / Turn off';
    button.disabled = false;
    var b = p.bounds;
    document.getElementById('adaptive-bounds').textContent = 'Batas / Bounds: hijau / green ' + b.green_min_s.north
      + '–' + b.green_max_s + ' dtk, siklus / cycle ' + b.cycle_min_s + '–' + b.cycle_max_s + ' dtk, langkah / step ≤ '
      + b.max_step_s + ' dtk per siklus / per cycle; data lebih tua dari / data older than ' + b.stale_after_s
      + ' dtk → rencana tetap / fixed plan';
    renderQueues(p.queues);
    renderEvents(p.events);
  }

  function refresh() {
    return Op.getJSON(URL_).then(function (r) { if (r.changed || !current) { render(r.body); } });
  }

  document.getElementById('adaptive-switch').addEventListener('click', function () {
    var button = this;
    var on = current && current.mode === 'off';
    var question = on ? 'Nyalakan sinyal adaptif? / Turn adaptive signals on?'
      : 'Matikan dan kembalikan rencana tetap? / Turn off and restore the fixed plan?';
    if (!window.confirm(question)) { return; }
    button.disabled = true;
    Op.postJSON(URL_, { enabled: on }).then(function (r) {
      var result = document.getElementById('adaptive-result');
      result.textContent = r.status === 200 ? '' : (r.body.description || String(r.status));
      if (r.status === 200) { render(r.body); } else { button.disabled = false; }
    });
  });
  Op.every(5000, refresh);
}());
