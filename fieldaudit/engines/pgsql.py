"""SQLite's dialect, as the code and the migrations write it, translated to PostgreSQL (no Flask).

Small on purpose: column types, AUTOINCREMENT, `IS [NOT]` between values, `INSERT OR IGNORE`, `?` placeholders,
and the one trigger shape the migrations use (`BEFORE … [WHEN cond] BEGIN SELECT RAISE(ABORT, 'msg'); END`),
which becomes a PL/pgSQL function raising the same message. Anything else is written portably at its call site.
"""
import re
from functools import lru_cache

_TRIGGER = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*CREATE TRIGGER (?P<name>\w+) BEFORE (?P<op>INSERT|UPDATE|DELETE)(?P<of> OF [\w, ]+?)?"
    r" ON (?P<table>\w+)\s*(?:WHEN (?P<cond>.*?))?\s*BEGIN SELECT RAISE\(ABORT, '(?P<msg>(?:[^']|'')*)'\);\s*END"
    r"\s*;?\s*$", re.S | re.I)
_AFTER = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*CREATE TRIGGER (?P<name>\w+) AFTER (?P<op>INSERT|UPDATE|DELETE)(?P<of> OF [\w, ]+?)?"
    r" ON (?P<table>\w+)\s*(?:WHEN (?P<cond>.*?))?\s*BEGIN\b(?P<body>.*)\bEND\s*;?\s*$", re.S | re.I)
_DDL = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(CREATE TABLE|ALTER TABLE)\b", re.I)
_DROP_TRIGGER = re.compile(r"^\s*DROP TRIGGER IF EXISTS (\w+)\s*;?\s*$", re.I)


@lru_cache(maxsize=4096)
def translate(sql: str) -> tuple[str, ...]:
    """The PostgreSQL statements for one SQLite statement (a trigger becomes a function and a trigger)."""
    trigger = _TRIGGER.match(sql)
    if trigger:
        return tuple(_placeholders(s) for s in _trigger(trigger))
    after = _AFTER.match(sql)
    if after:
        return tuple(_placeholders(s) for s in _after_trigger(after))
    if _DROP_TRIGGER.match(sql):
        raise ValueError("DROP TRIGGER needs its table on PostgreSQL; use engines.drop_trigger")
    text = _code_only(sql, _expressions)
    if _DDL.match(text):
        text = _code_only(text, _types)
    text = _insert_or_ignore(text)
    return (_placeholders(text),)


def _trigger(m) -> list[str]:
    name, op, table = m["name"], m["op"].upper(), m["table"]
    cond = _code_only(m["cond"], _expressions) if m["cond"] else "true"
    row = "OLD" if op == "DELETE" else "NEW"
    # ERRCODE 23000 (integrity_constraint_violation): the class SQLite's RAISE(ABORT) maps to in sqlite3.
    function = (f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
                f"IF {cond} THEN RAISE EXCEPTION USING ERRCODE = '23000', MESSAGE = '{m['msg']}'; END IF; "
                f"RETURN {row}; END $fn$")
    of = m["of"] or ""
    return [function, f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} BEFORE {op}{of} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_fn()"]


def _after_trigger(m) -> list[str]:
    """An AFTER trigger whose body is plain statements: a PL/pgSQL function running them when its condition holds."""
    from .sqlite import statements

    name, op, table = m["name"], m["op"].upper(), m["table"]
    cond = _code_only(m["cond"], _expressions) if m["cond"] else "true"
    body = " ".join(_insert_or_ignore(_code_only(sql.strip().rstrip(";"), _expressions)) + ";"
                    for sql in statements(m["body"]) if sql.strip())
    function = (f"CREATE OR REPLACE FUNCTION {name}_fn() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN "
                f"IF {cond} THEN {body} END IF; RETURN NULL; END $fn$")
    of = m["of"] or ""
    return [function, f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} AFTER {op}{of} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_fn()"]


def _types(code: str) -> str:
    code = re.sub(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", "BIGSERIAL PRIMARY KEY", code, flags=re.I)
    # INTEGER is 64-bit in SQLite (HLC stamps, byte counts): BIGINT, not PostgreSQL's 32-bit INTEGER.
    code = re.sub(r"\bINTEGER\b", "BIGINT", code, flags=re.I)
    code = re.sub(r"\bREAL\b", "DOUBLE PRECISION", code, flags=re.I)
    code = re.sub(r"\)\s*WITHOUT ROWID\b", ")", code, flags=re.I)  # SQLite's storage choice; a heap table here
    return re.sub(r"\bBLOB\b", "BYTEA", code, flags=re.I)


def _expressions(code: str) -> str:
    # SQLite's IS / IS NOT compare any two values null-safely; PostgreSQL says IS [NOT] DISTINCT FROM.
    code = re.sub(r"\bIS NOT (?!NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", "IS DISTINCT FROM ", code, flags=re.I)
    return re.sub(r"\bIS (?!NOT\b|NULL\b|DISTINCT\b|TRUE\b|FALSE\b)", "IS NOT DISTINCT FROM ", code, flags=re.I)


def _insert_or_ignore(text: str) -> str:
    if not re.match(r"\s*INSERT OR IGNORE INTO\b", text, re.I):
        return text
    text = re.sub(r"^\s*INSERT OR IGNORE INTO\b", "INSERT INTO", text, flags=re.I)
    returning = re.search(r"\bRETURNING\b", text, re.I)
    if returning:
        return text[:returning.start()] + "ON CONFLICT DO NOTHING " + text[returning.start():]
    return text.rstrip().rstrip(";") + " ON CONFLICT DO NOTHING"


def _split(sql: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces: code outside '…' string literals, "…" identifiers and -- comments, and those parts."""
    pieces, i, start = [], 0, 0
    while i < len(sql):
        ch = sql[i]
        if sql.startswith("--", i):  # a comment to the end of its line: an apostrophe there opens no literal
            end = sql.find("\n", i)
            end = len(sql) if end < 0 else end
            pieces.append((True, sql[start:i]))
            pieces.append((False, sql[i:end]))
            i = start = end
            continue
        if ch in "'\"":
            pieces.append((True, sql[start:i]))
            end = i + 1
            while end < len(sql):
                if sql[end] == ch and not (end + 1 < len(sql) and sql[end + 1] == ch):
                    break
                end += 2 if sql[end] == ch else 1
            pieces.append((False, sql[i:end + 1]))
            i = start = end + 1
            continue
        i += 1
    pieces.append((True, sql[start:]))
    return pieces


def _code_only(sql: str, change) -> str:
    return "".join(change(text) if code else text for code, text in _split(sql))


def _placeholders(sql: str) -> str:
    out = []
    for code, text in _split(sql):
        text = text.replace("%", "%%")
        out.append(text.replace("?", "%s") if code else text)
    return "".join(out)
