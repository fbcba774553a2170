"""Serving over TLS with cheroot (pure Python, runs on Windows; waitress has no TLS), with the same limits
`fieldaudit serve` gives waitress."""
import socket
import ssl

from cheroot import server as cheroot_server
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter


class DeferredHandshake(BuiltinSSLAdapter):
    """TLS 1.2+ whose handshake runs in the worker thread on the first read.

    cheroot shakes hands in its one accepting thread, so a client that opens a connection and sends nothing would
    stop every other tablet from connecting until the timeout; deferred, it costs only a waiting socket."""

    def __init__(self, certificate: str, private_key: str):
        super().__init__(certificate, private_key)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2

    def wrap(self, sock):
        """The socket wrapped for TLS, not yet shaken hands, and the environ entries every request gets."""
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), {"HTTPS": "on"}


_PLAIN_TEXT = b"This FieldAudit server speaks HTTPS only: open the same address with https:// instead of http://."
PLAIN_HTTP_REPLY = (b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(_PLAIN_TEXT), _PLAIN_TEXT))


class TlsConnection(cheroot_server.HTTPConnection):
    """A connection that shakes hands before its first request, quietly dropping a client that gives up or does
    not trust the certificate (a tablet without the plant CA), and telling a plain-HTTP client to use https://."""

    shaken = False

    def communicate(self):
        """Finish the TLS handshake once, then serve requests as cheroot does."""
        if not self.shaken:
            try:
                self.socket.do_handshake()
            except ssl.SSLError as exc:
                if exc.reason == "HTTP_REQUEST":
                    # The handshake failed, so the socket is still plain TCP underneath: answer in plain HTTP.
                    try:
                        socket_send(self.socket, PLAIN_HTTP_REPLY)
                    except OSError:
                        pass
                return False
            except OSError:
                return False
            self.shaken = True
        return super().communicate()


def socket_send(sock, data: bytes) -> None:
    """Send bytes on the TCP socket under an SSL socket, bypassing TLS."""
    socket.socket.sendall(sock, data)


class TlsServer(wsgi.Server):
    """A cheroot server where a new connection waits in the selector until it sends something, so idle or silent
    connections hold no worker thread, and at most `connection_limit` connections are open."""

    connection_limit = 500
    ConnectionClass = TlsConnection

    def process_conn(self, conn):
        """Queue a connection with data for a worker; park a new one until it has some."""
        if getattr(conn, "fieldaudit_seen", False):
            return super().process_conn(conn)
        if self._connections._num_connections >= self.connection_limit:
            conn.close()
            return None
        conn.fieldaudit_seen = True
        self._connections.put(conn)
        return None


def make_server(app, host: str, port: int, cert: str, key: str, options: dict, server_name: str) -> TlsServer:
    """A TLS server for the app with `serve`'s options (threads, connection limit, idle timeout)."""
    threads = int(options["threads"])
    server = TlsServer((host, port), app, numthreads=threads, max=threads, server_name=server_name,
                       timeout=int(options["channel_timeout"]), request_queue_size=64)
    server.connection_limit = int(options["connection_limit"])
    server.keep_alive_conn_limit = server.connection_limit
    server.ssl_adapter = DeferredHandshake(cert, key)
    return server


def serve(app, host: str, port: int, cert: str, key: str, options: dict, server_name: str) -> None:
    """Serve until Ctrl+C (or SIGTERM), then close the connections."""
    server = make_server(app, host, port, cert, key, options, server_name)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
