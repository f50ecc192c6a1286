"""Develop the person matcher on two person files (FEBRL layout): train, match, score pairwise F1.

    .venv/bin/python bench/dev_match_people.py A.csv B.csv [--config examples/people/person_match.yaml]
        [--train] [--truth-suffix]

Records are linked by the rec_id convention of FEBRL (``rec-12-org`` ~ ``rec-12-dup-0``), used
for scoring only; training never reads it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: FEBRL column -> canonical person field
COLUMNS = {
    "given_name": "given_name",
    "surname": "family_name",
    "street_number": "street_number",
    "address_1": "address_line1",
    "address_2": "address_line2",
    "suburb": "city",
    "postcode": "postal_code",
    "state": "state",
    "date_of_birth": "birth_date",
    "soc_sec_id": "national_id",
}


def read_people(path: Path, system: str) -> list[dict[str, str]]:
    """Person records of one FEBRL-layout CSV, in canonical field names."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            {
                "system": system,
                "external_id": row["rec_id"].strip(),
                **{COLUMNS[k]: (row.get(k) or "").strip() for k in COLUMNS},
            }
            for row in csv.DictReader(fh)
        ]


def entity_of(rec_id: str) -> str:
    """The true entity of a FEBRL record id (``rec-12-dup-0`` -> ``12``)."""
    return rec_id.split("-")[1]


def pairwise_f1(clusters: list[tuple[tuple[str, str], ...]]) -> tuple[float, float, float]:
    """Precision, recall and F1 of the within-cluster pairs against the rec_id truth."""
    pred = {tuple(sorted((a, b))) for c in clusters for a, b in combinations(c, 2)}
    by_entity: dict[str, list[tuple[str, str]]] = {}
    for c in clusters:
        for m in c:
            by_entity.setdefault(entity_of(m[1]), []).append(m)
    truth = {tuple(sorted((a, b))) for ms in by_entity.values() for a, b in combinations(ms, 2)}
    tp = len(pred & truth)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(truth) if truth else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("--config", type=Path, default=ROOT / "examples" / "people" / "person_match.yaml")
    ap.add_argument("--train", action="store_true", help="train and write the weights file first")
    ap.add_argument("--weights", type=Path, help="weights file to use/write (default: the config's)")
    args = ap.parse_args()
    from hub.reconcile.compare.config import load_record_match_config
    from hub.reconcile.compare.engine import match_records, prepare
    from hub.reconcile.compare.weights import read_weights, write_weights
    from hub.reconcile.train import train

    t0 = time.perf_counter()
    cfg = load_record_match_config(args.config)
    wpath = args.weights or (args.config.parent / (cfg.weights or "weights.yaml"))
    records = read_people(args.a, "a") + read_people(args.b, "b")
    p = prepare(records, cfg)
    t1 = time.perf_counter()
    if args.train:
        report = train(p, cfg)
        write_weights(wpath, report.weights)
        print(
            f"trained in {time.perf_counter() - t1:.1f}s: λ={report.weights.probability_two_random_records_match:.3g} "
            f"expected matches {report.expected_matches:.0f}, suggested threshold "
            f"{report.weights.suggested_threshold:+.2f}"
        )
    t2 = time.perf_counter()
    result = match_records(records, cfg, read_weights(wpath), prepared=p)
    t3 = time.perf_counter()
    prec, rec, f1 = pairwise_f1(list(result.clusters))
    print(
        f"records {len(records)} pairs {result.stats['candidate_pairs']} read+prep {t1 - t0:.1f}s "
        f"match {t3 - t2:.1f}s  P={prec:.4f} R={rec:.4f} F1={f1:.4f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
