/* The installable app on every citizen page (issue 20 item 11): register the service worker,
   and tell the citizen about reports kept on the device and send them when the connection is back
   (on the `online` event and at every load; Background Sync in the worker where the browser has it).
   On /lapor: a fresh idempotency key per form, and a fresh CSRF token when the page came from cache. */
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";
  var T = en ? {
    kept: "Report saved on this device; it will be sent when you are connected.",
    keptMany: " reports saved on this device; they will be sent when you are connected.",
    sending: "Sending the saved report…",
    sent: "Report sent. Tracking number: ",
    refused: "The saved report was not accepted: ",
    drop: "Remove it"
  } : {
    kept: "Laporan disimpan di perangkat, akan dikirim saat tersambung.",
    keptMany: " laporan disimpan di perangkat, akan dikirim saat tersambung.",
    sending: "Mengirim laporan yang tersimpan…",
    sent: "Laporan terkirim. Nomor laporan: ",
    refused: "Laporan yang tersimpan tidak diterima: ",
    drop: "Hapus"
  };
  var outbox = window.MedanOutbox;
  var box = null;

  function statusBox() {
    if (box) { return box; }
    box = document.createElement("div");
    box.id = "outbox-status";
    box.className = "c-outbox";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    var main = document.querySelector("main") || document.body;
    main.insertBefore(box, main.firstChild);
    return box;
  }

  function line(id, build) {
    var el = document.getElementById(id);
    if (!el) { el = document.createElement("p"); el.id = id; statusBox().appendChild(el); }
    el.textContent = "";
    build(el);
    return el;
  }

  function showWaiting() {
    return outbox.list().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "menunggu"; });
      var old = document.getElementById("outbox-waiting");
      if (!waiting.length) { if (old) { old.remove(); } }
      else {
        line("outbox-waiting", function (el) {
          el.textContent = waiting.length === 1 ? T.kept : waiting.length + T.keptMany;
        });
      }
      entries.filter(function (e) { return e.state === "ditolak"; }).forEach(showRefused);
      return waiting.length;
    });
  }

  function showSent(result) {
    line("outbox-sent-" + result.key, function (el) {
      el.className = "c-outbox-sent";
      el.appendChild(document.createTextNode(T.sent));
      var link = document.createElement("a");
      link.href = result.url; link.className = "outbox-number"; link.textContent = result.number;
      el.appendChild(link);
    });
  }

  function showRefused(entry) {
    line("outbox-refused-" + entry.key, function (el) {
      el.className = "c-error";
      el.appendChild(document.createTextNode(T.refused + entry.reason + " "));
      var button = document.createElement("button");
      button.type = "button"; button.textContent = T.drop;
      button.addEventListener("click", function () { outbox.remove(entry.key).then(function () { el.remove(); }); });
      el.appendChild(button);
    });
  }

  function shown(result) {
    if (result.state === "terkirim") { showSent(result); } else if (result.state === "ditolak") { showRefused(result); }
    showWaiting();
  }

  var sending = false;
  function sendKept() {
    if (!outbox || sending || !navigator.onLine) { return; }
    showWaiting().then(function (waiting) {
      if (!waiting) { return; }
      sending = true;
      line("outbox-waiting", function (el) { el.textContent = T.sending; });
      return outbox.sendAll(shown).catch(function () { /* still no connection: kept for later */ });
    }).then(function () { sending = false; return showWaiting(); });
  }

  function prepareForm() {
    var form = document.getElementById("report-form");
    if (!form || !outbox) { return; }
    var key = form.querySelector("input[name=idempotency_key]");
    if (!key) {
      key = document.createElement("input");
      key.type = "hidden"; key.name = "idempotency_key";
      form.appendChild(key);
    }
    key.value = outbox.newKey();  // one per form: a double submit files one report
    if (navigator.onLine) {  // the token in a page served from the cache may have expired
      fetch("/lapor/token.json", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (token) {
        var field = form.querySelector("input[name=csrf_token]");
        if (token && field) { field.value = token.csrf_token; }
      }).catch(function () {});
    }
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/lapor" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "laporan") { shown(event.data.result); }
    });
  }
  prepareForm();
  if (outbox) {
    showWaiting();
    sendKept();
    window.addEventListener("online", sendKept);
  }
})();
