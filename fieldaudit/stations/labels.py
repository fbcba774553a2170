"""What goes on a workstation's label, shared by the label-sheet page and `fieldaudit qr labels`."""
import socket
from urllib.parse import urlsplit

from . import qr


def labels_for(stations: list[dict], base: str) -> list[qr.Label]:
    """Labels for workstations: name, code as plain text (typed when the code cannot be scanned), site and area."""
    return [qr.Label(qr.station_url(base, w["code"]), w["name"], w["code"],
                     " · ".join(p for p in (w["site_code"], w["site_name"], w.get("area_name")) if p))
            for w in stations]


LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0")


def is_local(base: str) -> bool:
    """Whether an address only this machine can open (a label holding it scans to nothing on a tablet)."""
    host = urlsplit(base).hostname or ""
    return host in LOCAL_HOSTS or host.startswith("127.")


def lan_address() -> str:
    """This machine's address on the plant network, else its hostname; connecting a UDP socket sends nothing,
    it only asks the system which interface would be used."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    except OSError:
        pass
    return socket.gethostname() or "localhost"


def announced_base(port: int = 8000) -> str:
    """The address `fieldaudit serve --host 0.0.0.0` announces: where tablets on the plant network reach it."""
    return f"http://{lan_address()}:{port}"
