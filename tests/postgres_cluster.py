"""A throwaway PostgreSQL cluster for the test session: initdb, start on 127.0.0.1, stop at the end."""

from __future__ import annotations

import glob
import logging
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

HOW_TO_ENABLE = ("PostgreSQL tests skipped: no PostgreSQL server binaries (initdb, pg_ctl) found; "
                 "install them (Debian: apt-get install postgresql) or set SAGA_DRILLS_PG_BIN to their folder")
# initdb refuses to run as root; the cluster then belongs to this always-present unprivileged user.
UNPRIVILEGED = "nobody"


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its superuser URL for a database name, and how to stop it."""

    host: str
    port: int
    user: str
    password: str
    root: Path
    bin: Path

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        return f"postgresql://{self.user}:{password or self.password}@{self.host}:{self.port}/{database}"


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: SAGA_DRILLS_PG_BIN, PATH, or Debian's versioned folders."""
    wanted = os.environ.get("SAGA_DRILLS_PG_BIN")
    if wanted:  # only that folder: a wrong one must not quietly fall back to another server
        candidates = [wanted]
    else:
        on_path = shutil.which("initdb")
        candidates = [str(Path(on_path).parent)] if on_path else []
        candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", UNPRIVILEGED, "--", *argv] if os.geteuid() == 0 else argv


def start(bin_dir: Path) -> Cluster:
    """initdb into a temporary folder and start the server there; raises RuntimeError with its log."""
    root = Path(tempfile.mkdtemp(prefix="saga-pg-"))
    root.chmod(0o755)  # the unprivileged owner must reach its data folder inside
    data, sock = root / "data", root / "sock"
    data.mkdir()
    sock.mkdir()
    password = secrets.token_hex(12)
    pwfile = root / "pw"
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(data, UNPRIVILEGED)
        shutil.chown(sock, UNPRIVILEGED)
        shutil.chown(pwfile, UNPRIVILEGED)
    # Passwords over TCP, so the tests can show what wrong credentials say; trust on the socket only.
    run = subprocess.run(
        _as_owner([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", f"--pwfile={pwfile}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
                   "--no-sync"]),
        capture_output=True, text=True, cwd=root)
    if run.returncode != 0:
        raise RuntimeError(f"initdb failed: {run.stderr.strip() or run.stdout.strip()}")
    port = _free_port()
    # A test cluster: durability is not what is tested, and fsync costs most of a CREATE DATABASE.
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
               "-c shared_buffers=64MB -c jit=off")
    run = subprocess.run(
        _as_owner([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "sock" / "server.log"),
                   "-w", "-t", "30", "start"]),
        capture_output=True, text=True, cwd=root)
    if run.returncode != 0:
        logtext = (root / "sock" / "server.log").read_text() if (root / "sock" / "server.log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {run.stderr.strip()} {logtext[-2000:]}")
    log.info("test PostgreSQL cluster on 127.0.0.1:%d in %s", port, root)
    return Cluster(host="127.0.0.1", port=port, user="postgres", password=password, root=root, bin=bin_dir)


def stop(cluster: Cluster) -> None:
    subprocess.run(_as_owner([str(cluster.bin / "pg_ctl"), "-D", str(cluster.root / "data"), "-m", "immediate",
                              "-w", "stop"]), capture_output=True, cwd=cluster.root)
    shutil.rmtree(cluster.root, ignore_errors=True)
