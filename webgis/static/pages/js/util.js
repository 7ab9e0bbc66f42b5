/* Medan WebGIS homepage: shared helpers (namespace, language, DOM, formatting).
 * No innerHTML anywhere: every text from the data is set with textContent, so a
 * property holding "<script>" or "onerror=" is shown, never run. */
(function () {
  'use strict';
  var Medan = window.Medan = window.Medan || {};
  var LANGS = ['id', 'en'];
  var STORAGE_KEY = 'medan.lang';

  Medan.state = { lang: document.documentElement.lang || 'id', config: null, ui: {} };

  Medan.storedLang = function () {
    try {
      var stored = window.localStorage.getItem(STORAGE_KEY);
      if (LANGS.indexOf(stored) >= 0) { return stored; }
    } catch (e) { /* storage may be disabled: the cookie still carries the choice */ }
    return null;
  };

  Medan.rememberLang = function (lang) {
    try { window.localStorage.setItem(STORAGE_KEY, lang); } catch (e) { /* see storedLang */ }
    // The cookie lets the server render the next page (and /katalog) in this language.
    document.cookie = 'lang=' + lang + '; path=/; max-age=31536000; SameSite=Lax';
  };

  /* A UI word in the current language (from the server's table). */
  Medan.t = function (key) {
    var table = Medan.state.ui[Medan.state.lang] || {};
    return table[key] || key;
  };

  /* A declared {id, en} text in the current language. */
  Medan.tr = function (text) {
    if (!text) { return ''; }
    return text[Medan.state.lang] || text.id || '';
  };

  Medan.el = function (tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === 'text') { node.textContent = value; }
      else if (name === 'className') { node.className = value; }
      else { node.setAttribute(name, value === true ? '' : String(value)); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  };

  Medan.clear = function (node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    return node;
  };

  Medan.locale = function () { return Medan.state.lang === 'en' ? 'en-GB' : 'id-ID'; };

  Medan.formatNumber = function (value, digits) {
    return new Intl.NumberFormat(Medan.locale(), { maximumFractionDigits: digits === undefined ? 2 : digits })
      .format(value);
  };

  Medan.formatDistance = function (metres) {
    if (metres < 1000) { return Medan.formatNumber(Math.round(metres), 0) + ' m'; }
    return Medan.formatNumber(metres / 1000, 1) + ' km';
  };

  /* A property value as people read it: numbers with units, dates in the chosen language. */
  Medan.formatValue = function (prop, value) {
    if (value === null || value === undefined || value === '') { return '—'; }
    var unit = prop.unit ? (prop.unit === '%' ? '%' : ' ' + prop.unit) : '';
    if (prop.type === 'number' || prop.type === 'integer') {
      var number = Number(value);
      return isFinite(number) ? Medan.formatNumber(number) + unit : String(value);
    }
    if (prop.type === 'boolean') { return Medan.t(value ? 'yes' : 'no'); }
    if (prop.type === 'date' || prop.type === 'datetime') {
      var when = new Date(value);
      if (isNaN(when.getTime())) { return String(value); }
      var options = prop.type === 'date'
        ? { dateStyle: 'long', timeZone: 'UTC' }
        : { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' };
      return new Intl.DateTimeFormat(Medan.locale(), options).format(when);
    }
    return String(value) + unit;
  };

  var toastTimer = null;
  Medan.toast = function (message) {
    var toast = document.getElementById('toast');
    toast.textContent = message;
    toast.hidden = false;
    window.clearTimeout(toastTimer);
    toastTimer = window.setTimeout(function () { toast.hidden = true; }, 6000);
  };

  /* fetch JSON; rejects with {status, body} so callers can say what went wrong. */
  Medan.getJSON = function (url, options) {
    var init = L.extend({ headers: { Accept: 'application/json' }, credentials: 'same-origin' }, options || {});
    return window.fetch(url, init)
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) { throw { status: response.status, body: body }; }
          return body;
        });
      });
  };

  Medan.mark = function (name) {
    if (window.performance && window.performance.mark) { window.performance.mark(name); }
  };
}());
