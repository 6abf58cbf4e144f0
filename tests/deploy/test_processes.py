"""Daemons that outlive the controller: started once, found again through their pid file, still
serving after the process that started them is SIGKILLed, stopped on request."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from deploy.runtime_support import get
from opsmith.deploy.containers import LOOPBACK, free_port
from opsmith.deploy.processes import DaemonError, daemon_pid, ensure_daemon, stop_daemon


def web_server(port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", "--bind", LOOPBACK, str(port)]


def answers(port: int) -> bool:
    return get(f"http://{LOOPBACK}:{port}/", timeout=0.5)[0] == 200


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_daemon_starts_once_and_is_found_again(tmp_path: Path) -> None:
    port = free_port()
    pid = ensure_daemon("web", web_server(port), tmp_path, lambda: answers(port), 10)
    try:
        assert answers(port)
        assert daemon_pid("web", tmp_path) == pid
        assert (tmp_path / "web.pid").read_text().split()[0] == str(pid)
        # asked again, the running daemon is reused, not started a second time
        assert ensure_daemon("web", web_server(free_port()), tmp_path, lambda: answers(port), 10) == pid
    finally:
        stop_daemon("web", tmp_path)
    assert not answers(port)
    assert daemon_pid("web", tmp_path) is None
    assert not (tmp_path / "web.pid").exists()
    stop_daemon("web", tmp_path)  # stopping what does not run is fine


def test_a_daemon_survives_the_controller_being_killed(tmp_path: Path) -> None:
    port = free_port()
    controller = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from opsmith.deploy.processes import ensure_daemon
        import urllib.request

        def ready():
            try:
                return urllib.request.urlopen("http://{LOOPBACK}:{port}/", timeout=0.5).status == 200
            except OSError:
                return False

        argv = {web_server(port)!r}
        ensure_daemon("web", argv, Path({str(tmp_path)!r}), ready, 10)
        print("started", flush=True)
        time.sleep(60)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", controller], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "started"
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        pid = daemon_pid("web", tmp_path)
        assert pid is not None and alive(pid)
        assert answers(port)
    finally:
        process.kill()
        stop_daemon("web", tmp_path)
    assert not answers(port)


def test_a_stale_pid_file_is_not_taken_for_the_daemon(tmp_path: Path) -> None:
    # the pid of this very test process, with a start time that is not its own: a recycled pid
    (tmp_path / "web.pid").write_text(f"{os.getpid()} 1\n")
    assert daemon_pid("web", tmp_path) is None
    port = free_port()
    pid = ensure_daemon("web", web_server(port), tmp_path, lambda: answers(port), 10)
    try:
        assert pid != os.getpid()
        assert answers(port)
    finally:
        stop_daemon("web", tmp_path)
    assert alive(os.getpid())  # stop_daemon signalled the daemon, never the recycled pid


def test_a_daemon_that_exits_at_start_is_reported_with_its_output(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; sys.exit('no configuration here')"]
    with pytest.raises(DaemonError, match="exited while starting: no configuration here"):
        ensure_daemon("broken", argv, tmp_path, lambda: False, 10)
    assert daemon_pid("broken", tmp_path) is None


def test_a_daemon_never_ready_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "own.pid"
    script = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
        "print('warming up', flush=True); time.sleep(60)"
    )
    with pytest.raises(DaemonError, match="not ready within 1s: warming up"):
        ensure_daemon("slow", [sys.executable, "-c", script], tmp_path, lambda: False, 1)
    assert not alive(int(pid_file.read_text()))
    assert daemon_pid("slow", tmp_path) is None


def test_a_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DaemonError, match="cannot run"):
        ensure_daemon("ghost", ["/nonexistent/haproxy"], tmp_path, lambda: False, 1)
    assert daemon_pid("ghost", tmp_path) is None


def test_a_running_daemon_that_does_not_answer_is_left_running(tmp_path: Path) -> None:
    port = free_port()
    pid = ensure_daemon("web", web_server(port), tmp_path, lambda: answers(port), 10)
    try:
        # a busy HAProxy may still be serving traffic: reported, never killed by a probe
        with pytest.raises(DaemonError, match=r"runs but did not answer within 0\.3s"):
            ensure_daemon("web", web_server(port), tmp_path, lambda: False, 0.3)
        assert daemon_pid("web", tmp_path) == pid and answers(port)
    finally:
        stop_daemon("web", tmp_path)
