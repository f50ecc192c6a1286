"""997 and CONTRL generation: accepted, partially accepted, rejected."""

from __future__ import annotations

from datetime import datetime

from connectors.edi import acks, edifact, x12

WHEN = datetime(2025, 4, 6, 17, 26)


def _interchange(*, bad_set: int | None = None, bad_group: bool = False) -> str:
    w = x12.X12Writer("PARTNER", "CHANNELCO", 42, when=WHEN)
    w.add_group("PO", 7)
    for i in range(3):
        w.add_set("850", f"{i + 1:04d}", [("BEG", "00", "SA", f"PO{i}", "", "20250406")])
    text = w.render()
    if bad_set is not None:
        text = text.replace(f"SE*3*{bad_set:04d}", f"SE*9*{bad_set:04d}")
    if bad_group:
        text = text.replace("GE*3*7", "GE*3*8")
    return text


def _ack_segments(text: str) -> list[tuple[str, ...]]:
    (ic,) = list(x12.parse(text))
    out = acks.build_997(ic, when=WHEN)
    (ack,) = list(x12.read(out))  # the acknowledgment itself is a valid interchange
    assert ack.sender == "ZZ:CHANNELCO" and ack.receiver == "ZZ:PARTNER"
    return [s.elements for s in ack.groups[0].sets[0].body]


def test_all_accepted() -> None:
    segs = _ack_segments(_interchange())
    assert segs[0] == ("AK1", "PO", "7")
    assert [s for s in segs if s[0] == "AK5"] == [("AK5", "A")] * 3
    assert segs[-1] == ("AK9", "A", "3", "3", "3")


def test_one_set_rejected_is_partial() -> None:
    segs = _ack_segments(_interchange(bad_set=2))
    assert [s for s in segs if s[0] in ("AK2", "AK5")][2:4] == [("AK2", "850", "0002"), ("AK5", "R", "4")]
    assert segs[-1] == ("AK9", "P", "3", "3", "2")


def test_group_error_rejects_group() -> None:
    segs = _ack_segments(_interchange(bad_group=True))
    assert segs[-1] == ("AK9", "R", "3", "3", "3", "4")


def test_segment_errors_give_ak3_ak4() -> None:
    text = _interchange().replace("BEG*00*SA*PO1*", "BEG*00*SA\x02*PO1*")
    segs = _ack_segments(text)
    assert ("AK3", "BEG", "2", "", "8") in segs and ("AK4", "2", "", "6") in segs and ("AK5", "R", "5") in segs


def test_interchange_error_adds_ta1_and_ack_is_deterministic() -> None:
    text = _interchange().replace("IEA*1*000000042", "IEA*1*000000043")
    (ic,) = list(x12.parse(text))
    out = acks.build_997(ic, when=WHEN)
    assert "TA1*000000042*250406*1726*R*001~" in out
    assert out == acks.build_997(ic, when=WHEN)


def test_contrl_accepts_and_rejects() -> None:
    w = edifact.EdifactWriter("BUYER", "CHANNELCO", "77", when=WHEN)
    w.add_message("ORDERS", "1", [("BGM", "220", "PO1", "9")])
    w.add_message("ORDERS", "2", [("BGM", "220", "PO2", "9")])
    text = w.render().replace("UNT+3+2", "UNT+4+2")
    (ic,) = list(edifact.parse(text))
    (ack,) = list(edifact.read(acks.build_contrl(ic, when=WHEN)))
    assert ack.sender == "CHANNELCO" and ack.receiver == "BUYER"
    body = [(s.tag, s.elements) for s in ack.messages[0].body]
    assert body[0][0] == "UCI" and body[0][1][3] == ("7",)
    ucm = [e for t, e in body if t == "UCM"]
    assert [u[0] for u in ucm] == [("1",), ("2",)] and ucm[0][2] == ("7",) and ucm[1][2:] == (("4",), ("29",))
    broken = text.replace("UNZ+2+77", "UNZ+5+77")
    (ic,) = list(edifact.parse(broken))
    (ack,) = list(edifact.read(acks.build_contrl(ic, when=WHEN)))
    uci = ack.messages[0].body[0]
    assert uci.get(4) == "4" and uci.get(5) == "29"
