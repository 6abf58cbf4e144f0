"""The HAProxy that `opsmith deploy` drives on one host: one frontend and one backend per web
service, releases added and weighted at runtime through the admin socket.

Traffic moves only through the runtime API (add a server, set its weight, drain it, put it in
maintenance, delete it), never by reloading: a reload happens only when the set of frontends
changes, which the controller asks for between deploys. After each change the servers are written
into the configuration and HAProxy's server-state file, so a restarted HAProxy comes back with the
same servers, weights and health, and a restarted controller reads them back from the socket.

Everything lives under `<state_dir>/haproxy/`: haproxy.cfg, admin.sock, servers.state,
frontends.json (the frontends and the exporter's port), haproxy.pid and haproxy.log.
"""

from __future__ import annotations

import csv
import hashlib
import ipaddress
import json
import re
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from opsmith.deploy import values
from opsmith.deploy.containers import LOOPBACK, free_port
from opsmith.deploy.processes import DaemonError, daemon_pid, ensure_daemon, signal_daemon

ServerMode = Literal["ready", "drain", "maint"]

DAEMON = "haproxy"
EXPORTER = "_opsmith_exporter"  # an underscore keeps it apart from every service name
START_TIMEOUT = 15.0
RELOAD_TIMEOUT = 15.0
DRAIN_TIMEOUT = 30.0
REMOVE_TIMEOUT = 10.0
SOCKET_TIMEOUT = 5.0
RISE, FALL = 2, 2  # two good checks before a release gets traffic, two bad ones to lose it
MAX_WEIGHT = 256
POLL = 0.05

# a health path is written into the configuration unquoted: no blanks, quotes, `#`, `$` or `\`
_HEALTH_PATH = re.compile(r"/[A-Za-z0-9._~!&()*+,;=:@%/?-]{0,199}")
_MAINT = 0x01 | 0x02 | 0x04 | 0x20  # forced, inherited, configured, DNS maintenance
_DRAIN = 0x08 | 0x10
_UP = ("1", "2")  # starting (slow start) or running


class BalancerError(RuntimeError):
    """HAProxy could not be started, reached or told something (the message says what)."""


class DrainTimeout(BalancerError):
    """A drained server still had sessions when the time ran out."""


@dataclass(frozen=True)
class Frontend:
    """Where one web service is served, and the path its releases' health checks call (a TCP
    connect check without one)."""

    service: str
    listen_host: str
    listen_port: int
    health_path: str | None


@dataclass(frozen=True)
class ServerState:
    """One release behind a service as HAProxy sees it now. `state` is what opsmith set (ready,
    drain, maint); `healthy` is what the health checks say."""

    name: str
    host: str
    port: int
    weight: int
    state: ServerMode
    healthy: bool


def server_name(release_id: str) -> str:
    """A valid HAProxy server name for a release id: the id itself when it is one, otherwise its
    allowed characters plus a hash of the whole, so two ids never share a name."""
    if values.SERVER_NAME.fullmatch(release_id):
        return release_id
    digest = hashlib.sha256(release_id.encode("utf-8", "replace")).hexdigest()[:10]
    kept = re.sub(r"[^A-Za-z0-9_.:-]+", "-", release_id)[:40].strip("-")
    return f"{kept}-{digest}" if kept else f"r-{digest}"


class Balancer:
    """Drives the HAProxy under `<state_dir>/haproxy/`, starting it when needed. `check_interval`
    (seconds) is how often each release's health is checked, and also how long a check may take."""

    def __init__(self, state_dir: Path, *, check_interval: float = 2.0, haproxy: str = "haproxy") -> None:
        self.dir = state_dir / "haproxy"
        self.haproxy = haproxy
        self.check_ms = max(10, round(check_interval * 1000))
        self.config_path = self.dir / "haproxy.cfg"
        self.socket_path = self.dir / "admin.sock"
        self.state_path = self.dir / "servers.state"
        self.settings_path = self.dir / "frontends.json"

    # ---------------------------------------------------------------------------------------------
    # the daemon and its configuration

    def ensure(self, frontends: Sequence[Frontend]) -> None:
        """HAProxy runs and serves exactly `frontends`. Starts it when it does not run; reloads it
        (seamlessly: listeners pass to the new process) only when the set of frontends changed.
        The controller calls this between deploys, never during a step."""
        wanted = sorted({_valid_frontend(f) for f in frontends}, key=lambda f: f.service)
        _unique([f.service for f in wanted], "service")
        _unique([f"{f.listen_host}:{f.listen_port}" for f in wanted], "listen address")
        saved, exporter_port = self._load_settings()
        running = self.pid() is not None
        if running and saved == wanted:
            return
        exporter_port = exporter_port or free_port()
        self.dir.mkdir(parents=True, exist_ok=True)
        if running:
            self.state_path.write_text(self._ask("show servers state"), encoding="utf-8")
        elif not self.state_path.exists():
            self.state_path.write_text("1\n", encoding="utf-8")  # format 1, no server yet
        self._write_config(wanted, exporter_port, self._saved_servers())
        self._save_settings(wanted, exporter_port)  # after the check: a rejected set is retried
        if not running:
            argv = [self.haproxy, "-f", str(self.config_path)]
            try:
                ensure_daemon(DAEMON, argv, self.dir, self._answers, START_TIMEOUT)
            except DaemonError as exc:
                raise BalancerError(str(exc)) from None
            return
        worker = self._worker_pid()
        signal_daemon(DAEMON, self.dir, signal.SIGUSR2)
        deadline = time.monotonic() + RELOAD_TIMEOUT
        expected = {f.service for f in wanted} | {EXPORTER}
        while True:
            if self._answers() and self._worker_pid() != worker and self._proxies() == expected:
                return
            if time.monotonic() > deadline:
                raise BalancerError(
                    f"HAProxy did not reload within {RELOAD_TIMEOUT:g}s (see {self.dir}/haproxy.log)"
                )
            time.sleep(POLL)

    def pid(self) -> int | None:
        """The HAProxy master's pid when it runs."""
        return daemon_pid(DAEMON, self.dir)

    def frontends(self) -> list[Frontend]:
        return self._load_settings()[0]

    def exporter_address(self) -> str:
        """Where HAProxy's built-in Prometheus exporter answers (`/metrics`)."""
        port = self._load_settings()[1]
        if port is None:
            raise BalancerError("HAProxy has not been set up yet: no exporter address")
        return f"{LOOPBACK}:{port}"

    # ---------------------------------------------------------------------------------------------
    # servers, through the runtime API

    def add_server(self, service: str, server: str, host: str, port: int, weight: int) -> None:
        """Adds a release behind `service`, health-checked. It gets traffic only once its checks
        pass: it starts with weight 0, is forced down, and only then gets `weight`. Adding the
        same server at the same address again only sets its weight (a resumed deploy)."""
        target = self._target(service, server)
        address = f"{_ipv4(host)}:{values.port(port)}"
        weight = _weight(weight)
        existing = {s.name: s for s in self.servers(service)}.get(server)
        if existing is not None:
            if f"{existing.host}:{existing.port}" != address:
                raise BalancerError(f"{target} already exists at {existing.host}:{existing.port}")
        else:
            self._do(f"add server {target} {self._server_args(address, 0)}", "New server registered.")
            self._do(f"enable health {target}")
            self._do(f"enable server {target}")
            self._do(f"set server {target} health down")
        self._do(f"set server {target} weight {weight}")
        self._persist()

    def set_weight(self, service: str, server: str, weight: int) -> None:
        self._do(f"set server {self._target(service, server)} weight {_weight(weight)}")
        self._persist()

    def ready(self, service: str, server: str) -> None:
        """Back from drain or maintenance: the server takes its share of traffic again."""
        self._do(f"set server {self._target(service, server)} state ready")
        self._persist()

    def maint(self, service: str, server: str) -> None:
        """Maintenance: no traffic and no health checks."""
        self._do(f"set server {self._target(service, server)} state maint")
        self._persist()

    def drain(self, service: str, server: str, timeout: float = DRAIN_TIMEOUT) -> None:
        """No new requests for the server; returns once the requests it has are answered (no
        current session, nothing queued). Raises DrainTimeout when they outlast `timeout`."""
        target = self._target(service, server)
        self._do(f"set server {target} state drain")
        self._persist()
        deadline = time.monotonic() + timeout
        while (busy := self._sessions(service, server)) > 0:
            if time.monotonic() > deadline:
                raise DrainTimeout(f"{target} still has {busy} session(s) after {timeout:g}s")
            time.sleep(POLL)

    def remove_server(self, service: str, server: str, timeout: float = REMOVE_TIMEOUT) -> None:
        """Deletes the server (in maintenance first); nothing happens when it does not exist.
        Drain it first: HAProxy refuses while a connection is still attached."""
        target = self._target(service, server)
        if server not in {s.name for s in self.servers(service)}:
            return
        self._do(f"set server {target} state maint")
        deadline = time.monotonic() + timeout
        while (answer := self._ask(f"del server {target}").strip()) != "Server deleted.":
            if time.monotonic() > deadline:
                raise BalancerError(f"HAProxy refused to delete {target}: {answer:.200}")
            time.sleep(POLL)
        self._persist()

    def servers(self, service: str) -> list[ServerState]:
        """The servers behind `service`, read from HAProxy now."""
        backend = values.checked(service, values.SERVICE_NAME, "service name")
        answer = self._ask(f"show servers state {backend}")
        if not answer.lstrip().startswith("1"):
            raise BalancerError(f"HAProxy has no backend {service}: {answer.strip():.200}")
        return _parse_servers(answer).get(service, [])

    # ---------------------------------------------------------------------------------------------
    # internals

    def _target(self, service: str, server: str) -> str:
        backend = values.checked(service, values.SERVICE_NAME, "service name")
        return f"{backend}/{values.checked(server, values.SERVER_NAME, 'server name')}"

    def _server_args(self, address: str, weight: int) -> str:
        # observe layer4: one refused connection (a release that died) takes the server out at
        # once, and redispatch sends the request to another server
        return (
            f"{address} weight {weight} check inter {self.check_ms}ms rise {RISE} fall {FALL}"
            " observe layer4 error-limit 1 on-error mark-down"
        )

    def _sessions(self, service: str, server: str) -> int:
        """Current sessions plus queued requests of one server (`show stat`)."""
        answer = self._ask("show stat -1 4 -1")  # HAProxy 2.6 filters by proxy id, not by name
        rows = csv.DictReader(answer.removeprefix("# ").splitlines())
        for row in rows:
            if (row.get("pxname"), row.get("svname")) == (service, server):
                return int(row.get("scur") or 0) + int(row.get("qcur") or 0)
        raise BalancerError(f"HAProxy has no server {service}/{server}")

    def _persist(self) -> None:
        """Writes the servers as they are now into the server-state file and the configuration,
        for the next start of HAProxy."""
        self.state_path.write_text(self._ask("show servers state"), encoding="utf-8")
        frontends, exporter_port = self._load_settings()
        if exporter_port is not None:
            self._write_config(frontends, exporter_port, self._saved_servers())

    def _saved_servers(self) -> dict[str, list[ServerState]]:
        try:
            return _parse_servers(self.state_path.read_text(encoding="utf-8"))
        except OSError:
            return {}

    def _write_config(
        self, frontends: Sequence[Frontend], exporter_port: int, servers: dict[str, list[ServerState]]
    ) -> None:
        text = self._render(frontends, exporter_port, servers)
        partial = self.config_path.with_suffix(".cfg.new")
        partial.write_text(text, encoding="utf-8")
        try:
            check = subprocess.run(
                [self.haproxy, "-c", "-q", "-f", str(partial)],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BalancerError(f"cannot run {self.haproxy} to check its configuration: {exc}") from None
        if check.returncode != 0:
            raise BalancerError(
                f"HAProxy rejects the configuration opsmith wrote: {check.stderr.strip()[-1500:]}"
            )
        partial.replace(self.config_path)

    def _render(
        self, frontends: Sequence[Frontend], exporter_port: int, servers: dict[str, list[ServerState]]
    ) -> str:
        lines = [
            "# Written by opsmith deploy; servers are added and weighted at runtime and copied here",
            "# after every change, so a restart comes back with them.",
            "global",
            "    master-worker",
            f"    stats socket {_quoted(self.socket_path)} mode 600 level admin expose-fd listeners",
            "    stats timeout 2m",
            f"    server-state-file {_quoted(self.state_path)}",
            "    hard-stop-after 60s",  # an old process after a reload ends even with idle clients
            "",
            "defaults",
            "    mode http",
            "    load-server-state-from-file global",
            "    option http-server-close",  # no idle server connection blocks deleting a drained server
            "    option redispatch",
            "    retries 3",
            "    timeout connect 2s",
            "    timeout client 30s",
            "    timeout server 30s",
            "    timeout http-request 10s",
            "    timeout http-keep-alive 5s",
            "    timeout queue 10s",
            "",
            f"frontend {EXPORTER}",
            f"    bind {LOOPBACK}:{exporter_port}",
            "    http-request use-service prometheus-exporter if { path /metrics }",
        ]
        for front in frontends:
            lines += [
                "",
                f"frontend {front.service}",
                f"    bind {front.listen_host}:{front.listen_port}",
                f"    default_backend {front.service}",
                "",
                f"backend {front.service}",
                "    balance roundrobin",
                # a release that dies while answering a GET: the request is replayed on another
                # server; other methods are never replayed (the app may not be idempotent)
                "    retry-on conn-failure empty-response",
                "    http-request disable-l7-retry unless METH_GET or METH_OPTIONS",
            ]
            if front.health_path is not None:
                lines.append(f"    option httpchk GET {front.health_path}")
            for server in servers.get(front.service, []):
                disabled = " disabled" if server.state == "maint" else ""
                address = f"{server.host}:{server.port}"
                lines.append(
                    f"    server {server.name} {self._server_args(address, server.weight)}{disabled}"
                )
        return "\n".join(lines) + "\n"

    def _load_settings(self) -> tuple[list[Frontend], int | None]:
        try:
            data = json.loads(self.settings_path.read_text(encoding="utf-8"))
            frontends = [_valid_frontend(Frontend(**item)) for item in data["frontends"]]
            port = data["exporter_port"]
            return frontends, values.port(port)
        except FileNotFoundError:
            return [], None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BalancerError(f"{self.settings_path} is damaged: {exc!s:.200}") from None

    def _save_settings(self, frontends: Sequence[Frontend], exporter_port: int) -> None:
        data = {"version": 1, "exporter_port": exporter_port, "frontends": [asdict(f) for f in frontends]}
        partial = self.settings_path.with_suffix(".json.new")
        partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        partial.replace(self.settings_path)

    def _answers(self) -> bool:
        try:
            return "Pid:" in self._ask("show info")
        except BalancerError:
            return False

    def _worker_pid(self) -> str:
        for line in self._ask("show info").splitlines():
            if line.startswith("Pid:"):
                return line.partition(":")[2].strip()
        return ""

    def _proxies(self) -> set[str]:
        lines = self._ask("show backend").splitlines()
        backends = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
        return backends | {EXPORTER}

    def _do(self, command: str, success: str = "") -> None:
        answer = self._ask(command).strip()
        if answer != success:
            raise BalancerError(f"HAProxy refused `{command}`: {answer:.200}")

    def _ask(self, command: str) -> str:
        """One command over the admin socket; its whole answer."""
        path = str(self.socket_path)
        if len(path.encode()) > 107:
            raise BalancerError(f"the state directory is too deep for a unix socket path: {path}")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
                client.settimeout(SOCKET_TIMEOUT)
                client.connect(path)
                client.sendall(command.encode() + b"\n")
                chunks = []
                while chunk := client.recv(65536):
                    chunks.append(chunk)
        except OSError as exc:
            raise BalancerError(f"HAProxy's admin socket does not answer ({path}): {exc}") from None
        return b"".join(chunks).decode("utf-8", "replace")


def _parse_servers(answer: str) -> dict[str, list[ServerState]]:
    """`show servers state` (format 1) -> {backend: servers}."""
    lines = answer.splitlines()
    header = next((line[1:].split() for line in lines if line.startswith("#")), [])
    found: dict[str, list[ServerState]] = {}
    for line in lines:
        fields = line.split()
        if line.startswith("#") or len(fields) < len(header) or not header:
            continue
        row = dict(zip(header, fields, strict=False))
        admin = int(row["srv_admin_state"])
        state: ServerMode = "maint" if admin & _MAINT else "drain" if admin & _DRAIN else "ready"
        found.setdefault(row["be_name"], []).append(
            ServerState(
                name=row["srv_name"],
                host=row["srv_addr"],
                port=int(row["srv_port"]),
                weight=int(row["srv_uweight"]),
                state=state,
                healthy=state != "maint" and row["srv_op_state"] in _UP,
            )
        )
    return found


def _valid_frontend(front: Frontend) -> Frontend:
    values.checked(front.service, values.SERVICE_NAME, "service name")
    _ipv4(front.listen_host)
    values.port(front.listen_port)
    if front.health_path is not None:
        values.checked(front.health_path, _HEALTH_PATH, "health path")
    return front


def _unique(items: list[str], what: str) -> None:
    repeated = sorted({v for v in items if items.count(v) > 1})
    if repeated:
        raise ValueError(f"the same {what} twice: {', '.join(repeated)}")


def _ipv4(host: str) -> str:
    try:
        return str(ipaddress.IPv4Address(host))
    except (ipaddress.AddressValueError, TypeError):
        raise ValueError(f"not an IPv4 address: {host!r:.60}") from None


def _weight(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
        raise ValueError(f"invalid weight {value!r:.20}: 0 to {MAX_WEIGHT}")
    return value


def _quoted(path: Path) -> str:
    """A path in single quotes, where HAProxy expands nothing."""
    text = str(path)
    if "'" in text or "\n" in text:
        raise BalancerError(f"the state directory's path holds a quote or a newline: {text!r:.200}")
    return f"'{text}'"
