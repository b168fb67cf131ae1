"""Real Redis servers and a Sentinel on free loopback ports, in a private directory, for the Sentinel tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import redis
from redis.sentinel import Sentinel

SERVER, SENTINEL = shutil.which("redis-server"), shutil.which("redis-sentinel")
MISSING = (
    None
    if SERVER and SENTINEL
    else "redis-server / redis-sentinel 未安装（apt-get install redis-server redis-sentinel；.ci/services.sh 会安装）"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], timeout: float = 30, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(every)


class RedisServer:
    """One redis-server (a replica of ``replica_of`` if given), killed with ``kill()`` (SIGKILL) or ``stop()``."""

    def __init__(self, folder: Path, port: int | None = None, replica_of: int | None = None) -> None:
        assert SERVER is not None
        self.port = port or free_port()
        folder.mkdir(parents=True, exist_ok=True)
        args = [SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dir", str(folder), "--dbfilename", f"{self.port}.rdb"]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        self.log = folder / f"redis-{self.port}.log"
        with self.log.open("w") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        wait_for(lambda: _answers(client))
        client.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class SentinelGroup:
    """A master, one replica and one Sentinel (quorum 1) that fails over a second after the master is gone."""

    def __init__(self, folder: Path, master_name: str) -> None:
        assert SENTINEL is not None
        self.master_name = master_name
        self.master = RedisServer(folder)
        self.replica = RedisServer(folder, replica_of=self.master.port)
        self.sentinel_port = free_port()
        conf = folder / "sentinel.conf"  # Sentinel rewrites its file: a private, writable copy
        conf.write_text(
            f"port {self.sentinel_port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor {master_name} 127.0.0.1 {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {master_name} 1000\n"
            f"sentinel failover-timeout {master_name} 5000\n"
        )
        self.log = folder / "sentinel.log"
        with self.log.open("w") as out:
            self.sentinel = subprocess.Popen([SENTINEL, str(conf)], stdout=out, stderr=subprocess.STDOUT)
        self.client = Sentinel([("127.0.0.1", self.sentinel_port)], sentinel_kwargs={"socket_timeout": 1})
        # A failover needs a replica the Sentinel already knows, with a live link to the master.
        wait_for(self._replica_known)

    @property
    def addresses(self) -> str:
        return f"127.0.0.1:{self.sentinel_port}"

    def master_port(self) -> int | None:
        try:
            return int(self.client.discover_master(self.master_name)[1])
        except redis.RedisError:
            return None

    def _replica_known(self) -> bool:
        try:
            replicas = self.client.sentinels[0].sentinel_slaves(self.master_name)
        except redis.RedisError:
            return False
        return any(r["port"] == self.replica.port and r.get("master-link-status") == "ok" for r in replicas)

    def stop(self) -> None:
        if self.sentinel.poll() is None:
            self.sentinel.terminate()
            self.sentinel.wait(timeout=10)
        self.replica.stop()
        self.master.stop()


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
