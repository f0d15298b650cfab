"""A webhook receiver for the outbox benchmark, run in its own process: it checks every signature (HMAC-SHA256
over timestamp + "." + body), accepts each idempotency key once, counts a callback that arrives after a later one
of the same work order (``order_no`` and ``seq`` in a JSON body, as 12345 callbacks carry) as out of order, and answers ``GET /stats`` with its counts.

    python bench/webhook_receiver.py --secret S      # prints the port it listens on (127.0.0.1), then serves
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _sequence(body: bytes) -> tuple[str | None, int]:
    """A 12345 callback's work order and sequence number; (None, 0) for another webhook's body."""
    try:
        data = json.loads(body)
    except ValueError:
        return None, 0
    if isinstance(data, dict) and isinstance(data.get("order_no"), str) and isinstance(data.get("seq"), int):
        return data["order_no"], data["seq"]
    return None, 0


def serve(secret: bytes) -> None:
    lock = threading.Lock()
    stats = {"requests": 0, "accepted": 0, "duplicates": 0, "refused": 0, "out_of_order": 0}
    seen: set[str] = set()
    last_seq: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def log_message(self, *args: Any) -> None:
            return

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                self._answer(200, json.dumps(stats).encode())

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ts = self.headers.get("X-Casegrid-Timestamp", "")
            expected = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            ok = hmac.compare_digest(expected, self.headers.get("X-Casegrid-Signature", ""))
            key = self.headers.get("Idempotency-Key", "")
            with lock:
                stats["requests"] += 1
                if not ok:
                    stats["refused"] += 1
                elif key in seen:
                    stats["duplicates"] += 1
                else:
                    seen.add(key)
                    stats["accepted"] += 1
                    order, seq = _sequence(body)
                    if order is not None:
                        if seq <= last_seq.get(order, 0):
                            stats["out_of_order"] += 1
                        last_seq[order] = max(seq, last_seq.get(order, 0))
            self._answer(200 if ok else 401, b"ok" if ok else b"bad signature")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True)
    serve(parser.parse_args().secret.encode())
    sys.exit(0)
