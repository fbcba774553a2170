"""Checks on a version's attachment: a real PDF or a real image, bounded in size, named only by its hash."""
import io
import warnings

from PIL import Image
from ..refusal import Refusal

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class AttachmentError(Refusal):
    """An attachment refused, with the status that fits (413 too large, 422 not a PDF or image)."""

    status = 422


def identify(data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The MIME type of an acceptable attachment, judged by its content (never by its name or declared type)."""
    if len(data) > max_bytes:
        raise AttachmentError(f"The attachment is {len(data) / 1048576:.1f} MiB; the limit is "
                              f"{max_bytes / 1048576:.0f} MiB. Reduce it (e.g. print to PDF again at lower "
                              "image quality) and attach it again.", 413)
    if not data:
        raise AttachmentError("The attached file is empty.")
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning is a refusal here, not a log line.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                fmt = im.format
                if im.width * im.height > MAX_PIXELS:
                    raise AttachmentError(f"The image is {im.width}×{im.height} pixels; the limit is "
                                          f"{MAX_PIXELS // 1_000_000} megapixels.", 413)
                im.verify()
    except AttachmentError:
        raise
    except Exception:  # Pillow raises many types for broken or foreign files; all mean "not an image we take"
        fmt = None
    if fmt not in IMAGE_TYPES:
        raise AttachmentError("Attach a PDF or an image (PNG, JPEG or WebP); this file is neither.")
    return IMAGE_TYPES[fmt]
