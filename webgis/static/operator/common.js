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
  // ISA-18.2 states (devices/alarmlife.py).
  Op.ISA = { unack: 'aktif, belum diakui', ack: 'aktif, diakui', rtn_unack: 'sudah normal, belum diakui',
    normal: 'selesai' };

  Op.duration = function (s) {
    return s % 3600 === 0 ? (s / 3600) + ' jam' : Math.round(s / 60) + ' menit';
  };

  function actionUrl(ackUrl, id, action) { return ackUrl.replace(/0\/ack$/, id + '/' + action); }

  function post(button, url, payload, onDone) {
    button.disabled = true;
    Op.postJSON(url, payload).then(function (r) {
      if (r.status !== 200) { button.disabled = false; window.alert(r.body.description || r.status); }
      if (onDone) { onDone(r); }
    });
  }

  /* The shelve form: a reason and a duration from the declared choices (shelving.durations_s). */
  function shelveForm(alarm, ackUrl, shelving, onDone) {
    var reason = Op.el('input', { type: 'text', name: 'reason', required: 'required', 'aria-label': 'Alasan / Reason',
      placeholder: 'Alasan / Reason', minlength: String(shelving.reason_min_chars),
      maxlength: String(shelving.reason_max_chars) });
    var duration = Op.el('select', { name: 'duration_s', 'aria-label': 'Lama / Duration' });
    shelving.durations_s.forEach(function (s) {
      duration.appendChild(Op.el('option', { value: String(s), text: Op.duration(s) }));
    });
    var submit = Op.el('button', { type: 'submit', text: 'Tangguhkan / Shelve' });
    var cancel = Op.el('button', { type: 'button', className: 'cancel', text: 'Batal / Cancel' });
    var form = Op.el('form', { className: 'shelve' }, [reason, ' ', duration, ' ', submit, ' ', cancel]);
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      post(submit, actionUrl(ackUrl, alarm.id, 'shelve'),
        { reason: reason.value, duration_s: Number(duration.value) }, function (r) {
          // Shelved: the form goes, so the refresh (which spares an open form) redraws the lists.
          if (r.status === 200 && form.parentNode) { form.parentNode.removeChild(form); }
          if (onDone) { onDone(r); }
        });
    });
    cancel.addEventListener('click', function () { form.parentNode.removeChild(form); });
    return form;
  }

  /* An alarm as a list item; `onPick` (optional) is called when its text is clicked; `onDone`
   * after an action; `shelving` (the policy's choices) enables the shelve control. */
  Op.alarmItem = function (alarm, ackUrl, onPick, onDone, shelving) {
    var isa = alarm.isa_state || '';
    var li = Op.el('li', { className: 'alarm ' + alarm.severity + ' ' + alarm.state + ' ' + isa +
      (alarm.escalated ? ' escalated' : '') + (alarm.shelved ? ' shelved' : ''), 'data-alarm': String(alarm.id) });
    var label = Op.el('button', { type: 'button', className: 'alarm-link', 'data-device': alarm.device_id,
      text: alarm.kode + ' · ' + alarm.code + ' · ' + (alarm.message || alarm.rule) });
    if (onPick) { label.addEventListener('click', function () { onPick(alarm); }); }
    li.appendChild(label);
    if (alarm.escalated) {
      li.appendChild(Op.el('span', { className: 'badge escalated', title: Op.time(alarm.escalated_at),
        text: ' dieskalasi / escalated ' }));
    }
    li.appendChild(Op.el('span', { className: 'muted', text: ' ' + (Op.SEVERITY[alarm.severity] || alarm.severity) +
      ', ' + (Op.ISA[isa] || Op.STATE[alarm.state] || alarm.state) +
      (alarm.acknowledged_by ? ' (' + alarm.acknowledged_by + ')' : '') +
      (alarm.report_id ? ' · laporan #' + alarm.report_id : '') }));
    if (alarm.shelved) {
      li.appendChild(Op.el('span', { className: 'shelf', text: ' · ditangguhkan sampai / shelved until ' +
        Op.time(alarm.shelved_until) + ' oleh ' + alarm.shelved_by + ': ' + alarm.shelve_reason }));
    }
    if (alarm.snapshot) {  // a camera's alarm (tamper, video loss): what the camera sees
      li.appendChild(Op.el('a', { className: 'alarm-snapshot', href: alarm.snapshot, target: '_blank', rel: 'noopener',
        text: ' Snapshot kamera / camera snapshot' }));
    }
    var needsAck = alarm.needs_ack !== undefined ? alarm.needs_ack : alarm.state === 'open';
    if (needsAck) {
      var ack = Op.el('button', { type: 'button', className: 'ack', text: 'Akui / Acknowledge' });
      ack.addEventListener('click', function () { post(ack, actionUrl(ackUrl, alarm.id, 'ack'), {}, onDone); });
      li.appendChild(ack);
    }
    if (alarm.shelved) {
      var back = Op.el('button', { type: 'button', className: 'unshelve', text: 'Batalkan tangguh / Unshelve' });
      back.addEventListener('click', function () { post(back, actionUrl(ackUrl, alarm.id, 'unshelve'), {}, onDone); });
      li.appendChild(back);
    } else if (shelving) {
      var open = Op.el('button', { type: 'button', className: 'shelve', text: 'Tangguhkan / Shelve' });
      open.addEventListener('click', function () {
        if (!li.querySelector('form.shelve')) { li.appendChild(shelveForm(alarm, ackUrl, shelving, onDone)); }
        li.querySelector('form.shelve input').focus();
      });
      li.appendChild(open);
    }
    return li;
  };

  /* An operator is filling a shelve form in this list: a refresh must not wipe it. */
  Op.editing = function (list) { return !!list.querySelector('form.shelve'); };
})();
