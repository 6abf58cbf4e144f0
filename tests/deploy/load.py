"""A steady, bounded HTTP load on 127.0.0.1 for the deploy tests and bench/deploy_under_load.py:
a few threads with keep-alive connections, paced to a total rate, stopped by the caller or after
`limit` seconds, recording when each request ended, its status (0: no answer) and its body."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Answer:
    at: float  # time.time() when it ended
    status: int  # 0 when the request got no HTTP answer
    body: str


@dataclass
class Load:
    host: str
    port: int
    rate: float = 300.0  # requests a second, all threads together
    threads: int = 4
    limit: float = 120.0  # seconds: a test that forgets to stop it still ends
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, daemon=True) for _ in range(self.threads)]

    def __enter__(self) -> Load:
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join()

    @property
    def failures(self) -> list[Answer]:
        return [a for a in self.answers if a.status != 200]

    def bodies_after(self, moment: float) -> set[str]:
        return {a.body for a in self.answers if a.at >= moment and a.status == 200}

    def _run(self) -> None:
        pause = self.threads / self.rate
        end = time.monotonic() + self.limit
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        due = time.monotonic()
        while not self._stop.is_set() and time.monotonic() < end:
            try:
                connection.request("GET", "/")
                response = connection.getresponse()
                answer = Answer(time.time(), response.status, response.read().decode().strip())
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as exc:
                answer = Answer(time.time(), 0, type(exc).__name__)
                connection.close()
            with self._lock:
                self.answers.append(answer)
            due += pause
            self._stop.wait(max(0.0, due - time.monotonic()))
        connection.close()
