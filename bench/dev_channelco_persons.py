"""ChannelCo persons against the generator's truth: salespeople and contacts as the person matcher links them.

truth.json lists ``salesperson_links`` ([CRM User Id, DRP 业务员编码]) and nothing about contacts.
Contact truth follows from the generator's id scheme (../shared/bench/gen_channel_data.py): every
Contact.csv row is drawn as a new person (own name, e-mail and mobile) for one CRM account, no
contact is copied to another account or to the DRP (which holds no contact persons), so no two
contacts are one person and no contact is a salesperson: every pair the matcher puts a contact
in is a false one. F1 follows score.py's convention (nothing true and nothing predicted = 1.0).
"""

from __future__ import annotations

import csv
import json
from itertools import combinations
from pathlib import Path

__all__ = ["person_scores", "prf"]


def prf(tp: int, n_pred: int, n_truth: int) -> dict[str, float | int]:
    """Precision, recall and F1 of a pair set (score.py's convention for empty sets)."""
    p = tp / n_pred if n_pred else (1.0 if n_truth == 0 else 0.0)
    r = tp / n_truth if n_truth else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"truth": n_truth, "pred": n_pred, "tp": tp, "precision": p, "recall": r, "f1": f}


def _ids(path: Path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["Id"] for row in csv.DictReader(fh)}


def person_scores(crosswalk: Path, scenario: Path) -> dict[str, dict[str, float | int]]:
    """``salesperson`` (CRM user ~ DRP salesperson pairs) and ``contact`` (pairs holding a contact)
    scores of the ``person`` clusters in an exported crosswalk.csv."""
    truth = json.loads((scenario / "truth" / "truth.json").read_text(encoding="utf-8"))
    sp_truth = {(u, c) for u, c in truth["salesperson_links"]}
    contacts = _ids(scenario / "crm" / "Contact.csv")
    users = _ids(scenario / "crm" / "User.csv")
    clusters: dict[str, list[tuple[str, str]]] = {}
    with crosswalk.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["entity"] == "person":
                clusters.setdefault(row["canonical_id"], []).append((row["system"], row["external_id"]))
    sp_pred: set[tuple[str, str]] = set()
    contact_pairs = 0
    for members in clusters.values():
        for a, b in combinations(sorted(members), 2):
            if a[1] in contacts or b[1] in contacts:
                contact_pairs += 1
            elif {a[0], b[0]} == {"crm", "drp"}:
                crm, drp = (a, b) if a[0] == "crm" else (b, a)
                if crm[1] in users:
                    sp_pred.add((crm[1], drp[1]))
    persons = sum(1 for ms in clusters.values() for s, x in ms if x in contacts)
    return {
        "salesperson": prf(len(sp_pred & sp_truth), len(sp_pred), len(sp_truth)),
        "contact": dict(prf(0, contact_pairs, 0), contacts=len(contacts), resolved=persons),
    }
