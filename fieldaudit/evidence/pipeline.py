"""Evidence photo pipeline: untrusted upload bytes in, bounded metadata-free JPEGs out."""

from __future__ import annotations

import functools
import hashlib
import io
import re
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from PIL import ExifTags, Image, ImageCms, ImageFile

from ..refusal import Refusal
from . import decoding
from .limits import DEFAULT

JPEG_QUALITY = 85
THUMB_QUALITY = 80
_MIME = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heic"}

# Everything Pillow raises on a damaged file: its decoders and header parsers are not consistent about the type.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                  ZeroDivisionError, struct.error)

# The same table as ImageOps.exif_transpose; kept here so a broken EXIF block only loses the tag, never the photo.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Names for the formats we refuse, so the message can say what the file is (first bytes → name).
_SIGNATURES = [(b"GIF8", "a GIF"), (b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF"), (b"BM", "a BMP"),
               (b"%PDF", "a PDF"), (b"8BPS", "a Photoshop (PSD)"), (b"\x00\x00\x01\x00", "an icon (ICO)")]
_ACCEPTED_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}


class PhotoError(Refusal):
    """A photo the pipeline refuses, with a user-facing message and an HTTP-ish status."""

    # 400: not an image, unsupported, damaged, empty. 413: too many bytes OR too many pixels — a pixel bomb is
    # refused with 413 (not 422) because the remedy is the same as for too many bytes: send a smaller picture.
    status = 400


@dataclass(frozen=True)
class ProcessedPhoto:
    """The result of ingest(): what the caller stores (blobs) and records (columns)."""

    original_sha256: str
    mime_in: str
    width: int
    height: int
    original_width: int  # as displayed, i.e. after EXIF orientation, like width/height
    original_height: int
    captured_at: str | None
    image: bytes
    image_sha256: str
    thumb: bytes
    thumb_sha256: str
    thumb_width: int
    thumb_height: int


@functools.cache
def _heif_available() -> bool:
    """Register pillow-heif's opener on first use, if the optional package is installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    # Thumbnails and depth maps are never used here; skipping them saves decode work and memory.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    return True


def _accepted_formats() -> list[str]:
    """Pillow plugin names tried on uploads; every other parser stays out of reach of untrusted bytes."""
    # No "MPO": Pillow's JPEG opener itself returns an MPO image for camera files with a multi-picture index.
    return ["JPEG", "PNG", "WEBP"] + (["HEIF"] if _heif_available() else [])


@contextmanager
def _quiet():
    """Silence Pillow's warnings on corrupt metadata and large images: we strip the one and check the other."""
    # catch_warnings is process-wide, not per thread; the worst a race can do is leave these two ignores in place.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield


def _unsupported(data: bytes) -> PhotoError:
    """Say what an unreadable upload is, as precisely as its first bytes allow."""
    accepted = "JPEG, PNG, WebP or HEIC" if _heif_available() else "JPEG, PNG or WebP"
    head, heic = data[:16], data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS
    kind = next((name for sig, name in _SIGNATURES if head.startswith(sig)), None)
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        kind = "an AVIF"
    if heic and not _heif_available():
        return PhotoError("This server cannot read HEIC photos. Set the camera to 'Most Compatible' (JPEG) "
                          f"or ask the administrator to install HEIC support. Accepted: {accepted}.", 400)
    if kind:
        return PhotoError(f"This file is {kind} image, which is not accepted. Photos must be {accepted}.", 400)
    if heic or head.startswith(_ACCEPTED_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return _damaged()  # an accepted format that Pillow could not parse
    return PhotoError(f"This file is not a picture that can be read. Photos must be {accepted}.", 400)


def _damaged() -> PhotoError:
    """The error for truncated or corrupt files."""
    return PhotoError("The photo file is damaged or incomplete (perhaps cut off during upload) and cannot be read. "
                      "Please send it again.", 400)


def _too_many_pixels(what: str, max_pixels: int) -> PhotoError:
    """The error for images whose pixel count exceeds the budget."""
    return PhotoError(f"The photo {what}; the limit is {max_pixels / 1e6:g} megapixels. "
                      "Use a lower camera resolution.", 413)


def _bomb(exc: Exception, max_pixels: int) -> PhotoError:
    """The error for Pillow's own decompression-bomb stop, whose message carries only the pixel count."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    claimed = f"claims {int(found.group(1)) / 1e6:.0f} megapixels" if found else "has too many pixels"
    return _too_many_pixels(claimed, max_pixels)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Parse only the header, by content, and enforce the pixel budget before any pixel is decoded."""
    try:
        im = Image.open(io.BytesIO(data), formats=_accepted_formats())
    except Image.DecompressionBombError as exc:  # Pillow's own hard stop, at 2 × MAX_IMAGE_PIXELS
        raise _bomb(exc, max_pixels) from exc
    except Image.UnidentifiedImageError as exc:
        raise _unsupported(data) from exc
    except _DECODE_ERRORS as exc:
        raise _damaged() from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        raise PhotoError("The image has no pixels (zero width or height).", 400)
    if width * height > max_pixels:
        raise _too_many_pixels(f"is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels)", max_pixels)
    _check_data_fills(data, im)
    return im


# A baseline or progressive JPEG spends at least one bit on every 8×8 block of its first component (pixels / 512
# bytes); half of that leaves room for headers and odd encoders while catching a file cut short.
JPEG_MIN_PIXELS_PER_BYTE = 1024


def _check_data_fills(data: bytes, im: Image.Image) -> None:
    """Refuse a JPEG whose data ends far before its size: libjpeg pads a cut-off scan with grey and says nothing."""
    if im.format in ("JPEG", "MPO") and len(data) * JPEG_MIN_PIXELS_PER_BYTE < im.width * im.height:
        raise _damaged()


def _load(im: Image.Image, max_pixels: int) -> None:
    """Decode the pixels; truncated data raises because LOAD_TRUNCATED_IMAGES stays False."""
    try:
        im.load()
    except Image.DecompressionBombError as exc:
        raise _bomb(exc, max_pixels) from exc
    except _DECODE_ERRORS as exc:
        raise _damaged() from exc


def _exif_value(im: Image.Image, ifd: int | None, *tags: int):
    """First present tag from the EXIF (or one of its sub-IFDs); None when the metadata is broken."""
    try:
        exif = im.getexif()
        block = exif.get_ifd(ifd) if ifd is not None else exif
        return next((block[t] for t in tags if block.get(t) not in (None, "", b"")), None)
    except Exception:  # noqa: BLE001 — metadata is optional and stripped; a broken block must not cost the photo
        return None


def _captured_at(im: Image.Image) -> str | None:
    """EXIF DateTimeOriginal (or DateTimeDigitized) as ISO 8601, with its offset when the camera wrote one."""
    raw = _exif_value(im, ExifTags.IFD.Exif, 0x9003, 0x9004)  # DateTimeOriginal, DateTimeDigitized
    if not isinstance(raw, str):
        return None
    try:
        stamp = datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders cameras write
        return None
    offset = _exif_value(im, ExifTags.IFD.Exif, 0x9011, 0x9012)  # OffsetTimeOriginal, OffsetTimeDigitized
    if isinstance(offset, str) and re.fullmatch(r"[+-]\d\d:\d\d", offset.strip("\x00 ")):
        stamp += offset.strip("\x00 ")
    return stamp


def _orient(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag to the pixels."""
    method = _ORIENTATION.get(_exif_value(im, None, ExifTags.Base.Orientation))
    return im.transpose(method) if method is not None else im


def _flatten(im: Image.Image) -> Image.Image:
    """Reduce any decoded mode to 8-bit L, RGB or CMYK; transparency is flattened on white."""
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif im.mode == "PA":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA"):
        base = "L" if im.mode == "LA" else "RGB"
        canvas = Image.new(base, im.size, "white")
        canvas.paste(im.convert(base), mask=im.getchannel("A"))
        return canvas
    if im.mode == "I" or im.mode.startswith("I;16"):
        # 16-bit samples: scale to 8 bits (a plain convert("L") clips everything above 255 to white).
        return im.convert("I").point(lambda v: v / 256).convert("L")
    if im.mode in ("L", "RGB", "CMYK"):
        return im
    return im.convert("RGB")


@functools.lru_cache(maxsize=16)
def _transform(icc: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """A cached ICC → sRGB transform, or None when the profile is unreadable or does not fit the mode."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        space = source.profile.xcolor_space.strip()
        if {"RGB": "RGB", "GRAY": "L", "CMYK": "CMYK"}.get(space) != mode:
            return None
        return ImageCms.buildTransform(source, ImageCms.createProfile("sRGB"), mode, "RGB",
                                       renderingIntent=ImageCms.Intent.PERCEPTUAL)
    except (OSError, ValueError, TypeError, ImageCms.PyCMSError):
        return None  # a broken profile: fall back to treating the pixels as sRGB


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert to sRGB through the embedded ICC profile when there is one, else plainly to RGB."""
    transform = _transform(icc, im.mode) if icc else None
    if transform is not None:
        return ImageCms.applyTransform(im, transform)
    return im if im.mode == "RGB" else im.convert("RGB")


def _bound(im: Image.Image, side: int) -> Image.Image:
    """Shrink so the long side is at most `side` (reduce by an integer factor first, then Lanczos)."""
    width, height = im.size
    if max(width, height) <= side:
        return im
    if width >= height:
        size = (side, max(1, round(height * side / width)))
    else:
        size = (max(1, round(width * side / height)), side)
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    """Encode as a baseline JPEG carrying no metadata at all (no EXIF, GPS, ICC, XMP or comment)."""
    im.info = {}  # Pillow copies a comment from im.info when saving; our images own no metadata to keep
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _draft_target(width: int, height: int, max_side: int) -> tuple[int, int] | None:
    """The aspect-correct size to ask the JPEG decoder for, rounded up so the DCT scale never undershoots."""
    long, short = max(width, height), min(width, height)
    if long <= max_side:
        return None
    short_target = max(1, -(-short * max_side // long))
    return (max_side, short_target) if width >= height else (short_target, max_side)


def _check_full_decode(source: Image.Image, max_pixels_full: int) -> None:
    """Refuse a photo that would be decoded at full size (not JPEG) and has more pixels than that budget allows."""
    width, height = source.size
    if source.format not in ("JPEG", "MPO") and width * height > max_pixels_full:
        name = {"WEBP": "WebP", "HEIF": "HEIC"}.get(source.format, source.format)
        raise PhotoError(f"The {name} photo is {width} × {height} pixels ({width * height / 1e6:.0f} megapixels); "
                         f"the limit for {name} is {max_pixels_full / 1e6:g} megapixels. Send it as a JPEG or "
                         "use a lower camera resolution.", 413)


def _decoded(data: bytes, max_pixels: int, max_side: int,
             max_pixels_full: int = DEFAULT.max_pixels_full) -> tuple[Image.Image, dict]:
    """Open, check, decode (reduced for JPEG) and orient; returns the image and the facts read on the way."""
    # Not closed with `with`: close() would free the pixels, and a BytesIO holds no OS resource to release.
    source = _open(data, max_pixels)
    _check_full_decode(source, max_pixels_full)
    size = source.size
    target = _draft_target(*size, max_side)
    if target and source.format in ("JPEG", "MPO"):
        source.draft("RGB", target)  # libjpeg decodes at 1/2, 1/4 or 1/8 scale: far less work and memory
    # Load before any metadata is read: PNG's getexif() loads the pixels itself, and a load error swallowed
    # there would leave a half-decoded image that a second load() silently accepts.
    _load(source, max_pixels)  # MPO: only the first frame (the photo) is decoded
    facts = {"format": source.format, "size": size, "captured_at": _captured_at(source),
             "icc": source.info.get("icc_profile") or None}
    oriented = _orient(source)
    return oriented, facts | {"swapped": oriented.size != source.size}


def ingest(data: bytes, *, max_side: int = DEFAULT.max_side, thumb_side: int = DEFAULT.thumb_side,
           max_pixels: int = DEFAULT.max_pixels, max_bytes: int = DEFAULT.max_bytes,
           max_pixels_full: int = DEFAULT.max_pixels_full) -> ProcessedPhoto:
    """Validate an uploaded photo and produce the bounded JPEG and thumbnail to store (see ARCHITECTURE §5)."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone flipped Pillow's global switch; we would store half-grey evidence without noticing.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False for evidence photos")
    if not data:
        raise PhotoError("The photo file is empty (0 bytes). Please take or send it again.", 400)
    if len(data) > max_bytes:
        raise PhotoError(f"The photo file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB. "
                         "Use a lower camera resolution.", 413)
    # One of the server's few decode slots for the whole decode-to-encode, where the memory and CPU go.
    with decoding.slot(), _quiet():
        im, facts = _decoded(data, max_pixels, max_side, max_pixels_full)
        original_sha256 = hashlib.sha256(data).hexdigest()
        bounded = _to_srgb(_bound(_flatten(im), max_side), facts["icc"])
        del im  # the decoded frame is no longer needed; let it go before encoding
        image = _jpeg(bounded, JPEG_QUALITY)
        thumb_image = _bound(bounded, thumb_side)
        thumb = _jpeg(thumb_image, THUMB_QUALITY)
    original_width, original_height = facts["size"]
    if facts["swapped"]:
        original_width, original_height = original_height, original_width
    return ProcessedPhoto(
        original_sha256=original_sha256, mime_in=_MIME[facts["format"]], width=bounded.width,
        height=bounded.height, original_width=original_width, original_height=original_height,
        captured_at=facts["captured_at"], image=image, image_sha256=hashlib.sha256(image).hexdigest(),
        thumb=thumb, thumb_sha256=hashlib.sha256(thumb).hexdigest(), thumb_width=thumb_image.width,
        thumb_height=thumb_image.height)
