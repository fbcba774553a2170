"""The demo plant: two sites with areas, workstations and a user of every role, so every screen has content."""
from .. import db as dbm
from ..auth import users
from ..stations import data as stations

SITES = [
    {"code": "PLT1", "name": "Riverside Plant", "timezone": "Europe/Berlin", "address": "Hafenstraße 12, Mannheim",
     "areas": [("ASM", "Final assembly"), ("MCH", "Machining"), ("WHS", "Warehouse and goods receiving"),
               ("QLB", "Quality lab")],
     "workstations": [("ASM-01", "ASM", "Torque station 1"), ("ASM-02", "ASM", "Torque station 2"),
                      ("ASM-03", "ASM", "Leak test bench"), ("MCH-01", "MCH", "CNC lathe 1"),
                      ("MCH-02", "MCH", "CNC mill 2"), ("WHS-01", "WHS", "Goods receiving dock"),
                      ("QLB-01", "QLB", "CMM room")]},
    {"code": "PLT2", "name": "Lakeside Plant", "timezone": "America/Chicago", "address": "400 Shore Dr, Racine WI",
     "areas": [("MLD", "Injection moulding"), ("PCK", "Packing and dispatch")],
     "workstations": [("MLD-01", "MLD", "Press 1 (250 t)"), ("MLD-02", "MLD", "Press 2 (400 t)"),
                      ("PCK-01", "PCK", "Packing line 1")]},
]

# (username, display name, role, site code or None for all sites)
PEOPLE = [
    ("admin", "Ada Fischer", "admin", None),
    ("groupqm", "Ingrid Sørensen", "quality_manager", None),
    ("quality", "Łukasz Nowak", "quality_manager", "PLT1"),
    ("auditor", "Zoë Martin", "auditor", "PLT1"),
    ("operator", "Jonas Weber", "operator", "PLT1"),
    ("quality2", "Samuel Okafor", "quality_manager", "PLT2"),
    ("auditor2", "María González", "auditor", "PLT2"),
    ("operator2", "Tomás Novák", "operator", "PLT2"),
]


def seed(db, *, hash_method: str = "scrypt", progress=lambda message: None) -> dict[str, str]:
    """Create what is missing of the demo plant; returns {username: password} of the users it created."""
    for spec in SITES:
        site = stations.get_site_by_code(db, spec["code"])
        if site is None:
            progress(f"site {spec['code']} {spec['name']}")
            site = stations.create_site(db, spec["code"], spec["name"], spec["timezone"], spec["address"])
        areas = {a["code"]: a["id"] for a in stations.list_areas(db, site["id"])}
        for code, name in spec["areas"]:
            if code not in areas:
                areas[code] = stations.create_area(db, site["id"], code, name)["id"]
        for code, area_code, name in spec["workstations"]:
            if stations.get_workstation_by_code(db, code) is None:
                stations.create_workstation(db, site["id"], areas[area_code], code, name)
    created = {}
    for username, name, role, site_code in PEOPLE:
        user = users.get_user_by_username(db, username)
        if user is None:
            progress(f"user {username} ({role})")
            password = users.generate_password()
            user = users.create_user(db, username, name, password, hash_method=hash_method)
            created[username] = password
        site_id = stations.get_site_by_code(db, site_code)["id"] if site_code else None
        users.add_membership(db, user["id"], site_id, role)
    return created


def describe(db) -> list[tuple[str, str, str]]:
    """(username, name, roles) of the demo people, for the CLI's closing summary."""
    rows = []
    for username, name, _, _ in PEOPLE:
        user = users.get_user_by_username(db, username)
        if user:
            roles = ", ".join(f"{m['role']}@{m['site_code'] or 'all'}" for m in users.memberships(db, user["id"]))
            rows.append((username, name, roles))
    return rows


def is_seeded(db) -> bool:
    """Whether the demo plant is there already."""
    return dbm.scalar(db, "SELECT COUNT(*) FROM sites WHERE code = 'PLT1'") > 0
