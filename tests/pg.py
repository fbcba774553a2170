"""A real PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder on a free port.

initdb refuses to run as root (CI runs the tests as root): then the server runs as the unprivileged user `nobody`
through runuser or setpriv, in a folder that user owns. A migrated template database is made once; each test gets
a fresh copy (CREATE DATABASE … TEMPLATE, a file copy on the server: much faster than migrating).
"""
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

TEMPLATE = "fieldaudit_template"
_counter = itertools.count(1)


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: on PATH, else the newest Debian /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(argv: list[str]) -> list[str]:
    """The command run as an unprivileged user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("runuser"):
        return ["runuser", "-u", "nobody", "--", *argv]
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--", *argv]


class Server:
    """A throwaway PostgreSQL cluster listening on 127.0.0.1 only, trusting local connections."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="fieldaudit-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        if os.geteuid() == 0:
            import pwd
            nobody = pwd.getpwnam("nobody")
            os.chown(self.folder, nobody.pw_uid, nobody.pw_gid)

    def url(self, dbname: str = "postgres") -> str:
        """The connection URL of one database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> None:
        """initdb, then start and wait until the server accepts connections."""
        run = dict(check=True, capture_output=True, text=True, cwd=self.folder)
        subprocess.run(_as_server_user([str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                                        "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]), **run)
        # Durability off: a test cluster is thrown away; fsync would only slow every test down.
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        try:
            subprocess.run(_as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l",
                                            str(self.log), "-o", options, "-w", "-t", "60", "start"]), **run)
        except subprocess.CalledProcessError as exc:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc

    def stop(self) -> None:
        """Stop the server and remove its folder (again: nothing)."""
        if not self.folder.exists():
            return
        subprocess.run(_as_server_user([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                                        "-w", "stop"]), capture_output=True, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def admin(self, sql: str) -> None:
        """Run one statement on the maintenance database (CREATE/DROP DATABASE)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)

    def make_template(self) -> None:
        """The migrated, empty template database every test database is copied from."""
        from fieldaudit import db as dbm
        from fieldaudit.engines import postgres

        self.admin(f"CREATE DATABASE {TEMPLATE}")
        db = postgres.connect(self.url(TEMPLATE), pooled=False)
        try:
            dbm.migrate(db)
        finally:
            db.conn.close()

    def fresh_database(self) -> str:
        """A new database copied from the template; returns its URL."""
        name = f"fieldaudit_test_{os.getpid()}_{next(_counter)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return name

    def drop(self, name: str) -> None:
        """Drop a test database, closing this process's pooled connections to it first."""
        from fieldaudit.engines import postgres

        postgres.close_pools()
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
