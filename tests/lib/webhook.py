#!/usr/bin/python3
"""webhook.py PORT OUTFILE [hang] - a webhook receiver for tests that records
each request body (one per line) and answers 204; with "hang" it never
answers, like a stuck endpoint. Loopback only; exits after 60 s."""
import socket
import sys
import threading
import time

port, out = int(sys.argv[1]), sys.argv[2]
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(50)
srv.settimeout(1)


def handle(c):
    data = b""
    c.settimeout(5)
    try:
        while b"\r\n\r\n" not in data:
            data += c.recv(4096)
        head, _, body = data.partition(b"\r\n\r\n")
        n = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length")][0]
        while len(body) < n:
            body += c.recv(4096)
        with open(out, "ab") as f:
            f.write(body + b"\n")
        if len(sys.argv) > 3 and sys.argv[3] == "hang":
            time.sleep(30)  # never answer
        else:
            c.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
            c.close()
    except Exception:
        pass


t0 = time.time()
while time.time() - t0 < 60:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    threading.Thread(target=handle, args=(c,), daemon=True).start()
