#!/usr/bin/env python3
"""tests/wsconsole.py - a tiny websocket client (RFC 6455) for the serial
console tests: wsconsole.py URL SEND EXPECT [X-Auth-Token]

Opens URL (ws://HOST:PORT/PATH?QUERY), sends SEND (a line; "\\n" added) as
one masked text frame once the handshake is done, then reads binary/text
frames until EXPECT appears in what the console sent (printed), at most
30 s. Exit 0: EXPECT seen; 1: not seen; 2: the handshake was refused (the
status line and body printed: "HTTP/1.1 401 ...")."""
import base64
import os
import socket
import struct
import sys
import time
from urllib.parse import urlsplit


def frame(opcode, data):
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def main():
    url, send, expect = sys.argv[1], sys.argv[2], sys.argv[3].encode()
    auth = sys.argv[4] if len(sys.argv) > 4 else None
    u = urlsplit(url)
    s = socket.create_connection((u.hostname, u.port or 80), timeout=30)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
           % (u.path, "?" + u.query if u.query else "", u.netloc, key))
    if auth:
        req += "X-Auth-Token: %s\r\n" % auth
    s.sendall((req + "\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        got = s.recv(4096)
        if not got:
            break
        buf += got
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = head.split(b"\r\n")[0].decode(errors="replace")
    if " 101 " not in status + " ":
        # the refusal's body, as the server sent it
        s.settimeout(2)
        try:
            while True:
                got = s.recv(4096)
                if not got:
                    break
                rest += got
        except OSError:
            pass
        print(status, rest.decode(errors="replace"))
        return 2
    s.sendall(frame(1, (send + "\n").encode()))
    seen, end = b"", time.time() + 30
    s.settimeout(1)
    while time.time() < end and expect not in seen:
        while len(rest) >= 2:
            n, hl = rest[1] & 0x7F, 2
            if n == 126:
                n, hl = struct.unpack("!H", rest[2:4])[0], 4
            elif n == 127:
                n, hl = struct.unpack("!Q", rest[2:10])[0], 10
            if len(rest) < hl + n:
                break
            op, data, rest = rest[0] & 0x0F, rest[hl:hl + n], rest[hl + n:]
            if op in (1, 2):
                seen += data
            elif op == 8:
                print(seen.decode(errors="replace"))
                print("(closed: %s)" % (struct.unpack("!H", data[:2])[0] if len(data) >= 2 else ""))
                return 0 if expect in seen else 1
        try:
            got = s.recv(4096)
            if not got:
                break
            rest += got
        except socket.timeout:
            pass
    print(seen.decode(errors="replace"))
    s.sendall(frame(8, struct.pack("!H", 1000)))
    return 0 if expect in seen else 1


if __name__ == "__main__":
    sys.exit(main())
