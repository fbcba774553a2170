"""A stateful property test: a hub and two devices of one site, edits everywhere, a transport that drops,
duplicates, cuts, loses answers after commit and restarts the hub; after a final clean sync every replica holds
the same records, nothing lost or doubled, and conflicts only where one field was changed on two sides."""
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from fieldaudit import config, create_app
from fieldaudit import db as dbm
from fieldaudit.audits import data as audits
from fieldaudit.capa.data import create_capa, get_capa, save_fields
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.refusal import Refusal
from fieldaudit.sync import devices, link, outbox
from tests.factories import CHECKLIST, FAST_HASH, make_site, make_user
from tests.sync.conftest import HUB_URL, Device
from tests.sync.transport import Faults

FIELDS = ("title", "description", "root_cause")
COMPARED = ("title", "description", "root_cause", "state", "owner_id", "containment")
SIDES = ("hub", "d1", "d2")


def _app(data: Path, hub: bool, database_url: str | None = None):
    settings = {"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True}
    if database_url:
        settings["DATABASE_URL"] = database_url
    app = create_app(settings)
    if hub:
        app.config["MODE"] = "hub"
    return app


class Replicas(RuleBasedStateMachine):
    """Hub + two devices; rules edit, sync through faults and restart."""
    new_hub_database = None  # the PostgreSQL variant sets it: a callable giving a fresh database's URL

    def __init__(self):
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="fa-sync-prop-"))
        hub_dir = self.root / "hub"
        hub_url = type(self).new_hub_database() if type(self).new_hub_database else None
        self.hub_app = _app(hub_dir, True, hub_url)
        self.hub = dbm.connect(config.database_target(self.hub_app.config))
        site = make_site(self.hub, "PLTA")
        self.qm = make_user(self.hub, "qm", "quality_manager", site)
        self.auditor = make_user(self.hub, "aud", "auditor", site)
        admin = make_user(self.hub, "root", "admin", all_sites=True)
        self.version, _ = store.publish(self.hub, parse_checklist(CHECKLIST, "walk.yaml"), by=None)
        self.capa = create_capa(self.hub, site=site, title="Start", by=self.qm["id"], owner_id=self.qm["id"])
        template = Path(config.database_path(self.hub_app.config)).parent
        self.devices = {}
        for n, name in enumerate(("d1", "d2")):
            data = self.root / name
            data.mkdir()
            fresh = create_app({"DATA_DIR": str(data), "PASSWORD_HASH_METHOD": FAST_HASH, "TESTING": True})
            conn = dbm.connect(config.database_path(fresh.config))
            conn.conn.close()
            device = Device(data, lambda: _app(hub_dir, True, hub_url), Faults(rate=0.5, seed=n + 1, methods=("POST", "PATCH")))
            code = devices.make_code(self.hub, [site["id"]], by=admin["id"])
            device.transport.faults.rate = 0
            link.pair_with_hub(device.db, HUB_URL, code, name=name, session=device.http)
            device.sync()
            device.transport.faults.rate = 0.5
            self.devices[name] = device
        self.edited = {f: set() for f in FIELDS}
        self.audits = {name: [] for name in self.devices}
        del template

    def db_of(self, side):
        return self.hub if side == "hub" else self.devices[side].db

    @rule(side=st.sampled_from(SIDES), field=st.sampled_from(FIELDS), text=st.text("abc xyz", min_size=1,
                                                                                    max_size=8))
    def edit_capa(self, side, field, text):
        db = self.db_of(side)
        capa = get_capa(db, self.capa["id"])
        if capa is None:
            return
        changed, _ = save_fields(db, capa, {field: f"{side}:{text}"}, self.qm["id"])
        if changed:
            self.edited[field].add(side)

    @rule(name=st.sampled_from(("d1", "d2")), value=st.sampled_from(("yes", "no")))
    def start_audit(self, name, value):
        device = self.devices[name]
        site = dbm.query_one(device.db, "SELECT * FROM sites")
        made = audits.create_audit(device.db, site=site, checklist_version_id=self.version["id"],
                                   auditor_id=self.auditor["id"])
        audits.save_answer(device.db, made, "guard", value, None, self.auditor["id"])
        self.audits[name].append(made)

    @precondition(lambda self: any(self.audits.values()))
    @rule(name=st.sampled_from(("d1", "d2")), value=st.sampled_from(("yes", "no")), pick=st.integers(0, 5))
    def answer(self, name, value, pick):
        if not self.audits[name]:
            return
        made = self.audits[name][pick % len(self.audits[name])]
        audits.save_answer(self.devices[name].db, made, "guard", value, None, self.auditor["id"])

    @rule(name=st.sampled_from(("d1", "d2")))
    def sync(self, name):
        try:
            self.devices[name].sync()
        except Refusal as exc:
            assert exc.status == 503, exc.message  # only "the network failed five times": the next sync goes on

    @rule()
    def sync_both(self):
        for name in ("d1", "d2"):
            self.sync(name)

    @rule(name=st.sampled_from(("d1", "d2")))
    def restart_device(self, name):
        self.devices[name].restart()

    @invariant()
    def no_change_is_applied_twice_on_the_hub(self):
        assert dbm.scalar(self.hub, "SELECT COUNT(*) FROM changes WHERE source IS NOT NULL") == dbm.scalar(
            self.hub, "SELECT COUNT(DISTINCT id) FROM changes WHERE source IS NOT NULL")

    def teardown(self):
        try:
            for device in self.devices.values():
                device.transport.faults.rate = 0
                device.transport.faults.script = []
            for name in ("d1", "d2", "d1", "d2"):
                self.devices[name].sync()
            self.check_converged()
        finally:
            for device in self.devices.values():
                device.db.conn.close()
            self.hub.conn.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def check_converged(self):
        for name, device in self.devices.items():
            assert outbox.backlog(device.db) == 0
            for table in ("audits", "answers", "audit_trail"):
                here = dbm.query(device.db, f"SELECT * FROM {table} WHERE origin = ? ORDER BY id"
                                 if table != "audit_trail" else f"SELECT * FROM {table} WHERE writer = ? ORDER BY id",
                                 (dbm.scalar(device.db, "SELECT value FROM settings WHERE key = 'device_id'"),))
                ids_ = [r["id"] for r in here]
                there = dbm.query(self.hub, f"SELECT * FROM {table} WHERE id IN ({','.join('?' * len(ids_))})"
                                            " ORDER BY id", ids_) if ids_ else []
                assert there == here, (name, table)
        rows = [get_capa(self.db_of(side), self.capa["id"]) for side in SIDES]
        for field in COMPARED:
            assert len({row[field] for row in rows}) == 1, (field, [row[field] for row in rows])
        recorded = dbm.query(self.hub, "SELECT change_id, field FROM sync_conflicts WHERE tbl = 'capas'")
        assert len(recorded) == len({(c["change_id"], c["field"]) for c in recorded})  # each once
        flagged = dbm.scalar(self.hub, "SELECT COUNT(*) FROM capa_events WHERE kind = 'sync_conflict'")
        assert flagged == len([c for c in recorded if c["field"] != "state"])
        for conflict in dbm.query(self.hub, "SELECT * FROM sync_conflicts WHERE tbl = 'capas'"):
            assert len(self.edited.get(conflict["field"], ())) >= 2, conflict


Replicas.TestCase.settings = settings(max_examples=4, stateful_step_count=20, deadline=None,
                                      suppress_health_check=list(HealthCheck))
TestReplicas = pytest.mark.slow(Replicas.TestCase)


@pytest.mark.slow
def test_replicas_converge_with_the_hub_on_postgresql(pg_server):
    """The same property with the hub's store on PostgreSQL (devices stay on SQLite)."""
    from hypothesis.stateful import run_state_machine_as_test

    class OnPostgres(Replicas):
        new_hub_database = staticmethod(lambda: pg_server.url(pg_server.fresh_database()))

    run_state_machine_as_test(OnPostgres, settings=Replicas.TestCase.settings)



