"""The release opsmith's deploy tests put behind HAProxy: standard library only, one file.

MODE chooses how it behaves: `healthy` answers 200, `error` answers 500 on every route but
/health (so it passes health checks and only the analysis can catch it), `crash` exits at start,
`hang` accepts connections and never answers. HOST and PORT are where it listens (0.0.0.0:8080
in its image, loopback when a test runs it on the host), VERSION what it answers, so a test can
tell releases apart. SIGTERM and SIGINT stop it at once.
"""

import contextlib
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = os.environ.get("MODE", "healthy")
VERSION = os.environ.get("VERSION", "1")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if MODE == "hang":
            threading.Event().wait()  # never answers: only its health checks time out
        status = 500 if MODE == "error" and self.path != "/health" else 200
        body = f"{VERSION}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # hundreds of requests a second would flood the container log


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # health checkers hang up as soon as they have the status line


def main() -> int:
    if MODE not in ("healthy", "error", "crash", "hang"):
        print(f"unknown MODE {MODE!r}", file=sys.stderr)
        return 2
    if MODE == "crash":
        print("crashing at start, as asked", file=sys.stderr)
        return 1
    # As PID 1 in a container, a signal without a handler is ignored: without this, every stop
    # would wait out the runtime's grace period before SIGKILL.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = Server((os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "8080"))), Handler)
    with contextlib.suppress(KeyboardInterrupt):  # SIGTERM or SIGINT: stop at once
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
