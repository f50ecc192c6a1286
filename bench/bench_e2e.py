"""Benchmark: the whole ChannelCo run (extract, map, reconcile, report) vs the raw floor and a composed stack.

    python -m bench.bench_e2e --customers 10000 [--customers 100000] [--db postgres] [--json PATH]
        [--skip-alt] [--keep] [--change-rate 0.01] [--workdir .cache/bench]

Per scenario size, every variant runs in its own subprocess (``peak MB``: peak RSS from ``os.wait4``,
i.e. the child's own high-water mark, ``bench.spawn`` forks it from a small launcher; ``all MB``: the
peak of the summed PSS of the child and every process it started, the hub's reconcile helper
included) on a fresh store:

* ``raw floor``: stdlib csv + executemany (PostgreSQL: COPY) of every CRM and DRP row into one
  database, one table per file (``bench_load.variant_raw``).
* ``dlt arrow`` + ``splink``: the stack a user could compose. dlt loads the same CSVs as Arrow
  tables (all columns text) into the same kind of database; Splink 5 (DuckDB) links and
  deduplicates the customers of the same files (``bench_match.py --child splink-dedupe``). Each
  runs in its own venv (.cache/dlt-venv, .cache/bench-venv); a missing venv is reported with
  the one command that builds it and the variant is skipped.
* ``hub full run``: ``hub run channelco`` on a fresh store; ``hub no-change rerun``: the same
  command again; ``hub 1% rerun``: again after ~1 % of the rows of six CRM and DRP files changed
  (phones, titles, order statuses, amounts, memos; deterministic); ``hub full run, changed``:
  a fresh store on the changed files, the reference for the results check.

``seconds`` is the child's wall time (start-up and imports included); ``rows/s`` divides the
CRM + DRP CSV rows (the same count for every variant) by it; ``x floor`` is seconds over the
floor's seconds; ``store MB`` is the database file (+ WAL) or the PostgreSQL schema's relations
after the variant, ``x raw db`` its ratio to the floor's database.

Results check: ``hub export`` after the 1 % rerun must equal ``hub export`` of the fresh run on
the changed files (MATCH, or DIFFER naming the first differing file and line). Canonical ids are
stable across reruns by design (a merged cluster keeps its old id), so when only ids differ and
every cluster has the same members the check says ``MATCH (same clusters, N ids differ)``.

Scenarios: ../shared/bench/gen_channel_data.py (seed 21) when present, else ``testkit.world``
(``bench_load.scenario``), cached under .cache/bench with the changed files beside them.
``--db postgres`` runs the database variants on PostgreSQL (127.0.0.1:5432, database ``test``,
a fresh schema each) as well and prints PostgreSQL / SQLite per variant.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import uuid
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import spawn  # noqa: E402
from bench.bench_load import CONFIG, SHARED_GEN, csv_files, scenario  # noqa: E402

CACHE = ROOT / ".cache"
DLT_PYTHON = CACHE / "dlt-venv" / "bin" / "python"
SPLINK_PYTHON = CACHE / "bench-venv" / "bin" / "python"
BUILD = {
    "dlt": "python3 -m venv .cache/dlt-venv && .cache/dlt-venv/bin/pip install -r bench/requirements-dlt.txt",
    "splink": "python3 -m venv .cache/bench-venv && .cache/bench-venv/bin/pip install -r bench/requirements-bench.txt",
}
PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHANGE_SEED = 7

#: file -> columns changed on each picked row (six CRM and DRP files)
CHANGES: dict[str, tuple[str, ...]] = {
    "crm/Account.csv": ("Phone",),
    "crm/Contact.csv": ("Phone", "Title"),
    "crm/Order.csv": ("Status",),
    "crm/Opportunity.csv": ("Amount",),
    "drp/sales_orders.csv": ("状态",),
    "drp/payments.csv": ("金额", "摘要"),
}
ENCODING = {"crm": "utf-8", "drp": "gb18030"}


def world_for(customers: int, workdir: Path) -> Path:
    """The cached scenario (``bench_load.scenario``); one left half-written by an interrupted generator is redone."""
    out = workdir / f"scen{customers}"
    if SHARED_GEN.exists() and out.exists() and not (out / "truth" / "truth.json").exists():
        shutil.rmtree(out)
    return scenario(customers, workdir).resolve()


# -- the 1 % change --------------------------------------------------------------------------------
def _bump_phone(value: str) -> str:
    for i in range(len(value) - 1, -1, -1):
        if value[i].isdigit():
            return value[:i] + str((int(value[i]) + 1) % 10) + value[i + 1 :]
    return value


def _bump_amount(value: str) -> str:
    try:
        return f"{Decimal(value) + Decimal('1.00'):.2f}"
    except InvalidOperation:
        return value


def _changed_value(column: str, value: str, pool: list[str], rng: random.Random) -> str:
    if column in ("Phone",):
        return _bump_phone(value)
    if column in ("Amount", "金额"):
        return _bump_amount(value)
    others = [v for v in pool if v != value]  # titles, statuses, memos: another value of the column
    return rng.choice(others) if others else value


def change_file(src: Path, dst: Path, encoding: str, columns: tuple[str, ...], rate: float, seed: int) -> int:
    """Copy ``src`` to ``dst`` with ``columns`` changed on ~``rate`` of the rows; returns rows changed."""
    raw = src.read_bytes()
    quoting = csv.QUOTE_ALL if raw.startswith(b'"') else csv.QUOTE_MINIMAL
    newline = "\r\n" if b"\r\n" in raw[:4096] else "\n"
    with src.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    idx = [header.index(c) for c in columns]
    rng = random.Random(f"{seed}:{src.parent.name}/{src.name}")
    pools = {i: sorted({r[i] for r in rows if r[i]}) for i in idx}
    candidates = [n for n, r in enumerate(rows) if all(r[i] for i in idx)]
    picked = sorted(rng.sample(candidates, min(len(candidates), max(1, round(len(rows) * rate)))))
    for n in picked:
        for i, column in zip(idx, columns, strict=True):
            rows[n][i] = _changed_value(column, rows[n][i], pools[i], rng)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with dst.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, quoting=quoting, lineterminator=newline)
        w.writerow(header)
        w.writerows(rows)
    return len(picked)


def changed_files(world: Path, rate: float, seed: int) -> tuple[Path, dict[str, int]]:
    """The six changed files for ``world`` (cached beside it); returns their folder and rows changed per file."""
    out = world.parent / f"{world.name}-changed-{rate:g}-s{seed}"
    marker = out / "changes.json"
    if marker.exists():
        return out, json.loads(marker.read_text(encoding="utf-8"))
    shutil.rmtree(out, ignore_errors=True)
    counts = {
        rel: change_file(world / rel, out / rel, ENCODING[rel.split("/")[0]], cols, rate, seed)
        for rel, cols in CHANGES.items()
    }
    marker.write_text(json.dumps(counts), encoding="utf-8")
    return out, counts


def apply_changes(data: Path, changed: Path) -> None:
    """Replace the six files in the run's data folder with their changed versions (new files, new inodes)."""
    for rel in CHANGES:
        target = data / rel
        target.unlink()
        shutil.copyfile(changed / rel, target)


def data_copy(world: Path, dest: Path, changed: Path | None = None) -> Path:
    """A private copy of the scenario (hard links; the hub writes 997s into it) with optional changes."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(world, dest, copy_function=os.link, ignore=shutil.ignore_patterns("truth"))
    if changed is not None:
        apply_changes(dest, changed)
    return dest


def csv_rows(world: Path) -> int:
    total = 0
    for _system, path, enc in csv_files(world):
        with path.open(encoding=enc, newline="") as fh:
            total += sum(1 for _ in csv.reader(fh)) - 1
    return total


# -- stores ----------------------------------------------------------------------------------------
class Stores:
    """Fresh stores of one backend: SQLite files under a folder, or PostgreSQL schemas in ``test``."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.schemas: list[str] = []

    def new(self, tag: str) -> str:
        if self.backend == "sqlite":
            db = self.folder / f"{tag}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            return f"sqlite:///{db}"
        import psycopg

        schema = f"e2e_{tag}_{uuid.uuid4().hex[:6]}".lower()
        with psycopg.connect(_libpq(PG_BASE), autocommit=True) as con:
            con.execute(f'CREATE SCHEMA "{schema}"')
        self.schemas.append(schema)
        return f"{PG_BASE}?options=-csearch_path%3D{schema}"

    def size(self, url: str) -> int:
        if url.startswith("sqlite"):
            db = url.split("///", 1)[1]
            return sum(Path(f"{db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db}{s}").exists())
        import psycopg

        schema = url.rsplit("%3D", 1)[1]
        with psycopg.connect(_libpq(PG_BASE)) as con:
            row = con.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind IN ('r', 'm')",
                (schema,),
            ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        if not self.schemas:
            return
        import psycopg

        with psycopg.connect(_libpq(PG_BASE), autocommit=True) as con:
            for s in self.schemas:
                con.execute(f'DROP SCHEMA IF EXISTS "{s}" CASCADE')
        self.schemas.clear()


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# -- children --------------------------------------------------------------------------------------
def measure(cmd: list[str], log: Path, env: dict[str, str] | None = None, timeout: float = 7200) -> dict:
    """Run ``cmd`` to completion: wall seconds, peak RSS (MB) and CPU seconds of that child alone
    (forked by :mod:`bench.spawn`'s launcher, so this process's own size does not count)."""
    out = spawn.measure(cmd, log, env, cwd=ROOT, timeout=timeout)
    if out["exit"] != 0:
        lines = log.read_text(errors="replace").strip().splitlines()
        errors = [ln.strip() for ln in lines if "Error" in ln or "Exception" in ln]
        tail = errors[-1:] or lines[-3:]
        out["error"] = f"exit {out['exit']}: " + (" | ".join(tail) or "no output") + f" (log {log})"
    return out


def child_dlt_arrow(world: Path, url: str) -> dict:
    """dlt loading the same CSVs as Arrow tables (every column text) into the store at ``url``."""
    os.environ.update({"LOAD__WORKERS": "1", "NORMALIZE__WORKERS": "1", "SCHEMA__NAMING": "direct"})
    import tempfile

    import dlt
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def tables(path: Path, enc: str):  # type: ignore[no-untyped-def]
        with path.open(encoding=enc, newline="") as fh:
            header = next(csv.reader(fh))
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=enc, block_size=8 << 20),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
        )
        for batch in reader:
            yield pa.Table.from_batches([batch])

    resources = [
        dlt.resource(tables(p, e), name=f"{s}_{p.stem}", write_disposition="append") for s, p, e in csv_files(world)
    ]
    if url.startswith("sqlite"):
        dest, dataset = dlt.destinations.sqlalchemy(url), "main"
    else:
        base, schema = url.split("?options=-csearch_path%3D")
        # dlt insists on a password; the trust-auth server ignores it
        dest, dataset = dlt.destinations.postgres(_libpq(base).replace("postgres@", "postgres:unused@")), schema
    pipe = dlt.pipeline(
        pipeline_name="e2e", destination=dest, dataset_name=dataset, pipelines_dir=tempfile.mkdtemp(prefix="dlt-")
    )
    pipe.run(resources)
    return {"ok": True}


# -- the benchmark ---------------------------------------------------------------------------------
def hub_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "hub", "-c", str(CONFIG), *args]


def hub_env(data: Path, url: str, reports: Path) -> dict[str, str]:
    return {"CHANNELCO_DIR": str(data), "HUB_DATABASE_URL": url, "REPORT_DIR": str(reports)}


def hub_export(env: dict[str, str], out: Path, log: Path) -> str | None:
    shutil.rmtree(out, ignore_errors=True)
    res = measure(hub_cmd("export", "--out", str(out)), log, env)
    return res.get("error")


def crosswalk_clusters(path: Path) -> dict[tuple[str, str, str], frozenset]:
    """(entity, system, external id) -> the members of its cluster, whatever the cluster's canonical id."""
    clusters: dict[tuple[str, str], set[tuple[str, str]]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            clusters.setdefault((row["entity"], row["canonical_id"]), set()).add((row["system"], row["external_id"]))
    return {(e, *m): frozenset(ms) for (e, _), ms in clusters.items() for m in ms}


def compare_exports(a: Path, b: Path) -> str:
    """MATCH / DIFFER (first differing file and line) between two ``hub export`` folders."""
    names = sorted({p.name for p in a.iterdir()} | {p.name for p in b.iterdir()})
    id_note = ""
    for name in names:
        fa, fb = a / name, b / name
        if not (fa.exists() and fb.exists()):
            return f"DIFFER: {name} only in {'the rerun' if fa.exists() else 'the fresh run'} export"
        if fa.read_bytes() == fb.read_bytes():
            continue
        if name == "crosswalk.csv":
            ca, cb = crosswalk_clusters(fa), crosswalk_clusters(fb)
            if ca == cb:
                ids_a = set(fa.read_text(encoding="utf-8").splitlines())
                ids_b = set(fb.read_text(encoding="utf-8").splitlines())
                id_note = f" (same clusters, {len(ids_a - ids_b)} crosswalk rows carry another canonical id)"
                continue
            member = min(k for k in ca.keys() | cb.keys() if ca.get(k) != cb.get(k))
            return (
                f"DIFFER: crosswalk.csv: {'/'.join(member)} is clustered with "
                f"{len(ca.get(member, ()))} record(s) after the rerun, {len(cb.get(member, ()))} in the fresh run"
            )
        la = fa.read_text(encoding="utf-8").splitlines()
        lb = fb.read_text(encoding="utf-8").splitlines()
        for n, (x, y) in enumerate(zip(la, lb, strict=False), 1):
            if x != y:
                return f"DIFFER: {name} line {n}: rerun {x!r} vs fresh {y!r}"
        return f"DIFFER: {name}: rerun {len(la)} lines vs fresh {len(lb)} lines"
    return "MATCH" + id_note


def run_backend(backend: str, world: Path, changed: Path, rows: int, args: argparse.Namespace, splink: dict) -> dict:
    """Every database variant on one backend; returns variant -> figures, plus the results check."""
    work = args.workdir / f"e2e{world.name.removeprefix('scen')}-{backend}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    stores = Stores(backend, work)
    res: dict[str, dict] = {}
    try:

        def step(name: str, cmd: list[str], url: str, env: dict[str, str] | None = None) -> dict:
            print(f"  {backend}: {name} ...", flush=True)
            slug = "".join(c if c.isalnum() else "_" for c in name)
            r = measure(cmd, work / f"{slug}.log", env, args.timeout)
            r["store_bytes"] = stores.size(url)
            res[name] = r
            return r

        url = stores.new("raw")
        step(
            "raw floor",
            [sys.executable, str(ROOT / "bench" / "bench_load.py"), "--child", "raw"] + _wu(world, url),
            url,
        )
        if args.skip_alt:
            pass
        elif not DLT_PYTHON.exists():
            res["dlt arrow"] = {"skipped": f"no dlt venv at {DLT_PYTHON}; build it with: {BUILD['dlt']}"}
        else:
            url = stores.new("dlt")
            step("dlt arrow", [str(DLT_PYTHON), str(Path(__file__).resolve()), "--child", "dlt"] + _wu(world, url), url)
        if splink:
            res["splink"] = splink
        if _ok(res.get("dlt arrow", {})) and _ok(splink):
            d = res["dlt arrow"]
            res["dlt + splink"] = {
                "seconds": d["seconds"] + splink["seconds"],
                "peak_mb": max(d["peak_mb"], splink["peak_mb"]),
                "all_mb": max(d.get("all_mb", 0), splink.get("all_mb", 0)),
                "cpu_s": d["cpu_s"] + splink["cpu_s"],
                "store_bytes": d["store_bytes"],
            }

        url = stores.new("hub")
        env = hub_env(data_copy(world, work / "data"), url, work / "reports")
        step("hub full run", hub_cmd("run", "channelco"), url, env)
        step("hub no-change rerun", hub_cmd("run", "channelco"), url, env)
        apply_changes(work / "data", changed)
        step("hub 1% rerun", hub_cmd("run", "channelco"), url, env)
        err_a = hub_export(env, work / "export-rerun", work / "export-rerun.log")

        url_b = stores.new("hubfresh")
        env_b = hub_env(data_copy(world, work / "data-changed", changed), url_b, work / "reports-fresh")
        step("hub full run, changed", hub_cmd("run", "channelco"), url_b, env_b)
        err_b = hub_export(env_b, work / "export-fresh", work / "export-fresh.log")
        if err_a or err_b:
            check = f"DIFFER: export failed: {err_a or err_b}"
        elif any("error" in res[n] for n in ("hub 1% rerun", "hub full run, changed")):
            check = "DIFFER: a hub run failed (see its row)"
        else:
            check = compare_exports(work / "export-rerun", work / "export-fresh")
    finally:
        stores.close()
        if not args.keep:  # stores and data copies are large at 100k; the logs and exports stay
            for db in work.glob("*.db*"):
                db.unlink()
            for folder in ("data", "data-changed"):
                shutil.rmtree(work / folder, ignore_errors=True)
    for r in res.values():
        if "seconds" in r:
            r["rows"] = rows
    return {"variants": res, "check": check, "workdir": str(work)}


def _ok(r: dict) -> bool:
    return "seconds" in r and "error" not in r


def _wu(world: Path, url: str) -> list[str]:
    return ["--world", str(world), "--url", url]


def run_splink(world: Path, args: argparse.Namespace) -> dict:
    if args.skip_alt:
        return {}
    if not SPLINK_PYTHON.exists():
        return {"skipped": f"no Splink venv at {SPLINK_PYTHON}; build it with: {BUILD['splink']}"}
    out = args.workdir / f"e2e{world.name.removeprefix('scen')}-splink"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cmd = [str(SPLINK_PYTHON), str(ROOT / "bench" / "bench_match.py"), "--child", "splink-dedupe"]
    cmd += ["--scenario", str(world), "--out", str(out), "--threads", "2", "--splink-threshold", "0"]
    print("  splink ...", flush=True)
    r = measure(cmd, out / "child.log", None, args.timeout)
    r["store_bytes"] = None
    return r


LABELS = {
    "raw floor": "raw csv + executemany (floor)",
    "dlt arrow": "dlt Arrow -> same db",
    "splink": "Splink dedupe+link (DuckDB)",
    "dlt + splink": "dlt + Splink (composed stack)",
    "hub full run": "hub run: full (fresh store)",
    "hub no-change rerun": "hub run: no-change rerun",
    "hub 1% rerun": "hub run: 1% rows changed",
    "hub full run, changed": "hub run: full on changed files",
}


def print_table(title: str, result: dict) -> None:
    res = result["variants"]
    base = res.get("raw floor", {})
    head = (
        f"{'variant':<32}{'seconds':>9}{'rows/s':>10}{'x floor':>9}{'peak MB':>9}{'all MB':>8}{'store MB':>10}"
        f"{'x raw db':>9}"
    )
    print(f"\n{title}\n{head}\n{'-' * len(head)}")
    for name, r in res.items():
        label = LABELS.get(name, name)
        if "skipped" in r or "error" in r:
            print(f"{label:<32}  {'skipped' if 'skipped' in r else 'failed'}: {r.get('skipped') or r.get('error')}")
            continue
        rate = r["rows"] / r["seconds"] if r["seconds"] else 0
        ratio = r["seconds"] / base["seconds"] if base.get("seconds") else 0
        store = r.get("store_bytes")
        smb = f"{store / 1e6:.1f}" if store is not None else "-"
        sx = f"{store / base['store_bytes']:.1f}" if store and base.get("store_bytes") else "-"
        every = f"{r['all_mb']:.0f}" if r.get("all_mb") else "-"
        print(
            f"{label:<32}{r['seconds']:>9.1f}{rate:>10,.0f}{ratio:>9.1f}{r['peak_mb']:>9.0f}{every:>8}{smb:>10}{sx:>9}"
        )
    print(f"results check (1% rerun export vs fresh full run on the changed files): {result['check']}")


def print_pg_ratio(customers: int, by_backend: dict) -> None:
    sq, pg = by_backend["sqlite"]["variants"], by_backend["postgres"]["variants"]
    print(f"\nPostgreSQL vs SQLite, {customers:,} customers (seconds, PostgreSQL / SQLite)")
    for name in sq:
        if name == "splink" or not _ok(sq[name]) or not _ok(pg.get(name, {})):
            continue
        print(
            f"{LABELS.get(name, name):<32}{sq[name]['seconds']:>9.1f}{pg[name]['seconds']:>9.1f}"
            f"{pg[name]['seconds'] / sq[name]['seconds']:>8.2f}x"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, action="append", help="scenario size (repeatable; default 10000)")
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite", help="postgres: SQLite and PostgreSQL")
    ap.add_argument("--json", type=Path, help="write the figures here as JSON")
    ap.add_argument("--change-rate", type=float, default=0.01, help="share of rows changed in the six files")
    ap.add_argument("--skip-alt", action="store_true", help="skip dlt and Splink")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per variant")
    ap.add_argument("--workdir", type=Path, default=CACHE / "bench")
    ap.add_argument("--keep", action="store_true", help="keep the stores and data copies after measuring")
    ap.add_argument("--child", choices=("dlt",), help=argparse.SUPPRESS)
    ap.add_argument("--world", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child_dlt_arrow(args.world, args.url)))
        return 0
    spawn.start()  # before this process reads scenarios: children's peak memory is then their own
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    backends = ["sqlite"] + (["postgres"] if args.db == "postgres" else [])
    figures: dict[str, dict] = {}
    failed = False
    for customers in args.customers or [10_000]:
        world = world_for(customers, args.workdir)
        changed, counts = changed_files(world, args.change_rate, CHANGE_SEED)
        rows = csv_rows(world)
        print(f"{customers:,} customers: {world} ({rows:,} CSV rows); changed rows per file: {counts}", flush=True)
        splink = run_splink(world, args)
        by_backend = {b: run_backend(b, world, changed, rows, args, splink) for b in backends}
        for b, result in by_backend.items():
            print_table(f"ChannelCo end to end, {customers:,} customers, {rows:,} CSV rows, {b}", result)
            failed |= result["check"] != "MATCH" and not result["check"].startswith("MATCH ")
            failed |= any("error" in r for r in result["variants"].values())
        if "postgres" in by_backend:
            print_pg_ratio(customers, by_backend)
        figures[str(customers)] = {"csv_rows": rows, "changed_rows": counts, "world": str(world), **by_backend}
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.json:
        print(f"\nfigures: {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
