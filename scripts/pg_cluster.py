"""A throwaway PostgreSQL cluster on a loopback port, for the catalog tests and the team-store scripts.

    with pg_cluster.throwaway() as cluster:
        catalog = cluster.catalog(cluster.create_database("t1"))   # "postgres:dbname=t1 host=127.0.0.1 port=…"

Uses Debian's `postgresql` (scripts/test.sh installs it): initdb into a temporary directory, trust
authentication on 127.0.0.1 only, no Unix socket outside that directory. PostgreSQL refuses to run as root, so
as root the cluster runs as the `postgres` system user the package created.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin directory, or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    port: int
    bin: Path
    as_user: list[str]

    def catalog(self, dbname: str) -> str:
        return f"postgres:dbname={dbname} host=127.0.0.1 port={self.port} user=postgres"

    def create_database(self, name: str) -> str:
        subprocess.run([*self.as_user, str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                        "-U", "postgres", name], check=True, capture_output=True)
        return name


@contextlib.contextmanager
def throwaway():
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql; scripts/test.sh does it)")
    root = Path(tempfile.mkdtemp(prefix="kpiboard-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    try:
        subprocess.run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
        options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
                   "-c fsync=off -c max_connections=200")
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options,
                        "-w", "-t", "60", "start"], check=True, capture_output=True)
        deadline = time.monotonic() + 30
        while subprocess.run([str(bin_dir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not start: " + (root / "log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield Cluster(port, bin_dir, as_user)
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
