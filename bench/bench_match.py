"""Benchmark: our party matcher vs Splink (DuckDB) on the same ChannelCo scenarios, F1 and seconds.

Persons (FEBRL layout, examples/people as shipped vs Splink with the same blocking and its EM):
``bench/bench_people.py`` (``--people DIR`` here runs it), printing F1, seconds and peak memory.

Whole pipeline (``--pipeline``): for each seed and size, ``hub run channelco`` and ``hub export``
on a fresh SQLite store (the project's .venv), then customer, order and discrepancy F1 from
score.py next to salesperson F1 (the key rules, and the person matcher) and contact F1 from
bench/dev_channelco_persons.py (contact truth derived from the generator's id scheme).

Run it from the repo root in the separate benchmark venv (Splink and DuckDB must not go into the
project's .venv; the hub is imported from this work tree, see bench/requirements-bench.txt):

    python3 -m venv .cache/bench-venv
    .cache/bench-venv/bin/pip install -r bench/requirements-bench.txt
    .cache/bench-venv/bin/python bench/bench_match.py --customers 10000 [--customers 100000] \
        [--seed 11 [--seed 12]] [--matchers ours,splink-link,splink-dedupe] [--work DIR]

For each (seed, size) the script generates a scenario with ../shared/bench/gen_channel_data.py
(reused when the folder already holds it), then runs each matcher in its own child process, so
the peak RSS reported (``os.wait4``) is that matcher's alone. Every child reads crm/Account.csv and
drp/customers.csv with the same readers (bench/dev_match_channelco.py), matches, and writes
``crosswalk.csv`` (one canonical id per cluster). score.py then gives customer_f1 (cross-system
pairs) and the within-system duplicate F1. ``seconds`` is the child's whole wall time (start-up,
imports, reading, preparing, matching, writing); ``match s`` is the part after reading; ``cpu s``
is the child's user + system CPU time (DuckDB uses ``--threads`` cores; on a busy shared machine
CPU time is the steadier number). For Splink, ``prep_s`` in the per-run line is the part of
``match s`` spent computing its input columns with the hub's normalisers (Python, one core).
Outputs go to ``--work`` (default .cache/bench-match): ``s<seed>_<n>/`` scenarios and
``pred/s<seed>_<n>/<matcher>/`` with crosswalk.csv, score.json, child.json and child.log.

Matchers
--------
``ours``: ``hub.reconcile.matcher.match_parties`` with ``default_party_config()``; it links and
deduplicates in one pass (within-system pairs need strong evidence to share a cluster).

``splink-link`` / ``splink-dedupe``: Splink 5 with the DuckDB backend, ``link_type`` ``link_only``
(cross-system pairs only; two records of one system share a cluster only through a common
partner) and ``link_and_dedupe`` (within-system pairs are scored too). Configuration, meant to be
a competent one and not a strawman:

* Preprocessing uses the hub's own normalisation helpers, so both sides see the same features:
  ``parse_name`` (brand as toneless pinyin for Chinese names / joined brand words for Latin
  ones, canonical industry key, places and legal forms removed), ``city_key``, E.164 phone
  (``phone_keys``, pypinyin / phonenumbers underneath), the USCC (``normalize_tax_id``) and its
  17-character body, address numbers + road (``address_key``), channel level, and a reference
  key (the CRM's ERP_Customer_Code__c; a DRP record's own code).
* Comparisons: name (brand and industry equal / brand equal, industry unknown / Jaro-Winkler of
  brand+industry >= 0.92 / brand equal, industry differs / Jaro-Winkler >= 0.84 / else), tax id
  (equal / equal body / else), phone (equal / else), city (equal / else), address (numbers and
  road / numbers / else), channel level (equal / else), reference (equal / else); nulls are
  neutral.
* Blocking for prediction: tax-id body; phone; reference key; brand + city; brand + industry;
  city + industry + brand prefix; city + address numbers (the same keys our matcher blocks on).
* Training: probability two random records match from deterministic rules (tax id; phone and
  brand; brand, industry and city) at recall 0.9; u by random sampling (2M pairs, fixed seed);
  m by EM in three sessions blocked on tax-id body, on phone, and on brand + city.
* Decision: connected components of pairs with match weight >= ``--splink-threshold``
  (default 0.0, i.e. match probability 0.5; a sweep from -4 to 12 on seed 11 at 10k put the
  best F1 of both link types at -1..0, with false links from -2 down; fixed since).
  EM leaves a few rare levels (e.g. brand equal, industry unknown) unobserved in some
  sessions; Splink then uses its default m for them and says so in child.log.
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

ROOT = Path(__file__).resolve().parents[1]
SHARED_BENCH = ROOT.parent / "shared" / "bench"
MATCHERS = ("ours", "splink-link", "splink-dedupe")
SPLINK_THRESHOLD = 0.0


# --------------------------------------------------------------------------- scenarios
def scenario(gen: Path, work: Path, seed: int, customers: int) -> Path:
    """The scenario folder for (seed, customers), generated unless it is already there."""
    out = work / f"s{seed}_{customers}"
    truth = out / "truth" / "truth.json"
    if truth.exists():
        meta = json.loads(truth.read_text(encoding="utf-8")).get("meta", {})
        if meta.get("seed") == seed and meta.get("customers") == customers:
            return out
    if not gen.exists():
        raise SystemExit(
            f"error: scenario generator {gen} not found (it lives in ../shared/bench, "
            "which is not part of the repository); pass --gen PATH"
        )
    print(f"generating {out} ...", flush=True)
    subprocess.run(
        [sys.executable, str(gen), str(out), "--seed", str(seed), "--customers", str(customers)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return out


# --------------------------------------------------------------------------- children
def _read_records(scen: Path) -> list:
    from dev_match_channelco import crm_accounts, drp_customers

    records = list(crm_accounts(scen / "crm" / "Account.csv"))
    records += drp_customers(scen / "drp" / "customers.csv")
    return records


def child_ours(scen: Path, out: Path, _args: argparse.Namespace) -> dict:
    """Our matcher: read, match, write the crosswalk; phase timings and stats."""
    from dev_match_channelco import write_crosswalk

    from hub.reconcile.match_config import default_party_config
    from hub.reconcile.matcher import match_parties

    t0 = time.perf_counter()
    records = _read_records(scen)
    t1 = time.perf_counter()
    result = match_parties(records, default_party_config())
    t2 = time.perf_counter()
    write_crosswalk(result, out)
    return {
        "records": len(records),
        "read_s": t1 - t0,
        "match_s": t2 - t1,
        "write_s": time.perf_counter() - t2,
        "stats": dict(result.stats),
    }


def splink_features(rec) -> dict:  # type: ignore[no-untyped-def]
    """One record's comparison columns for Splink, built with the hub's normalisers."""
    from hub.reconcile.ids import normalize_tax_id
    from hub.reconcile.names import parse_name
    from hub.reconcile.normalize import address_key, city_key, fold
    from hub.reconcile.phones import phone_keys

    city = city_key(rec.city)
    name = parse_name(rec.name, city)
    if not city and len(name.cities) == 1:
        city = next(iter(name.cities))
    tax = normalize_tax_id(rec.tax_id)
    phones = phone_keys(rec.phone)
    addr = address_key(rec.address)
    brand = name.brand if len(name.brand) >= 2 else ""
    ref = fold(rec.erp_code).upper() if rec.system == "crm" else rec.external_id.upper()
    return {
        "uid": rec.external_id,
        "brand": brand or None,
        "industry": name.industry or None,
        "name_core": (brand + name.industry.replace(" ", "")) or None,
        "brand_prefix": brand[:2] if len(brand) >= 4 else None,
        "tax_id": tax.value if tax else None,
        "tax_body": (tax.body or None) if tax else None,
        "phone": phones[0] if phones else None,
        "city": city or None,
        "addr_numbers": ",".join(map(str, addr.numbers)) if len(addr.numbers) >= 2 else None,
        "addr_road": addr.road or None,
        "channel_level": rec.channel_level or None,
        "ref_key": ref or None,
    }


def splink_settings(link_type: str):  # type: ignore[no-untyped-def]
    """The Splink model (see the module docstring)."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    jw = "jaro_winkler_similarity(name_core_l, name_core_r)"
    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("brand"),
            cll.CustomLevel("brand_l = brand_r AND industry_l = industry_r", "brand+industry equal"),
            cll.CustomLevel(
                "brand_l = brand_r AND (industry_l IS NULL OR industry_r IS NULL)", "brand equal, industry unknown"
            ),
            cll.CustomLevel(f"{jw} >= 0.92", "brand+industry Jaro-Winkler >= 0.92"),
            cll.CustomLevel("brand_l = brand_r", "brand equal, industry differs"),
            cll.CustomLevel(f"{jw} >= 0.84", "brand+industry Jaro-Winkler >= 0.84"),
            cll.ElseLevel(),
        ],
    )
    tax = cl.CustomComparison(
        output_column_name="tax_id",
        comparison_levels=[
            cll.NullLevel("tax_id"),
            cll.ExactMatchLevel("tax_id"),
            cll.CustomLevel("tax_body_l = tax_body_r", "tax id body equal"),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("addr_numbers"),
            cll.CustomLevel("addr_numbers_l = addr_numbers_r AND addr_road_l = addr_road_r", "numbers and road equal"),
            cll.ExactMatchLevel("addr_numbers"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type=link_type,
        unique_id_column_name="uid",
        probability_two_random_records_match=1e-4,
        comparisons=[
            name,
            tax,
            cl.ExactMatch("phone"),
            cl.ExactMatch("city"),
            address,
            cl.ExactMatch("channel_level"),
            cl.ExactMatch("ref_key"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("tax_body"),
            block_on("phone"),
            block_on("ref_key"),
            block_on("brand", "city"),
            block_on("brand", "industry"),
            block_on("city", "industry", "brand_prefix"),
            block_on("city", "addr_numbers"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def splink_columns(records: list) -> dict[str, dict[str, list]]:
    """Per system, the Splink input table as columns (see :func:`splink_features`)."""
    out = {}
    for system in ("crm", "drp"):
        rows = [splink_features(r) for r in records if r.system == system]
        out[system] = {k: [row[k] for row in rows] for k in rows[0]}
    return out


def splink_predict(columns: dict[str, dict[str, list]], link_type: str, threads: int):  # type: ignore[no-untyped-def]
    """Train the Splink model and predict: (connection, linker, predictions)."""
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    db_api = DuckDBAPI(connection=con)
    tables = [db_api.register(cols, dataset_display_name=system) for system, cols in columns.items()]
    linker = Linker(tables, splink_settings(link_type), log_level="WARNING")
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("tax_id"), block_on("phone", "brand"), block_on("brand", "industry", "city")], recall=0.9
    )
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for rule in (block_on("tax_body"), block_on("phone"), block_on("brand", "city")):
        training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_weight=-5)
    return con, linker, predictions


def child_splink(scen: Path, out: Path, args: argparse.Namespace) -> dict:
    """Splink: read, featurise, train, predict, cluster, write the crosswalk."""
    link_type = "link_only" if args.child == "splink-link" else "link_and_dedupe"
    t0 = time.perf_counter()
    records = _read_records(scen)
    t1 = time.perf_counter()
    n_records = len(records)
    columns = splink_columns(records)
    del records
    t_prep = time.perf_counter()
    con, linker, predictions = splink_predict(columns, link_type, args.threads)
    del columns
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_weight=args.splink_threshold
    )
    t2 = time.perf_counter()
    n_pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchone()[0]
    rows = con.execute(f"SELECT cluster_id, source_dataset, uid FROM {clusters.physical_name}")
    out.mkdir(parents=True, exist_ok=True)
    n_rows = 0
    with (out / "crosswalk.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity", "canonical_id", "system", "external_id"])
        while batch := rows.fetchmany(50_000):
            for cluster_id, system, uid in batch:
                w.writerow(["customer", cluster_id, system, uid])
            n_rows += len(batch)
    return {
        "records": n_records,
        "read_s": t1 - t0,
        "match_s": t2 - t1,
        "write_s": time.perf_counter() - t2,
        "stats": {
            "prep_s": round(t_prep - t1, 2),
            "pairs_scored_above_-5": n_pairs,
            "crosswalk_rows": n_rows,
            "threshold_match_weight": args.splink_threshold,
        },
    }


def run_child(matcher: str, scen: Path, out: Path, args: argparse.Namespace) -> dict:
    """Run one matcher in a child process; wall seconds, peak RSS and the child's own report."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("child.json", "crosswalk.csv", "score.json"):
        (out / stale).unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        matcher,
        "--scenario",
        str(scen),
        "--out",
        str(out),
        "--threads",
        str(args.threads),
        "--splink-threshold",
        str(args.splink_threshold),
    ]
    from bench import spawn  # forked by the launcher: this process's own size does not count

    r = spawn.measure(cmd, out / "child.log", timeout=args.timeout)
    report = {"matcher": matcher, **r}
    result = out / "child.json"
    if r["exit"] == 0 and result.exists():
        report.update(json.loads(result.read_text(encoding="utf-8")))
    else:
        tail = (out / "child.log").read_text(errors="replace").strip().splitlines()[-5:]
        report["error"] = " | ".join(tail) or f"exit {r['exit']}"
    return report


def score(score_py: Path, scen: Path, out: Path) -> tuple[float | None, float | None]:
    """customer_f1 and within-system duplicate F1 from score.py."""
    res = out / "score.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(score_py),
            "--truth",
            str(scen / "truth" / "truth.json"),
            "--pred",
            str(out),
            "--json",
            str(res),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0 or not res.exists():
        print(f"  score.py failed: {proc.stderr.strip()}", file=sys.stderr)
        return None, None
    links = json.loads(res.read_text(encoding="utf-8"))["links"]
    return links["customer"]["f1"], links["customer_duplicates"]["f1"]


# --------------------------------------------------------------------------- whole pipeline
def run_pipeline(scen: Path, out: Path, timeout: float) -> dict:
    """``hub run channelco`` then ``hub export`` on a fresh SQLite store (the project's .venv):
    wall and CPU seconds of both commands."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("hub.db", "crosswalk.csv", "discrepancies.csv", "score.json"):
        (out / stale).unlink(missing_ok=True)
    env = dict(os.environ, CHANNELCO_DIR=str(scen), HUB_DATABASE_URL=f"sqlite:///{out / 'hub.db'}")
    hub, cfg = str(ROOT / ".venv" / "bin" / "hub"), str(ROOT / "examples" / "channelco" / "hub.yaml")
    t0, cpu0 = time.perf_counter(), os.times()
    with (out / "run.log").open("w") as log:
        for cmd in (["run", "channelco"], ["export", "--out", str(out)]):
            proc = subprocess.run(
                [hub, "-c", cfg, *cmd], env=env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout
            )
            if proc.returncode != 0:
                return {"error": f"hub {cmd[0]} exit {proc.returncode} (see {out / 'run.log'})"}
    cpu1 = os.times()
    return {
        "seconds": time.perf_counter() - t0,
        "cpu_s": cpu1.children_user - cpu0.children_user + cpu1.children_system - cpu0.children_system,
    }


def pipeline_bench(args: argparse.Namespace) -> int:
    """Customers, orders and discrepancies (score.py) next to salespeople and contacts as the
    person matcher resolves them (bench/dev_channelco_persons.py), per seed and size."""
    from dev_channelco_persons import person_scores

    rows = []
    for customers in args.customers or [10_000]:
        for seed in args.seed or [11]:
            scen = scenario(args.gen, args.work, seed, customers)
            out = args.work / "pred" / f"s{seed}_{customers}" / "pipeline"
            rep = dict(run_pipeline(scen, out, args.timeout), seed=seed, customers=customers)
            if "error" not in rep:
                score(args.score, scen, out)
                sc = json.loads((out / "score.json").read_text(encoding="utf-8"))
                rep.update(
                    customer=sc["summary"]["customer_f1"],
                    order=sc["summary"]["order_f1"],
                    discrepancy=sc["summary"]["discrepancy_f1"],
                    salesperson_keys=sc["links"]["salesperson"]["f1"],
                    persons=person_scores(out / "crosswalk.csv", scen),
                )
            print(f"  pipeline seed={seed} customers={customers}: {json.dumps(rep)}", flush=True)
            rows.append(rep)
    head = (
        f"{'customers':>9s} {'seed':>4s} {'seconds':>8s} {'cpu s':>7s} {'customer':>8s} {'order':>7s} "
        f"{'discr.':>7s} {'sp keys':>7s} {'sp person':>9s} {'contact':>7s} {'contact pairs':>13s}"
    )
    print("\nF1 per entity (sp keys: the salesperson key rules; sp person, contact: the person matcher)")
    print(head + "\n" + "-" * len(head))
    for r in rows:
        if "error" in r:
            print(f"{r['customers']:>9d} {r['seed']:>4d} {r['error']}")
            continue
        ps = r["persons"]
        print(
            f"{r['customers']:>9d} {r['seed']:>4d} {r['seconds']:>8.1f} {r['cpu_s']:>7.1f} {r['customer']:>8.4f} "
            f"{r['order']:>7.4f} {r['discrepancy']:>7.4f} {r['salesperson_keys']:>7.4f} "
            f"{ps['salesperson']['f1']:>9.4f} {ps['contact']['f1']:>7.4f} {ps['contact']['pred']:>13d}"
        )
    return 1 if any("error" in r for r in rows) else 0


# --------------------------------------------------------------------------- main
def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, action="append", help="scenario size (repeatable; default 10000)")
    ap.add_argument("--seed", type=int, action="append", help="scenario seed (repeatable; default 11)")
    ap.add_argument("--matchers", default=",".join(MATCHERS), help=f"comma-separated subset of {', '.join(MATCHERS)}")
    ap.add_argument(
        "--work",
        type=Path,
        default=ROOT / ".cache" / "bench-match",
        help="scenarios and predictions go here (default .cache/bench-match)",
    )
    ap.add_argument("--gen", type=Path, default=SHARED_BENCH / "gen_channel_data.py")
    ap.add_argument("--score", type=Path, default=SHARED_BENCH / "score.py")
    ap.add_argument(
        "--splink-threshold",
        type=float,
        default=SPLINK_THRESHOLD,
        help=f"Splink match-weight cut for clustering (default {SPLINK_THRESHOLD})",
    )
    ap.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per matcher run")
    ap.add_argument("--child", choices=MATCHERS, help=argparse.SUPPRESS)
    ap.add_argument("--scenario", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument(
        "--people",
        type=Path,
        nargs="?",
        const=Path("febrl4"),
        help="run the person benchmark (bench_people.py) on DIR (a.csv, b.csv; default FEBRL4)",
    )
    ap.add_argument(
        "--pipeline",
        action="store_true",
        help="run the whole ChannelCo pipeline instead: customer, order, discrepancy, salesperson and contact F1",
    )
    args = ap.parse_args(argv)

    if args.people is not None:
        extra = [] if str(args.people) == "febrl4" else ["--people", str(args.people)]
        return subprocess.run([sys.executable, str(Path(__file__).with_name("bench_people.py")), *extra]).returncode
    sys.path.insert(0, str(ROOT))
    if args.child:
        fn = child_ours if args.child == "ours" else child_splink
        report = fn(args.scenario, args.out, args)
        (args.out / "child.json").write_text(json.dumps(report), encoding="utf-8")
        return 0

    from bench import spawn

    spawn.start()  # before this process reads scenarios: the matchers' peak memory is then their own
    matchers = [m.strip() for m in args.matchers.split(",") if m.strip()]
    bad = [m for m in matchers if m not in MATCHERS]
    if bad:
        ap.error(f"unknown matcher(s) {', '.join(bad)} (known: {', '.join(MATCHERS)})")
    if not args.score.exists():
        raise SystemExit(
            f"error: {args.score} not found (../shared/bench is not part of the repository); pass --score PATH"
        )
    if args.pipeline:
        sys.path.insert(0, str(ROOT / "bench"))
        return pipeline_bench(args)
    rows = []
    for customers in args.customers or [10_000]:
        for seed in args.seed or [11]:
            scen = scenario(args.gen, args.work, seed, customers)
            for matcher in matchers:
                out = args.work / "pred" / f"s{seed}_{customers}" / matcher
                rep = run_child(matcher, scen, out, args)
                f1, dup_f1 = score(args.score, scen, out) if "error" not in rep else (None, None)
                rep.update(customers=customers, seed=seed, f1=f1, dup_f1=dup_f1)
                rows.append(rep)
                print(
                    f"  {matcher} seed={seed} customers={customers}: {rep['seconds']:.1f}s "
                    f"cpu={rep['cpu_s']:.1f}s peak={rep['peak_mb']:.0f}MB f1={_fmt(f1, '.4f')} "
                    f"dup_f1={_fmt(dup_f1, '.4f')} {rep.get('error', '')} "
                    f"{rep.get('stats', '')}",
                    flush=True,
                )
    head = (
        f"{'matcher':14s} {'customers':>9s} {'seed':>4s} {'records':>8s} {'seconds':>8s} "
        f"{'match s':>8s} {'cpu s':>7s} {'peak MB':>8s} {'customer F1':>11s} {'dup F1':>7s}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        print(
            f"{r['matcher']:14s} {r['customers']:>9d} {r['seed']:>4d} {r.get('records', 0):>8d} "
            f"{r['seconds']:>8.1f} {_fmt(r.get('match_s'), '.1f'):>8s} {r['cpu_s']:>7.1f} "
            f"{r['peak_mb']:>8.0f} {_fmt(r['f1'], '.4f'):>11s} {_fmt(r['dup_f1'], '.4f'):>7s}"
        )
    _print_scaling(rows)
    return 1 if any("error" in r for r in rows) else 0


def _print_scaling(rows: list[dict]) -> None:
    """Growth of time and memory from the smallest to each larger size, per matcher and seed."""
    ok = [r for r in rows if "error" not in r]
    for r in ok:
        smaller = [
            b for b in ok if b["matcher"] == r["matcher"] and b["seed"] == r["seed"] and b["customers"] < r["customers"]
        ]
        base = min(smaller, key=lambda b: b["customers"], default=None)
        if base is None:
            continue
        print(
            f"scaling {r['matcher']} seed {r['seed']}: {base['customers']} -> {r['customers']} "
            f"customers (x{r['customers'] / base['customers']:.0f}): wall "
            f"x{r['seconds'] / base['seconds']:.1f}, cpu x{r['cpu_s'] / base['cpu_s']:.1f}, "
            f"peak RSS x{r['peak_mb'] / base['peak_mb']:.1f}"
        )


if __name__ == "__main__":
    raise SystemExit(main())
