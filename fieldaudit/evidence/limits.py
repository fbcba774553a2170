"""The bounds of every stored photo: their one set of defaults, and how configuration overrides them."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The photo pipeline's bounds: stored long side, thumbnail side, pixel budget before decoding, bytes."""

    max_side: int = 2000
    thumb_side: int = 320
    max_pixels: int = 50_000_000
    max_bytes: int = 25 * 1024 * 1024


DEFAULT = Limits()

# Configuration keys (fieldaudit.toml, FIELDAUDIT_* variables) of each bound.
CONFIG_KEYS = {"PHOTO_MAX_SIDE": "max_side", "PHOTO_THUMB_SIDE": "thumb_side", "PHOTO_MAX_PIXELS": "max_pixels",
               "PHOTO_MAX_BYTES": "max_bytes"}


def config_defaults() -> dict:
    """The PHOTO_* entries of the configuration defaults."""
    return {key: getattr(DEFAULT, field) for key, field in CONFIG_KEYS.items()}


def from_config(config) -> Limits:
    """The bounds an installation configured (a Flask app's config or any mapping); used wherever photos are stored."""
    return Limits(**{field: int(config.get(key, getattr(DEFAULT, field))) for key, field in CONFIG_KEYS.items()})
