"""examples/people as shipped, on small person files: run green, persons linked, exported, explained."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hub.cli  # noqa: F401  (registers every command)
from hub.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "examples" / "people" / "hub.yaml")
HEADER = [
    "rec_id",
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]


def files(folder: Path, n: int = 30) -> None:
    """n persons in a.csv; the first n-5 again in b.csv with a typo, names swapped in one."""
    rng = random.Random(5)
    given = [
        "michaela",
        "courtney",
        "charles",
        "hope",
        "amelia",
        "jack",
        "lachlan",
        "chloe",
        "ryan",
        "zoe",
        "oliver",
        "ruby",
    ]
    family = ["neumann", "painter", "green", "smith", "white", "rees", "clarke", "bishop", "hope", "morris"]
    streets = ["stanley street", "pinkerton circuit", "salkauskas crescent", "banks place", "ellery close", "cox drive"]
    rows_a, rows_b = [], []
    for i in range(n):
        row = [
            f"rec-{i}-org",
            rng.choice(given),
            rng.choice(family),
            str(rng.randint(1, 90)),
            rng.choice(streets),
            "",
            rng.choice(["dapto", "richlands", "winston hills"]),
            str(rng.randint(2000, 4999)),
            rng.choice(["nsw", "vic", "qld"]),
            f"19{rng.randint(20, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
            str(rng.randint(1_000_000, 9_999_999)),
        ]
        rows_a.append(row)
        if i < n - 5:
            dup = list(row)
            dup[0] = f"rec-{i}-dup-0"
            if i == 0:
                dup[1], dup[2] = dup[2], dup[1]
            else:
                dup[9] = dup[9][:7] + ("1" if dup[9][7] != "1" else "2")
            rows_b.append(dup)
    for name, rows in (("a", rows_a), ("b", rows_b)):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER)
            w.writerows(rows)


def test_people_example_on_small_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files(tmp_path)
    monkeypatch.setenv("PEOPLE_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'hub.db'}")
    run = CliRunner().invoke(app, ["-c", CONFIG, "run", "people"])
    assert run.exit_code == 0, run.output
    out = CliRunner().invoke(app, ["-c", CONFIG, "export", "--out", str(tmp_path / "pred")])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader((tmp_path / "pred" / "crosswalk.csv").open(encoding="utf-8")))
    assert {r["entity"] for r in rows} == {"person"} and len(rows) == 55
    by_cid: dict[str, set[str]] = {}
    for r in rows:
        by_cid.setdefault(r["canonical_id"], set()).add(r["external_id"])
    linked = [ids for ids in by_cid.values() if len(ids) == 2]
    assert len(linked) >= 23  # the swapped names and the one-digit dates still link
    assert all(len({x.split("-")[1] for x in ids}) == 1 for ids in linked)
    stats = CliRunner().invoke(app, ["-c", CONFIG, "match", "stats", "person", "--json"])
    assert stats.exit_code == 0 and '"candidate_pairs"' in stats.output and '"birth_date"' in stats.output
    lonely = CliRunner().invoke(app, ["-c", CONFIG, "explain", "person", "a:rec-29-org"])
    assert lonely.exit_code == 0, lonely.output
    assert "nearest candidates" in lonely.output
    linked_one = CliRunner().invoke(app, ["-c", CONFIG, "explain", "person", "a:rec-3-org", "--format", "json"])
    assert linked_one.exit_code == 0, linked_one.output
    assert "b:rec-3-dup-0" in linked_one.output and "same national id" in linked_one.output
