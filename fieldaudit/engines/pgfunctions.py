"""SQLite's date functions, GROUP_CONCAT and SUM over comparisons as PostgreSQL functions, so the KPI, programme and demo queries run
unchanged on a hub (no Flask). Only what the code uses: `strftime(format, value, modifier…)` with %Y %m %d %H %M
%S %f %%, `date(value, modifier…)`, `julianday(value)`; modifiers 'start of month', '±N day(s)' and
'±N month(s)'; values ISO-8601 text (with or without Z) or 'now'. Made (again) before every migrate: idempotent.
"""

FUNCTIONS = [
    r"""CREATE OR REPLACE FUNCTION fa_sqlite_time(value text, modifiers text[]) RETURNS timestamp
LANGUAGE plpgsql STABLE AS $fn$
DECLARE t timestamp; m text; n text;
BEGIN
  IF value IS NULL THEN RETURN NULL; END IF;
  IF value = 'now' THEN t := (clock_timestamp() AT TIME ZONE 'UTC');
  ELSE
    BEGIN t := (replace(value, 'Z', '')::timestamp); EXCEPTION WHEN others THEN RETURN NULL; END;
  END IF;
  FOREACH m IN ARRAY coalesce(modifiers, ARRAY[]::text[]) LOOP
    m := lower(trim(m));
    IF m = 'start of month' THEN t := date_trunc('month', t);
    ELSIF m = 'start of day' THEN t := date_trunc('day', t);
    ELSIF m ~ '^[+-]?[0-9]+ (day|days|month|months|year|years|hour|hours|minute|minutes)$' THEN
      n := split_part(m, ' ', 1);
      t := t + (n || ' ' || split_part(m, ' ', 2))::interval;
    ELSE RETURN NULL;
    END IF;
  END LOOP;
  RETURN t;
END $fn$""",
    r"""CREATE OR REPLACE FUNCTION strftime(format text, value text, VARIADIC modifiers text[] DEFAULT NULL)
RETURNS text LANGUAGE plpgsql STABLE AS $fn$
DECLARE t timestamp := fa_sqlite_time(value, modifiers); out text := ''; i int := 1; c text;
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  WHILE i <= length(format) LOOP
    c := substr(format, i, 1);
    IF c = '%' AND i < length(format) THEN
      i := i + 1; c := substr(format, i, 1);
      out := out || CASE c WHEN 'Y' THEN to_char(t, 'YYYY') WHEN 'm' THEN to_char(t, 'MM')
        WHEN 'd' THEN to_char(t, 'DD') WHEN 'H' THEN to_char(t, 'HH24') WHEN 'M' THEN to_char(t, 'MI')
        WHEN 'S' THEN to_char(t, 'SS') WHEN 'f' THEN to_char(t, 'SS.MS') WHEN '%' THEN '%' ELSE '%' || c END;
    ELSE out := out || c;
    END IF;
    i := i + 1;
  END LOOP;
  RETURN out;
END $fn$""",
    r"""CREATE OR REPLACE FUNCTION date(value text, VARIADIC modifiers text[] DEFAULT NULL) RETURNS text
LANGUAGE sql STABLE AS $fn$ SELECT to_char(fa_sqlite_time(value, modifiers), 'YYYY-MM-DD') $fn$""",
    r"""CREATE OR REPLACE FUNCTION julianday(value text) RETURNS double precision LANGUAGE sql STABLE AS $fn$
SELECT extract(epoch FROM fa_sqlite_time(value, NULL))::double precision / 86400.0 + 2440587.5 $fn$""",
    r"""CREATE OR REPLACE FUNCTION fa_concat_step(acc text, x text) RETURNS text LANGUAGE sql IMMUTABLE AS $fn$
SELECT CASE WHEN x IS NULL THEN acc WHEN acc IS NULL THEN x ELSE acc || ',' || x END $fn$""",
    "CREATE OR REPLACE AGGREGATE group_concat(text) (SFUNC = fa_concat_step, STYPE = text)",
    # SQLite's comparisons are 0 or 1, so SUM(a = b) counts; PostgreSQL's are booleans.
    r"""CREATE OR REPLACE FUNCTION fa_sum_step(acc bigint, x boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS $fn$
SELECT CASE WHEN x IS NULL THEN acc ELSE COALESCE(acc, 0) + x::int END $fn$""",
    "CREATE OR REPLACE AGGREGATE sum(boolean) (SFUNC = fa_sum_step, STYPE = bigint)",
]


def install(raw) -> None:
    """Create or replace the functions on a psycopg connection."""
    for sql in FUNCTIONS:
        raw.execute(sql)
