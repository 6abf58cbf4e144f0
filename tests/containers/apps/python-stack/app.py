"""A service whose readiness depends on PostgreSQL and Redis, and whose liveness does not."""

from __future__ import annotations

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMEOUT = 2  # seconds: a readiness check must answer before the orchestrator's probe gives up


def check_backends() -> dict[str, bool]:
    """Queries the database and round-trips a key through the cache; raises when either fails."""
    import pg8000.native
    import redis

    # libpq's own variables, as psql and most PostgreSQL tools read them.
    conn = pg8000.native.Connection(
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD"),
        host=os.environ.get("PGHOST", "localhost"),
        port=int(os.environ.get("PGPORT", "5432")),
        database=os.environ.get("PGDATABASE"),
        timeout=TIMEOUT,
    )
    try:
        database = conn.run("SELECT 1") == [[1]]
    finally:
        conn.close()
    client = redis.Redis.from_url(
        os.environ["REDIS_URL"], socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
    )
    try:
        key = f"readiness:{os.getpid()}"
        client.set(key, "1", ex=60)
        cache = client.get(key) == b"1"
    finally:
        client.close()
    return {"database": database, "cache": cache}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/livez":
            self._send(200, {"status": "alive"})
        elif self.path == "/healthz":
            try:
                checks = check_backends()
            except Exception as exc:  # any failure of a backend means "not ready", never a crash
                self._send(503, {"status": "unavailable", "error": type(exc).__name__})
            else:
                self._send(200, {"status": "ok", **checks})
        else:
            self._send(404, {"error": "not found"})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    ThreadingHTTPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
