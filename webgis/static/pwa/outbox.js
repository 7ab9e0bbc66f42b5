/* Reports kept on the device until they can be sent (issue 20 item 11). Shared by the pages
   (static/pwa/app.js) and the service worker (sw.js, importScripts), so the one way of sending
   lives here: a fresh CSRF token from /lapor/token.json (the token in a page cached days ago may
   have expired), then the form as it was written, photo included, with its idempotency key so a
   report that arrives twice (the page and Background Sync at once, or an answer lost on a weak
   connection) is filed once by the server. */
(function (root) {
  "use strict";
  var DB = "medan-lapor", STORE = "laporan", LOCK = "medan-lapor-kirim";
  var TOKEN_URL = "/lapor/token.json", REPORT_URL = "/lapor";
  var TRACKING = /\/lapor\/(MDN-[0-9A-Z]+)/;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function inStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function newKey() {
    if (root.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* Keep a submitted form (FormData): its fields, its photo (a Blob), its key. */
  function keep(form) {
    var fields = [], photo = null;
    form.forEach(function (value, name) {
      if (name === "csrf_token" || name === "idempotency_key") { return; }
      if (typeof value === "string") { fields.push([name, value]); return; }
      if (name === "media" && value.size > 0) { photo = { name: value.name || "foto", type: value.type, blob: value }; }
    });
    var entry = { key: form.get("idempotency_key") || newKey(), fields: fields, photo: photo,
                  saved: new Date().toISOString(), state: "menunggu" };
    return inStore("readwrite", function (store) { return store.put(entry); }).then(function () { return entry; });
  }

  function list() { return inStore("readonly", function (store) { return store.getAll(); }); }
  function remove(key) { return inStore("readwrite", function (store) { return store.delete(key); }); }
  function mark(entry) { return inStore("readwrite", function (store) { return store.put(entry); }); }

  function reasonOf(html) {
    var found = /class="c-error-message">([^<]*)</.exec(html);
    var text = found ? found[1] : "";
    return text.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&").trim();
  }

  /* Send one kept report; resolves {state: "terkirim", number, url} or {state: "ditolak", reason};
     rejects while there is no connection or the server cannot take it now (it stays kept). */
  function send(entry) {
    return fetch(TOKEN_URL, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
      if (!response.ok) { throw new Error("token: HTTP " + response.status); }
      return response.json();
    }).then(function (token) {
      var body = new FormData();
      entry.fields.forEach(function (field) { body.append(field[0], field[1]); });
      body.append("idempotency_key", entry.key);
      body.append("csrf_token", token.csrf_token);
      if (entry.photo) { body.append("media", entry.photo.blob, entry.photo.name); }
      return fetch(REPORT_URL, { method: "POST", body: body, credentials: "same-origin" });
    }).then(function (response) {
      var tracking = TRACKING.exec(response.url);
      if (response.ok && tracking) {
        return remove(entry.key).then(function () {
          return { key: entry.key, state: "terkirim", number: tracking[1], url: response.url };
        });
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
        return response.text().then(function (html) {
          entry.state = "ditolak"; entry.reason = reasonOf(html) || ("HTTP " + response.status);
          return mark(entry).then(function () { return { key: entry.key, state: "ditolak", reason: entry.reason }; });
        });
      }
      throw new Error("HTTP " + response.status);
    });
  }

  /* Send every waiting report, one at a time, under a lock shared by the pages and the worker. */
  function sendAll(notify) {
    function run() {
      return list().then(function (entries) {
        return entries.filter(function (e) { return e.state === "menunggu"; }).reduce(function (chain, entry) {
          return chain.then(function (results) {
            return send(entry).then(function (result) {
              results.push(result);
              if (notify) { notify(result); }
              return results;
            });
          });
        }, Promise.resolve([]));
      });
    }
    return root.navigator && navigator.locks ? navigator.locks.request(LOCK, run) : run();
  }

  root.MedanOutbox = { keep: keep, list: list, remove: remove, send: send, sendAll: sendAll, newKey: newKey };
})(self);
