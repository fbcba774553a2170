"""A plant-local certificate authority and the site server's certificate (no Flask), and the check `serve` runs on
a certificate and key before it listens."""
import datetime as dt
import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE, CA_KEY_FILE = "fieldaudit-ca.crt", "fieldaudit-ca.key"
SERVER_FILE, SERVER_KEY_FILE = "server.crt", "server.key"
CA_DAYS = 20 * 365
# iOS and macOS refuse TLS server certificates valid for more than 825 days, whoever issued them.
SERVER_DAYS = 825
# Tablet clocks run a little wrong; a certificate "not valid yet" for a few minutes would lock them out.
BACKDATE = dt.timedelta(hours=1)
# Addresses the CA may vouch for besides the ones it was made for: private, loopback and link-local ranges only, so a
# stolen CA key cannot impersonate a public site to every tablet that trusts it.
PRIVATE_NETS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
                "100.64.0.0/10", "::1/128", "fc00::/7", "fe80::/10")
LOCAL_SUFFIXES = ("localhost", "local", "lan", "internal", "home.arpa", "localdomain")


class TlsError(ValueError):
    """A certificate or key that cannot be used; the message says which file and what to do."""


@dataclass(frozen=True)
class Issued:
    """What `init` made: the files, whether the CA is new, and what the server certificate names."""

    folder: Path
    ca_created: bool
    names: tuple[str, ...]
    addresses: tuple[str, ...]
    not_after: dt.datetime

    @property
    def ca(self) -> Path:
        return self.folder / CA_FILE

    @property
    def cert(self) -> Path:
        return self.folder / SERVER_FILE

    @property
    def key(self) -> Path:
        return self.folder / SERVER_KEY_FILE


def tls_folder(data_dir) -> Path:
    """Where `tls init` keeps the CA and the server certificate: the data folder's `tls/`."""
    return Path(data_dir) / "tls"


def default_names() -> tuple[list[str], list[str]]:
    """This machine's host names and addresses: hostname (and its FQDN), localhost, 127.0.0.1 and ::1, and every
    non-loopback address the hostname resolves to or the default route uses."""
    from ..stations.labels import lan_address

    host = socket.gethostname()
    names = [n for n in dict.fromkeys([host, socket.getfqdn(), "localhost"]) if n]
    addresses = ["127.0.0.1", "::1"]
    try:
        found = {info[4][0].split("%")[0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        found = set()
    found.add(lan_address())
    for text in sorted(found):
        try:
            ip = ipaddress.ip_address(text)
        except ValueError:
            continue
        if not ip.is_loopback and not ip.is_unspecified:
            addresses.append(str(ip))
    return names, list(dict.fromkeys(addresses))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _write(path: Path, data: bytes, private: bool) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file; keys are 0600 from birth."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _constraints(names: list[str], addresses: list[str]) -> x509.NameConstraints:
    """Names the CA may certify: the server's names (and the domain they sit in), local suffixes, and private,
    loopback and link-local addresses plus the server's own."""
    dns = set(LOCAL_SUFFIXES)
    for name in names:
        labels = name.lower().rstrip(".").split(".")
        dns.add(".".join(labels[1:]) if len(labels) > 2 else ".".join(labels))
    nets = [ipaddress.ip_network(n) for n in PRIVATE_NETS]
    for text in addresses:
        ip = ipaddress.ip_address(text)
        if not any(ip in net for net in nets):
            nets.append(ipaddress.ip_network(ip))
    permitted = [x509.DNSName(d) for d in sorted(dns)] + [x509.IPAddress(n) for n in nets]
    return x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None)


def _make_ca(names: list[str], addresses: list[str], now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FieldAudit"),
                         x509.NameAttribute(NameOID.COMMON_NAME,
                                            f"FieldAudit plant CA ({socket.gethostname()}, {now:%Y-%m-%d})")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE).not_valid_after(now - BACKDATE + dt.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(_constraints(names, addresses), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _load_ca(folder: Path):
    cert = x509.load_pem_x509_certificate((folder / CA_FILE).read_bytes())
    key = serialization.load_pem_private_key((folder / CA_KEY_FILE).read_bytes(), password=None)
    return cert, key


def _check_permitted(ca: x509.Certificate, names: list[str], addresses: list[str]) -> None:
    """Refuse a server name the existing CA's name constraints do not allow (the tablets would refuse it)."""
    try:
        nc = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return
    dns = [g.value.lower() for g in nc.permitted_subtrees or [] if isinstance(g, x509.DNSName)]
    nets = [g.value for g in nc.permitted_subtrees or [] if isinstance(g, x509.IPAddress)]
    outside = [n for n in names if not any(n.lower() == d or n.lower().endswith("." + d) for d in dns)]
    outside += [a for a in addresses if not any(ipaddress.ip_address(a) in net for net in nets)]
    if outside:
        raise TlsError(f"the plant CA may only certify {', '.join(dns)} and private addresses, not "
                       f"{', '.join(outside)}. To cover them, move the tls folder's {CA_FILE} and {CA_KEY_FILE} "
                       "away and run `fieldaudit tls init` again (a new CA: install it on every tablet again).")


def _make_server(ca_cert, ca_key, names: list[str], addresses: list[str], now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    not_before = now - BACKDATE
    cert = (x509.CertificateBuilder()
            # Browsers read only the SAN; OpenSSL checks a host-like CN against the CA's name constraints when
            # there is no DNS name, so an address-only certificate gets a CN that is not a host name.
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                        names[0] if names else "FieldAudit site server")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_before + dt.timedelta(days=SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return cert, key


def init(data_dir, names: list[str] | None = None, addresses: list[str] | None = None,
         now: dt.datetime | None = None) -> Issued:
    """Make the plant CA if there is none (else reuse it) and a new server certificate for `names` and
    `addresses` (default: this machine's, see `default_names`)."""
    found_names, found_addresses = default_names()
    names = list(dict.fromkeys(n.strip().lower().rstrip(".") for n in (names or found_names) if n.strip()))
    try:
        addresses = list(dict.fromkeys(str(ipaddress.ip_address(a.strip())) for a in (addresses or found_addresses)))
    except ValueError as exc:
        raise TlsError(f"{exc}; give IP addresses with --ip, host names with --name") from None
    if not names and not addresses:
        raise TlsError("the certificate must name at least one host name or address")
    now = now or _now()
    folder = tls_folder(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = not (folder / CA_FILE).exists()
    if created:
        ca_cert, ca_key = _make_ca(names, addresses, now)
        _write(folder / CA_KEY_FILE, _key_pem(ca_key), private=True)
        _write(folder / CA_FILE, _cert_pem(ca_cert), private=False)
    else:
        try:
            ca_cert, ca_key = _load_ca(folder)
        except (OSError, ValueError, TypeError) as exc:
            raise TlsError(f"the plant CA in {folder} cannot be read ({exc})") from None
        _check_permitted(ca_cert, names, addresses)
    cert, key = _make_server(ca_cert, ca_key, names, addresses, now)
    _write(folder / SERVER_KEY_FILE, _key_pem(key), private=True)
    _write(folder / SERVER_FILE, _cert_pem(cert), private=False)
    return Issued(folder, created, tuple(names), tuple(addresses), cert.not_valid_after_utc)


@dataclass(frozen=True)
class Checked:
    """A usable certificate: what it names and until when."""

    names: tuple[str, ...]
    not_after: dt.datetime


def check_pair(cert_path, key_path, now: dt.datetime | None = None) -> Checked:
    """Read a PEM certificate (the first one of a chain file) and its key; TlsError says what is wrong."""
    cert_bytes = _read(cert_path, "certificate")
    key_bytes = _read(key_path, "key")
    try:
        cert = x509.load_pem_x509_certificates(cert_bytes)[0]
    except ValueError:
        raise TlsError(f"{cert_path} is not a PEM certificate (it should begin with "
                       "-----BEGIN CERTIFICATE-----)") from None
    try:
        key = serialization.load_pem_private_key(key_bytes, password=None)
    except TypeError:
        raise TlsError(f"{key_path} is protected by a passphrase; the server starts unattended, so give it an "
                       "unencrypted key (keep the file readable by the server's account only)") from None
    except ValueError:
        raise TlsError(f"{key_path} is not a PEM private key (it should begin with -----BEGIN PRIVATE KEY-----)") \
            from None
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
        raise TlsError(f"{key_path} is not the key of {cert_path} (the two files do not belong together)")
    now = now or _now()
    if cert.not_valid_after_utc < now:
        raise TlsError(f"{cert_path} expired on {cert.not_valid_after_utc:%Y-%m-%d}; renew it "
                       "(`fieldaudit tls init` renews a certificate of the plant CA)")
    if cert.not_valid_before_utc > now:
        raise TlsError(f"{cert_path} is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC; check "
                       "this computer's clock")
    return Checked(names_of(cert), cert.not_valid_after_utc)


def names_of(cert: x509.Certificate) -> tuple[str, ...]:
    """The host names and addresses a certificate is valid for (its SAN)."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(san.get_values_for_type(x509.DNSName)) + \
        tuple(str(ip) for ip in san.get_values_for_type(x509.IPAddress))


def _read(path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise TlsError(f"the {what} file {path} does not exist") from None
    except IsADirectoryError:
        raise TlsError(f"the {what} file {path} is a folder, not a file") from None
    except PermissionError:
        raise TlsError(f"the {what} file {path} cannot be read by this account (permission denied)") from None
    except OSError as exc:
        raise TlsError(f"the {what} file {path} cannot be read ({exc.strerror or exc})") from None
