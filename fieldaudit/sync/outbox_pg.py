"""The outbox's logging triggers in PL/pgSQL, for a hub on PostgreSQL (no Flask).

The same rows as the SQLite triggers of outbox.py: one change per write, its ULID and HLC stamp computed in SQL
(so any process that writes stamps alike), standing down while `sync_apply` has a row, and for BOTH tables the
stamp each changed field had before (`base`) and the new field stamps in `sync_fields`.

Changes are numbered at commit: a row is written with a provisional, negative `seq` (the column's default), and a
deferred constraint trigger, right before COMMIT, takes NUMBER_LOCK and gives the transaction's rows the next
numbers in the order they were written. The lock is held from numbering to the end of the commit, so numbers
follow commit order (a pull never sees a number while a lower one can still appear) while the rest of each write
transaction runs beside the others. A pull serves `seq > cursor >= 0`: numbered rows only.
"""
from .. import db as dbm
from .. import ids
from . import hlc, tables

NOW_MS = "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
NEXT_STAMP = (f"GREATEST({NOW_MS} << {hlc.SHIFT}, COALESCE((SELECT MAX(hlc) FROM changes), 0) + 1,"
              " COALESCE((SELECT floor FROM sync_clock), 0) + 1)")

ULID_FUNCTION = f"""CREATE OR REPLACE FUNCTION fieldaudit_ulid() RETURNS text LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE ms bigint := {NOW_MS}; out text := ''; alphabet text := '{ids.ULID_ALPHABET}';
BEGIN
  FOR i IN 0..9 LOOP out := out || substr(alphabet, ((ms >> (45 - 5 * i)) & 31)::int + 1, 1); END LOOP;
  FOR i IN 1..16 LOOP out := out || substr(alphabet, floor(random() * 32)::int + 1, 1); END LOOP;
  RETURN out;
END $fn$"""


NUMBER_LOCK = 0x46A0_0002


def numbering_sql(lock: bool = True) -> list[str]:
    """The provisional numbers and the trigger that numbers a transaction's changes at commit (`lock=False` only
    for the test that shows what the lock prevents)."""
    take = f"PERFORM pg_advisory_xact_lock({NUMBER_LOCK});" if lock else ""
    return [
        "CREATE SEQUENCE IF NOT EXISTS changes_provisional",
        "ALTER TABLE changes ALTER COLUMN seq SET DEFAULT -nextval('changes_provisional')",
        f"""CREATE OR REPLACE FUNCTION changes_number() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE how_many bigint; deepest bigint; lowest bigint;
BEGIN
  -- Fired once per row written. The first firing numbers all of this transaction's rows (other transactions'
  -- rows are not visible until committed, and those are numbered) and notes the deepest provisional number it
  -- took; the other firings return at once, a row written after that (more negative) numbers again.
  IF NEW.seq >= COALESCE(NULLIF(current_setting('fieldaudit.numbered_to', true), '')::bigint, 0) THEN
    RETURN NULL;
  END IF;
  SELECT COUNT(*), MIN(seq) INTO how_many, deepest FROM changes WHERE seq < 0;
  IF how_many = 0 THEN RETURN NULL; END IF;
  {take}
  -- Only this function draws from the sequence, under the lock: a block of numbers is reserved in one step.
  lowest := nextval('changes_seq_seq');
  IF how_many > 1 THEN PERFORM setval('changes_seq_seq', lowest + how_many - 1); END IF;
  UPDATE changes c SET seq = lowest + o.rn - 1
    FROM (SELECT seq AS was, row_number() OVER (ORDER BY seq DESC) AS rn FROM changes WHERE seq < 0) o
   WHERE c.seq = o.was;
  PERFORM set_config('fieldaudit.numbered_to', deepest::text, true);
  RETURN NULL;
END $fn$""",
        "DROP TRIGGER IF EXISTS changes_number ON changes",
        "CREATE CONSTRAINT TRIGGER changes_number AFTER INSERT ON changes DEFERRABLE INITIALLY DEFERRED"
        " FOR EACH ROW EXECUTE FUNCTION changes_number()",
    ]


def install_numbering(db) -> None:
    """Number changes at commit, and remake the logging triggers already installed (one stamp per change, read once)."""
    for sql in numbering_sql():
        db.conn.raw.execute(sql)
    # Only the tables logged already: today's TABLES may name a table whose logging a later migration starts (the
    # programme's, 0030), and remaking its trigger here would log its rows before that migration snapshots them.
    logged = {r["tgname"] for r in dbm.query(db, "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'sync%'")}
    for table in tables.TABLES:
        if f"sync_{table.name}_log" in logged:
            install_triggers(db, table.name)


def trigger_sql(db, table: tables.Table) -> list[str]:
    """The function and the trigger that log writes to `table`."""
    cols = dbm.column_names(db, table.name)
    name = table.name

    def site(alias):
        return tables.site_sql(table, alias) or "NULL"

    def insert_change(op, alias, data, base="NULL"):
        return (f"INSERT INTO changes (id, tbl, row_key, op, data, base, hlc, site_id) VALUES (fieldaudit_ulid(), "
                f"'{name}', {tables.key_sql(table, alias)}, '{op}', {data}, {base}, log_stamp, {site(alias)});")

    data = "json_build_object(" + ", ".join(f"'{c}', NEW.{c}" for c in cols) + ")::text"
    changed = " UNION ALL ".join(
        f"SELECT {i} AS n, '{c}'::text AS k, to_jsonb(NEW.{c}) AS v WHERE OLD.{c} IS DISTINCT FROM NEW.{c}"
        for i, c in enumerate(cols))
    key = tables.key_sql(table, "NEW")
    base, stamp_fields = "NULL", ""
    if table.direction == tables.BOTH:
        base = (f"(SELECT json_object_agg(k, (SELECT hlc FROM sync_fields f WHERE f.tbl = '{name}' AND "
                f"f.row_key = {key} AND f.field = k) ORDER BY n)::text FROM ({changed}) c)")
        stamp_fields = (f"INSERT INTO sync_fields (tbl, row_key, field, hlc) SELECT '{name}', {key}, k, "
                        f"log_stamp FROM ({changed}) c "
                        "ON CONFLICT (tbl, row_key, field) DO UPDATE SET hlc = excluded.hlc;")
    local = ""
    new_local, old_local = tables.local_sql(table, "NEW"), tables.local_sql(table, "OLD")
    if new_local is not None:
        # As outbox.trigger_sql: a local row (a draft) is not logged; the write that makes it shareable logs the
        # whole row as an insert.
        local = f"""
  IF TG_OP = 'INSERT' AND {new_local} IS TRUE THEN RETURN NULL; END IF;
  IF TG_OP = 'DELETE' AND {old_local} IS TRUE THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND {old_local} IS TRUE THEN
    IF {new_local} IS NOT TRUE THEN {insert_change('insert', 'NEW', data)} END IF;
    RETURN NULL;
  END IF;
  IF TG_OP = 'UPDATE' AND {new_local} IS TRUE THEN RETURN NULL; END IF;"""
    # The stamp is read once: with writers in parallel a second MAX(hlc) could see another transaction's newer one.
    body = f"""
DECLARE log_stamp bigint;
BEGIN
  IF EXISTS (SELECT 1 FROM sync_apply) THEN RETURN NULL; END IF;
  log_stamp := {NEXT_STAMP};{local}
  IF TG_OP = 'INSERT' THEN
    {insert_change('insert', 'NEW', data)}
  ELSIF TG_OP = 'UPDATE' THEN
    IF NOT EXISTS ({changed}) THEN RETURN NULL; END IF;
    {insert_change('update', 'NEW', f"(SELECT json_object_agg(k, v ORDER BY n)::text FROM ({changed}) c)", base)}
    {stamp_fields}
  ELSE
    {insert_change('delete', 'OLD', 'NULL')}
  END IF;
  RETURN NULL;
END"""
    return [ULID_FUNCTION,
            f"CREATE OR REPLACE FUNCTION sync_{name}_log() RETURNS trigger LANGUAGE plpgsql AS $fn${body} $fn$",
            f"CREATE TRIGGER sync_{name}_log AFTER INSERT OR UPDATE OR DELETE ON {name} FOR EACH ROW "
            f"EXECUTE FUNCTION sync_{name}_log()"]


def install_triggers(db, name: str) -> None:
    """(Re)make the logging trigger of one table from its current columns."""
    dbm.drop_trigger(db, f"sync_{name}_log", name)
    for sql in trigger_sql(db, tables.BY_NAME[name]):
        db.conn.raw.execute(sql)
