"""The ChannelCo example end to end on the embedded runner: load, link, export, rerun, change, quarantine."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select

from hub.config import load_config
from hub.runner import open_store, run_pipeline
from hub.store.models import MODELS, Quarantine
from tests.helpers.channelco import CONFIG
from tests.pipeline.scoring import customer_f1, order_f1
from tests.pipeline.snapshot import snapshot


def _run(env):  # type: ignore[no-untyped-def]
    config = load_config(CONFIG)
    engine = open_store(config)
    return run_pipeline(config, "channelco", engine=engine), engine


def test_cli_run_export_and_exact_key_quality(hub_cli, world: Path, tmp_path: Path) -> None:
    out = hub_cli("run", "channelco")
    assert "succeeded" in out.stdout
    hub_cli("export", "--out", str(tmp_path / "pred"))
    assert customer_f1(tmp_path / "pred", world / "truth" / "truth.json") >= 0.6
    assert order_f1(tmp_path / "pred", world / "truth" / "truth.json") >= 0.6
    status = hub_cli("status").stdout
    assert "extract" in status and "reconcile" in status


def test_second_run_changes_nothing_and_exports_identically(hub_env, tmp_path: Path) -> None:
    from hub.export import export

    first, engine = _run(hub_env)
    assert first.changes > 0
    export(engine, tmp_path / "a", ["crm", "drp"])
    before = snapshot(engine)
    second, engine = _run(hub_env)
    assert second.changes == 0, [s for s in second.stages if s["rows_changed"]]
    export(engine, tmp_path / "b", ["crm", "drp"])
    assert snapshot(engine) == before
    for name in ("crosswalk.csv", "discrepancies.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_changing_one_source_row_changes_only_the_affected_rows(hub_env, world: Path) -> None:
    _, engine = _run(hub_env)
    path = world / "drp" / "customers.csv"
    lines = path.read_bytes().split(b"\r\n")
    header = lines[0].decode("gb18030").split(",")
    idx = header.index("信用额度")
    row = next(csv.reader([lines[5].decode("gb18030")]))
    code = row[0]
    row[idx] = "123456.78"
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    lines[5] = buf.getvalue().encode("gb18030")
    path.write_bytes(b"\r\n".join(lines))
    result, engine = _run(hub_env)
    extract = {s["stream"]: s for s in result.stages if s["stage"] == "extract"}
    assert extract["customers"]["rows_changed"] == 1  # one staged record
    assert extract["customers"]["canonical_changed"] == 1  # one canonical row
    assert sum(s["rows_changed"] for s in extract.values()) == 1
    assert sum(s["rows_changed"] for s in result.stages if s["stage"] == "map") == 0
    party = MODELS["party"].__table__
    with engine.connect() as conn:
        got = conn.execute(
            select(party.c.credit_limit, party.c.run_id).where(party.c.system == "drp", party.c.external_id == code)
        ).one()
    assert str(got.credit_limit) == "123456.78" and got.run_id == result.run_id


def test_broken_rows_are_quarantined_with_file_line_and_field(hub_env, hub_cli, world: Path) -> None:
    path = world / "drp" / "sales_orders.csv"
    data = path.read_bytes().split(b"\r\n")
    header = data[0].decode("gb18030").split(",")
    rows = [next(csv.reader([line.decode("gb18030")])) for line in data[1:4]]
    rows[0][header.index("订单日期")] = "2025-13-45"  # bad date
    rows[1][header.index("客户编码")] = ""  # missing required field
    import io

    out = []
    for r in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(r)
        out.append(buf.getvalue().encode("gb18030"))
    out[2] = out[2].replace(rows[2][0].encode(), rows[2][0].encode() + b"\xff\xfe")  # bad encoding byte
    data[1:4] = out
    path.write_bytes(b"\r\n".join(data))
    result, engine = _run(hub_env)
    assert result.status == "succeeded"
    with engine.connect() as conn:
        q = {
            r.location.rsplit(":", 1)[1]: r
            for r in conn.execute(select(Quarantine).where(Quarantine.stream == "sales_orders"))
        }
        orders = conn.execute(
            select(MODELS["sales_order"].__table__.c.external_id).where(
                MODELS["sales_order"].__table__.c.system == "drp"
            )
        ).all()
    assert set(q) == {"2", "3", "4"}
    assert q["2"].field == "order_date" and "2025-13-45" in (q["2"].reason + (q["2"].raw or ""))
    assert q["3"].field == "party_ref"
    assert q["4"].stage == "extract" and "0xff" in q["4"].reason and "sales_orders.csv:4" in q["4"].reason
    assert len(orders) == len(data) - 1 - 3 - (1 if data[-1] == b"" else 0)
    listing = hub_cli("quarantine", "list").stdout
    assert "sales_orders.csv:2" in listing and "order_date" in listing
