"""JSON Schemas of everything the protocol carries, made from tables.py and the migrated schema (no Flask).

One schema per syncable table and operation (its columns, types, NOT NULL and CHECK lists read from the database
itself, so a new column changes them), one per CAPA command kind, and the push/pull envelopes. They are committed
in sync/schemas/ for other implementers; a test fails when the committed files differ from what `generate` makes.
Regenerate with `python -m fieldaudit.sync.schemas` (or `--check` to only compare).
"""
import json
import re
import sys
import tempfile
from pathlib import Path

from .. import db as dbm
from . import tables

BASE = "https://fieldaudit.invalid/sync/1/schemas/"  # .invalid: an identifier, never fetched
DRAFT = "https://json-schema.org/draft/2020-12/schema"
OPS = ("insert", "update", "delete")
ULID = "^[0-9A-HJKMNP-TV-Z]{26}$"
# A row the hub sends along with a change on pull (a membership's person, a newly shared document) gets a suffix.
CHANGE_ID = "^[0-9A-HJKMNP-TV-Z]{26}(\\.[a-z0-9-]+)?$"
FOLDER = Path(__file__).resolve().parents[2] / "sync" / "schemas"
_CHECK_IN = re.compile(r"CHECK\s*\(\s*(\w+)\s+IN\s*\(([^()]*)\)\s*\)", re.I)
_CHECK_BETWEEN = re.compile(r"CHECK\s*\(\s*(\w+)\s+BETWEEN\s+(-?\d+)\s+AND\s+(-?\d+)\s*\)", re.I)


def _affinity(declared: str) -> list[str] | None:
    """JSON types for a column's declared SQLite type (SQLite's affinity rules); None: any value."""
    t = declared.upper()
    if "INT" in t:
        return ["integer"]
    if any(s in t for s in ("CHAR", "CLOB", "TEXT")):
        return ["string"]
    if not t or "BLOB" in t:
        return None
    return ["number"]


def _literal(item: str):
    item = item.strip()
    if item.startswith("'") and item.endswith("'"):
        return item[1:-1].replace("''", "'")
    return int(item)


def column_schemas(db, name: str) -> dict[str, dict]:
    """{column: schema} for one table as this database defines it."""
    sql = dbm.scalar(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) or ""
    enums, ranges = {}, {}
    for col, items in _CHECK_IN.findall(sql):
        try:
            enums[col] = [_literal(i) for i in items.split(",")]
        except ValueError:
            continue  # not a plain list of literals: left to the database
    for col, low, high in _CHECK_BETWEEN.findall(sql):
        ranges[col] = (int(low), int(high))
    out = {}
    for _, col, declared, notnull, _, pk in db.conn.execute(f"PRAGMA table_info({name})").fetchall():
        nullable = not notnull and not pk
        schema: dict = {}
        types = _affinity(declared)
        if types is not None:
            schema["type"] = types + (["null"] if nullable else [])
        if col in enums:
            schema["enum"] = enums[col] + ([None] if nullable else [])
        if col in ranges:
            schema["minimum"], schema["maximum"] = ranges[col]
        out[col] = schema
    return out


def _commands() -> list[str]:
    from ..capa import states
    return [f"move:{s}" for s in states.STATES]


def _envelope(table: tables.Table, op: str, data: dict, base: dict) -> dict:
    key = {"type": "string", "minLength": 1}
    if len(table.key) > 1:
        key["pattern"] = "^[^|]+" + "\\|[^|]+" * (len(table.key) - 1) + "$"
        key["description"] = "The key columns " + ", ".join(table.key) + " joined by '|'"
    return {
        "$schema": DRAFT, "$id": f"{BASE}changes/{table.name}.{op}.json",
        "title": f"{op} of a {table.name} row", "description": f"Direction: {table.direction}.",
        "type": "object", "additionalProperties": False,
        "required": ["id", "table", "key", "op", "data", "base", "hlc"],
        "properties": {"id": {"type": "string", "pattern": CHANGE_ID}, "table": {"const": table.name},
                       "key": key, "op": {"const": op}, "data": data, "base": base,
                       "hlc": {"type": "integer", "minimum": 0}},
    }


def change_schema(db, table: tables.Table, op: str) -> dict:
    """The schema of one table's insert, update or delete as it travels."""
    cols = column_schemas(db, table.name)
    if table.name == "capa_commands":
        cols["command"] = dict(cols["command"], enum=_commands())
    if op == "delete":
        return _envelope(table, op, {"type": "null"}, {"type": "null"})
    data = {"type": "object", "additionalProperties": False, "properties": cols}
    if op == "insert":
        data["required"] = list(cols)  # the whole row travels
    else:
        data["minProperties"] = 1      # only the changed columns travel
    base: dict = {"type": "null"}
    if table.direction == tables.BOTH and op == "update":
        base = {"type": ["object", "null"], "propertyNames": {"enum": list(cols)},
                "additionalProperties": {"type": ["integer", "null"]},
                "description": "Per changed field, the stamp it had before this edit (conflict detection)"}
    return _envelope(table, op, data, base)


def command_schema(kind: str) -> dict:
    """A CAPA command kind: the data of its capa_commands insert, and its payload once decoded."""
    from ..capa import states
    return {
        "$schema": DRAFT, "$id": f"{BASE}commands/{kind.replace(':', '-')}.json",
        "title": f"CAPA command {kind}",
        "description": "Constrains data of a capa_commands insert with this command; `payload` is JSON text "
                       "whose decoded value matches #/$defs/payload.",
        "type": "object", "required": ["command", "expected_state", "payload"],
        "properties": {"command": {"const": kind}, "expected_state": {"enum": list(states.STATES)},
                       "payload": {"type": "string", "contentMediaType": "application/json",
                                   "contentSchema": {"$ref": "#/$defs/payload"}}},
        "$defs": {"payload": {"type": "object", "additionalProperties": False, "required": ["reason"],
                              "properties": {"reason": {"type": "string", "maxLength": 2000}}}},
    }


def _dispatch() -> dict:
    branches = [{"if": {"required": ["table", "op"], "properties": {"table": {"const": t.name},
                                                                     "op": {"const": op}}},
                 "then": {"$ref": f"changes/{t.name}.{op}.json"}} for t in tables.TABLES for op in OPS]
    branches += [{"if": {"required": ["table", "op", "data"],
                         "properties": {"table": {"const": "capa_commands"}, "op": {"const": "insert"},
                                        "data": {"required": ["command"],
                                                 "properties": {"command": {"const": kind}}}}},
                  "then": {"properties": {"data": {"$ref": f"commands/{kind.replace(':', '-')}.json"}}}}
                 for kind in _commands()]
    return {"$schema": DRAFT, "$id": f"{BASE}change.json", "title": "Any change, by table and operation",
            "type": "object", "required": ["table", "op"],
            "properties": {"table": {"enum": [t.name for t in tables.TABLES]}, "op": {"enum": list(OPS)}},
            "allOf": branches}


def _envelopes() -> dict[str, dict]:
    change = {"$ref": "change.json"}
    head = {"type": "object", "additionalProperties": {
        "type": "object", "additionalProperties": False, "required": ["seq", "hash"],
        "properties": {"seq": {"type": "integer", "minimum": 1}, "hash": {"type": "string"}}}}
    result = {"type": "object", "additionalProperties": False, "required": ["id", "status"], "properties": {
        "id": {"type": ["string", "null"]},
        "status": {"enum": ["applied", "duplicate", "conflict", "refused", "waiting", "not_attempted"]},
        "reason": {"type": ["string", "null"]}, "code": {"type": "integer"},
        "seq": {"type": ["integer", "null"]}, "repeat": {"type": "boolean"}}}
    anchor = {"type": ["object", "null"], "additionalProperties": False,
              "required": ["writer", "seq", "hash", "matches"],
              "properties": {"writer": {"type": "string"}, "seq": {"type": "integer"}, "hash": {"type": "string"},
                             "matches": {"type": "boolean"}}}

    def doc(name, title, schema):
        return {"$schema": DRAFT, "$id": f"{BASE}{name}", "title": title, **schema}

    return {
        "push.request.json": doc("push.request.json", "POST /push body", {
            "type": "object", "additionalProperties": False, "required": ["changes"],
            "properties": {"changes": {"type": "array", "maxItems": 1000, "items": change}, "trail_head": head}}),
        "push.response.json": doc("push.response.json", "POST /push answer", {
            "type": "object", "additionalProperties": False, "required": ["results", "anchor", "hub_time_ms"],
            "properties": {"results": {"type": "array", "items": result}, "anchor": anchor,
                           "hub_time_ms": {"type": "integer"}}}),
        "pull.response.json": doc("pull.response.json", "GET /pull answer", {
            "type": "object", "additionalProperties": False, "required": ["changes", "cursor", "more"],
            "properties": {"changes": {"type": "array", "items": change}, "cursor": {"type": "integer", "minimum": 0},
                           "more": {"type": "boolean"}}}),
        "error.json": doc("error.json", "Any refusal", {
            "type": "object", "additionalProperties": False, "required": ["error", "message", "status"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                           "status": {"type": "integer", "minimum": 400, "maximum": 599}}}),
    }


def generate(db) -> dict[str, dict]:
    """{relative path: schema} for a database migrated to the latest version."""
    out = {f"changes/{t.name}.{op}.json": change_schema(db, t, op) for t in tables.TABLES for op in OPS}
    out.update({f"commands/{k.replace(':', '-')}.json": command_schema(k) for k in _commands()})
    out["change.json"] = _dispatch()
    out.update(_envelopes())
    return out


def render(schema: dict) -> str:
    """The committed text of a schema (stable: a diff shows exactly what changed)."""
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def fresh() -> dict[str, dict]:
    """generate() on a new database migrated in a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        db = dbm.connect(Path(tmp) / "schema.sqlite3")
        try:
            dbm.migrate(db)
            return generate(db)
        finally:
            db.conn.close()


def load(folder: Path = FOLDER) -> dict[str, dict]:
    """The committed schemas: {relative path: schema}."""
    return {p.relative_to(folder).as_posix(): json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(folder.rglob("*.json"))}


def write(folder: Path = FOLDER) -> list[str]:
    """Write the schemas (removing stale files); returns the paths that changed."""
    made, changed = fresh(), []
    for old in folder.rglob("*.json"):
        if old.relative_to(folder).as_posix() not in made:
            old.unlink()
            changed.append(old.relative_to(folder).as_posix())
    for rel, schema in made.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != render(schema):
            path.write_text(render(schema), encoding="utf-8")
            changed.append(rel)
    return changed


if __name__ == "__main__":
    if "--check" in sys.argv:
        made, held = fresh(), load()
        stale = sorted(set(made) ^ set(held) | {r for r, s in made.items() if held.get(r) != s})
        print("\n".join(stale) or "sync/schemas is up to date")
        sys.exit(1 if stale else 0)
    print("\n".join(write()) or "nothing changed")
