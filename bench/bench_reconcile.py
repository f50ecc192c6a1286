"""Benchmark: ChannelCo end to end (quality, time, memory), and an incremental rerun after 1% of rows change.

    python bench/bench_reconcile.py --customers 10000 [--customers 100000] [--seed 11] [--noise FILE.json]
                                    [--change 0.01] [--no-verify] [--work DIR]
                                    [--backend sqlite|postgresql|both] [--pg-url URL] [--keep-db]

For each size the script generates a scenario with ../shared/bench/gen_channel_data.py into
``--work``, then, each step in its own child process (peak RSS from ``os.wait4``):

1. ``full``: ``hub run channelco`` on a fresh SQLite store, ``hub export``, scored with score.py;
2. ``incremental``: ``--change`` of the rows of every CRM and DRP file edited in a copy of the
   scenario (phones, addresses, credit limits, order amounts and statuses, line quantities,
   open amounts, payment memos: what a day of business changes), then ``hub run`` again on
   the same store;
3. ``fresh``: a full run of the changed scenario on a new store (unless ``--no-verify``); its
   crosswalk.csv and discrepancies.csv must equal the incremental run's byte for byte.

Prints per size: F1 of the full run, the seconds of each stage, peak memory, and the
incremental run's reconcile time as a share of the full run's.

``--backend`` picks the store: a SQLite file (the default), a PostgreSQL database created for
each store on the server of ``--pg-url`` (default ``$HUB_BENCH_PG`` or the local ``test``
database's server; dropped afterwards unless ``--keep-db``), or ``both`` on the same world,
which adds a table of the reconcile seconds on each backend, their ratio, and whether both
exported the same crosswalk.csv and discrepancies.csv byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "bench"
CONFIG = ROOT / "examples" / "channelco" / "hub.yaml"
ENCODINGS = {"crm": "utf-8", "drp": "gb18030"}
PG_URL = os.environ.get("HUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")

#: file -> columns an edit may touch (never keys or references)
EDITABLE = {
    "crm/Account.csv": ["Phone", "BillingStreet", "Website"],
    "crm/Contact.csv": ["Title", "Phone"],
    "crm/Opportunity.csv": ["Amount", "StageName"],
    "crm/Order.csv": ["TotalAmount", "Status"],
    "crm/OrderItem.csv": ["Quantity"],
    "drp/customers.csv": ["电话", "地址", "信用额度"],
    "drp/sales_orders.csv": ["订单金额", "状态"],
    "drp/sales_order_lines.csv": ["数量"],
    "drp/inventory.csv": ["现存量"],
    "drp/invoices.csv": ["未收金额"],
    "drp/payments.csv": ["摘要"],
}


#: columns whose values come from a closed list: an edit picks another value of the list
CODED = {"Status", "StageName", "状态"}


def _edit(value: str, column: str, rnd: random.Random, pool: list[str]) -> str:
    if column in CODED:
        return rnd.choice([v for v in pool if v != value] or pool)
    try:
        n = float(value)
        return f"{n * rnd.uniform(0.5, 1.5):.2f}" if "." in value else str(max(1, int(n) + rnd.randint(1, 9)))
    except ValueError:
        return (value + " " + str(rnd.randint(1, 99))).strip()


def change_rows(world: Path, share: float, seed: int) -> int:
    """Edit ``share`` of the rows of every editable file in place, streaming (a file is never held
    whole: the benchmark's own memory would otherwise show in its children's peak); returns the
    number of rows changed."""
    rnd = random.Random(seed)
    changed = 0
    for rel, columns in EDITABLE.items():
        path = world / rel
        enc = ENCODINGS[rel.split("/")[0]]
        quoting = csv.QUOTE_ALL if enc == "utf-8" else csv.QUOTE_MINIMAL
        with path.open(newline="", encoding=enc) as fh:
            reader = csv.reader(fh)
            header = next(reader)
            cols = [header.index(c) for c in columns if c in header]
            pools: dict[int, set[str]] = {c: set() for c in cols}
            n = 0
            for row in reader:
                if n < 2000:
                    for c in cols:
                        if row[c]:
                            pools[c].add(row[c])
                n += 1
        picks = set(rnd.sample(range(n), max(1, int(n * share))))
        choice = {c: sorted(v) for c, v in pools.items()}
        tmp = path.with_suffix(".tmp")
        with path.open(newline="", encoding=enc) as src, tmp.open("w", newline="", encoding=enc) as dst:
            reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\r\n", quoting=quoting)
            writer.writerow(next(reader))
            for i, row in enumerate(reader):
                if i in picks:
                    c = rnd.choice(cols)
                    row[c] = _edit(row[c], header[c], rnd, choice[c])
                writer.writerow(row)
        tmp.replace(path)
        changed += len(picks)
    return changed


@dataclass(frozen=True)
class Store:
    """One store of the benchmark: a SQLite file under the work folder or a PostgreSQL database."""

    backend: str
    name: str
    work: Path
    pg_url: str

    @property
    def url(self) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{self.work / (self.name + '.db')}"
        return self.pg_url.rsplit("/", 1)[0] + f"/hub_bench_{self.name}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql)

    def reset(self) -> None:
        """An empty store."""
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (self.work / f"{self.name}.db{suffix}").unlink(missing_ok=True)
            return
        self.drop()
        self._admin(f'CREATE DATABASE "hub_bench_{self.name}"')

    def drop(self) -> None:
        if self.backend == "sqlite":
            return
        self._admin(f'DROP DATABASE IF EXISTS "hub_bench_{self.name}" WITH (FORCE)')


def stage_seconds(store: Store) -> dict[str, float]:
    """Seconds per stage of the store's last run (summed over systems and streams)."""
    from sqlalchemy import func, select

    from hub.store.engine import make_engine, resolve_url
    from hub.store.models import StageLog

    engine = make_engine(resolve_url(store.url))
    try:
        with engine.connect() as conn:
            last = conn.execute(select(func.max(StageLog.run_id))).scalar()
            rows = conn.execute(
                select(StageLog.stage, StageLog.started_at, StageLog.finished_at).where(StageLog.run_id == last)
            )
            out: dict[str, float] = {}
            for stage, start, end in rows:
                if start is not None and end is not None:
                    out[stage] = out.get(stage, 0.0) + (end - start).total_seconds()
    finally:
        engine.dispose()
    return {k: round(v, 1) for k, v in out.items()}


def hub(args: list[str], world: Path, store: Store) -> tuple[float, float]:
    """Run the hub CLI in a child; (wall seconds, peak RSS MB)."""
    env = dict(os.environ, CHANNELCO_DIR=str(world), HUB_DATABASE_URL=store.url)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("hub")), "-c", str(CONFIG), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status != 0:
        raise SystemExit(f"hub {' '.join(args)} failed:\n{err[-3000:]}")
    return time.perf_counter() - t0, usage.ru_maxrss / 1024


def partition(crosswalk: Path) -> set[frozenset[tuple[str, str, str]]]:
    """The clusters of a crosswalk.csv as sets of (entity, system, id): canonical ids themselves
    may differ between an incremental and a fresh run (ids are kept across splits and merges)."""
    groups: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
    with crosswalk.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            vals = list(row.values())
            groups.setdefault((vals[0], vals[1]), set()).add((vals[0], vals[2], vals[3]))
    return {frozenset(g) for g in groups.values()}


def score(world: Path, pred: Path) -> dict[str, float]:
    out = pred / "score.json"
    subprocess.run(
        [
            sys.executable,
            str(SHARED / "score.py"),
            "--truth",
            str(world / "truth" / "truth.json"),
            "--pred",
            str(pred),
            "--json",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    data = json.loads(out.read_text())
    return {**data["summary"], "duplicate_f1": data["links"]["customer_duplicates"]["f1"]}


def world_of(n: int, seed: int, noise: str | None, work: Path) -> tuple[str, Path]:
    """The scenario of one size (generated once into the work folder) and its tag."""
    tag = f"s{seed}_{n}" + (f"_{Path(noise).stem}" if noise else "")
    world = work / tag
    if not world.exists():
        cmd = [
            sys.executable,
            str(SHARED / "gen_channel_data.py"),
            str(world),
            "--seed",
            str(seed),
            "--customers",
            str(n),
        ]
        subprocess.run(cmd + (["--noise", noise] if noise else []), check=True, stdout=subprocess.DEVNULL)
    return tag, world


def run_size(
    n: int,
    seed: int,
    noise: str | None,
    share: float,
    verify: bool,
    work: Path,
    backend: str = "sqlite",
    pg_url: str = PG_URL,
    keep: bool = False,
) -> dict:
    tag, world = world_of(n, seed, noise, work)
    out = f"{tag}-{backend}" if backend != "sqlite" else tag
    res: dict = {"size": n, "seed": seed, "backend": backend}
    store, fresh = Store(backend, out, work, pg_url), Store(backend, f"{out}-fresh", work, pg_url)
    try:
        store.reset()
        wall, peak = hub(["run", "channelco"], world, store)
        hub(["export", "--out", str(work / f"{out}-full")], world, store)
        res["full"] = {
            "wall": round(wall, 1),
            "peak_mb": round(peak),
            "stages": stage_seconds(store),
            **score(world, work / f"{out}-full"),
        }
        changed_world = work / f"{tag}-changed"
        shutil.rmtree(changed_world, ignore_errors=True)
        shutil.copytree(world, changed_world)
        res["rows_changed"] = change_rows(changed_world, share, seed)
        wall, peak = hub(["run", "channelco"], changed_world, store)
        hub(["export", "--out", str(work / f"{out}-inc")], changed_world, store)
        res["incremental"] = {"wall": round(wall, 1), "peak_mb": round(peak), "stages": stage_seconds(store)}
        if verify:
            fresh.reset()
            hub(["run", "channelco"], changed_world, fresh)
            hub(["export", "--out", str(work / f"{out}-fresh")], changed_world, fresh)
            inc, full = work / f"{out}-inc", work / f"{out}-fresh"
            res["same_as_full_run"] = (
                partition(inc / "crosswalk.csv") == partition(full / "crosswalk.csv")
                and (inc / "discrepancies.csv").read_bytes() == (full / "discrepancies.csv").read_bytes()
            )
    finally:
        if not keep:
            store.drop()
            fresh.drop()
    res["export"] = str(work / f"{out}-full")
    return res


def table(results: list[dict]) -> str:
    out = [
        "| backend | customers | seed | customer F1 | order F1 | discrepancy F1 | extract s | reconcile s | whole run s | peak MB "
        "| rows changed | incr. reconcile s | share of full | incr. = full run |",
        "|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:--|",
    ]
    for r in results:
        f, i = r["full"], r["incremental"]
        rec, irec = f["stages"].get("reconcile", 0), i["stages"].get("reconcile", 0)
        out.append(
            f"| {r.get('backend', 'sqlite')} | {r['size']:,} | {r['seed']} | {f.get('customer_f1', 0):.4f} | {f.get('order_f1', 0):.4f} "
            f"| {f.get('discrepancy_f1', 0):.4f} | {f['stages'].get('extract', 0)} | {rec} | {f['wall']} | {f['peak_mb']} "
            f"| {r['rows_changed']:,} | {irec} | {irec / rec if rec else 0:.2f} | {r.get('same_as_full_run', 'not checked')} |"
        )
    return "\n".join(out)


def same_export(a: Path, b: Path) -> bool:
    """Two exports with byte-identical crosswalk.csv and discrepancies.csv."""
    return all((a / f).read_bytes() == (b / f).read_bytes() for f in ("crosswalk.csv", "discrepancies.csv"))


def compare(results: list[dict]) -> str:
    """SQLite against PostgreSQL per size: reconcile seconds, their ratio, and identical exports."""
    out = [
        "| customers | SQLite reconcile s | PostgreSQL reconcile s | ratio PG/SQLite | SQLite incr. s | PostgreSQL incr. s "
        "| same export |",
        "|---:|---:|---:|---:|---:|---:|:--|",
    ]
    by_size: dict[int, dict[str, dict]] = {}
    for r in results:
        by_size.setdefault(r["size"], {})[r["backend"]] = r
    for n, rs in by_size.items():
        if not {"sqlite", "postgresql"} <= rs.keys():
            continue
        lite, pg = rs["sqlite"], rs["postgresql"]
        a, b = lite["full"]["stages"].get("reconcile", 0), pg["full"]["stages"].get("reconcile", 0)
        ia, ib = lite["incremental"]["stages"].get("reconcile", 0), pg["incremental"]["stages"].get("reconcile", 0)
        same = same_export(Path(lite["export"]), Path(pg["export"]))
        out.append(f"| {n:,} | {a} | {b} | {b / a if a else 0:.2f} | {ia} | {ib} | {same} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, action="append")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--noise")
    ap.add_argument("--change", type=float, default=0.01)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench-reconcile")
    ap.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    ap.add_argument(
        "--pg-url", default=PG_URL, help="a database on the PostgreSQL server to use (stores are created beside it)"
    )
    ap.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL databases (for EXPLAIN)")
    args = ap.parse_args()
    if not (SHARED / "gen_channel_data.py").exists():
        print("skipped: ../shared/bench (the scenario generator and scorer) is not beside this checkout")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = []
    for n in args.customers or [10_000]:
        for backend in backends:
            r = run_size(
                n, args.seed, args.noise, args.change, not args.no_verify, args.work, backend, args.pg_url, args.keep_db
            )
            print(json.dumps(r), flush=True)
            results.append(r)
    print(table(results))
    if len(backends) > 1:
        print()
        print(compare(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
