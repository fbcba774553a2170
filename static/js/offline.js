// The tablet's offline side, page half: registers the service worker and handles its upgrades, takes the audit
// being run offline (its pages into Cache Storage), lists and removes the audits on this tablet and asks for
// persistent storage (tablet.js shows it, and the install step). The design is in docs/OFFLINE.md.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !("caches" in window)) { return; }
  var data = script.dataset;
  var PAGES_PREFIX = "fieldaudit-pages-";
  var USER_CACHE = "fieldaudit-user";
  var STALE_MS = 10 * 60 * 1000;       // a stored audit older than this is stored again when its page is opened
  var PARALLEL = 4;                     // requests at a time: the site server is shared by every tablet

  function userKey() { return new URL("__fieldaudit/user", new URL(data.scope, location.href)).href; }

  // Whose audits: the page knows when it was served by the server (data-user, empty when nobody is signed in);
  // the offline page was not, so it asks the marker the worker keeps.
  function currentUser() {
    if (data.user !== undefined) { return Promise.resolve(data.user); }
    return caches.match(userKey(), { cacheName: USER_CACHE }).then(function (hit) { return hit ? hit.text() : ""; });
  }

  function rememberUser() {
    if (data.user === undefined) { return Promise.resolve(); }
    return caches.open(USER_CACHE).then(function (cache) {
      return cache.match(userKey()).then(function (hit) { return hit ? hit.text() : null; }).then(function (known) {
        return known === data.user ? undefined : cache.put(userKey(), new Response(data.user));
      });
    });
  }

  function pagesCache(user) { return PAGES_PREFIX + user; }

  // -- taking an audit offline ----------------------------------------------------------------------------------

  function pool(items, worker) {
    var results = new Array(items.length), next = 0;
    function run() {
      if (next >= items.length) { return Promise.resolve(); }
      var i = next++;
      return worker(items[i]).then(function (result) { results[i] = result; return run(); });
    }
    var runners = [];
    for (var n = 0; n < Math.min(PARALLEL, items.length); n++) { runners.push(run()); }
    return Promise.all(runners).then(function () { return results; });
  }

  // One address into the cache: the body with the server's headers (its CSP stays in force offline). A redirect
  // (a procedure's code → its document) is kept as a redirect plus the page it leads to.
  function store(cache, url) {
    // The header tells the server this is not the auditor opening the page (Resume stays where it was).
    return fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-FieldAudit-Store": "1" } })
      .then(function (response) {
      if (!response.ok) { return { keys: [], bytes: 0 }; }
      return response.blob().then(function (body) {
        var headers = new Headers(response.headers);
        headers.set("X-FieldAudit-Stored", new Date().toISOString());
        var copy = new Response(body, { status: 200, headers: headers });
        var target = new URL(url, location.href).href;
        var puts = [], keys = [target];
        if (response.redirected && response.url !== target) {
          puts.push(cache.put(target, Response.redirect(response.url, 302)));
          puts.push(cache.put(response.url, copy));
          keys.push(response.url);
        } else {
          puts.push(cache.put(target, copy));
        }
        return Promise.all(puts).then(function () { return { keys: keys, bytes: body.size }; });
      });
    }, function () { return { keys: [], bytes: 0 }; });
  }

  function storeRedirects(cache, redirects) {
    var keys = Object.keys(redirects).map(function (from) { return new URL(from, location.href).href; });
    return Promise.all(Object.keys(redirects).map(function (from, i) {
      return cache.put(keys[i], Response.redirect(new URL(redirects[from], location.href).href, 302));
    })).then(function () { return keys; });
  }

  function takeAudit(listUrl) {
    var started = performance.now();
    return currentUser().then(function (user) {
      if (!user) { throw new Error("nobody is signed in"); }
      return fetch(listUrl, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
        if (!r.ok) { throw new Error("the server refused the audit's address list (" + r.status + ")"); }
        return r.json();
      }).then(function (list) {
        return caches.open(pagesCache(user)).then(function (cache) {
          return Promise.all([pool(list.urls, function (url) { return store(cache, url); }),
                              storeRedirects(cache, list.redirects || {})]).then(function (done) {
            var stored = done[0], keys = done[1].slice(), bytes = 0;
            stored.forEach(function (s) { keys = keys.concat(s.keys); bytes += s.bytes; });
            var missing = stored.filter(function (s) { return !s.keys.length; }).length;
            var entry = Object.assign({}, list.audit, { keys: keys, bytes: bytes, missing: missing,
                                                        taken_at: Date.now(), shell: data.shell });
            var meta = new URL(listUrl, location.href).href;
            return cache.put(meta, new Response(JSON.stringify(entry), { headers: { "Content-Type": "application/json" } }))
              .then(function () {
                entry.ms = performance.now() - started;
                document.dispatchEvent(new CustomEvent("fieldaudit:audit-stored", { detail: entry }));
                return entry;
              });
          });
        });
      });
    });
  }

  // The audits stored on this tablet for the current user, newest first.
  function storedAudits() {
    return currentUser().then(function (user) {
      if (!user) { return []; }
      return caches.has(pagesCache(user)).then(function (exists) {
        if (!exists) { return []; }
        return caches.open(pagesCache(user)).then(function (cache) {
          return cache.keys().then(function (requests) {
            var metas = requests.filter(function (r) { return new URL(r.url).pathname.indexOf(data.audits) === 0; });
            return Promise.all(metas.map(function (r) {
              return cache.match(r).then(function (hit) { return hit.json(); });
            }));
          });
        });
      });
    }).then(function (list) { return list.sort(function (a, b) { return b.taken_at - a.taken_at; }); });
  }

  function removeAudit(auditId) {
    // Removed by hand: the home screen's automatic taking leaves it off this tablet (the button brings it back).
    try { localStorage.setItem(REMOVED + auditId, "1"); } catch (e) { /* private mode: it may come back */ }
    return currentUser().then(function (user) {
      return storedAudits().then(function (all) {
        var gone = all.find(function (a) { return a.id === auditId; });
        if (!gone) { return; }
        // A station or procedure page another stored audit needs stays.
        var kept = {};
        all.forEach(function (a) { if (a.id !== auditId) { a.keys.forEach(function (k) { kept[k] = true; }); } });
        return caches.open(pagesCache(user)).then(function (cache) {
          var deletions = gone.keys.filter(function (k) { return !kept[k]; }).map(function (k) { return cache.delete(k); });
          deletions.push(cache.delete(new URL(data.audits + auditId, location.href).href));
          return Promise.all(deletions);
        });
      });
    });
  }

  // Every audit the signed-in auditor runs, without opening each (This tablet's button, and the home screen when
  // it opens online): one audit after another, since the same site server renders every tablet's pages; audits
  // stored recently by this app version are skipped unless asked. Progress shows in the On this tablet box.
  var taking = null;
  var REMOVED = "fieldaudit-removed:";     // localStorage, cleared with the rest at sign-out
  var OPTED_IN = "fieldaudit-take-mine";  // the person who pressed the button on this tablet (same lifetime)
  function takeMine(force) {
    if (!data.mine) { return Promise.resolve(null); }
    if (taking) { return taking; }
    var box = document.getElementById("on-this-tablet");
    var status = box ? box.querySelector(".take-progress") : null;
    function say(text) { if (status) { status.textContent = text; } }
    function fresh(meta) { return meta && meta.shell === data.shell && Date.now() - meta.taken_at < STALE_MS; }
    var ask = { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } };
    taking = fetch(data.mine, ask)
      .then(function (r) {
        if (!r.ok) { throw new Error("the server did not list your audits (" + r.status + ")"); }
        return r.json();
      }).then(function (mine) {
        return storedAudits().then(function (stored) {
          var todo = mine.audits.filter(function (a) {
            if (force) { localStorage.removeItem(REMOVED + a.id); return true; }
            return !localStorage.getItem(REMOVED + a.id) && !fresh(stored.find(function (s) { return s.id === a.id; }));
          });
          if (force) { localStorage.setItem(OPTED_IN, data.user || ""); }
          var done = 0, failed = 0;
          if (box && todo.length) { box.hidden = false; }
          return todo.reduce(function (chain, a) {
            return chain.then(function () {
              say("Taking your audits offline: " + done + " of " + todo.length + " stored…");
              return takeAudit(a.list).then(function () { done++; }, function () { failed++; }).then(renderStored);
            });
          }, Promise.resolve()).then(function () {
            if (!mine.audits.length) { say("You have no audit in progress to take offline."); }
            else if (!todo.length) { say("Your audits in progress are on this tablet."); }
            else {
              say(done + " of " + todo.length + " audits stored on this tablet" + (failed ? "; " + failed +
                  " could not be stored: try again while online." : "."));
            }
            if (done) { persist(); }
            return { listed: mine.audits.length, taken: done, failed: failed };
          });
        });
      }).catch(function (error) {
        say("Could not take your audits offline: " + error.message);
        return null;
      }).then(function (result) { taking = null; return result; });
    return taking;
  }

  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest("button.take-mine-now"))) { return; }
    takeMine(true);
  });

  // The section just saved online is stored again, so reopening it offline shows what the server has.
  var refreshTimer = null;
  function refreshThisPage() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      currentUser().then(function (user) {
        if (!user) { return; }
        return caches.open(pagesCache(user)).then(function (cache) { return store(cache, location.href); });
      });
    }, 1500);
  }

  // On a section page: Resume (stored as a redirect) leads here next time, offline too; and the audit is stored
  // (again) when it is not on the tablet yet, is older than STALE_MS or was stored by an older app version.
  function maybeTake() {
    if (!data.take) { return; }
    storedAudits().then(function (all) {
      var meta = all.find(function (a) { return data.audits + a.id === data.take; });
      var resumed = meta ? currentUser().then(function (user) {
        return caches.open(pagesCache(user)).then(function (cache) {
          return cache.put(new URL(meta.resume, location.href).href, Response.redirect(location.href, 302));
        });
      }) : Promise.resolve();
      var fresh = meta && meta.shell === data.shell && Date.now() - meta.taken_at < STALE_MS;
      if (fresh || !navigator.onLine) { return resumed; }
      return resumed.then(function () { return takeAudit(data.take); }).then(function (entry) {
        persist();
        renderStored();
        return entry;
      });
    }).catch(function (error) { console.warn("FieldAudit: could not take this audit offline:", error.message); });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (data.take && event.detail.successful && verb && verb !== "get") { refreshThisPage(); }
  });

  // -- what is on this tablet -------------------------------------------------------------------------------------

  function age(ms) {
    var minutes = Math.round((Date.now() - ms) / 60000);
    if (minutes < 1) { return "just now"; }
    if (minutes < 60) { return minutes + " min ago"; }
    var hours = Math.round(minutes / 60);
    if (hours < 48) { return hours + " h ago"; }
    return Math.round(hours / 24) + " days ago";
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function renderStored() {
    var box = document.getElementById("on-this-tablet");
    if (!box) { return Promise.resolve(); }
    var list = box.querySelector("ul");
    return storedAudits().then(function (all) {
      list.textContent = "";
      all.forEach(function (a) {
        var li = el("li", { "class": "stored-audit", "data-audit": a.id });
        var link = el("a", { "class": "work-item", href: a.resume });
        link.appendChild(el("strong", { "class": "nowrap" }, a.number));
        link.appendChild(el("span", {}, " " + a.title + (a.workstation ? " \u00b7 " + a.workstation : "")));
        link.appendChild(el("span", { "class": "muted work-meta" }, "stored " + age(a.taken_at) + " \u00b7 " +
          Math.max(1, Math.round(a.bytes / 1024)) + " kB" + (a.missing ? " \u00b7 " + a.missing + " pages missing" : "")));
        li.appendChild(link);
        if (data.user) {
          var remove = el("button", { type: "button", "class": "btn btn-quiet remove-stored", "data-audit": a.id },
                          "Remove from this tablet");
          li.appendChild(remove);
        }
        list.appendChild(li);
      });
      box.hidden = all.length === 0 && !box.hasAttribute("data-always");
      var empty = box.querySelector(".stored-empty");
      if (empty) { empty.hidden = all.length > 0; }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.remove-stored") : null;
    if (!button) { return; }
    button.disabled = true;
    removeAudit(button.getAttribute("data-audit")).then(renderStored);
  });

  // -- storage ------------------------------------------------------------------------------------------------------

  // Asked when an audit is first stored: without it the browser may evict the audits and the queue under pressure.
  function persist() {
    if (!navigator.storage || !navigator.storage.persist) { return Promise.resolve(false); }
    return navigator.storage.persisted().then(function (already) {
      return already || navigator.storage.persist();
    });
  }

  // -- the service worker and its upgrades ------------------------------------------------------------------------

  // An upgrade never leaves a page half old: the new worker waits; a page that loads as the only window lets it
  // take over, and every page reloads on the switch unless someone is typing in it (then it says so).
  function hasUnsavedWork() {
    if (document.querySelector("[data-unsaved]")) { return true; }
    var active = document.activeElement;
    return Boolean(active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT") &&
                   "defaultValue" in active && active.value !== active.defaultValue);
  }

  function showUpdateBar(text, button) {
    var bar = document.getElementById("app-update");
    if (!bar) {
      bar = el("p", { id: "app-update", role: "status", "class": "app-update" });
      document.body.appendChild(bar);
    }
    bar.textContent = text + " ";
    if (button) {
      var b = el("button", { type: "button", "class": "btn btn-primary" }, button.label);
      b.addEventListener("click", button.onclick);
      bar.appendChild(b);
    }
  }

  function watchUpgrades(registration) {
    function offer(worker) {
      if (!navigator.serviceWorker.controller) { return; }  // the first install: nothing old to replace
      worker.postMessage({ type: "update-if-alone" });
      showUpdateBar("A new version of FieldAudit is ready.", {
        label: "Update now", onclick: function () { worker.postMessage({ type: "skip-waiting" }); }
      });
    }
    function whenInstalled(worker) {
      worker.addEventListener("statechange", function () { if (worker.state === "installed") { offer(worker); } });
    }
    if (registration.waiting) { offer(registration.waiting); }
    // The update check register() started may already be installing (its updatefound came before this listener).
    if (registration.installing) { whenInstalled(registration.installing); }
    registration.addEventListener("updatefound", function () { whenInstalled(registration.installing); });
    var hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!hadController) { hadController = true; return; }   // first install claimed this page: nothing to reload
      if (hasUnsavedWork()) {
        showUpdateBar("FieldAudit was updated. Reload this page when you have finished this field.", {
          label: "Reload", onclick: function () { location.reload(); }
        });
      } else {
        location.reload();
      }
    });
  }

  // Resolves once the page has loaded: registering the worker starts its install, which fetches the whole app
  // shell, and that must not compete with the first page's own requests and main thread on a slow tablet.
  function loaded() {
    if (document.readyState === "complete") { return Promise.resolve(); }
    return new Promise(function (resolve) { window.addEventListener("load", function () { resolve(); }); });
  }

  function start() {
    rememberUser().then(renderStored).then(loaded).then(function () {
      if ("serviceWorker" in navigator && data.sw) {
        return navigator.serviceWorker.register(data.sw, { scope: data.scope }).then(function (registration) {
          watchUpgrades(registration);
          // register() does not look for a new worker when one is active, and Chromium puts off the check after a
          // navigation while the worker is busy (a replay, storing an audit): ask now, so a deploy reaches the
          // tablet on its next page load.
          if (navigator.onLine) { registration.update().catch(function () {}); }
          return navigator.serviceWorker.ready;
        }).then(maybeTake).then(autoTake);
      }
      maybeTake();
      return autoTake();
    }).catch(function (error) { console.warn("FieldAudit offline:", error.message); });
  }

  // The home screen, online, keeps them up to date once the person has pressed the button on this tablet: a tablet
  // does not fill itself with every audit of everyone who signs in on it.
  function autoTake() {
    if (data.autoTake === undefined || !navigator.onLine || !data.user) { return; }
    if (localStorage.getItem(OPTED_IN) === data.user) { return takeMine(false); }
  }

  window.FieldAuditOffline = { takeMine: takeMine, autoTake: autoTake, takeAudit: takeAudit,
                               storedAudits: storedAudits, removeAudit: removeAudit,
                               refreshThisPage: refreshThisPage, persist: persist };
  start();
})();
