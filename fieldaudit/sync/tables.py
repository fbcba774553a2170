"""Which tables sync, which way, keyed how, and which site a row belongs to: the one definition (no Flask).

DOWN is reference data authored on the hub; UP is field records made on a device (immutable once submitted);
BOTH is CAPA, merged per field by hybrid logical clock, its state changes travelling as commands. The outbox
triggers (migration 0013), the snapshot (0014), push authorization, pull filtering and apply all read this table.
"""
from dataclasses import dataclass, field

DOWN, UP, BOTH = "down", "up", "both"


@dataclass(frozen=True)
class Table:
    """One syncable table."""
    name: str
    direction: str
    key: tuple = ("id",)
    site: str | None = None  # SQL giving the row's site from a row alias `{r}`; None: every device gets it
    blobs: tuple = ()        # columns naming a blob that must be on the hub before the row is applied
    immutable: bool = False  # a differing duplicate is a conflict, never applied
    command_owned: frozenset = field(default_factory=frozenset)  # set only by commands, never by a plain update
    local: str | None = None  # SQL on `{r}`: while true the row stays here (a draft); leaving it sends it whole


def _via_audit(r: str) -> str:
    return f"(SELECT site_id FROM audits WHERE id = {r}.audit_id)"


def _via_capa(r: str) -> str:
    return f"(SELECT site_id FROM capas WHERE id = {r}.capa_id)"


# Order matters: a snapshot and a first sync apply parents before the rows that refer to them.
TABLES = [
    Table("sites", DOWN, site="{r}.id"),
    Table("areas", DOWN, site="{r}.site_id"),
    Table("workstations", DOWN, site="{r}.site_id"),
    Table("users", DOWN),  # filtered on pull: only people with a role at one of the device's sites
    Table("memberships", DOWN, site="{r}.site_id"),
    Table("checklists", DOWN),
    Table("checklist_versions", DOWN, local="{r}.status = 'draft'"),  # the builder's autosaves stay on the hub
    Table("documents", DOWN),
    Table("document_sites", DOWN, key=("document_id", "site_id")),
    Table("document_workstations", DOWN, key=("document_id", "workstation_id")),
    Table("document_versions", DOWN, blobs=("attachment_sha256",)),
    Table("document_version_authors", DOWN, key=("version_id", "user_id")),
    # The audit programme (docs/PROGRAMME.md, "On a hub"): plans and their occurrences are made on the hub; a device
    # starts a scheduled audit there and its submission marks it done, so those rows travel both ways.
    Table("audit_plans", DOWN, site="{r}.site_id"),
    Table("home_areas", DOWN, site="{r}.site_id"),
    Table("lpa_layers", DOWN, site="{r}.site_id"),
    Table("lpa_pools", DOWN, key=("checklist_id",)),
    Table("qualifications", DOWN),  # filtered on pull like users: only people with a role at the device's sites
    Table("scheduled_audits", BOTH, site="{r}.site_id"),
    Table("audits", UP, site="{r}.site_id"),
    Table("answers", UP, site="AUDIT"),
    Table("findings", UP, site="AUDIT"),
    Table("evidence", UP, site="AUDIT", blobs=("sha256", "thumb_sha256")),  # the upload itself is not kept
    Table("signatures", UP, site=("CASE {r}.record_type WHEN 'audit' THEN (SELECT site_id FROM audits WHERE id = "
                                  "{r}.record_id) WHEN 'capa' THEN (SELECT site_id FROM capas WHERE id = "
                                  "{r}.record_id) END"), immutable=True, blobs=("drawing_sha256",)),
    Table("audit_trail", UP, immutable=True),
    Table("document_acks", UP, immutable=True),
    Table("capas", BOTH, site="{r}.site_id",
          command_owned=frozenset({"state", "state_reason", "closed_at", "effectiveness_result"})),
    Table("capa_actions", BOTH, site="CAPA"),
    Table("finding_triage", BOTH, key=("finding_id",), site="{r}.site_id"),
    Table("capa_commands", BOTH, site="CAPA", immutable=True),
    Table("capa_events", BOTH, site="CAPA", immutable=True),
]

BY_NAME = {t.name: t for t in TABLES}
ORDER = {t.name: i for i, t in enumerate(TABLES)}
# Rows that refer to an audit are immutable once it is submitted; the audit row itself too.
SUBMITTED_GATED = {"audits", "answers", "findings", "evidence"}
# Fields a device never sets on any row, whatever the table: who made a row and when stays as first written.
HUB_ONLY = frozenset({"origin", "created_at"})


def site_sql(table: Table, alias: str) -> str | None:
    """SQL for a row's site id, the row being `alias` (NEW, OLD or a table alias)."""
    if table.site is None:
        return None
    if table.site == "AUDIT":
        return _via_audit(alias)
    if table.site == "CAPA":
        return _via_capa(alias)
    return table.site.format(r=alias)


def local_sql(table: Table, alias: str) -> str | None:
    """SQL true while the row `alias` stays local (never logged), or None when every row travels."""
    return f"({table.local.format(r=alias)})" if table.local else None


def key_sql(table: Table, alias: str) -> str:
    """SQL for a row's key as text: the id, or the key columns joined by '|'."""
    return " || '|' || ".join(f"{alias}.{c}" for c in table.key)


def key_of(table: Table, row: dict) -> str:
    """A row's key as text (the same as key_sql computes)."""
    return "|".join(str(row[c]) for c in table.key)


def key_where(table: Table, key: str) -> tuple[str, list]:
    """WHERE clause and parameters selecting the row with this key."""
    parts = key.split("|") if len(table.key) > 1 else [key]
    return " AND ".join(f"{c} = ?" for c in table.key), parts
