"""Checks on a version's attachment: a real PDF, or an image made safe by the photo pipeline; named by its hash."""
from ..evidence import limits, pipeline
from ..refusal import Refusal

MAX_BYTES = 20 * 1024 * 1024
# A scanned A4 page at 300 dpi (3508 px high) keeps its full resolution; photos are bounded tighter.
MAX_SIDE = 4000
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}


class AttachmentError(Refusal):
    """An attachment refused, with the status that fits (413 too large, 422 not a PDF or image)."""

    status = 422


def prepare(data: bytes, max_bytes: int = MAX_BYTES,
            max_pixels: int = limits.DEFAULT.max_pixels) -> tuple[bytes, str]:
    """The bytes to store and their MIME type, judged by content (never by the file's name or declared type).

    A PDF is kept as sent. An image goes through the evidence photo pipeline, like any photo: decoded completely
    within the pixel budget, then stored as a new JPEG without EXIF, GPS or any other metadata.
    """
    if len(data) > max_bytes:
        raise AttachmentError(f"The attachment is {len(data) / 1048576:.1f} MiB; the limit is "
                              f"{max_bytes / 1048576:.0f} MiB. Reduce it (e.g. print to PDF again at lower "
                              "image quality) and attach it again.", 413)
    if not data:
        raise AttachmentError("The attached file is empty.")
    if data.startswith(b"%PDF-"):
        return data, "application/pdf"
    try:
        photo = pipeline.ingest(data, max_side=MAX_SIDE, max_pixels=max_pixels, max_bytes=max_bytes)
    except pipeline.PhotoError as exc:
        if exc.status == 413:
            raise AttachmentError(exc.message, 413) from exc
        raise AttachmentError(f"Attach a PDF or an image (PNG, JPEG or WebP); this file is neither or cannot be "
                              f"used: {exc.message}") from exc
    return photo.image, "image/jpeg"
