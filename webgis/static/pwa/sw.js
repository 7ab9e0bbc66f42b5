/* The citizen app's service worker (issue 20 item 11), served as /sw.js by webgis/pwa/views.py,
   which writes the app shell in place of __SHELL__.

   - Scope /lapor (app.js registers it so): the form, tracking pages and the complaints map.
   - Install: precache the shell (the pages /lapor, /lapor/peta, /offline and the exact static URLs
     they load) in a cache named by the shell's version; the map's first data best-effort.
   - Activate: drop every cache of an older version; take control of open pages.
   - Pages: network first (a cached copy after 5 s on a weak connection), the cached copy when
     offline, else the offline page. Only the app's pages are cached, never another face's.
   - The app's API (/peta/*.json, /lapor/..., /collections/..., /open311/v2/...): network first,
     cache fallback; tiles and static files: stale-while-revalidate. Each runtime cache is
     bounded (oldest entries dropped) and nothing marked no-store or private is kept.
   - A report posted while offline (or whose post fails) is kept in IndexedDB (outbox.js) and
     sent by Background Sync where the browser has it, else by the page when it is online. */
"use strict";
var SHELL = __SHELL__;
importScripts(SHELL.outbox);

var PREFIX = "medan-";
var CACHES_NOW = {
  shell: PREFIX + "shell-" + SHELL.version,
  pages: PREFIX + "halaman-" + SHELL.version,
  data: PREFIX + "data-" + SHELL.version,
  assets: PREFIX + "aset-" + SHELL.version,
  tiles: PREFIX + "ubin-v1"  // tiles do not change with the code: kept across versions
};
// Entries per runtime cache: a vector tile of the city is mostly under 50 kB, so tiles stay near 20 MB.
var LIMITS = { pages: 30, data: 120, assets: 120, tiles: 400 };
var SLOW_MS = 5000;
var SYNC_TAG = "kirim-laporan";
var APP_PAGES = /^\/lapor(\/peta)?$|^\/lapor\/MDN-[0-9A-Z]+$|^\/offline$/;
var APP_DATA = /^\/(peta|lapor)\/|^\/collections\/|^\/open311\/v2\//;  // never the staff desk
var NEVER = /^\/lapor\/token\.json$|^\/sw\.js$/;

function cacheable(response) {
  var control = response.headers.get("Cache-Control") || "";
  return response.ok && response.type === "basic" && !/no-store|private/.test(control);
}

function put(name, key, response, limit) {
  return caches.open(name).then(function (cache) {
    return cache.put(key, response).then(function () { return cache.keys(); }).then(function (keys) {
      // keys() lists entries in the order they were stored: the oldest go first.
      return Promise.all(keys.slice(0, Math.max(0, keys.length - limit)).map(function (k) { return cache.delete(k); }));
    });
  });
}

// The shell is fetched without cookies: what is kept is the public page, and these background
// requests never touch the session (a concurrent first CSRF token could otherwise replace the page's).
function precachePage(cache, url) {
  // "/" answers HTML only to a browser's Accept (it is also the OGC API landing page).
  return fetch(new Request(url, { headers: { Accept: "text/html" }, credentials: "omit", cache: "no-cache" }))
    .then(function (response) {
      if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
      return cache.put(url, response);
    });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHES_NOW.shell).then(function (cache) {
    return Promise.all(SHELL.pages.map(function (url) { return precachePage(cache, url); }).concat(
      SHELL.assets.map(function (url) { return cache.add(new Request(url, { cache: "no-cache", credentials: "omit" })); })));
  }).then(function () {
    return Promise.all(SHELL.data.map(function (url) {
      return fetch(url, { credentials: "omit" }).then(function (response) {
        if (cacheable(response)) { return put(CACHES_NOW.data, url, response, LIMITS.data); }
      }).catch(function () { /* the map's data is cached on its first use instead */ });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  var current = Object.keys(CACHES_NOW).map(function (k) { return CACHES_NOW[k]; });
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && current.indexOf(name) < 0;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

/* Network first; the cached answer when the network fails, or when it is slower than SLOW_MS. */
function networkFirst(request, store, lookup) {
  return new Promise(function (resolve, reject) {
    var done = false;
    function settle(response) { if (!done && response) { done = true; resolve(response); return true; } return false; }
    fetch(request).then(function (response) {
      if (cacheable(response)) { store(response.clone()); }
      if (!settle(response)) { /* a cached copy was shown; the fresh one is stored for next time */ }
    }, function (error) {
      lookup().then(function (cached) { if (!settle(cached) && !done) { done = true; reject(error); } });
    });
    setTimeout(function () { if (!done) { lookup().then(settle); } }, SLOW_MS);
  });
}

function page(request, url) {
  var appPage = APP_PAGES.test(url.pathname);
  var key = url.pathname + url.search;
  function lookup() {
    return caches.match(key).then(function (hit) {
      return hit || (appPage ? caches.match(url.pathname, { ignoreSearch: true }) : undefined);
    });
  }
  function store(response) { if (appPage) { put(CACHES_NOW.pages, key, response, LIMITS.pages); } }
  return networkFirst(request, store, lookup).catch(function () {
    return caches.match(SHELL.offline).then(function (offline) { return offline || Response.error(); });
  });
}

function data(request) {
  return networkFirst(request, function (response) { put(CACHES_NOW.data, request, response, LIMITS.data); },
    function () { return caches.match(request); }).catch(function () { return Response.error(); });
}

// A request that asks to revalidate (the map after an edit fetches its tiles with cache: "no-cache",
// static/pages/js/points.js) must see the server's answer, not the copy kept before the edit.
var REVALIDATE = ["no-cache", "reload", "no-store"];

function staleWhileRevalidate(event, name, limit) {
  var request = event.request;
  if (REVALIDATE.indexOf(request.cache) >= 0) {
    return networkFirst(request, function (response) { put(name, request, response, limit); },
      function () { return caches.match(request); }).catch(function () { return Response.error(); });
  }
  return caches.match(request).then(function (hit) {
    var network = fetch(request).then(function (response) {
      if (cacheable(response)) { put(name, request, response.clone(), limit); }
      return response;
    });
    if (hit) { event.waitUntil(network.catch(function () {})); return hit; }
    return network.catch(function () {
      // An older copy under another ?v= is better than nothing while offline.
      return caches.match(request, { ignoreSearch: true }).then(function (old) { return old || Response.error(); });
    });
  });
}

function shellAsset(event) {
  if (REVALIDATE.indexOf(event.request.cache) >= 0) { return staleWhileRevalidate(event, CACHES_NOW.assets, LIMITS.assets); }
  return caches.open(CACHES_NOW.shell).then(function (cache) { return cache.match(event.request); }).then(function (hit) {
    return hit || staleWhileRevalidate(event, CACHES_NOW.assets, LIMITS.assets);
  });
}

function tellPages(result) {
  return self.clients.matchAll({ includeUncontrolled: true }).then(function (pages) {
    pages.forEach(function (client) { client.postMessage({ type: "laporan", result: result }); });
  });
}

function sendKept() { return MedanOutbox.sendAll(tellPages); }

/* A report posted from the form: to the server when it can be reached, else kept on the device. */
function postReport(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.formData().then(MedanOutbox.keep).then(function (entry) {
      var later = self.registration.sync ? self.registration.sync.register(SYNC_TAG).catch(function () {}) : null;
      return Promise.resolve(later).then(function () {
        return Response.redirect(SHELL.report + "?disimpan=" + encodeURIComponent(entry.key), 303);
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || NEVER.test(url.pathname)) { return; }
  if (request.method === "POST" && request.mode === "navigate" && url.pathname === SHELL.report) {
    event.respondWith(postReport(request));
    return;
  }
  if (request.method !== "GET" || request.headers.has("Authorization")) { return; }
  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
  } else if (SHELL.assets.indexOf(url.pathname + url.search) >= 0) {
    event.respondWith(shellAsset(event));  // versioned by the shell: no need to ask again
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(event, CACHES_NOW.assets, LIMITS.assets));
  } else if (url.pathname.indexOf("/tiles/") >= 0) {
    event.respondWith(staleWhileRevalidate(event, CACHES_NOW.tiles, LIMITS.tiles));
  } else if (APP_DATA.test(url.pathname)) {
    event.respondWith(data(request));
  }
});

self.addEventListener("sync", function (event) {
  if (event.tag === SYNC_TAG) { event.waitUntil(sendKept()); }
});

self.addEventListener("message", function (event) {
  if (event.data === SYNC_TAG) { event.waitUntil(sendKept().catch(function () {})); }
});
