"""A local CeleryExecutor Airflow stack on 127.0.0.1: api-server, scheduler, dag-processor, celery worker(s).

For the distributed test tier, the benchmark, and trying the DAGs without Docker. It needs a
Redis broker and a PostgreSQL database (metadata and Celery result backend) that the caller
provides. Every component is started with ``setsid`` (its own session and process group), its
PID recorded, its output in ``<home>/logs/<component>.log``; ``stop()`` signals each recorded
process group, then kills what is left. The api-server listens on a free port of 127.0.0.1 and
the scheduler and worker run with ``--skip-serve-logs`` (no log server on any interface); the
api-server reads task logs from the shared log folder.

    stack = LocalStack(StackSettings(home, dags_folder, metadata_url=..., broker_url=...), extra_env)
    with stack:                       # migrate + start ... stop
        stack.create_pools(...)
        run_id = stack.trigger("hub_channelco")
        state = stack.wait_for_run("hub_channelco", run_id)
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

__all__ = ["StackSettings", "LocalStack", "StackError", "free_port"]

USER = "hub"


class StackError(RuntimeError):
    """A component did not start, or the stack did not answer in time (the message has the log tails)."""


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bind port 0 and read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class StackSettings:
    """What the stack runs on."""

    home: Path
    dags_folder: Path
    #: SQLAlchemy URL of the metadata database, e.g. postgresql+psycopg2://postgres@127.0.0.1:5432/airflow
    metadata_url: str
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Celery result backend; default: the metadata database
    result_backend: str | None = None
    #: Celery queue of this stack's tasks (unique by default, so a shared broker does not mix stacks)
    queue: str = field(default_factory=lambda: f"hub_{uuid.uuid4().hex[:10]}")
    parallelism: int = 4
    worker_concurrency: int = 2
    workers: int = 1


class LocalStack:
    """Start, drive (REST API v2) and stop one local Airflow stack."""

    def __init__(self, settings: StackSettings, extra_env: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.home = Path(settings.home)
        self.logs = self.home / "logs"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._password = secrets.token_urlsafe(16)
        self._token: str | None = None
        self._http = requests.Session()
        self._http.trust_env = False  # never through a proxy: the stack is on 127.0.0.1
        self.env = self._environment(extra_env or {})

    # -- set-up ---------------------------------------------------------------------------
    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        s = self.settings
        self.logs.mkdir(parents=True, exist_ok=True)
        pw_file = self.home / "simple_auth_manager_passwords.json"
        pw_file.write_text(json.dumps({USER: self._password}), encoding="utf-8")
        pw_file.chmod(0o600)
        result = s.result_backend or "db+" + s.metadata_url.replace("+psycopg2", "").replace("+psycopg", "")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(s.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__PARALLELISM": str(s.parallelism),
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(pw_file),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": s.metadata_url,
                "AIRFLOW__CELERY__BROKER_URL": s.broker_url,
                "AIRFLOW__CELERY__RESULT_BACKEND": result,
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(s.worker_concurrency),
                "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "hub.airflow.celery_config.CELERY_CONFIG",
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": s.queue,
                "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.logs),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            }
        )
        env.update(extra)
        return env

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run an ``airflow`` CLI command in the stack's environment; raises StackError when it fails."""
        out = subprocess.run(
            [sys.executable, "-m", "airflow", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if out.returncode != 0:
            raise StackError(
                f"airflow {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
            )
        return out

    def migrate(self) -> None:
        """Create or upgrade the metadata database."""
        self.airflow("db", "migrate", timeout=600)

    def _spawn(self, name: str, *args: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()  # the child holds its own descriptor

    def start(self, timeout: float = 120, triggerer: bool = False) -> None:
        """Start every component and wait until the api-server answers and the scheduler is healthy."""
        s = self.settings
        self._spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1")
        self._spawn("scheduler", "scheduler", "--skip-serve-logs")
        self._spawn("dag-processor", "dag-processor")
        for i in range(s.workers):
            self._spawn(
                f"worker-{i}",
                "celery",
                "worker",
                "--skip-serve-logs",
                "-q",
                s.queue,
                "-c",
                str(s.worker_concurrency),
                "-H",
                f"{s.queue}-{i}@%h",
                "--without-gossip",
                "--without-mingle",
            )
        if triggerer:
            self._spawn("triggerer", "triggerer", "--skip-serve-logs")
        self._wait(lambda: self._health_ok(), timeout, "the api-server and the scheduler to become healthy")

    def _health_ok(self) -> bool:
        try:
            r = self._http.get(f"{self.url}/api/v2/monitor/health", timeout=5)
        except requests.RequestException:
            return False
        return r.ok and r.json().get("scheduler", {}).get("status") == "healthy"

    def _wait(self, ready: Any, timeout: float, what: str, interval: float = 1.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            if dead:
                raise StackError(f"{', '.join(dead)} exited while waiting for {what}\n{self.log_tails()}")
            value = ready()
            if value:
                return value
            if time.monotonic() > deadline:
                raise StackError(f"timed out after {timeout:.0f}s waiting for {what}\n{self.log_tails()}")
            time.sleep(interval)

    # -- REST API v2 ----------------------------------------------------------------------
    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call the REST API (``path`` after ``/api/v2``) with a token; returns the JSON body."""
        if self._token is None:
            r = self._http.post(
                f"{self.url}/auth/token", json={"username": USER, "password": self._password}, timeout=30
            )
            r.raise_for_status()
            self._token = r.json()["access_token"]
        headers = {"Authorization": f"Bearer {self._token}", **kwargs.pop("headers", {})}
        r = self._http.request(method, f"{self.url}/api/v2{path}", headers=headers, timeout=60, **kwargs)
        if not r.ok:
            raise StackError(f"{method} {path}: HTTP {r.status_code}: {r.text[:2000]}")
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else r.text

    def create_pools(self, pools: dict[str, dict[str, Any]]) -> None:
        """Create (or resize) pools given in the ``airflow pools import`` format."""
        for name, spec in pools.items():
            body = {
                "name": name,
                "slots": spec["slots"],
                "description": spec.get("description", ""),
                "include_deferred": spec.get("include_deferred", False),
            }
            try:
                self.api("POST", "/pools", json=body)
            except StackError:
                self.api("PATCH", f"/pools/{name}", json=body)

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> dict[str, Any]:
        """Wait until the dag-processor has parsed ``dag_id``; raises with its import errors otherwise."""

        def parsed() -> Any:
            try:
                return self.api("GET", f"/dags/{dag_id}")
            except StackError:
                return None

        try:
            return self._wait(parsed, timeout, f"DAG {dag_id} to be parsed", interval=1.0)
        except StackError as exc:
            errors = self.api("GET", "/importErrors")
            raise StackError(f"{exc}\nimport errors: {json.dumps(errors)[:3000]}") from None

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause ``dag_id`` and start a run now; returns the DAG run id."""
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.api("POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {}})
        return str(run["dag_run_id"])

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> str:
        """Wait until a DAG run finishes; returns its final state."""

        def done() -> str | None:
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in ("success", "failed") else None

        return str(self._wait(done, timeout, f"run {run_id} of {dag_id} to finish", interval=1.0))

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """Every task instance of a DAG run (mapped ones included)."""
        return list(
            self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})["task_instances"]
        )

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1, map_index: int = -1) -> str:
        """The log of one task try, as text."""
        body = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"map_index": map_index, "full_content": "true"},
            headers={"Accept": "application/json"},
        )
        content = body.get("content") if isinstance(body, dict) else body
        if isinstance(content, list):
            return "\n".join(c.get("event", json.dumps(c)) if isinstance(c, dict) else str(c) for c in content)
        return str(content)

    # -- tear-down ------------------------------------------------------------------------
    def stop(self, timeout: float = 30) -> None:
        """Stop every component by PID (its process group): SIGTERM, then SIGKILL after ``timeout``."""
        for proc in self.procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)  # leftovers of the group (pool processes, task runners)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._http.close()

    def log_tails(self, lines: int = 40) -> str:
        """The last lines of every component's log."""
        out = []
        for path in sorted(self.logs.glob("*.log")):
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            out.append(f"----- {path.name} (last {len(tail)} lines) -----\n" + "\n".join(tail))
        return "\n".join(out)

    def __enter__(self) -> LocalStack:
        self.migrate()
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    # the component was started in its own session, so its PID is its process group id
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
