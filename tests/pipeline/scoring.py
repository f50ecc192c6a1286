"""Test-side scoring of an export against a world's truth.json (pairwise F1, like the bench scorer)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from itertools import combinations
from pathlib import Path


def crosswalk_pairs(path: Path, entity: str) -> tuple[set[tuple[str, str]], dict[str, set[tuple[str, str]]]]:
    """(crm, drp) pairs and within-system pairs that share a canonical id in crosswalk.csv."""
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"crm": [], "drp": []})
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["entity"] == entity and row["system"] in ("crm", "drp"):
                groups[row["canonical_id"]][row["system"]].append(row["external_id"])
    cross, within = set(), {"crm": set(), "drp": set()}
    for g in groups.values():
        cross.update((c, d) for c in g["crm"] for d in g["drp"])
        for system in ("crm", "drp"):
            within[system].update(tuple(sorted(p)) for p in combinations(g[system], 2))
    return cross, within


def f1(pred: set, truth: set) -> float:
    if not pred and not truth:
        return 1.0
    tp = len(pred & truth)
    if tp == 0:
        return 0.0
    p, r = tp / len(pred), tp / len(truth)
    return 2 * p * r / (p + r)


def customer_f1(export_dir: Path, truth_path: Path) -> float:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    cross, within = crosswalk_pairs(export_dir / "crosswalk.csv", "customer")
    t_cross = {tuple(p) for p in truth["customer_links"]}
    t_within = set()
    for system in ("crm", "drp"):
        t_within |= {(system,) + tuple(sorted(p)) for p in truth["duplicates"][system]}
    p_within = {(s,) + p for s, ps in within.items() for p in ps}
    return f1(cross | p_within, t_cross | t_within)


def order_f1(export_dir: Path, truth_path: Path) -> float:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    cross, _ = crosswalk_pairs(export_dir / "crosswalk.csv", "order")
    return f1(cross, {tuple(p) for p in truth["order_links"]})
