"""Run in a hub's process environment: the demo plant's sites and people, the tests' checklist, pairing codes.

`python -m tests.sync.seed_hub N` prints {"passwords": {username: password}, "codes": [N codes for PLT1]} as JSON.
One process instead of a CLI call per step: under load each Python start costs seconds (the whole `fieldaudit demo`
is not needed: the loopback tests look at what they make themselves)."""
import json
import sys

from fieldaudit import create_app
from fieldaudit import db as dbm
from fieldaudit.checklists import parse_checklist, store
from fieldaudit.cli.common import open_db
from fieldaudit.demo import plant
from fieldaudit.stations import data as stations
from fieldaudit.sync import devices
from tests.factories import CHECKLIST


def main(count: int) -> None:
    app = create_app()
    db = open_db(app)
    passwords = plant.seed(db, hash_method=app.config["PASSWORD_HASH_METHOD"])
    store.publish(db, parse_checklist(CHECKLIST, "test-walk.yaml"), by=None)
    admin = dbm.query_one(db, "SELECT id FROM users WHERE username = 'admin'")["id"]
    site = stations.get_site_by_code(db, "PLT1")
    codes = [devices.make_code(db, [site["id"]], by=admin) for _ in range(count)]
    print(json.dumps({"passwords": passwords, "codes": codes}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
