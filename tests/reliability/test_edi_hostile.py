"""Unreadable EDI is quarantined with its reason and rejected in the acknowledgment, never dropped silently."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from connectors.edi import edifact, transactions, x12
from connectors.edi.config import EdiConfig
from connectors.edi.streams import EdiConnector
from hub.connector import ConnectorContext
from hub.errors import EdiError

WHEN = datetime(2025, 4, 6, 17, 26)
ORDER = {"order_number": "PO1", "order_date": "2025-04-06", "party_ref": "M1", "amount": "7.00", "currency": "CNY"}
LINES = [{"line_no": 1, "sku": "S1", "quantity": "2", "unit_price": "3.50"}]


def _850(control: int, po: str = "PO1") -> str:
    return transactions.render_outbound(
        "850", [({**ORDER, "order_number": po}, LINES)], sender="R1", receiver="CHANNELCO", control=control, when=WHEN
    )


def _run(root: Path, name: str, text: str, stream: str = "850") -> tuple[list, dict[str, str]]:  # type: ignore[type-arg]
    (root / "in" / stream).mkdir(parents=True, exist_ok=True)
    (root / "in" / stream / name).write_text(text, encoding="utf-8")
    cfg = EdiConfig(inbound="in", outbound="out", processed="done", failed="bad")  # type: ignore[call-arg]
    conn = EdiConnector(cfg, ConnectorContext(system="partners", base_dir=str(root)))
    records = []
    for batch in conn.read(stream, None):
        records.extend(batch.records)
        for action in batch.on_commit:
            action()
    out = root / "out"
    acks = {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} if out.exists() else {}
    return records, acks


def test_wrong_segment_terminator_is_quarantined_and_rejected(tmp_path: Path) -> None:
    text = _850(1)
    isa_end = text.index("~") + 1
    wrong = text[:isa_end] + text[isa_end:].replace("~", "!")  # ISA says "~", the segments end in "!"
    records, acks = _run(tmp_path, "850_1.x12", wrong)
    assert len(records) == 1 and records[0].error is not None
    assert isinstance(records[0].error, EdiError) and records[0].location.startswith("850/850_1.x12#segment")
    assert "850_1.x12" in str(records[0].error)
    assert "the segments end with '!', not the segment terminator '~'" in records[0].error.message
    (ack,) = acks.values()
    assert "TA1*000000001*" in ack and "*R*" in ack.split("TA1", 1)[1].split("~", 1)[0]
    assert "AK9*R" in ack and "AK5*A" not in ack
    assert [p.name for p in (tmp_path / "bad").iterdir()] == ["850_1.x12"]


def test_isa_followed_by_garbage_gets_a_ta1_of_its_own(tmp_path: Path) -> None:
    text = _850(3)
    records, acks = _run(tmp_path, "850_3.x12", text[: text.index("~") + 1] + "garbage here~")
    assert len(records) == 1 and records[0].error is not None and "garbage" in records[0].error.message
    (name,) = acks
    assert name.startswith("TA1_") and "TA1*000000003*" in acks[name] and "IEA*0*000000003" in acks[name]


def test_nested_isa_acknowledges_no_set_as_accepted(tmp_path: Path) -> None:
    outer = _850(1).splitlines(True)
    se = next(i for i, line in enumerate(outer) if line.startswith("SE*"))
    nested = "".join(outer[: se + 1]) + _850(2, "PO2") + "".join(outer[se + 1 :])
    records, acks = _run(tmp_path, "850_5.x12", nested)
    assert records and all(r.error is not None for r in records)  # nothing of it is stored
    assert all(r.error.file == "850/850_5.x12" for r in records)
    assert acks and all("AK5*A" not in a and "AK9*R" in a for a in acks.values())


def test_trailing_junk_keeps_the_interchange_before_it(tmp_path: Path) -> None:
    records, acks = _run(tmp_path, "850_7.x12", _850(7) + "GE*1*1~")
    good = [r for r in records if r.error is None]
    bad = [r for r in records if r.error is not None]
    assert {r.data.get("order_number") for r in good if r.data.get("_entity") == "sales_order"} <= {"PO1"} and good
    assert len(bad) == 1 and bad[0].error.file == "850/850_7.x12" and "expected an ISA" in bad[0].error.message
    assert any("AK9*A" in a for a in acks.values())  # what was acknowledged is what was stored


def test_una_giving_two_roles_one_character_is_refused() -> None:
    text = "UNA::.? 'UNB+UNOA:1+A+B+250101:1200+1'UNZ+0+1'"
    with pytest.raises(EdiError, match=r"UNA .* component separator and the element separator"):
        list(edifact.parse(text.encode()))
    assert list(edifact.parse(text.replace("UNA::", "UNA:+").encode()))  # the well-formed twin reads


def test_una_clash_in_the_drop_folder_is_quarantined(tmp_path: Path) -> None:
    text = "UNA:+.?+'UNB+UNOA:1+A+B+250101:1200+1'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+1'"
    records, _ = _run(tmp_path, "ORDERS_1.edi", text, stream="ORDERS")
    assert len(records) == 1 and "UNA" in str(records[0].error) and "repetition separator" in records[0].error.message


def test_x12_read_names_the_terminator_problem_file(tmp_path: Path) -> None:
    path = tmp_path / "x.x12"
    text = _850(9)
    path.write_text(text[: text.index("~") + 1] + text[text.index("~") + 1 :].replace("~", "!"), encoding="utf-8")
    with pytest.raises(EdiError) as info:
        list(x12.read(path))
    assert str(path) in str(info.value)
