"""Download responses shared by the pages: CSV and PDF files named after what they hold."""
from flask import Response

from . import ids


def csv_response(body: str, name: str) -> Response:
    """CSV text as a download named after what it lists and when."""
    stamp = ids.utc_now().strftime("%Y%m%d-%H%M")
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


def pdf_response(body: bytes, filename: str) -> Response:
    """PDF bytes as a download called `filename` (with its .pdf)."""
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def file_response(body: bytes | str, filename: str, mimetype: str) -> Response:
    """Any file as a download called `filename`."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
