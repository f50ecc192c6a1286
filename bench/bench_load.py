"""Benchmark: ChannelCo load (extract + map + load) vs raw bulk insert and dlt, same rows, same database.

    python -m bench.bench_load --customers 10000 [--customers 100000] [--db sqlite|postgres] [--skip-dlt]

Each variant runs in its own subprocess on a fresh database so peak RSS is its own. Scenarios come
from ../shared/bench/gen_channel_data.py when present, else from the demo world generator
(``testkit.world``: run from the repository root). Prints one table per scenario: rows, seconds,
rows/s and its ratio to the raw baseline, CPU seconds and rows per CPU second (steady when the
machine is busy), peak memory, and the database's size against the raw one, plus the hub's
per-stage rows/s. The hub's CPU time counts the extract stage (which maps what it stages) only.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_GEN = ROOT.parent / "shared" / "bench" / "gen_channel_data.py"
CONFIG = ROOT / "examples" / "channelco" / "hub.yaml"
ENCODINGS = {"crm": "utf-8", "drp": "gb18030"}


def scenario(customers: int, workdir: Path) -> Path:
    out = workdir / f"scen{customers}"
    if not out.exists():
        if SHARED_GEN.exists():
            subprocess.run(
                [sys.executable, str(SHARED_GEN), str(out), "--seed", "21", "--customers", str(customers)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            from testkit.world import generate

            generate(out, seed=21, customers=customers)
    return out


def csv_files(world: Path):  # type: ignore[no-untyped-def]
    for system, enc in ENCODINGS.items():
        for path in sorted((world / system).glob("*.csv")):
            yield system, path, enc


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far (user + system): steadier than wall time on a busy machine."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def store_mb(url: str) -> float:
    """Size of a variant's database: the SQLite file with its WAL, or PostgreSQL's database size."""
    if url.startswith("sqlite"):
        db = url.split("///", 1)[1]
        return sum(Path(db + s).stat().st_size for s in ("", "-wal") if Path(db + s).exists()) / 1e6
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as con:
        row = con.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
    return (row[0] if row else 0) / 1e6


# -- variants (each runs in a child process) -------------------------------------------------------
def variant_raw(world: Path, url: str) -> dict:
    """The floor: stdlib csv + one executemany per 10k rows into one table per file."""
    rows = 0
    t0, c0 = time.perf_counter(), cpu_seconds()
    if url.startswith("sqlite"):
        import sqlite3

        con = sqlite3.connect(url.split("///", 1)[1])
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=OFF")
        for system, path, enc in csv_files(world):
            with path.open(encoding=enc, newline="") as fh:
                r = csv.reader(fh)
                header = next(r)
                name = f"{system}_{path.stem}"
                con.execute(f'CREATE TABLE "{name}" ({", ".join(f"c{i}" for i in range(len(header)))})')
                sql = f'INSERT INTO "{name}" VALUES ({",".join("?" * len(header))})'
                batch = []
                for row in r:
                    batch.append(row)
                    if len(batch) == 10_000:
                        con.executemany(sql, batch)
                        rows += len(batch)
                        batch = []
                con.executemany(sql, batch)
                rows += len(batch)
                con.commit()
        con.close()
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as con:
            for system, path, enc in csv_files(world):
                with path.open(encoding=enc, newline="") as fh:
                    r = csv.reader(fh)
                    header = next(r)
                    name = f"{system}_{path.stem}".lower()
                    con.execute(f'CREATE TABLE "{name}" ({", ".join(f"c{i} text" for i in range(len(header)))})')
                    with con.cursor().copy(f'COPY "{name}" FROM STDIN') as cp:
                        for row in r:
                            cp.write_row(row)
                            rows += 1
                con.commit()
    return {"rows": rows, "seconds": time.perf_counter() - t0, "cpu": cpu_seconds() - c0, "peak_mb": peak_mb()}


def variant_hub(world: Path, url: str) -> dict:
    """The hub: extract + map (+ exact-key reconcile, reported separately)."""
    os.environ["CHANNELCO_DIR"] = str(world)
    os.environ["HUB_DATABASE_URL"] = url
    from hub.config import load_config
    from hub.runner import open_store, run_pipeline

    config = load_config(CONFIG)
    engine = open_store(config)
    t0 = time.perf_counter()
    from hub.pipeline import extract

    # CPU time of the load stages only: extract (which maps what it stages) and map
    spent = {"cpu": 0.0}
    extract_stream = extract.extract_stream

    def timed_extract(*a, **kw):  # type: ignore[no-untyped-def]
        c = cpu_seconds()
        try:
            return extract_stream(*a, **kw)
        finally:
            spent["cpu"] += cpu_seconds() - c

    import hub.runner

    hub.runner.extract_stream = timed_extract  # type: ignore[attr-defined]
    result = run_pipeline(config, "channelco", engine=engine)
    total = time.perf_counter() - t0
    from sqlalchemy import text

    with engine.connect() as conn:
        stages = conn.execute(
            text(
                "SELECT stage, sum(rows_in), sum(julianday(finished_at) - julianday(started_at)) * 86400 FROM stage_log "
                "WHERE run_id = :r GROUP BY stage"
                if url.startswith("sqlite")
                else "SELECT stage, sum(rows_in), sum(extract(epoch from finished_at - started_at)) FROM stage_log WHERE run_id = :r GROUP BY stage"
            ),
            {"r": result.run_id},
        ).all()
    per_stage = {s: {"rows": int(n or 0), "seconds": float(sec or 0)} for s, n, sec in stages}
    rows = per_stage.get("extract", {}).get("rows", 0)
    load_seconds = per_stage.get("extract", {}).get("seconds", 0) + per_stage.get("map", {}).get("seconds", 0)
    return {
        "rows": rows,
        "seconds": load_seconds,
        "cpu": spent["cpu"],
        "total_seconds": total,
        "stages": per_stage,
        "peak_mb": peak_mb(),
    }


def variant_dlt(world: Path, url: str) -> dict:
    """dlt loading the same CSVs as pages of dicts (its documented default path)."""
    os.environ.update(
        {
            "SCHEMA__NAMING": "direct",
            "LOAD__WORKERS": "1",
            "NORMALIZE__WORKERS": "1",
            "DATA_WRITER__BUFFER_MAX_ITEMS": "10000",
        }
    )
    import dlt

    def rows_of(system: str, path: Path, enc: str):  # type: ignore[no-untyped-def]
        with path.open(encoding=enc, newline="") as fh:
            page = []
            for row in csv.DictReader(fh):
                page.append(row)
                if len(page) == 10_000:
                    yield page
                    page = []
            if page:
                yield page

    resources = [
        dlt.resource(rows_of(s, p, e), name=f"{s}_{p.stem}", write_disposition="append") for s, p, e in csv_files(world)
    ]
    dest = (
        dlt.destinations.sqlalchemy(url)
        if url.startswith("sqlite")
        else dlt.destinations.postgres(url.replace("postgresql+psycopg", "postgresql"))
    )
    pipe = dlt.pipeline(
        pipeline_name="bench", destination=dest, dataset_name="bench", pipelines_dir=tempfile.mkdtemp(prefix="dlt-")
    )
    t0 = time.perf_counter()
    pipe.run(resources)
    secs = time.perf_counter() - t0
    rows = sum(sum(1 for _ in open(p, encoding=e)) - 1 for _, p, e in csv_files(world))
    return {"rows": rows, "seconds": secs, "peak_mb": peak_mb()}


VARIANTS = {"raw": variant_raw, "hub": variant_hub, "dlt": variant_dlt}


def run_child(name: str, world: Path, url: str, python: str | None = None) -> dict:
    out = subprocess.run(
        [python or sys.executable, __file__, "--child", name, "--world", str(world), "--url", url],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_url(kind: str, workdir: Path, tag: str) -> str:
    if kind == "sqlite":
        db = workdir / f"{tag}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{db}"
    import psycopg

    name = f"bench_{tag}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, action="append")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--skip-dlt", action="store_true")
    ap.add_argument(
        "--dlt-python",
        default=str(ROOT / ".cache" / "dlt-venv" / "bin" / "python"),
        help="interpreter with dlt installed (kept out of the project venv): "
        "python3 -m venv .cache/dlt-venv && .cache/dlt-venv/bin/pip install 'dlt[sqlalchemy]==1.31.0' psycopg2-binary",
    )
    ap.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    ap.add_argument("--child")
    ap.add_argument("--world", type=Path)
    ap.add_argument("--url")
    args = ap.parse_args()
    if args.child:
        print(json.dumps(VARIANTS[args.child](args.world, args.url)))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    for customers in args.customers or [10_000]:
        world = scenario(customers, args.workdir)
        results = {}
        for name in ("raw", "hub") + (() if args.skip_dlt else ("dlt",)):
            python = args.dlt_python if name == "dlt" else None
            if python and not Path(python).exists():
                results[name] = {"error": f"no dlt interpreter at {python} (see --dlt-python)"}
                continue
            url = fresh_url(args.db, args.workdir, f"{name}{customers}")
            results[name] = run_child(name, world, url, python)
            if "error" not in results[name]:
                results[name]["store_mb"] = store_mb(url)
        base = results["raw"]
        print(f"\nChannelCo load, {customers:,} customers, {args.db}  ({world})")
        print(
            f"{'variant':<34}{'rows':>11}{'seconds':>10}{'rows/s':>12}{'vs raw':>9}{'cpu s':>8}{'rows/cpu-s':>12}"
            f"{'vs raw':>9}{'peak MB':>10}{'store MB':>10}{'vs raw':>8}"
        )
        for name, r in results.items():
            if "error" in r:
                print(f"{name:<34}  failed: {r['error']}")
                continue
            rate = r["rows"] / r["seconds"] if r["seconds"] else 0
            ratio = rate / (base["rows"] / base["seconds"]) if "error" not in base else 0
            cpu = r.get("cpu") or 0
            cpu_rate = r["rows"] / cpu if cpu else 0
            base_cpu = base.get("cpu") or 0
            cpu_ratio = cpu_rate / (base["rows"] / base_cpu) if base_cpu and "error" not in base else 0
            size = r.get("store_mb", 0)
            size_ratio = size / base["store_mb"] if base.get("store_mb") else 0
            label = {
                "raw": "raw csv + executemany/COPY (floor)",
                "hub": "hub extract + map (load)",
                "dlt": "dlt dicts -> same db",
            }[name]
            print(
                f"{label:<34}{r['rows']:>11,}{r['seconds']:>10.1f}{rate:>12,.0f}{ratio:>9.2f}{cpu:>8.1f}"
                f"{cpu_rate:>12,.0f}{cpu_ratio:>9.2f}{r['peak_mb']:>10.0f}{size:>10.0f}{size_ratio:>8.1f}"
            )
        hub = results.get("hub", {})
        for stage, s in hub.get("stages", {}).items():
            rate = s["rows"] / s["seconds"] if s["seconds"] else 0
            print(f"  hub stage {stage:<12}{s['rows']:>11,} rows {s['seconds']:>8.1f}s {rate:>12,.0f} rows/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
