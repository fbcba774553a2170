// The tablet's store of changes made without the site server: IndexedDB database "fieldaudit", store "queue".
// One record per change, keyed by its ULID (so key order is the order they were made), with the user who made it:
// a different user signing in on a shared tablet never reads or replays it. No framework; exposes window.FAQueueStore.
(function () {
  "use strict";

  var DB_NAME = "fieldaudit";
  var STORE = "queue";
  var RULES = "rules";  // an audit's rulebook and answers as the server last gave them (for show_if offline)
  var opening = null;

  function open() {
    if (opening) { return opening; }
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 2);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains(STORE)) {
          db.createObjectStore(STORE, { keyPath: "key" }).createIndex("user", "userId");
        }
        if (!db.objectStoreNames.contains(RULES)) { db.createObjectStore(RULES, { keyPath: "auditId" }); }
      };
      request.onsuccess = function () {
        var db = request.result;
        // Another tab deleting the database on sign-out must not wait for this tab's connection.
        db.onversionchange = function () { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = function () { opening = null; reject(request.error); };
      request.onblocked = function () { opening = null; reject(new Error("IndexedDB blocked")); };
    });
    return opening;
  }

  function run(mode, work, name) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name || STORE, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error || new Error("aborted")); };
        try {
          result = work(tx.objectStore(name || STORE), function (value) { result = value; });
        } catch (e) { tx.abort(); reject(e); }
      });
    });
  }

  // Ulid: 48-bit milliseconds and 80 random bits in Crockford base32, increasing within this page.
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var lastMs = -1;
  var lastRand = null;

  function ulid() {
    var ms = Date.now();
    var rand;
    if (ms <= lastMs && lastRand) {
      ms = lastMs;
      rand = lastRand.slice();
      for (var i = 15; i >= 0; i--) { rand[i] = (rand[i] + 1) & 31; if (rand[i] !== 0) { break; } }
    } else {
      var bytes = crypto.getRandomValues(new Uint8Array(16));
      rand = Array.prototype.map.call(bytes, function (b) { return b & 31; });
    }
    lastMs = ms;
    lastRand = rand;
    var time = "";
    for (var n = 0, t = ms; n < 10; n++) { time = ALPHABET.charAt(t % 32) + time; t = Math.floor(t / 32); }
    return time + rand.map(function (d) { return ALPHABET.charAt(d); }).join("");
  }

  window.FAQueueStore = {
    DB_NAME: DB_NAME,
    ulid: ulid,
    // Put one change; a QuotaExceededError rejects and leaves every record already queued as it was.
    put: function (record) {
      return run("readwrite", function (store) { store.put(record); });
    },
    remove: function (key) {
      return run("readwrite", function (store) { store.delete(key); });
    },
    get: function (key) {
      return run("readonly", function (store, set) {
        store.get(key).onsuccess = function (e) { set(e.target.result); };
      });
    },
    // Every change of this user, oldest first.
    list: function (userId) {
      return run("readonly", function (store, set) {
        store.index("user").getAll(userId).onsuccess = function (e) {
          set(e.target.result.sort(function (a, b) { return a.key < b.key ? -1 : a.key > b.key ? 1 : 0; }));
        };
      });
    },
    count: function () {
      return run("readonly", function (store, set) {
        store.count().onsuccess = function (e) { set(e.target.result); };
      });
    },
    putRules: function (entry) {
      return run("readwrite", function (store) { store.put(entry); }, RULES);
    },
    getRules: function (auditId) {
      return run("readonly", function (store, set) {
        store.get(auditId).onsuccess = function (e) { set(e.target.result); };
      }, RULES);
    },
    clearRules: function () {
      return run("readwrite", function (store) { store.clear(); }, RULES);
    },
    // Sign-out: the whole database goes (after this tab's connection is closed).
    destroy: function () {
      var closing = opening ? opening.then(function (db) { db.close(); }, function () {}) : Promise.resolve();
      opening = null;
      return closing.then(function () {
        return new Promise(function (resolve, reject) {
          var request = indexedDB.deleteDatabase(DB_NAME);
          request.onsuccess = function () { resolve(); };
          request.onerror = function () { reject(request.error); };
          request.onblocked = function () { resolve(); };  // finishes once the other tabs close their connection
        });
      });
    }
  };
})();
