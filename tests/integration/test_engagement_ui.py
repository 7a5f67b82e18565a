"""`engagement ui` as a user runs it: the UI answers on the port and address given, and Ctrl-C stops
the web server, the daemon and the code servers, leaving no process behind."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from tests.support.s3_server import free_port

pytestmark = pytest.mark.timeout(420)

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.2"  # not the default 127.0.0.1: the UI must listen where it is told to
STARTUP_SECONDS = 240
SHUTDOWN_SECONDS = 60


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.ConnectionError:
        return False


def same_group(pgid: int) -> list[psutil.Process]:
    """Every live process of a process group, whoever its parent is now (an orphan is re-parented to init)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return found


def command_lines(procs: list[psutil.Process]) -> str:
    lines = []
    for proc in procs:
        try:
            lines.append(" ".join(proc.cmdline())[:160])
        except psutil.NoSuchProcess:
            continue
    return "\n".join(lines)


@pytest.mark.parametrize("ctrl_c_to", ["process", "group"], ids=["sigint-to-ui", "sigint-to-terminal-group"])
def test_ui_serves_on_the_given_address_and_ctrl_c_leaves_no_process(tmp_path: Path, ctrl_c_to: str):
    port = free_port()
    home = tmp_path / "home"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(REPO),
        "ENGAGEMENT_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    args = [sys.executable, "-c", "from engagement_pipeline.cli import main; main()", "ui", "--port", str(port), "--host", HOST]
    log = tmp_path / "ui.log"
    with open(log, "wb") as out:
        ui = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not answers(f"http://{HOST}:{port}/server_info"):
            assert ui.poll() is None, f"engagement ui exited with {ui.returncode}:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no answer on {HOST}:{port} within {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}"
            time.sleep(1)
        assert not answers(f"http://127.0.0.1:{port}/server_info"), "the UI also listens on 127.0.0.1"
        page = requests.get(f"http://{HOST}:{port}/", timeout=10)
        assert page.status_code == 200 and "<html" in page.text.lower()

        services = command_lines(psutil.Process(ui.pid).children(recursive=True))
        for service in ("dagster_webserver", "dagster._daemon", "code-server"):
            assert service in services, f"{service} is not running under engagement ui:\n{services}"

        if ctrl_c_to == "process":
            os.kill(ui.pid, signal.SIGINT)
        else:
            os.killpg(ui.pid, signal.SIGINT)
        started = time.monotonic()
        try:
            ui.wait(SHUTDOWN_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"engagement ui still running {SHUTDOWN_SECONDS} s after Ctrl-C:\n{log.read_text()[-3000:]}")
        _, alive = psutil.wait_procs(same_group(ui.pid), timeout=max(1.0, SHUTDOWN_SECONDS - (time.monotonic() - started)))
        assert not alive, f"left behind after Ctrl-C:\n{command_lines(alive)}"
        assert not answers(f"http://{HOST}:{port}/server_info")
        assert "Dagster services shut down." in log.read_text()
    finally:
        try:
            os.killpg(ui.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        ui.wait(10)
