"""Report tests read every PDF back: `qpdf --check` must pass and the text is extracted with pypdf or pdftotext."""
import io
import subprocess
from pathlib import Path

from pypdf import PdfReader


def checked(data: bytes, folder: Path, name: str = "report.pdf") -> Path:
    """Write a PDF, assert it is one (magic and `qpdf --check` exit code 0), return its path."""
    assert data[:5] == b"%PDF-", data[:40]
    path = folder / name
    path.write_bytes(data)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def pages(data: bytes) -> list[str]:
    """The text of every page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def layout_text(path: Path) -> str:
    """The text as pdftotext lays it out (columns kept, pages separated by form feeds)."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_of(response, folder: Path, name: str = "report.pdf") -> tuple[Path, list[str]]:
    """A PDF response checked and read back: (its file, its pages' text)."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    data = response.get_data()
    response.close()
    return checked(data, folder, name), pages(data)
