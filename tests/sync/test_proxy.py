"""The fault proxy itself: it forwards faithfully, counts bytes, and its faults happen (else sync tests prove nothing)."""
import pytest
import requests

from tests.e2e.harness import ServerThread
from tests.sync.proxy import Faults, FaultProxy


@pytest.fixture
def upstream(app):
    server = ServerThread(app, threads=2)
    yield server
    server.stop()


def test_it_forwards_and_counts(upstream):
    proxy = FaultProxy(upstream.port)
    try:
        reply = requests.get(f"{proxy.url}/healthz", timeout=5)
        assert reply.status_code == 200 and reply.json()["status"] == "ok"
        assert proxy.bytes_up > 50 and proxy.bytes_down > len(reply.content)
    finally:
        proxy.stop()


def test_a_cut_download_loses_the_response_and_a_cut_upload_the_request(upstream):
    proxy = FaultProxy(upstream.port)
    try:
        requests.get(f"{proxy.url}/healthz", timeout=5)
        proxy.faults = Faults(cut_download_after=proxy.bytes_down - 5)
        with pytest.raises(requests.RequestException):
            requests.get(f"{proxy.url}/healthz", timeout=5)
        proxy.faults = Faults(cut_upload_after=1000)
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/login", data=b"x" * 100_000, timeout=5)
        assert proxy.resets == 2 and proxy.bytes_up < 2000
        proxy.faults = Faults()
        assert requests.get(f"{proxy.url}/healthz", timeout=5).status_code == 200
    finally:
        proxy.stop()
