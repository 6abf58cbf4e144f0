"""Helpers of the deploy runtime's tests: polling, one GET, and a bounded load loop."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from opsmith.deploy.containers import LOOPBACK, free_port

APP = Path(__file__).parent / "app" / "app.py"


class HostApp:
    """Test apps run on the host (the host_app fixture): `host_app(mode=..., version=...)` starts
    one on a free loopback port and returns the port, waiting until a serving mode answers its
    health route; `kill(port)` kills one at once, as a crash would."""

    def __init__(self) -> None:
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def __call__(self, mode: str = "healthy", version: str = "1") -> int:
        port = free_port()
        env = {**os.environ, "MODE": mode, "VERSION": version, "HOST": LOOPBACK, "PORT": str(port)}
        self.processes[port] = subprocess.Popen([sys.executable, str(APP)], env=env)
        if mode in ("healthy", "error"):
            assert wait_until(lambda: listening(port), 10), f"the test app ({mode}) did not start"
        return port

    def kill(self, port: int) -> None:
        process = self.processes.pop(port)
        process.kill()
        process.wait()

    def close(self) -> None:
        for port in list(self.processes):
            self.kill(port)


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """Status and body of a GET; (0, reason) when no HTTP answer came."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def listening(port: int) -> bool:
    return get(f"http://{LOOPBACK}:{port}/health", timeout=0.5)[0] == 200


@dataclass
class Load:
    """GET requests at a steady pace from one thread until stopped; every answer that is not a
    200 (or no answer) is a failure, kept with its reason."""

    url: str
    per_second: float
    sent: int = 0
    failures: list[str] = field(default_factory=list)
    bodies: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> Load:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        return self

    def _run(self) -> None:
        pause = 1 / self.per_second
        next_at = time.monotonic()
        while not self._stop.is_set():
            status, body = get(self.url)
            self.sent += 1
            if status == 200:
                self.bodies[body.strip()] = self.bodies.get(body.strip(), 0) + 1
            else:
                self.failures.append(f"{status}: {body[:100]}")
            next_at += pause
            time.sleep(max(0.0, next_at - time.monotonic()))
