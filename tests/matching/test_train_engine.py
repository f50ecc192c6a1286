"""EM training recovers weights from unlabelled data; the engine links with them one-to-one."""

from __future__ import annotations

import random

from hub.reconcile.compare.config import load_record_match_config
from hub.reconcile.compare.engine import match_records, nearest_candidates, prepare
from hub.reconcile.train import train

CONFIG = {
    "entity": "person",
    "link_type": "link_only",
    "u_pairs": 20000,
    "blocking": [
        {"name": "dob", "on": ["birth_date"]},
        {"name": "pc", "on": ["postal_code"]},
        {"name": "family", "on": ["family_name"]},
    ],
    "comparisons": [
        {"kind": "jaro_winkler", "field": "given_name", "thresholds": [0.9], "term_frequency": True},
        {"kind": "jaro_winkler", "field": "family_name", "thresholds": [0.9], "term_frequency": True},
        {"kind": "date", "field": "birth_date", "years": [1]},
        {"kind": "postcode", "field": "postal_code"},
    ],
}
GIVEN = [
    "anna",
    "ben",
    "carl",
    "dora",
    "emil",
    "fay",
    "gus",
    "hana",
    "ivan",
    "jane",
    "karl",
    "lena",
    "max",
    "nina",
    "otto",
    "pia",
    "raj",
    "sara",
    "tom",
    "uma",
]
FAMILY = [
    "smith",
    "jones",
    "brown",
    "wilson",
    "taylor",
    "lee",
    "martin",
    "white",
    "clark",
    "hall",
    "young",
    "king",
    "wright",
    "green",
    "baker",
]


def world(n: int, seed: int = 3) -> list[dict[str, str]]:
    """n persons in system a; each again in b with one typo in some field."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rec = {
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY) + rng.choice(["", "son", "ley"]),
            "birth_date": f"{rng.randint(1940, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            "postal_code": str(rng.randint(2000, 2400)),
        }
        dup = dict(rec)
        field = rng.choice(list(rec))
        v = dup[field]
        k = rng.randrange(len(v))
        dup[field] = v[:k] + ("x" if v[k] != "x" else "y") + v[k + 1 :]
        out.append({"system": "a", "external_id": f"a{i}", **rec})
        out.append({"system": "b", "external_id": f"b{i}", **dup})
    return out


def test_em_learns_that_agreement_means_match_and_links_one_to_one() -> None:
    cfg = load_record_match_config(CONFIG)
    records = world(600)
    p = prepare(records, cfg)
    report = train(p, cfg)
    w = report.weights
    dob = w.comparisons["birth_date"]
    assert dob.m["exact"] > 0.6 and dob.u["exact"] < 0.01  # matches agree, random pairs do not
    assert 400 < report.expected_matches < 800
    result = match_records(records, cfg, w, prepared=p)
    truth = {(f"a{i}", f"b{i}") for i in range(600)}
    linked = {(pm.a[1], pm.b[1]) for pm in result.links}
    assert len(linked & truth) / len(truth) > 0.95
    assert len(linked - truth) / max(len(linked), 1) < 0.02
    assert set(result.stats["rules"]) == {"dob", "pc", "family"}
    assert result.stats["rules"]["dob"]["pairs"] > 0
    cluster_sizes = {len(c) for c in result.clusters}
    assert cluster_sizes <= {1, 2}  # never two records of one system in a link_only cluster


def test_nearest_candidates_say_why_they_fell_short() -> None:
    cfg = load_record_match_config(CONFIG)
    records = world(50)
    records.append(
        {
            "system": "b",
            "external_id": "lonely",
            "given_name": "zed",
            "family_name": "smith",
            "birth_date": "19990101",
            "postal_code": "2001",
        }
    )
    p = prepare(records, cfg)
    w = train(p, cfg).weights
    near = nearest_candidates(p, cfg, w, ("b", "lonely"), {}, n=3)
    assert near and all("below the link threshold" in c.reason for c in near)
    assert all(c.shared_rules for c in near)


def test_candidate_pairs_agree_with_each_rules_key_function() -> None:
    """The per-column blocking keys give exactly the blocks of the per-record key function
    (the one `hub explain` uses), transforms and prefixes included; empty parts block nothing."""
    from itertools import combinations

    from hub.reconcile.compare.blocking import candidate_pairs, key_function

    recs = world(120)
    recs[0]["family_name"] = ""
    recs[5]["birth_date"] = "  "
    cfg = load_record_match_config(
        {
            **CONFIG,
            "blocking": [
                {"name": "dob_year_family", "on": [{"field": "birth_date", "transform": "year"}, "family_name"]},
                {
                    "name": "sx",
                    "on": [{"field": "family_name", "transform": "soundex"}, {"field": "postal_code", "length": 3}],
                },
                {"name": "given", "on": ["given_name"], "max_block": 12},
            ],
        }
    )
    systems = [r["system"] for r in recs]
    pairs, stats = candidate_pairs(recs, cfg.blocking, systems, True)
    expected: set[tuple[int, int]] = set()
    for rule in cfg.blocking:
        fn = key_function(rule.keys)
        blocks: dict[tuple[str, ...], list[int]] = {}
        for i, r in enumerate(recs):
            if (k := fn(r)) is not None:
                blocks.setdefault(k, []).append(i)
        for members in blocks.values():
            if len(members) <= rule.max_block:
                expected.update((i, j) for i, j in combinations(members, 2) if systems[i] != systems[j])
    assert pairs == expected and stats["given"]["oversize_blocks"] > 0
