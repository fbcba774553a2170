"""Where the shipped resources are: inside the package when installed, at the top of the checkout otherwise."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
CHECKOUT = PACKAGE.parent

# (name in the checkout, name inside the built package) — pyproject.toml's force-include maps one to the other.
_RESOURCES = {
    "templates": "templates",
    "static": "static",
    "checklists": "shipped_checklists",
    "sync": "sync_contract",
}


def resource(name: str) -> Path:
    """The folder of a shipped resource (templates, static, checklists, sync)."""
    packaged = PACKAGE / _RESOURCES[name]
    if packaged.is_dir():
        return packaged
    return CHECKOUT / name
