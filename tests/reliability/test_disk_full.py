"""The disk under a SQLite store fills up during a load: one clear line (exit 1) saying so, the store intact with
the previous run's exports, and a rerun once space is freed converges to a clean run's exports."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.reliability.trials import CHANNELCO, engine_of, exports, hub, hub_ok

pytestmark = pytest.mark.slow


class SmallDisk:
    """A size-limited tmpfs mounted on a temporary folder (needs root); unmounted by ``close``."""

    def __init__(self, megabytes: int) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="hub-small-disk-"))
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            self.path.rmdir()
            raise PermissionError(proc.stderr.strip() or f"mount exited {proc.returncode}")

    def grow(self, megabytes: int) -> None:
        self.resize_kb(megabytes * 1024)

    def resize_kb(self, kilobytes: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={kilobytes}k", str(self.path)], check=True, capture_output=True)

    def used_kb(self) -> int:
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file()) // 1024

    def close(self) -> None:
        subprocess.run(["umount", str(self.path)], check=True, capture_output=True)
        self.path.rmdir()


@pytest.fixture
def small_disk() -> Iterator[SmallDisk]:
    try:
        disk = SmallDisk(6)
    except (PermissionError, FileNotFoundError) as exc:
        pytest.skip(f"cannot mount a size-limited tmpfs here (needs root and mount): {exc}")
    try:
        yield disk
    finally:
        disk.close()


def disk_full_trial(
    disk: SmallDisk, small: Path, big: Path, tmp: Path, ref: dict[str, bytes] | None
) -> dict[str, object]:
    """Load ``small`` onto the disk, shrink the disk to a little more than that store, then load ``big`` until the
    disk is full, check the store, grow, rerun."""
    url = f"sqlite:///{disk.path / 'hub.db'}"
    world = tmp / "world"
    shutil.copytree(small, world)
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}
    disk.grow(64)
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    disk.resize_kb(disk.used_kb() * 5 // 4 + 256)  # room for the small store, not for four times as much
    before = exports(url, tmp / "before")
    shutil.rmtree(world)
    shutil.copytree(big, world)
    proc = hub(CHANNELCO, "run", "channelco", env=env)
    out, err = proc.communicate(timeout=600)
    after = exports(url, tmp / "after-full")
    engine = engine_of(url)
    try:
        with engine.connect() as conn:
            integrity = [r[0] for r in conn.execute(sa.text("PRAGMA integrity_check")).all()]
    finally:
        engine.dispose()
    disk.grow(64)
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    return {
        "code": proc.returncode,
        "stdout": out,
        "stderr": err,
        "unchanged": after == before,
        "integrity": integrity,
        "converged": ref is None or exports(url, tmp / "rerun") == ref,
    }


def reference(small: Path, big: Path, tmp: Path) -> dict[str, bytes]:
    """The same two loads on a disk with room: the exports the store must reach."""
    tmp.mkdir(parents=True)
    world = tmp / "world"
    shutil.copytree(small, world)
    url = f"sqlite:///{tmp / 'ref.db'}"
    env = {"CHANNELCO_DIR": str(world), "HUB_DATABASE_URL": url}
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    shutil.rmtree(world)
    shutil.copytree(big, world)
    hub_ok(CHANNELCO, "run", "channelco", env=env)
    return exports(url, tmp / "out")


def test_disk_full_is_one_clear_line_store_intact_rerun_converges(
    small_disk: SmallDisk, small_world: Path, big_world: Path, tmp_path: Path
) -> None:
    ref = reference(small_world, big_world, tmp_path / "ref")
    res = disk_full_trial(small_disk, small_world, big_world, tmp_path, ref)
    out, err = str(res["stdout"]), str(res["stderr"])
    assert res["code"] == 1, (res["code"], out[-1500:], err[-1500:])
    assert "Traceback" not in err
    lines = [line for line in (out + err).splitlines() if line.startswith(("failed:", "error:"))]
    assert len(lines) == 1 and "database or disk is full" in lines[0], (out[-1500:], err[-1500:])
    assert "the store failed" in lines[0]
    assert res["integrity"] == ["ok"]
    assert res["unchanged"], "the failed load changed the exports of the previous run"
    assert res["converged"], "the rerun after freeing space did not reach a clean run's exports"
