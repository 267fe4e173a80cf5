"""A TLS front for DynamoDB Local, so a cold start pays a TLS handshake as it does in the cloud.

Terminates TLS on 127.0.0.1:PORT with CERT/KEY (a throwaway CA's, made by local/bench/run; the
functions are told to trust that CA with SSL_CERT_FILE) and passes the bytes on to UPSTREAM_PORT.

Usage: tls_front.py PORT UPSTREAM_PORT CERT KEY   (runs until killed)
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading


def pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(client: socket.socket, context: ssl.SSLContext, upstream_port: int) -> None:
    # Small records both ways: without this, Nagle's algorithm and delayed ACKs add ~40 ms stalls.
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        secure = context.wrap_socket(client, server_side=True)
    except (ssl.SSLError, OSError):
        client.close()
        return
    upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=30)
    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    upstream.settimeout(None)
    threading.Thread(target=pump, args=(upstream, secure), daemon=True).start()
    pump(secure, upstream)


def main() -> None:
    port, upstream_port, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", port))
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, context, upstream_port), daemon=True).start()


if __name__ == "__main__":
    main()
