/* Operator view: shared helpers. No innerHTML: every text from the data is set with
 * textContent. Polling with ETag/If-None-Match: an unchanged answer is a 304. */
(function () {
  'use strict';
  var Op = window.Operator = {};
  var etags = {};
  var bodies = {};

  Op.csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute('content') : '';
  };

  Op.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === 'text') { node.textContent = attrs[name]; }
      else if (name === 'className') { node.className = attrs[name]; }
      else { node.setAttribute(name, attrs[name]); }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  };

  Op.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } };

  /* GET JSON; resolves with {changed, body}: changed is false on a 304. */
  Op.getJSON = function (url) {
    var headers = { 'Accept': 'application/json' };
    if (etags[url]) { headers['If-None-Match'] = etags[url]; }
    return fetch(url, { headers: headers, credentials: 'same-origin', cache: 'no-cache' }).then(function (r) {
      if (r.status === 304) { return { changed: false, body: bodies[url] }; }
      if (!r.ok) { throw new Error(url + ': ' + r.status); }
      etags[url] = r.headers.get('ETag');
      return r.json().then(function (body) { bodies[url] = body; return { changed: true, body: body }; });
    });
  };

  Op.postJSON = function (url, payload) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': Op.csrf() },
      body: JSON.stringify(payload || {})
    }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  };

  /* Run fn now and every `ms` while the page is visible. */
  Op.every = function (ms, fn) {
    var run = function () { if (!document.hidden) { fn(); } };
    run();
    return window.setInterval(run, ms);
  };

  Op.time = function (iso) {
    if (!iso) { return '—'; }
    return new Date(iso).toLocaleString();
  };

  Op.number = function (v) {
    if (v === null || v === undefined) { return '—'; }
    return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString() : String(Math.round(v * 100) / 100);
  };

  // Alarm words in Bahasa Indonesia (the data keeps its codes: info/warning/critical, open/acknowledged/cleared).
  Op.SEVERITY = { info: 'info', warning: 'peringatan', critical: 'kritis' };
  Op.STATE = { open: 'terbuka', acknowledged: 'diakui', cleared: 'selesai' };

  /* An alarm as a list item; `onPick` (optional) is called when its text is clicked. */
  Op.alarmItem = function (alarm, ackUrl, onPick, onAcked) {
    var li = Op.el('li', { className: 'alarm ' + alarm.severity + ' ' + alarm.state, 'data-alarm': String(alarm.id) });
    var label = Op.el('button', { type: 'button', className: 'alarm-link', 'data-device': alarm.device_id,
      text: alarm.kode + ' · ' + alarm.code + ' · ' + (alarm.message || alarm.rule) });
    if (onPick) { label.addEventListener('click', function () { onPick(alarm); }); }
    li.appendChild(label);
    li.appendChild(Op.el('span', { className: 'muted', text: ' ' + (Op.SEVERITY[alarm.severity] || alarm.severity) +
      ', ' + (Op.STATE[alarm.state] || alarm.state) +
      (alarm.acknowledged_by ? ' (' + alarm.acknowledged_by + ')' : '') +
      (alarm.report_id ? ' · laporan #' + alarm.report_id : '') }));
    if (alarm.snapshot) {  // a camera's alarm (tamper, video loss): what the camera sees
      li.appendChild(Op.el('a', { className: 'alarm-snapshot', href: alarm.snapshot, target: '_blank', rel: 'noopener',
        text: ' Snapshot kamera / camera snapshot' }));
    }
    if (alarm.state === 'open') {
      var ack = Op.el('button', { type: 'button', className: 'ack', text: 'Akui / Acknowledge' });
      ack.addEventListener('click', function () {
        ack.disabled = true;
        Op.postJSON(ackUrl.replace(/0\/ack$/, alarm.id + '/ack'), {}).then(function (r) {
          if (r.status !== 200) { ack.disabled = false; window.alert(r.body.description || r.status); }
          if (onAcked) { onAcked(r); }
        });
      });
      li.appendChild(ack);
    }
    return li;
  };
})();
