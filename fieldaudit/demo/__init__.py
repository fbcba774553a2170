"""The demo plant a newcomer sees: two sites with people of every role (plant), a history of audits with findings
and photos (history), CAPA in every state (capa) and controlled documents (documents). `load` runs them in order
and is safe to run again."""
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import db as dbm
from .. import settings
from . import builder, capa, documents, history, hub, kpi, programme
from .plant import describe, is_seeded, seed

__all__ = ["Loaded", "describe", "is_seeded", "load", "seed"]


@dataclass
class Loaded:
    """What one `load` added (zeros on a re-run) and the new users' passwords."""

    passwords: dict[str, str] = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    capas: int = 0
    documents: dict = field(default_factory=dict)
    programme: dict = field(default_factory=dict)
    hub: dict = field(default_factory=dict)


def load(db, store, *, hash_method: str = "scrypt", progress: Callable[[str], None] = lambda message: None,
         echo: Callable[[str], None] = lambda line: None, hub_folder: Path | None = None) -> Loaded:
    """The whole demo plant: people and places, audit history, CAPA, documents; each step adds only what is missing."""
    if settings.hub_paired(db):  # `demo --hub` ran: reference data now comes from the hub, nothing to add here
        return Loaded()
    loaded = Loaded(passwords=seed(db, hash_method=hash_method, progress=progress))
    loaded.history = history.seed_history(db, store, progress=progress)
    if loaded.history["audits"]:
        echo(f"History: {loaded.history['audits']} audits ({loaded.history['submitted']} signed), "
             f"{loaded.history['findings']} findings, {loaded.history['photos']} photos.")
    if dbm.scalar(db, "SELECT COUNT(*) FROM audits"):
        echo(f"KPI history: {kpi.seed_kpi_history(db, store, progress=progress)} more audits over the past year.")
    loaded.capas = capa.seed_capas(db, progress=progress)
    if loaded.capas:
        echo(f"CAPA: {loaded.capas} corrective actions in every state of the workflow.")
    loaded.documents = documents.seed_and_report(db, store, echo)
    if builder.seed_builder(db):
        echo("Checklist builder: forklift-check has two versions to compare; a weld cell draft is in progress.")
    loaded.programme = programme.seed_programme(db, store, progress=progress)
    if hub_folder is not None:  # last: once paired, reference data is read-only here
        loaded.hub = hub.seed_hub(db, store, hub_folder, hash_method=hash_method, echo=echo)
    return loaded
