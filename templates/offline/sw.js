// FieldAudit service worker, written by hand (docs/OFFLINE.md says why not Workbox). It answers GET requests only:
// a POST, PUT or DELETE is never touched, so when one fails offline the network error reaches the page, whose queue
// keeps the change. Navigations: network first (a short wait when a stored copy exists), then the copy stored in
// this user's pages cache, else the offline page. Static files: the precache, named after this worker's version.
"use strict";
var CONFIG = {{ worker|tojson }};
var STATIC = "fieldaudit-static-" + CONFIG.version;
var STATIC_PREFIX = "fieldaudit-static-";
var PAGES_PREFIX = "fieldaudit-pages-";
// Whose pages cache answers offline: the id the server last sent in X-FieldAudit-User (none on the sign-in page).
var USER_CACHE = "fieldaudit-user";
var USER_KEY = new URL("__fieldaudit/user", self.registration.scope).href;
var NETWORK_WAIT_MS = 3000;
var UNAVAILABLE = { 502: true, 503: true, 504: true };  // a proxy answering for a stopped server

self.addEventListener("install", function (event) {
  // credentials "omit": the precache holds nothing of any session (the offline page is public and empty).
  var requests = CONFIG.precache.map(function (url) { return new Request(url, { credentials: "omit", cache: "reload" }); });
  event.waitUntil(caches.open(STATIC).then(function (cache) { return cache.addAll(requests); }));
  // No skipWaiting here: an upgrade waits until the pages agree (see the "message" handler).
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(STATIC_PREFIX) === 0 && name !== STATIC;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "skip-waiting") {
    self.skipWaiting();
  } else if (data.type === "update-if-alone") {
    // A freshly loaded page asks: when it is the only window, nothing else can be left half old.
    self.clients.matchAll({ type: "window" }).then(function (windows) {
      if (windows.length <= 1) { self.skipWaiting(); }
    });
  } else if (data.type === "version" && event.ports && event.ports[0]) {
    event.ports[0].postMessage({ version: CONFIG.version });
  }
});

// Background Sync (where the browser has it; never the only trigger): wake the pages so their queue replays. The
// queue is the pages' (IndexedDB records replayed with the page's session), so with no window open this does
// nothing and the next page load replays. It may fire the moment a change is queued (Chromium fires at once when
// it thinks it is online): a replay may start at any time, and the fault tests allow for that.
self.addEventListener("sync", function (event) {
  if (event.tag !== "fieldaudit-replay") { return; }
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (windows) {
    windows.forEach(function (w) { w.postMessage({ type: "fieldaudit-replay" }); });
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf(CONFIG.assets) === 0) {
    event.respondWith(staticFile(request, url));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (!request.headers.get("HX-Request")) {
    // Thumbnails and the like: the network, else a stored copy. An htmx request wants a fragment, never a page.
    event.respondWith(fetch(request).catch(function (error) {
      return storedPage(request).then(function (hit) { if (hit) { return hit; } throw error; });
    }));
  }
});

function staticFile(request, url) {
  return caches.match(request, { cacheName: STATIC }).then(function (hit) {
    return hit || fetch(request).catch(function (error) {
      return sameFileOtherVersion(url).then(function (other) { if (other) { return other; } throw error; });
    });
  });
}

// A page stored before an upgrade names the old hashed files; offline, the current version of the same file is
// better than an unstyled page (online, offline.js stores the audits again with the new names).
function sameFileOtherVersion(url) {
  var match = /^(.*\.)[0-9a-f]{10}(\.[A-Za-z0-9]+)$/.exec(url.pathname);
  if (!match) { return Promise.resolve(undefined); }
  return caches.open(STATIC).then(function (cache) {
    return cache.keys().then(function (keys) {
      var key = keys.find(function (k) {
        var path = new URL(k.url).pathname;
        return path.indexOf(match[1]) === 0 && path.slice(-match[2].length) === match[2] &&
          path.length === url.pathname.length;
      });
      return key ? cache.match(key) : undefined;
    });
  });
}

function navigate(request) {
  return storedPage(request).then(function (stored) {
    var network = fetch(request).then(function (response) {
      if (UNAVAILABLE[response.status]) { throw new Error("site server unavailable: " + response.status); }
      remember(request, response, Boolean(stored));
      return response;
    });
    if (!stored) {
      return network.catch(offlinePage);
    }
    // A copy is here: wait for the network only briefly, so a Wi-Fi dead zone does not hang the tablet.
    return new Promise(function (resolve) {
      var timer = setTimeout(function () { resolve(stored); }, NETWORK_WAIT_MS);
      network.then(function (response) { clearTimeout(timer); resolve(response); },
                   function () { clearTimeout(timer); resolve(stored); });
    });
  });
}

function offlinePage() {
  return caches.match(CONFIG.offline, { cacheName: STATIC }).then(function (page) { return page || Response.error(); });
}

// Keep the server's word on who is signed in, and refresh a stored copy with the page just fetched.
function remember(request, response, wasStored) {
  if (response.type !== "basic") { return; }
  var user = response.headers.get("X-FieldAudit-User") || "";
  if (response.status === 200 && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
    caches.open(USER_CACHE).then(function (cache) { return cache.put(USER_KEY, new Response(user)); });
  }
  if (wasStored && user && response.status === 200 && !response.redirected) {
    var copy = response.clone();
    copy.blob().then(function (body) {
      var headers = new Headers(copy.headers);
      headers.set("X-FieldAudit-Stored", new Date().toISOString());
      return caches.open(PAGES_PREFIX + user).then(function (cache) {
        return cache.put(request.url, new Response(body, { status: 200, headers: headers }));
      });
    });
  }
}

function currentUser() {
  return caches.match(USER_KEY, { cacheName: USER_CACHE }).then(function (hit) { return hit ? hit.text() : ""; });
}

function storedPage(request) {
  return currentUser().then(function (user) {
    if (!user) { return undefined; }
    return caches.match(request.url, { cacheName: PAGES_PREFIX + user, ignoreVary: true });
  });
}
