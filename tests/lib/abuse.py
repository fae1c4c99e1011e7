#!/usr/bin/python3
"""abuse.py KIND PORT [N] - misbehaving clients for the responder tests.
Only ever talks to 127.0.0.1.

  idle N      open N connections and send nothing; hold them 6 s
  slowloris   send a request header one byte every 0.2 s for 6 s
  longline    send a 100 kB request line, print the status line (or 'closed')
  hugebody    POST with Content-Length: 1000000000, print the status line
  garbage     POST 300 random bytes, print the hex of the body
  truncated F POST the first half of DER file F, print the hex of the body
"""
import os
import socket
import sys
import time

kind, port = sys.argv[1], int(sys.argv[2])


def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def status_line(s):
    try:
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n")[0].decode() if data else "closed"
    except (ConnectionResetError, socket.timeout, BrokenPipeError):
        return "closed"


def body_of(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                        while len(body) < n:
                            more = s.recv(65536)
                            if not more:
                                break
                            body += more
                        return body
    except (ConnectionResetError, socket.timeout):
        pass
    return b""


def post(body):
    s = conn()
    s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/ocsp-request\r\n"
              b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    return body_of(s).hex()


if kind == "idle":
    n = int(sys.argv[3])
    socks = [conn() for _ in range(n)]
    print(f"holding {len(socks)}", flush=True)
    time.sleep(6)
elif kind == "slowloris":
    s = conn()
    req = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 100
    t0 = time.time()
    try:
        for b in req:
            if time.time() - t0 > 6:
                break
            s.send(bytes([b]))
            time.sleep(0.2)
        print("slowloris done")
    except (BrokenPipeError, ConnectionResetError):
        print("slowloris cut off")
elif kind == "longline":
    s = conn()
    try:
        s.sendall(b"GET /" + b"A" * 100000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    print(status_line(s))
elif kind == "hugebody":
    s = conn()
    s.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/ocsp-request\r\n"
              b"Content-Length: 1000000000\r\n\r\n" + b"\x30" * 1000)
    print(status_line(s))
elif kind == "garbage":
    print(post(os.urandom(300)))
elif kind == "truncated":
    d = open(sys.argv[3], "rb").read()
    print(post(d[: len(d) // 2]))
