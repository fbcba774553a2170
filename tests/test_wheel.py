"""The built wheel carries its templates and static files inside the package and runs outside the checkout."""
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parent.parent
REQUIRED = ["fieldaudit/templates/base.html", "fieldaudit/static/vendor/htmx/htmx-2.0.11.min.js",
            "fieldaudit/sync_contract/README.md"]


def clean_env() -> dict:
    """The environment without anything that could point Python or FieldAudit back at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
           and not k.startswith("FIELDAUDIT_")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args, cwd, timeout=120):
    """Run a command and fail with its output when it does not succeed."""
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=clean_env(), capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out], cwd=CHECKOUT, timeout=300)
    wheels = list(out.glob("fieldaudit-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A clean virtual environment outside the checkout with the wheel installed from the package index."""
    root = tmp_path_factory.mktemp("installed")
    assert CHECKOUT not in root.parents
    run([sys.executable, "-m", "venv", root / "venv"], cwd=root)
    run([root / "venv" / "bin" / "pip", "install", "--no-input", wheel], cwd=root, timeout=240)
    return root / "venv"


def test_wheel_keeps_resources_inside_the_package(wheel):
    """Templates, static files and the sync contract live under fieldaudit/, never at the top of site-packages."""
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    for required in REQUIRED:
        assert required in names, f"{required} is missing from {wheel.name}"
    tops = {name.split("/", 1)[0] for name in names}
    assert not any(name.startswith(("templates/", "static/", "checklists/", "sync/")) for name in names)
    dist, version = wheel.name.split("-")[:2]
    assert tops == {"fieldaudit", f"{dist}-{version}.dist-info"}, f"unexpected top-level entries: {tops}"
    # Every template and static file of the checkout ships.
    for folder in ("templates", "static"):
        for path in (CHECKOUT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                packaged = f"fieldaudit/{folder}/{path.relative_to(CHECKOUT / folder).as_posix()}"
                assert packaged in names, f"{packaged} is missing from the wheel"


def test_installed_wheel_serves_outside_the_checkout(venv):
    """`fieldaudit init` and `fieldaudit serve` from the venv answer the login page and its stylesheet."""
    home = venv.parent
    data = home / "data"
    fieldaudit = venv / "bin" / "fieldaudit"

    where = run([venv / "bin" / "python", "-c", "import fieldaudit; print(fieldaudit.__file__)"], cwd=home)
    installed = Path(where.stdout.strip()).resolve()
    assert venv.resolve() in installed.parents, f"fieldaudit imported from {installed}, not from the venv"
    assert CHECKOUT not in installed.parents

    init = run([fieldaudit, "--data-dir", data, "init"], cwd=home)
    assert "Created administrator 'admin'" in init.stdout

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(fieldaudit), "--data-dir", str(data), "serve", "--port", str(port)], cwd=home,
                              env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, f"the server exited:\n{server.stdout.read()}"
            try:
                if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 30 s"
            time.sleep(0.2)

        with requests.Session() as http:
            login = http.get(f"{base}/login", timeout=10)
            assert login.status_code == 200
            assert "Sign in" in login.text
            match = re.search(r'<link rel="stylesheet" href="([^"]+)"', login.text)
            assert match, "the login page links no stylesheet"
            css = http.get(base + match.group(1), timeout=10)
            assert css.status_code == 200
            assert css.headers["Content-Type"].startswith("text/css")
            assert ".topbar" in css.text
    finally:
        server.terminate()
        try:
            server.communicate(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            server.kill()
            server.communicate()
