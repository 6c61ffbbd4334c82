"""Start Azurite (the Azure Storage emulator, from npm) on free loopback ports.

Used by the test suite, ``make demo`` and ``make start``. Storage is in memory: every run starts
empty, and nothing is left on disk.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "devstoreaccount1"
# Azurite's documented, public development key (not a secret).
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def connection_string(host: str, blob: int, queue: int, table: int) -> str:
    base = f"http://{host}"
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
        f"BlobEndpoint={base}:{blob}/{ACCOUNT};QueueEndpoint={base}:{queue}/{ACCOUNT};"
        f"TableEndpoint={base}:{table}/{ACCOUNT};"
    )


def azurite_executable() -> str:
    local = ROOT / "node_modules" / ".bin" / "azurite"
    if local.exists():
        return str(local)
    found = shutil.which("azurite")
    if found is None:
        raise RuntimeError("Azurite is not installed: run `npm install` in the repository (make deps does)")
    return found


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    host: str
    blob_port: int
    queue_port: int
    table_port: int

    @property
    def connection_string(self) -> str:
        return connection_string(self.host, self.blob_port, self.queue_port, self.table_port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Azurite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_azurite(host: str = "127.0.0.1", *, timeout: float = 30.0, log: Path | None = None) -> Azurite:
    """Start Azurite with blob, queue and table services and wait until all three accept connections."""
    ports = [free_port(host) for _ in range(3)]
    args = [
        azurite_executable(),
        "--blobHost", host, "--blobPort", str(ports[0]),
        "--queueHost", host, "--queuePort", str(ports[1]),
        "--tableHost", host, "--tablePort", str(ports[2]),
        "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose", "--silent",
    ]  # fmt: skip
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, env=os.environ.copy())
    azurite = Azurite(process, host, *ports)
    deadline = time.monotonic() + timeout
    pending = set(ports)
    while pending:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with code {process.returncode} before it was ready")
        if time.monotonic() > deadline:
            azurite.stop()
            raise RuntimeError(f"Azurite did not open ports {sorted(pending)} within {timeout:.0f}s")
        for port in list(pending):
            with socket.socket() as probe:
                probe.settimeout(0.2)
                if probe.connect_ex((host, port)) == 0:
                    pending.discard(port)
        time.sleep(0.05)
    return azurite
