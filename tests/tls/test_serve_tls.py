"""`fieldaudit serve --cert --key` as a real process with a certificate from `fieldaudit tls init`: a client that
trusts the plant CA gets the app over HTTPS (with HSTS and a Secure cookie); one that does not, or that expects
another name, is refused; a plain-HTTP client is told to use https://; silent connections do not lock others out."""
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from fieldaudit.tls import certs

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(env, *args, **kwargs):
    """The fieldaudit command of this checkout, as a separate process."""
    return subprocess.Popen([sys.executable, "-c", "from fieldaudit.cli import main; main()", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


@pytest.fixture(scope="module")
def https_server(tmp_path_factory):
    data = tmp_path_factory.mktemp("tls") / "data"
    env = {**os.environ, "FIELDAUDIT_DATA_DIR": str(data), "FIELDAUDIT_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
           "FIELDAUDIT_CHANNEL_TIMEOUT": "30", "PYTHONPATH": str(ROOT)}
    made = run_cli(env, "tls", "init", "--name", "localhost", "--ip", "127.0.0.1")
    output, _ = made.communicate(timeout=60)
    assert made.returncode == 0, output
    folder = certs.tls_folder(data)
    port = free_port()
    server = run_cli(env, "serve", "--port", str(port), "--cert", str(folder / certs.SERVER_FILE),
                     "--key", str(folder / certs.SERVER_KEY_FILE))
    url = f"https://localhost:{port}"
    ca = str(folder / certs.CA_FILE)
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", verify=ca, timeout=2)
            break
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"serve --cert did not start:\n{server.stdout.read()}")
            time.sleep(0.2)
    yield {"url": url, "port": port, "ca": ca, "folder": folder}
    server.terminate()
    server.communicate(timeout=10)


def test_a_client_trusting_the_plant_ca_gets_the_app_over_https(https_server):
    reply = requests.get(f"{https_server['url']}/login", verify=https_server["ca"], timeout=10)
    assert reply.status_code == 200 and 'name="csrf_token"' in reply.text
    assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Secure" in reply.headers["Set-Cookie"]
    # Also by address: 127.0.0.1 is in the certificate.
    by_address = requests.get(f"https://127.0.0.1:{https_server['port']}/healthz", verify=https_server["ca"],
                              timeout=10)
    assert by_address.status_code == 200


def test_the_system_cas_do_not_trust_it(https_server):
    with pytest.raises(requests.exceptions.SSLError, match="CERTIFICATE_VERIFY_FAILED"):
        requests.get(f"{https_server['url']}/healthz", timeout=10)


def test_a_name_the_certificate_does_not_hold_is_refused(https_server):
    context = ssl.create_default_context(cafile=https_server["ca"])
    with socket.create_connection(("127.0.0.1", https_server["port"]), timeout=10) as raw:
        with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
            context.wrap_socket(raw, server_hostname="audit.other-plant.lan")


def test_plain_http_is_told_to_use_https(https_server):
    reply = requests.get(f"http://localhost:{https_server['port']}/login", timeout=10)
    assert reply.status_code == 400 and "https://" in reply.text


def test_silent_connections_do_not_lock_the_tablets_out(https_server):
    # cheroot shakes hands in its accepting thread and gives every new connection a worker; 40 connections that
    # never send a byte (more than the 8 workers) would keep everyone else waiting for the 30 s timeout.
    silent = [socket.create_connection(("127.0.0.1", https_server["port"]), timeout=5) for _ in range(40)]
    try:
        time.sleep(0.3)
        reply = requests.get(f"{https_server['url']}/healthz", verify=https_server["ca"], timeout=8)
        assert reply.status_code == 200
    finally:
        for s in silent:
            s.close()


def test_hsts_only_over_https(client):
    # Plain HTTP must never carry it (a server later moved back to HTTP would be unreachable for a year).
    assert "Strict-Transport-Security" not in client.get("/login").headers
    assert client.get("/login", base_url="https://localhost").headers["Strict-Transport-Security"] == \
        "max-age=31536000"
