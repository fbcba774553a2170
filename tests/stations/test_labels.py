"""QR codes and label sheets, decoded back with a real decoder: from the PNG and from the rasterised PDF."""
import io
import subprocess
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from fieldaudit.cli import main
from fieldaudit.stations import data as stations
from fieldaudit.stations import labels, qr

BASE = "https://audit.riverside.example:8443/fa/"


def decode(image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in an image."""
    return sorted(r.text for r in zxingcpp.read_barcodes(image))


def rasterise(pdf: bytes, folder) -> list[Image.Image]:
    """The PDF's pages as 150 dpi PNGs, through poppler's pdftoppm (as a print shop's RIP would see them)."""
    source = folder / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(folder / "page")], check=True)
    return [Image.open(p) for p in sorted(folder.glob("page*.png"))]


def qpdf_check(pdf: bytes, folder) -> None:
    path = folder / "check.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("code", ["ASM-01", "MCH-02", "A1"])
def test_png_decodes_to_the_exact_station_url(code):
    url = qr.station_url(BASE, code)
    assert url == f"https://audit.riverside.example:8443/fa/w/{code}"
    assert decode(Image.open(io.BytesIO(qr.png(url)))) == [url]


def test_svg_is_a_standalone_image_without_inline_style():
    svg = qr.svg(qr.station_url(BASE, "ASM-01"))
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and root.get("viewBox")
    assert b"style" not in svg and b"<script" not in svg


@pytest.mark.parametrize("paper, size_pt", [("a4", (595.28, 841.89)), ("letter", (612.0, 792.0))])
def test_label_sheet_passes_qpdf_and_every_code_decodes(tmp_path, paper, size_pt):
    labels = [qr.Label(qr.station_url(BASE, f"ST-{n:02d}"), f"Torque station {n} — Łódź line", f"ST-{n:02d}",
                       "PLT1 · Riverside Plant · Final assembly") for n in range(14)]
    seen = []
    pdf = qr.label_sheet(labels, paper, progress=seen.append)
    assert seen == labels
    qpdf_check(pdf, tmp_path)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(size_pt[0], 1), round(size_pt[1], 1))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "ST-13" in text and "Łódź line" in text and "Riverside Plant" in text
    found = [url for page in rasterise(pdf, tmp_path) for url in decode(page)]
    assert sorted(found) == sorted(label.url for label in labels)


def test_label_sheet_refuses_bad_input():
    with pytest.raises(ValueError):
        qr.label_sheet([], "a4")
    with pytest.raises(ValueError):
        qr.label_sheet([qr.Label("https://x/w/A", "A", "A")], "a3")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("FIELDAUDIT_BASE_URL", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_cli_writes_a_site_label_sheet_with_progress(cli, tmp_path, app_db_with_plant):
    out = tmp_path / "labels.pdf"
    result = cli("qr", "labels", "--site", "plta", "-o", str(out), "--base-url", "http://10.0.0.5:8000",
                 "--paper", "letter")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 label(s) on 1 LETTER page(s)" in result.output and "Labels for PLTA" in result.output
    qpdf_check(out.read_bytes(), tmp_path)
    (page,) = rasterise(out.read_bytes(), tmp_path)
    assert decode(page) == ["http://10.0.0.5:8000/w/A-01", "http://10.0.0.5:8000/w/A-02"]


def test_cli_without_a_base_url_uses_the_address_serve_announces_and_warns(cli, tmp_path, app_db_with_plant,
                                                                           monkeypatch):
    """Bug 8: the README's command failed with "give --base-url"."""
    monkeypatch.setattr(labels, "lan_address", lambda: "10.1.2.3")
    out = tmp_path / "x.pdf"
    result = cli("qr", "labels", "--site", "PLTA", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "Warning: no --base-url" in result.output and "Tablets must reach" in result.output
    assert decode(rasterise(out.read_bytes(), tmp_path)[0]) == ["http://10.1.2.3:8000/w/A-01",
                                                                "http://10.1.2.3:8000/w/A-02"]


def test_cli_warns_that_a_localhost_label_opens_nowhere_else(cli, tmp_path, app_db_with_plant):
    result = cli("qr", "labels", "--site", "PLTA", "-o", str(tmp_path / "x.pdf"), "--base-url",
                 "http://127.0.0.1:8000")
    assert result.exit_code == 0 and "opens only on this computer" in result.output


def test_cli_needs_a_full_url_and_a_known_site(cli, tmp_path, app_db_with_plant):
    out = tmp_path / "x.pdf"
    bad = cli("qr", "labels", "--site", "PLTA", "-o", str(out), "--base-url", "audit.plant.local")
    assert bad.exit_code == 1 and "--base-url" in bad.output and not out.exists()
    unknown = cli("qr", "labels", "--site", "NOPE", "-o", str(out), "--base-url", "http://h")
    assert unknown.exit_code == 1 and "no site" in unknown.output
    one = cli("qr", "labels", "--site", "PLTA", "-o", str(out), "--base-url", "http://h", "--workstation", "a-02")
    assert one.exit_code == 0 and "Wrote 1 label(s)" in one.output


@pytest.fixture
def app_db_with_plant(tmp_path):
    """A data folder (the one the CLI fixture points at) with a site of two stations."""
    from fieldaudit import config, create_app
    from fieldaudit import db as dbm

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    db = dbm.connect(config.database_path(app.config))
    site = stations.create_site(db, "PLTA", "Plant A", "Europe/Berlin")
    stations.create_workstation(db, site["id"], None, "A-01", "Station A1")
    stations.create_workstation(db, site["id"], None, "A-02", "Station A2")
    db.conn.close()


def test_web_label_sheet_for_a_selection_and_the_qr_images(auth, plant, db, tmp_path):
    second = stations.create_workstation(db, plant["a"]["id"], None, "A-02", "Station A2")
    auth.login("aud.a")
    site = plant["a"]["id"]
    page = auth.client.get(f"/sites/{site}/labels").get_data(as_text=True)
    assert "A-02" in page and "Letter" in page
    with auth.client.get(f"/sites/{site}/labels.pdf?paper=a4&ws={second['id']}") as response:
        assert response.mimetype == "application/pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "labels-PLTA-a4.pdf" in response.headers["Content-Disposition"]
        pdf = response.data
    qpdf_check(pdf, tmp_path)
    # With no BASE_URL set, labels point at the URL the app is served at.
    assert decode(rasterise(pdf, tmp_path)[0]) == ["http://localhost/w/A-02"]
    png = auth.client.get("/w/A-01/qr.png")
    assert png.mimetype == "image/png" and decode(Image.open(io.BytesIO(png.data))) == ["http://localhost/w/A-01"]
    assert auth.client.get("/w/A-01/qr.svg").mimetype == "image/svg+xml"
    assert auth.client.get(f"/sites/{site}/labels.pdf?paper=a3").status_code == 400
    auth.logout()
    auth.login("aud.b")
    assert auth.client.get(f"/sites/{site}/labels.pdf").status_code == 404
    assert auth.client.get("/w/A-01/qr.png").status_code == 404


def test_base_url_setting_wins_and_renaming_keeps_the_label(auth, app, plant, db):
    app.config["BASE_URL"] = "https://fa.plant.example"
    auth.login("aud.a")
    before = decode(Image.open(io.BytesIO(auth.client.get("/w/A-01/qr.png").data)))
    stations.update_workstation(db, plant["ws_a"]["id"], "Torque station (new name)", plant["area_a"]["id"])
    after = decode(Image.open(io.BytesIO(auth.client.get("/w/A-01/qr.png").data)))
    assert before == after == ["https://fa.plant.example/w/A-01"]
    assert "Torque station (new name)" in auth.client.get("/w/A-01").get_data(as_text=True)


def test_labels_never_follow_the_host_header(app, auth, plant):
    # Host: evil.example would otherwise be printed on labels that hang at the stations for years.
    auth.login("aud.a")
    cookie = auth.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    forged = app.test_client(use_cookies=False)
    headers = {"Host": "evil.example", "Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
    page = forged.get(f"/sites/{plant['a']['id']}/labels", headers=headers)
    assert page.status_code == 200 and "evil.example" not in page.get_data(as_text=True)
    png = forged.get("/w/A-01/qr.png", headers=headers)
    assert png.status_code == 200
    assert decode(Image.open(io.BytesIO(png.data))) == ["http://localhost/w/A-01"]


def test_label_pages_warn_when_the_address_is_localhost(auth, plant):
    """Words: the label page printed whatever address the browser used (localhost) without a warning."""
    auth.login("aud.a")
    page = auth.client.get(f"/sites/{plant['a']['id']}/labels").get_data(as_text=True)
    assert "would open only on this computer" in page
    station = auth.client.get(f"/workstations/{plant['ws_a']['id']}").get_data(as_text=True)
    assert "opens only on this computer" in station
    far = auth.client.get(f"/sites/{plant['a']['id']}/labels", base_url="http://10.0.0.5:8000")
    assert "would open only on this computer" not in far.get_data(as_text=True)
