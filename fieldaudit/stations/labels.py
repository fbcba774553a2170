"""What goes on a workstation's label, shared by the label-sheet page and `fieldaudit qr labels`."""
from . import qr


def labels_for(stations: list[dict], base: str) -> list[qr.Label]:
    """Labels for workstations: name, code as plain text (typed when the code cannot be scanned), site and area."""
    return [qr.Label(qr.station_url(base, w["code"]), w["name"], w["code"],
                     " · ".join(p for p in (w["site_code"], w["site_name"], w.get("area_name")) if p))
            for w in stations]
