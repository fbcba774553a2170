"""One small module per database engine, for what differs in SQL: devices and site servers always run on SQLite
(`sqlite`), a head-office hub may run on PostgreSQL (`postgres`). `fieldaudit.db` dispatches here; domain code
never imports an engine."""


def is_postgres_url(target) -> bool:
    """True for a postgresql:// (or postgres://) connection URL, False for a SQLite file path."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def of(db):
    """The engine module of an opened database."""
    from . import postgres, sqlite

    return postgres if getattr(db, "engine", "sqlite") == "postgres" else sqlite
