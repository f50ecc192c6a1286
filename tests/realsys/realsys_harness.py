"""Build, seed, start and stop the real Tryton and django-crm servers on 127.0.0.1 for tests and demos.

Layout under ``<repo>/.cache/realsys/`` (gitignored):

- ``venvs/tryton`` (Python 3.11, trytond 8.2 + modules) and ``venvs/djangocrm`` (Python >= 3.12,
  django-crm 1.35), each with a ``.packages`` marker; rebuilt when the package list changes.
- ``templates/tryton-<hash>/channelco.sqlite`` and ``templates/djangocrm-<hash>/db.sqlite3``: the
  initialised and seeded databases plus ``meta.json`` (credentials, counts). ``<hash>`` covers the
  packages, the world generator and the seed scripts, so a change there builds a new template.
- ``run/<name>/``: a running instance (a copy of the template), ``<name>.pid``, ``<name>.json``.

Each build step takes a file lock, so parallel test workers build a template once. Servers are
started as their own process (own session) with a PID file and a readiness check, and stopped by
that PID only.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CACHE = Path(os.environ.get("REALSYS_CACHE", REPO / ".cache" / "realsys"))

TRYTON_DB = "channelco"
TRYTON_ADMIN_PASSWORD = "channelhub-admin"
TRYTON_MODULES = (
    "party",
    "company",
    "currency",
    "country",
    "product",
    "stock",
    "account",
    "account_invoice",
    "sale",
    "account_credit_limit",
)
TRYTON_PACKAGES = (
    "trytond~=8.2.0", "trytond-party~=8.2.0", "trytond-company~=8.2.0", "trytond-currency~=8.2.0",
    "trytond-country~=8.2.0", "trytond-product~=8.2.0", "trytond-stock~=8.2.0", "trytond-sale~=8.2.0",
    "trytond-account~=8.2.0", "trytond-account-invoice~=8.2.0", "trytond-account-credit-limit~=8.2.0", "proteus~=8.2.0",
)  # fmt: skip
DJANGOCRM_PACKAGES = ("django-crm~=1.35.0",)
DJANGOCRM_SETTINGS = '''"""Standalone settings for the realsys harness: SQLite, eager in-memory Celery, loopback hosts."""
import os

os.environ.setdefault("SECRET_KEY", "realsys-harness-secret-key-0123456789abcdef")
from crm.settings import *  # noqa: E402,F401,F403

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["REALSYS_DB"]}}
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
'''


class HarnessError(RuntimeError):
    """A build or start step failed; the message names the step and the log file."""


class NoInterpreter(HarnessError):
    """No suitable Python interpreter exists on this machine (the caller skips)."""


@dataclass
class ServerInfo:
    """A running server: what a test or the CLI needs to talk to it and to stop it."""

    name: str
    pid: int
    port: int
    url: str
    instance_dir: str
    pidfile: str
    log: str
    credentials: dict[str, Any]


# -- interpreters and venvs ------------------------------------------------------------------
def _pyenv_root() -> Path | None:
    exe = shutil.which("pyenv")
    if exe:
        out = subprocess.run([exe, "root"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip())
    fallback = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    return fallback if fallback.exists() else None


def find_python(minor: str, *, at_least: bool = False) -> str:
    """Path of a Python ``3.<minor>`` (or newer with ``at_least``) interpreter: this one, pyenv's, or on PATH."""
    want = tuple(int(x) for x in minor.split("."))
    if sys.version_info[:2] == want or (at_least and sys.version_info[:2] >= want):
        return sys.executable
    candidates: list[str] = []
    root = _pyenv_root()
    if root:
        pattern = f"{root}/versions/{minor}.*/bin/python"
        candidates += sorted(glob.glob(pattern), reverse=True)
        if at_least:
            candidates += sorted(glob.glob(f"{root}/versions/3.1[3-9].*/bin/python"))
    exe = shutil.which(f"python{minor}")
    if exe:
        candidates.append(exe)
    for cand in candidates:
        if os.access(cand, os.X_OK):
            return cand
    raise NoInterpreter(
        f"no Python {minor}{'+' if at_least else ''} interpreter found (looked in pyenv versions and PATH)"
    )


@contextmanager
def _locked(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: list[str], log: Path, step: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    started = time.monotonic()
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=cwd, check=False
        )
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise HarnessError(f"{step} failed (exit {proc.returncode}); log {log}:\n{tail}")
    return time.monotonic() - started


def build_venv(name: str, python: str, packages: tuple[str, ...]) -> Path:
    """Create (once) ``venvs/<name>`` with ``packages`` from PyPI; returns the venv folder."""
    venv = CACHE / "venvs" / name
    marker = venv / ".packages"
    wanted = "\n".join(packages)
    with _locked(f"venv-{name}"):
        if marker.exists() and marker.read_text() == wanted and (venv / "bin" / "python").exists():
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        log = CACHE / f"build-{name}.log"
        _run([python, "-m", "venv", str(venv)], log, f"{name}: venv")
        _run([str(venv / "bin" / "pip"), "install", "--quiet", *packages], log, f"{name}: pip install")
        marker.write_text(wanted)
    return venv


def _fingerprint(*parts: str | Path) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(Path(part).read_bytes() if isinstance(part, Path) else part.encode())
    return h.hexdigest()[:12]


def _world_file(workdir: Path) -> Path:
    sys.path.insert(0, str(HERE))
    try:
        import realsys_world as world  # the generator lives beside this module and runs in the hub's interpreter
    finally:
        sys.path.remove(str(HERE))
    path = workdir / "world.json"
    path.write_text(json.dumps(world.build_world(), ensure_ascii=False))
    return path


# -- templates -------------------------------------------------------------------------------
def tryton_template() -> Path:
    """The seeded Tryton template folder (built once: trytond-admin + seed_tryton.py)."""
    venv = build_venv("tryton", find_python("3.11"), TRYTON_PACKAGES)
    key = _fingerprint("\n".join(TRYTON_PACKAGES), HERE / "realsys_world.py", HERE / "seed_tryton.py")
    target = CACHE / "templates" / f"tryton-{key}"
    with _locked("template-tryton"):
        if (target / "meta.json").exists():
            return target
        work = Path(tempfile.mkdtemp(prefix="tryton-", dir=CACHE))
        log = CACHE / "build-tryton.log"
        passfile = work / "admin.pass"
        passfile.write_text(TRYTON_ADMIN_PASSWORD)
        (work / f"{TRYTON_DB}.sqlite").touch()
        env = {
            "TRYTOND_DATABASE__URI": "sqlite://",
            "TRYTOND_DATABASE__PATH": str(work),
            "TRYTONPASSFILE": str(passfile),
        }
        t_admin = _run(
            [str(venv / "bin" / "trytond-admin"), "-d", TRYTON_DB, "--all", "-u", *TRYTON_MODULES,
             "--activate-dependencies", "--email", "admin@channelco.example.cn"],
            log, "tryton: trytond-admin", env=env,
        )  # fmt: skip
        world = _world_file(work)
        t_seed = _run(
            [str(venv / "bin" / "python"), str(HERE / "seed_tryton.py"), TRYTON_DB, str(world), str(work / "counts.json")],
            log, "tryton: seed", env=env,
        )  # fmt: skip
        meta = {
            "database": TRYTON_DB, "username": "admin", "password": TRYTON_ADMIN_PASSWORD,
            "counts": json.loads((work / "counts.json").read_text()),
            "seconds": {"trytond_admin": round(t_admin, 1), "seed": round(t_seed, 1)},
        }  # fmt: skip
        for extra in ("admin.pass", "counts.json", "world.json"):
            (work / extra).unlink()
        (work / "meta.json").write_text(json.dumps(meta, indent=2))
        target.parent.mkdir(parents=True, exist_ok=True)
        work.rename(target)
    return target


def djangocrm_site() -> Path:
    """The folder holding the harness's Django settings module."""
    site = CACHE / "djangocrm_site"
    site.mkdir(parents=True, exist_ok=True)
    settings = site / "realsys_settings.py"
    if not settings.exists() or settings.read_text() != DJANGOCRM_SETTINGS:
        settings.write_text(DJANGOCRM_SETTINGS)
    return site


def _django_env(db: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "realsys_settings", "PYTHONPATH": str(djangocrm_site()), "REALSYS_DB": str(db),
        "ENV_TYPE": "dev", "DEBUG": "False",
    }  # fmt: skip


def djangocrm_template() -> Path:
    """The seeded django-crm template folder (built once: migrate + seed_djangocrm.py)."""
    venv = build_venv("djangocrm", find_python("3.12", at_least=True), DJANGOCRM_PACKAGES)
    key = _fingerprint(
        "\n".join(DJANGOCRM_PACKAGES), DJANGOCRM_SETTINGS, HERE / "realsys_world.py", HERE / "seed_djangocrm.py"
    )
    target = CACHE / "templates" / f"djangocrm-{key}"
    with _locked("template-djangocrm"):
        if (target / "meta.json").exists():
            return target
        work = Path(tempfile.mkdtemp(prefix="djangocrm-", dir=CACHE))
        log = CACHE / "build-djangocrm.log"
        env = _django_env(work / "db.sqlite3")
        t_migrate = _run(
            [str(venv / "bin" / "django-admin"), "migrate", "-v", "0"], log, "djangocrm: migrate", env=env, cwd=work
        )
        world = _world_file(work)
        t_seed = _run(
            [str(venv / "bin" / "python"), str(HERE / "seed_djangocrm.py"), str(world), str(work / "seed.json")],
            log, "djangocrm: seed", env=env, cwd=work,
        )  # fmt: skip
        seeded = json.loads((work / "seed.json").read_text())
        meta = {
            "token": seeded["token"], "org_id": seeded["org_id"], "counts": seeded["counts"],
            "seconds": {"migrate": round(t_migrate, 1), "seed": round(t_seed, 1)},
        }  # fmt: skip
        for extra in work.iterdir():  # world.json, seed.json and the logs Django writes into its cwd
            if extra.name != "db.sqlite3":
                shutil.rmtree(extra) if extra.is_dir() else extra.unlink()
        (work / "meta.json").write_text(json.dumps(meta, indent=2))
        target.parent.mkdir(parents=True, exist_ok=True)
        work.rename(target)
    return target


# -- servers ---------------------------------------------------------------------------------
def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bind port 0 and read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(info: ServerInfo, probe: Any, timeout: float) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(info.pid, 0)
        except ProcessLookupError:
            raise HarnessError(
                f"{info.name} exited during start; log {info.log}:\n{Path(info.log).read_text(errors='replace')[-2000:]}"
            ) from None
        try:
            if probe(requests):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_pid(Path(info.pidfile))
    raise HarnessError(f"{info.name} not ready after {timeout}s; log {info.log}")


def _spawn(
    name: str,
    cmd: list[str],
    env: dict[str, str],
    instance: Path,
    port: int,
    credentials: dict[str, Any],
    pid_dir: Path,
) -> ServerInfo:
    log = instance / "server.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=instance,
            env={**os.environ, **env}, start_new_session=True,
        )  # fmt: skip
    pidfile = pid_dir / f"{name}.pid"
    pidfile.write_text(str(proc.pid))
    info = ServerInfo(
        name, proc.pid, port, f"http://127.0.0.1:{port}", str(instance), str(pidfile), str(log), credentials
    )
    (pid_dir / f"{name}.json").write_text(json.dumps(asdict(info), indent=2))
    return info


def start_tryton(
    instance: Path, *, template: Path | None = None, pid_dir: Path | None = None, timeout: float = 60,
    extra_env: dict[str, str] | None = None,
) -> ServerInfo:  # fmt: skip
    """Copy the Tryton template into ``instance`` and start trytond on a free loopback port.

    ``extra_env`` adds trytond settings, e.g. ``TRYTOND_SESSION__MAX_ATTEMPT`` (failed logins
    before 429; each failure also delays the answer by up to 2**attempts seconds).
    """
    template = template or tryton_template()
    meta = json.loads((template / "meta.json").read_text())
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template / f"{TRYTON_DB}.sqlite", instance / f"{TRYTON_DB}.sqlite")
    port = free_port()
    env = {
        "TRYTOND_DATABASE__URI": "sqlite://", "TRYTOND_DATABASE__PATH": str(instance),
        "TRYTOND_WEB__LISTEN": f"127.0.0.1:{port}", **(extra_env or {}),
    }  # fmt: skip
    venv = CACHE / "venvs" / "tryton"
    creds = {"database": meta["database"], "username": meta["username"], "password": meta["password"]}
    info = _spawn(
        "tryton", [str(venv / "bin" / "trytond"), "-d", TRYTON_DB], env, instance, port, creds, pid_dir or instance
    )

    def probe(requests: Any) -> bool:
        resp = requests.post(
            f"{info.url}/rpc/", json={"id": 0, "method": "common.server.version", "params": []}, timeout=2
        )
        return resp.status_code == 200

    _wait_ready(info, probe, timeout)
    return info


def start_djangocrm(
    instance: Path, *, template: Path | None = None, pid_dir: Path | None = None, timeout: float = 60
) -> ServerInfo:
    """Copy the django-crm template into ``instance`` and start runserver on a free loopback port."""
    template = template or djangocrm_template()
    meta = json.loads((template / "meta.json").read_text())
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template / "db.sqlite3", instance / "db.sqlite3")
    port = free_port()
    venv = CACHE / "venvs" / "djangocrm"
    cmd = [str(venv / "bin" / "django-admin"), "runserver", f"127.0.0.1:{port}", "--noreload"]
    creds = {"token": meta["token"], "org_id": meta["org_id"]}
    info = _spawn("djangocrm", cmd, _django_env(instance / "db.sqlite3"), instance, port, creds, pid_dir or instance)
    _wait_ready(info, lambda requests: requests.get(f"{info.url}/healthz/", timeout=2).status_code == 200, timeout)
    return info


def stop_pid(pidfile: Path, timeout: float = 10) -> bool:
    """Stop the process named in ``pidfile`` (TERM, then KILL); True when one was running."""
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text().strip())
    running = True
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        running = False
    deadline = time.monotonic() + timeout
    while running and time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                break
        except ChildProcessError:  # not our child (started by another command): poll instead
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        if running:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    pidfile.unlink(missing_ok=True)
    return running
