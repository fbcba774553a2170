"""The plant CA and server certificate from `fieldaudit tls init`: what tablets (iOS's 825-day rule, SAN, serverAuth)
and a verifier need, keys only the server's account can read, reuse of the CA, and the check `serve` runs."""
import datetime as dt
import ipaddress
import os
import stat

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from fieldaudit.cli import main
from fieldaudit.tls import certs

NAMES, ADDRESSES = ["audit.plant.lan", "localhost"], ["127.0.0.1", "10.1.2.3"]


def load(path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


@pytest.fixture
def issued(tmp_path):
    return certs.init(tmp_path, NAMES, ADDRESSES)


def test_server_certificate_is_what_tablets_accept(issued):
    cert, ca = load(issued.cert), load(issued.ca)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == NAMES
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address(a) for a in ADDRESSES]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= dt.timedelta(days=825)
    assert cert.not_valid_before_utc < dt.datetime.now(dt.timezone.utc)  # a tablet a few minutes behind accepts it
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    # A verifier with the web's rules (chain, names, key usage, validity) accepts it for each name and address.
    store = verification.Store([ca])
    for name in NAMES:
        verification.PolicyBuilder().store(store).build_server_verifier(verification.DNSName(name)).verify(cert, [])
    for address in ADDRESSES:
        verifier = verification.PolicyBuilder().store(store).build_server_verifier(
            verification.IPAddress(ipaddress.ip_address(address)))
        verifier.verify(cert, [])
    with pytest.raises(verification.VerificationError):
        verification.PolicyBuilder().store(store).build_server_verifier(
            verification.DNSName("intranet.example.com")).verify(cert, [])


def test_the_ca_is_long_lived_and_may_only_certify_plant_names(issued):
    ca = load(issued.ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > dt.timedelta(days=10 * 365)
    nc = ca.extensions.get_extension_for_class(x509.NameConstraints)
    assert nc.critical
    permitted = {g.value for g in nc.value.permitted_subtrees if isinstance(g, x509.DNSName)}
    assert {"plant.lan", "localhost", "local"} <= permitted and "com" not in permitted
    # A certificate the CA's key signed for a public name is refused by a verifier that honours the constraints.
    ca_key = serialization.load_pem_private_key((issued.folder / certs.CA_KEY_FILE).read_bytes(), None)
    rogue, _ = certs._make_server(ca, ca_key, ["www.bank.example"], [], dt.datetime.now(dt.timezone.utc))
    with pytest.raises(verification.VerificationError):
        verification.PolicyBuilder().store(verification.Store([ca])).build_server_verifier(
            verification.DNSName("www.bank.example")).verify(rogue, [])


def test_keys_are_readable_by_the_owner_only(issued):
    for name in (certs.CA_KEY_FILE, certs.SERVER_KEY_FILE):
        assert stat.S_IMODE(os.stat(issued.folder / name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(issued.folder).st_mode) == 0o700
    key = serialization.load_pem_private_key((issued.folder / certs.CA_KEY_FILE).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)


def test_running_again_keeps_the_ca_and_renews_the_server_certificate(issued, tmp_path):
    ca_before, cert_before = issued.ca.read_bytes(), load(issued.cert)
    again = certs.init(tmp_path, NAMES + ["audit2.plant.lan"], ADDRESSES)
    assert not again.ca_created and again.ca.read_bytes() == ca_before
    renewed = load(again.cert)
    assert renewed.serial_number != cert_before.serial_number
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert renewed.public_key().public_bytes(*spki) != cert_before.public_key().public_bytes(*spki)  # a new key
    assert "audit2.plant.lan" in certs.names_of(renewed)
    assert certs.check_pair(again.cert, again.key).names == certs.names_of(renewed)


def test_a_name_outside_the_cas_constraints_is_refused_with_the_way_out(issued, tmp_path):
    with pytest.raises(certs.TlsError, match="may only certify.*www.example.com.*run `fieldaudit tls init` again"):
        certs.init(tmp_path, ["www.example.com"], ["127.0.0.1"])
    with pytest.raises(certs.TlsError, match="8.8.8.8"):
        certs.init(tmp_path, ["audit.plant.lan"], ["8.8.8.8"])


def test_defaults_name_this_machine():
    names, addresses = certs.default_names()
    assert "localhost" in names and "127.0.0.1" in addresses
    assert all(not ipaddress.ip_address(a).is_unspecified for a in addresses)


def test_tls_init_command_prints_the_files_and_next_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["tls", "init", "--name", "audit.plant.lan", "--ip", "10.1.2.3"])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "data" / "tls"
    assert f"Made the plant certificate authority: {folder / certs.CA_FILE}" in result.output
    assert f"--cert {folder / certs.SERVER_FILE} --key {folder / certs.SERVER_KEY_FILE}" in result.output
    assert "audit.plant.lan, 10.1.2.3" in result.output
    again = CliRunner().invoke(main, ["tls", "init", "--name", "audit.plant.lan", "--ip", "10.1.2.3"])
    assert "Reused the plant certificate authority" in again.output
    bad = CliRunner().invoke(main, ["tls", "init", "--ip", "not-an-address"])
    assert bad.exit_code == 1 and "not-an-address" in bad.output and "Traceback" not in bad.output


# -- the check `serve --cert --key` runs before it listens ---------------------------------------------------------

@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAUDIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FIELDAUDIT_PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    return lambda *args: CliRunner().invoke(main, list(args), catch_exceptions=False)


def other_pair(tmp_path):
    return certs.init(tmp_path / "other", ["localhost"], ["127.0.0.1"])


def _bad_pairs(tmp_path, issued):
    """(cert, key, expected message) for each way a pair can be unusable."""
    other = other_pair(tmp_path)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("hello\n")
    locked = tmp_path / "locked.key"
    key = serialization.load_pem_private_key(issued.key.read_bytes(), None)
    locked.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.BestAvailableEncryption(b"secret")))
    expired = certs.init(tmp_path / "old", ["localhost"], ["127.0.0.1"],
                         now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=900))
    return [
        (tmp_path / "missing.crt", issued.key, "does not exist"),
        (issued.cert, tmp_path / "missing.key", "does not exist"),
        (tmp_path, issued.key, "is a folder"),
        (garbage, issued.key, "is not a PEM certificate"),
        (issued.cert, garbage, "is not a PEM private key"),
        (issued.cert, other.key, "is not the key of"),
        (issued.cert, locked, "protected by a passphrase"),
        (expired.cert, expired.key, "expired on"),
    ]


def test_serve_refuses_an_unusable_certificate_or_key_in_one_line(cli, tmp_path, issued):
    for cert, key, message in _bad_pairs(tmp_path, issued):
        result = cli("serve", "--port", "0", "--cert", str(cert), "--key", str(key))
        assert result.exit_code == 1, (message, result.output)
        assert message in result.output and "Traceback" not in result.output
        assert "running at" not in result.output


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root (or Windows) reads any file")
def test_serve_refuses_an_unreadable_key(cli, issued):
    issued.key.chmod(0)
    result = cli("serve", "--cert", str(issued.cert), "--key", str(issued.key))
    assert result.exit_code == 1 and "permission denied" in result.output


def test_serve_needs_both_files_and_no_proxy_for_tls(cli, issued, monkeypatch):
    result = cli("serve", "--cert", str(issued.cert))
    assert result.exit_code == 1 and "give both --cert FILE and --key FILE" in result.output
    monkeypatch.setenv("FIELDAUDIT_PROXY_COUNT", "1")
    result = cli("serve", "--cert", str(issued.cert), "--key", str(issued.key))
    assert result.exit_code == 1 and "let the proxy do HTTPS" in result.output
