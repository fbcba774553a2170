"""The bounds of every stored photo: their one set of defaults, and how configuration overrides them."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """The photo pipeline's bounds: stored long side, thumbnail side, pixel budgets before decoding, bytes, photos
    per request, and how many photos the whole server decodes at once."""

    max_side: int = 2000
    thumb_side: int = 320
    max_pixels: int = 50_000_000
    # PNG, WebP and HEIC cannot be decoded at a reduced size as JPEG can: every pixel costs memory and time.
    max_pixels_full: int = 24_000_000
    max_bytes: int = 25 * 1024 * 1024
    max_files: int = 10
    decode_slots: int = 2


DEFAULT = Limits()

# Configuration keys (fieldaudit.toml, FIELDAUDIT_* variables) of each bound, with the unit their message names.
CONFIG_KEYS = {"PHOTO_MAX_SIDE": ("max_side", "pixels"), "PHOTO_THUMB_SIDE": ("thumb_side", "pixels"),
               "PHOTO_MAX_PIXELS": ("max_pixels", "pixels"), "PHOTO_MAX_PIXELS_FULL": ("max_pixels_full", "pixels"),
               "PHOTO_MAX_BYTES": ("max_bytes", "bytes"), "PHOTO_MAX_FILES": ("max_files", "photos"),
               "PHOTO_DECODE_SLOTS": ("decode_slots", "photos decoded at once")}


def config_defaults() -> dict:
    """The PHOTO_* entries of the configuration: name → (default, unit)."""
    return {key: (getattr(DEFAULT, field), unit) for key, (field, unit) in CONFIG_KEYS.items()}


def from_config(config) -> Limits:
    """The bounds an installation configured (a Flask app's config or any mapping); used wherever photos are stored."""
    return Limits(**{field: int(config.get(key, getattr(DEFAULT, field))) for key, (field, _) in CONFIG_KEYS.items()})
