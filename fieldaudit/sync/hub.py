"""The hub's side of push: exactly once, authorized, sequenced, answered per change (no Flask).

A change's ULID is its idempotency key: the first result is kept in `sync_received` in the same transaction as
the change itself, so a repeat (a lost response, a retried batch) gets that result back and applies nothing, and
the same ULID with a different payload is refused (409) while the original stays. Every accepted change is
appended to the hub's log (`changes`) under a new sequence number; on SQLite one writer at a time means commit
order is sequence order, so a puller never skips a change that commits later with a lower number; on PostgreSQL
changes are numbered at commit (sync/outbox_pg.py) and batches of different devices run in parallel: a device's
batches take turns (its lock), rows merged are locked as read (apply.current), a deadlock runs the batch again.
"""
import hashlib
import json

from .. import db as dbm
from .. import ids
from ..refusal import Refusal
from . import apply as ap
from . import hlc, outbox, tables

MAX_CHANGES = 1000
ATTEMPTS = 3  # a batch that met a deadlock with another one is run again (PostgreSQL rolled it back whole)


def digest(change: dict) -> str:
    """The fingerprint of a change's content (what a repeat must match)."""
    body = {k: change.get(k) for k in ("table", "key", "op", "data", "base", "hlc")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def receive(db, device: dict, user: dict | None, changes: list[dict], store, trail_head: dict | None = None,
            now_ms: int | None = None) -> dict:
    """Apply a pushed batch in one transaction; returns {"results": [...], "anchor": ...}.

    A change for a site the device does not serve refuses the whole batch (403) and nothing of it is applied."""
    if len(changes) > MAX_CHANGES:
        raise Refusal(f"A batch holds at most {MAX_CHANGES} changes.", 413)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _receive(db, device, user, changes, store, trail_head, now_ms)
        except dbm.TransientError:
            if attempt == ATTEMPTS:
                raise


def _receive(db, device, user, changes, store, trail_head, now_ms) -> dict:
    results = []
    with dbm.transaction(db, parallel=True), outbox.applying(db):
        # A retried batch (its answer lost) must wait for the first and then read its receipts, not race it.
        dbm.lock(db, f"push:{device['id']}")
        batch = _Batch(db, changes)
        for n, change in enumerate(changes):
            result = _one(db, device, user, change, store, now_ms, batch)
            results.append(result)
            if result["status"] == ap.WAITING:
                # What follows may build on this row (a submission after its photo): it goes again next time.
                results += [{"id": c.get("id"), "status": "not_attempted"} for c in changes[n + 1:]]
                break
        batch.flush()
        anchor = _anchor(db, device, trail_head) if trail_head else None
    return {"results": results, "anchor": anchor}


class _Batch:
    """A batch's idempotency records: the earlier results read in one query, the new ones written in one."""

    def __init__(self, db, changes: list):
        self.db, self.now, self.rows = db, ids.now_iso(), []
        wanted = list({c["id"] for c in changes if isinstance(c, dict) and isinstance(c.get("id"), str)})
        self.seen = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start:start + 500]
            self.seen.update((r["change_id"], r) for r in dbm.query(
                db, f"SELECT * FROM sync_received WHERE change_id IN ({', '.join('?' * len(part))})", part))

    def keep(self, change_id, device_id, fingerprint, status, reason, seq) -> None:
        """Remember a change's first result (visible at once to a repeat later in the same batch)."""
        row = {"change_id": change_id, "device_id": device_id, "digest": fingerprint, "status": status,
               "reason": reason, "hub_seq": seq, "received_at": self.now}
        self.seen[change_id] = row
        self.rows.append(tuple(row.values()))

    def flush(self) -> None:
        """Write the kept results, inside the batch's transaction."""
        self.db.conn.executemany("INSERT INTO sync_received (change_id, device_id, digest, status, reason, hub_seq,"
                                 " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", self.rows)
        self.rows = []


def _one(db, device, user, change, store, now_ms, batch) -> dict:
    _check_shape(change)
    fingerprint = digest(change)
    seen = batch.seen.get(change["id"])
    if seen is not None:
        if seen["digest"] != fingerprint or seen["device_id"] != device["id"] and seen["device_id"] != \
                device.get("installation_id"):
            return {"id": change["id"], "status": ap.REFUSED, "code": 409,
                    "reason": "This change id was already used for a different change; the first one stays."}
        return {"id": change["id"], "status": seen["status"], "reason": seen["reason"], "repeat": True,
                "seq": seen["hub_seq"]}
    table = tables.BY_NAME.get(change["table"])
    stamp, capped = hlc.clamp(int(change["hlc"]), now_ms)
    change = dict(change, hlc=stamp)
    try:
        site = _authorize(db, device, user, table, change)
        missing = [s for s in _blobs(table, change) if not store.exists(s)]
        if missing:
            return {"id": change["id"], "status": ap.WAITING, "reason": f"waiting for blob {missing[0]}"}
        dbm.execute(db, "SAVEPOINT one_change")
        try:
            if table.name == "capa_commands" and change["op"] == "insert":
                status, written = _command(db, change, device)
            else:
                status, written = ap.apply(db, change, hub=True, device_id=device["id"])
        except ap.Outcome:
            dbm.execute(db, "ROLLBACK TO one_change")
            dbm.execute(db, "RELEASE one_change")
            raise
        dbm.execute(db, "RELEASE one_change")
        seq = None
        if status in (ap.APPLIED, ap.CONFLICT) and (written or change["op"] == "delete"):
            data = written if change["op"] == "update" else (written or change.get("data"))
            # A command the hub refused goes back to its sender too (source None): the outcome is the hub's.
            source = None if status == ap.CONFLICT else device["id"]
            seq = outbox.log(db, table.name, change["key"], change["op"], data, change_id=change["id"],
                             stamp=stamp, base=change.get("base"), source=source, site_id=site)
        reason = "clock ahead of the hub: stamp capped" if capped else ""
    except ap.Outcome as out:
        status, reason, seq = out.status, out.reason, None
        if status == ap.CONFLICT:
            dbm.execute(db, "INSERT INTO sync_conflicts (id, change_id, device_id, tbl, row_key, reason, at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?)", (ids.new_id(), change["id"], device["id"],
                                                              change["table"], change["key"], reason, ids.now_iso()))
    batch.keep(change["id"], device["id"], fingerprint, status, reason, seq)
    return {"id": change["id"], "status": status, "reason": reason, "seq": seq}


def _check_shape(change) -> None:
    if not isinstance(change, dict) or not all(isinstance(change.get(k), str) for k in ("id", "table", "key", "op")) \
            or not isinstance(change.get("hlc"), int) or change["op"] not in ("insert", "update", "delete") \
            or not isinstance(change.get("data") or {}, dict):
        raise Refusal("Each change is an object with id, table, key, op (insert|update|delete), data and hlc.", 400)


def _authorize(db, device, user, table, change) -> str | None:
    """The change's site, once it may be applied; Outcome(refused) or Refusal(403) otherwise."""
    if table is None:
        raise ap.Outcome(ap.REFUSED, f"{change['table']} does not sync")
    if table.direction == tables.DOWN:
        raise ap.Outcome(ap.REFUSED, f"{table.name} is reference data: it is authored on the hub, not on a device")
    data = change.get("data") or {}
    if change["op"] != "insert" and tables.HUB_ONLY & set(data):
        raise ap.Outcome(ap.REFUSED, f"{', '.join(sorted(tables.HUB_ONLY & set(data)))} cannot change once made")
    row = ap.current(db, table, change["key"]) if change["op"] != "insert" else None
    site = outbox.site_of(db, table, dict(row or {}, **data)) if table.site else None
    if table.site and site is None and row is None:
        raise ap.Outcome(ap.REFUSED, f"{table.name} {change['key']}: the record it belongs to is not on the hub")
    if site is not None and site not in device["site_ids"]:
        raise Refusal(f"This device does not serve the site of {table.name} {change['key']}: nothing of this "
                      "batch was applied.", 403)
    if table.name == "audit_trail" and data.get("writer") not in (device.get("installation_id"), None):
        raise ap.Outcome(ap.REFUSED, "a device sends its own trail chain only")
    if user is not None and site is not None and not dbm.scalar(
            db, "SELECT 1 FROM memberships WHERE user_id = ? AND (site_id = ? OR site_id IS NULL)",
            (user["id"], site)):
        raise ap.Outcome(ap.REFUSED, "the acting person has no role at this site")
    return site


def _blobs(table, change) -> list[str]:
    data = change.get("data") or {}
    return [data[c] for c in (table.blobs if table else ()) if data.get(c)]


def _command(db, change, device) -> tuple[str, dict]:
    """A CAPA state command, checked against the hub's current state: applied, or kept as a visible conflict."""
    from ..capa import states
    from ..capa.actions import list_actions
    from ..capa.data import add_event, get_capa

    cmd = {k: v for k, v in change["data"].items() if k in ap.columns(db, "capa_commands")}
    if dbm.query_one(db, "SELECT 1 FROM capa_commands WHERE id = ?", (cmd["id"],)):
        return ap.DUPLICATE, {}
    # The state is checked and moved as one step: another batch moving the same CAPA waits for this one.
    dbm.query(db, f"SELECT id FROM capas WHERE id = ?{dbm.for_update(db)}", (cmd["capa_id"],))
    capa = get_capa(db, cmd["capa_id"])
    if capa is None:
        raise ap.Outcome(ap.REFUSED, f"CAPA {cmd['capa_id']} is not on the hub")
    target = str(cmd.get("command", "")).partition(":")[2]
    reason = json.loads(cmd.get("payload") or "{}").get("reason", "")
    if cmd.get("outcome") != "applied":
        db["capa_commands"].insert(cmd)  # a conflict the device already recorded: history, nothing to apply
        return ap.APPLIED, cmd
    try:
        states.check_transition(capa, list_actions(db, capa["id"]), target, cmd["expected_state"], reason)
    except states.TransitionError as exc:
        cmd.update(outcome="conflict", message=f"Made on a device while offline, not applied: {exc.message}")
        db["capa_commands"].insert(cmd)
        with outbox.recording(db):
            add_event(db, capa["id"], cmd.get("actor_id"), "conflict", "state", cmd["expected_state"], target,
                      note=cmd["message"])
            # The device moved it locally: say where the hub holds it, so the device comes back in line.
            dbm.execute(db, "UPDATE capas SET updated_at = ? WHERE id = ?", (ids.now_iso(), capa["id"]))
            for field in sorted(tables.BY_NAME["capas"].command_owned):
                outbox.log(db, "capas", capa["id"], "update", {field: capa[field]}, site_id=capa["site_id"])
        dbm.execute(db, "INSERT INTO sync_conflicts (id, change_id, device_id, tbl, row_key, field, kept, lost,"
                        " reason, at) VALUES (?, ?, ?, 'capas', ?, 'state', ?, ?, ?, ?)",
                    (ids.new_id(), change["id"], device["id"], capa["id"], capa["state"], target,
                     "stale state command", ids.now_iso()))
        return ap.CONFLICT, cmd
    now = ids.now_iso()
    extra = ", closed_at = ?" if target == states.CLOSED else (
        ", effectiveness_result = NULL" if states.REOPEN.get(capa["state"]) == target else "")
    with outbox.recording(db):
        dbm.execute(db, f"UPDATE capas SET state = ?, state_reason = ?, updated_at = ?{extra} WHERE id = ?",
                    [target, reason.strip()[:2000], now] + ([now] if target == states.CLOSED else []) + [capa["id"]])
    db["capa_commands"].insert(cmd)
    return ap.APPLIED, cmd


def _anchor(db, device, head: dict) -> dict:
    """Record the device's trail chain head as the hub now holds it; returns what the hub anchored."""
    writer = device.get("installation_id")
    held = dbm.query_one(db, "SELECT seq, hash FROM audit_trail WHERE writer = ? ORDER BY seq DESC LIMIT 1",
                         (writer,))
    if held is None:
        return None
    dbm.execute(db, "INSERT INTO sync_anchors (device_id, writer, seq, hash, at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (device_id, writer) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,"
                    " at = excluded.at", (device["id"], writer, held["seq"], held["hash"], ids.now_iso()))
    claimed = head.get(writer) if isinstance(head, dict) else None
    return {"writer": writer, "seq": held["seq"], "hash": held["hash"],
            "matches": bool(claimed) and claimed.get("seq") == held["seq"] and claimed.get("hash") == held["hash"]}
