"""Real `fieldaudit` processes for the loopback sync tests: each server its own process and data folder."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
FAST_HASH = "pbkdf2:sha256:1000"


def env_for(data_dir: Path, **settings: str) -> dict:
    """The environment of a fieldaudit process: this checkout's package, its own data folder, fast hashing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAUDIT_")}
    env.update({"PYTHONPATH": str(ROOT), "FIELDAUDIT_DATA_DIR": str(data_dir),
                "FIELDAUDIT_PASSWORD_HASH_METHOD": FAST_HASH, "PYTHONUNBUFFERED": "1"})
    env.update({f"FIELDAUDIT_{k}": v for k, v in settings.items()})
    return env


def cli(data_dir: Path, *args: str, timeout: float = 120, **settings: str) -> subprocess.CompletedProcess:
    """Run `fieldaudit ARGS` for a data folder; returns the finished process (check .returncode yourself)."""
    return subprocess.run([sys.executable, "-m", "fieldaudit.cli", *args], env=env_for(data_dir, **settings),
                          capture_output=True, text=True, timeout=timeout, cwd=data_dir.parent)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServeProcess:
    """`fieldaudit serve` in its own process on a free loopback port; `kill()` sends SIGKILL, `start()` again."""

    def __init__(self, data_dir: Path, **settings: str):
        self.data_dir, self.settings = data_dir, settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = data_dir.parent / f"{data_dir.name}-serve.log"

    def start(self, timeout: float = 30) -> "ServeProcess":
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fieldaudit.cli", "serve", "--port", str(self.port), "--threads", "4"],
                env=env_for(self.data_dir, **self.settings), stdout=log, stderr=subprocess.STDOUT,
                cwd=self.data_dir.parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fieldaudit serve exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"fieldaudit serve did not answer in {timeout} s: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as a power cut or a crashed tablet."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
