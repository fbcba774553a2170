"""The tablet's offline queue in real Chromium: tap → "On this tablet" offline, tap → "Saved" online, and the replay
of 300 queued answers and 10 photos once the server answers again. Prints medians, the offline/online ratio
(both measured in this run) and the targets of issue 13."""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.e2e.harness import CHROMIUM_ARGS, chromium_executable, login, serve_demo  # noqa: E402
from tests.e2e.test_offline_queue import open_audit  # noqa: E402

TAP = """async ([qid, n, offline, a, b]) => {
  const times = [];
  for (let i = 0; i < n; i++) {
    const label = document.querySelector(`#q-${qid} input[value="${i % 2 ? a : b}"]`);
    const done = new Promise(resolve => {
      if (offline) { document.addEventListener('fieldaudit:queued', resolve, {once: true}); }
      else { document.addEventListener('htmx:afterSettle', function settled(e) {
        if (document.querySelector(`#q-${qid} .save-state`).textContent === 'Saved') {
          document.removeEventListener('htmx:afterSettle', settled); resolve(); } }); }
    });
    const start = performance.now();
    label.click();
    await done;
    times.push(performance.now() - start);
    await new Promise(r => setTimeout(r, 20));
  }
  return times;
}"""

FILL = """async ([audit, answers, photos]) => {
  const user = window.FAQueue.userId();
  const base = {userId: user, auditId: audit, method: 'POST', state: 'waiting', tries: 0, label: ''};
  for (let i = 0; i < answers; i++) {
    const qid = i % 2 ? 'guard' : 'label';
    const value = qid === 'guard' ? (i % 4 === 1 ? 'yes' : 'no') : (i % 4 === 0 ? 'pass' : 'fail');
    await window.FAQueueStore.put({...base, key: window.FAQueueStore.ulid(), madeAt: new Date().toISOString(),
      url: `/audits/${audit}/answers/${qid}`, kind: 'answer', questionId: qid,
      fields: [[`v-${qid}`, value], [`n-${qid}`, '']]});
  }
  for (let i = 0; i < photos; i++) {
    const canvas = document.createElement('canvas'); canvas.width = 1600; canvas.height = 1200;
    const g = canvas.getContext('2d'); g.fillStyle = `rgb(${i * 25}, 90, 160)`; g.fillRect(0, 0, 1600, 1200);
    g.fillStyle = '#ff0'; g.fillRect(100 + i * 40, 100, 400, 300);
    const blob = await new Promise(r => canvas.toBlob(r, 'image/jpeg', 0.9));
    await window.FAQueueStore.put({...base, key: window.FAQueueStore.ulid(), madeAt: new Date().toISOString(),
      url: `/audits/${audit}/evidence`, kind: 'photo', questionId: 'pic',
      fields: [['question_id', 'pic'], ['photos-pic', new File([blob], `p${i}.jpg`, {type: 'image/jpeg'})]]});
  }
  await window.FAQueue.refresh();
}"""


def in_process(live, audit_id: str, n: int) -> tuple[float, float, float]:
    """Medians (ms) of the same answer save through the Flask test client without and with an Idempotency-Key, and
    keyed on a connection opened for that request alone (as before the thread kept its own), in turn: what the
    exactly-once record and what opening a connection cost, next to the whole save."""
    from fieldaudit import appdb, config, ids
    from fieldaudit import db as dbm
    from tests.factories import csrf_from

    client = live.app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "auditor", "password": live.passwords["auditor"], "csrf_token": token})
    token = csrf_from(client.get("/account").get_data(as_text=True))
    times: dict[str, list[float]] = {"plain": [], "keyed": [], "fresh": []}
    pool = live.app.extensions[appdb.POOL]
    for i in range(n):
        for variant in times:
            headers = {"HX-Request": "true", "X-CSRFToken": token}
            if variant != "plain":
                headers["Idempotency-Key"] = ids.new_id()
            if variant == "fresh" and getattr(pool, "conn", None) is not None:
                pool.conn.close()
                pool.conn = None
            start = time.perf_counter()
            response = client.post(f"/audits/{audit_id}/answers/guard", headers=headers,
                                   data={"v-guard": "yes" if i % 2 else "no", "n-guard": ""})
            if variant == "fresh":
                pool.conn.close()  # the close is part of what a request paid: the last one checkpoints the WAL
            times[variant].append((time.perf_counter() - start) * 1000)
            if variant == "fresh":  # the kept connection of the next turn, opened and warmed outside the timing
                pool.conn = dbm.connect(config.database_path(live.app.config)).conn
                pool.conn.execute("SELECT 1 FROM answers LIMIT 1").fetchall()
            assert response.status_code == 200, response.status_code
    return tuple(statistics.median(t) for t in times.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer taps and a replay of 100 answers and 3 photos")
    args = parser.parse_args()
    taps, answers, photos = (15, 100, 3) if args.quick else (40, 300, 10)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        server, live = serve_demo(Path(tmp) / "data")
        browser = pw.chromium.launch(executable_path=chromium_executable(), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 768, "height": 1024})
            page = context.new_page()
            login(page, live, "auditor", tap=False)
            audit = open_audit(live)
            section = f"{live.url}/audits/{audit['id']}/sections/station"
            page.goto(section)
            online = page.evaluate(TAP, ["guard", taps, False, "yes", "no"])
            context.set_offline(True)
            offline = page.evaluate(TAP, ["label", taps, True, "pass", "fail"])
            context.set_offline(False)
            page.evaluate("() => window.FAQueue.replay()")
            page.wait_for_function("() => window.FAQueue.state.records.length === 0", timeout=60_000)
            context.set_offline(True)
            page.evaluate(FILL, [audit["id"], answers, photos])
            context.set_offline(False)
            start = time.perf_counter()
            page.evaluate("() => window.FAQueue.replay()")
            # Done when the replayer has stopped with nothing left: its last removals from the store are awaited.
            page.wait_for_function("() => !window.FAQueue.state.replaying && "
                                   "window.FAQueue.state.records.length === 0", timeout=120_000, polling=50)
            replay = time.perf_counter() - start
            landed = len(live.rows("SELECT key FROM idempotency_keys"))
            plain, keyed, fresh = in_process(live, open_audit(live)["id"], taps)
        finally:
            browser.close()
            server.stop()
    off, on = statistics.median(offline), statistics.median(online)
    print("| measure | median | target |\n|---|---|---|")
    print(f"| tap → \"On this tablet\" (offline, IndexedDB) | {off:.1f} ms | ≤ 30 ms |")
    print(f"| tap → \"Saved\" (online, htmx round trip) | {on:.1f} ms | ≤ 100 ms |")
    print(f"| replay of {answers} answers and {photos} photos | {replay:.2f} s | ≤ 10 s |")
    print(f"| answer save in-process, no key (baseline) | {plain:.1f} ms | – |")
    print(f"| answer save in-process, with Idempotency-Key | {keyed:.1f} ms | – |")
    print(f"| the same on a connection opened for the request (before) | {fresh:.1f} ms | – |")
    print(f"\noffline/online ratio (same run): {off / on:.2f}; keyed/plain save: {keyed / plain:.2f}; "
          f"fresh connection/kept: {fresh / keyed:.2f}; replay per change / keyed save in-process: "
          f"{replay * 1000 / (answers + photos) / keyed:.1f}; keys stored by the replay: {landed}; "
          f"load average {os.getloadavg()[0]:.1f}")
    targets = [("offline tap", off <= 30), ("online tap", on <= 100), ("replay", replay <= 10)]
    for name, met in targets:
        print(f"{name}: {'met' if met else 'MISSED'}")
    return 0 if all(met for _, met in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
