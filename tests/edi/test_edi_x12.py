"""Unit tests of the X12 reader/writer: delimiters, streaming, envelope validation, duplicates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from connectors.edi import x12, x12_segments
from hub.errors import EdiError

WHEN = datetime(2025, 4, 6, 17, 26)


def _interchange(sets: int = 2, **kw: object) -> str:
    w = x12.X12Writer("SENDER", "RECEIVER", 42, when=WHEN, **kw)  # type: ignore[arg-type]
    w.add_group("PO", 7)
    for i in range(sets):
        w.add_set(
            "850",
            f"{i + 1:04d}",
            [("BEG", "00", "SA", f"PO{i}", "", "20250406"), ("PO1", "1", "2", "EA", "3.50", "", "VP", "SKU1")],
        )
    return w.render()


def _errors(text: str) -> list[EdiError]:
    return [e for ic in x12.parse(text) for e in ic.all_errors()]


def test_round_trip_counts_and_segment_numbers() -> None:
    text = _interchange(2)
    (ic,) = list(x12.read(text))
    assert ic.sender == "ZZ:SENDER" and ic.receiver == "ZZ:RECEIVER" and ic.control == "000000042"
    (g,) = ic.groups
    assert [ts.id for ts in g.sets] == ["850", "850"]
    assert [s.tag for s in g.sets[0].segments] == ["ST", "BEG", "PO1", "SE"]
    assert g.sets[0].header.number == 3 and g.sets[1].header.number == 7
    assert g.sets[0].body[0][3] == "PO0"


@pytest.mark.parametrize(
    "element,component,terminator,newline",
    [
        ("*", ":", "~", "\n"),
        ("|", ">", "~", "\r\n"),
        ("~", ">", "*", ""),
        ("\x7f", ">", "\x15", ""),
        ("+", ":", "'", "\r\n"),
    ],
)
def test_any_delimiters_with_or_without_line_breaks(
    element: str, component: str, terminator: str, newline: str
) -> None:
    d = x12.Delimiters(element, component, terminator)
    text = _interchange(3, delimiters=d, newline=False).replace(terminator, terminator + newline)
    (ic,) = list(x12.read("\ufeff" + text))
    assert ic.delimiters == d
    assert sum(len(g.sets) for g in ic.groups) == 3


def test_newline_terminator_and_space_after_isa16() -> None:
    text = _interchange(1, newline=False).replace("~", "\n")
    (ic,) = list(x12.read(text))
    assert ic.delimiters.segment == "\n"
    spaced = _interchange(1, newline=False).replace("~", " \r\n")  # a space cannot be the terminator: the line break is
    (ic,) = list(x12.read(spaced))
    assert ic.delimiters.segment == "\n" and len(ic.groups[0].sets) == 1


def test_bytes_bom_and_ebcdic() -> None:
    text = _interchange(1)
    assert list(x12.read(b"\xef\xbb\xbf" + text.encode()))[0].control == "000000042"
    ebcdic = text.replace("~\n", "\x85").encode("cp037")
    assert len(list(x12.read(ebcdic))[0].groups[0].sets) == 1


def test_streaming_across_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "two.x12"
    path.write_text(_interchange(2) + _interchange(1).replace("000000042", "000000043"))
    monkeypatch.setattr(x12_segments, "_CHUNK", 7)
    ics = list(x12.read(path))
    assert [len(ic.groups[0].sets) for ic in ics] == [2, 1]


def test_mailbag_with_different_delimiters() -> None:
    a = _interchange(1)
    b = _interchange(2, delimiters=x12.Delimiters("|", "^", "!")).replace("000000042", "000000043")
    ics = list(x12.read(a + b))
    assert [ic.delimiters.element for ic in ics] == ["*", "|"]


def test_se_count_mismatch_names_segment_and_code() -> None:
    text = _interchange(1).replace("SE*4*0001", "SE*5*0001")
    with pytest.raises(EdiError) as exc:
        list(x12.read(text))
    e = exc.value
    assert e.segment == 6 and e.code == "4" and e.details["ack"] == "AK5" and "SE01" in str(e)


@pytest.mark.parametrize(
    "old,new,ack,code",
    [
        ("SE*4*0001", "SE*4*0009", "AK5", "3"),
        ("GE*2*7", "GE*3*7", "AK9", "5"),
        ("GE*2*7", "GE*2*8", "AK9", "4"),
        ("IEA*1*000000042", "IEA*2*000000042", "TA1", "021"),
        ("IEA*1*000000042", "IEA*1*000000041", "TA1", "001"),
        ("ST*850*0002", "ST*850*0001", "AK5", "23"),
        ("BEG*00*SA*PO0", "XYZ*00*SA*PO0", "AK5", "5"),
        ("*250406*", "*251306*", "TA1", "014"),
        ("*1726*", "*2599*", "TA1", "015"),
    ],
)
def test_envelope_errors(old: str, new: str, ack: str, code: str) -> None:
    text = _interchange(2).replace(old, new, 1)
    errs = _errors(text)
    assert any(e.details.get("ack") == ack and e.code == code for e in errs), [
        (e.details.get("ack"), e.code, e.message) for e in errs
    ]
    assert all(e.segment for e in errs)


def test_truncated_interchange_reports_missing_trailers() -> None:
    text = _interchange(1)
    cut = text[: text.index("SE*")]
    errs = _errors(cut)
    assert {(e.details["ack"], e.code) for e in errs} >= {("AK5", "2"), ("AK9", "3"), ("TA1", "023")}


def test_not_x12_raises_typed_error() -> None:
    with pytest.raises(EdiError) as exc:
        list(x12.parse("hello world, this is not EDI"))
    assert exc.value.segment == 1


def test_trailing_separators_and_control_characters_are_errors() -> None:
    errs = _errors(_interchange(1).replace("PO1*1*2*EA*3.50**VP*SKU1", "PO1*1*2*EA*3.50**VP*SKU1**"))
    assert any(e.details.get("ak3") == ("PO1", 3, "8") for e in errs)
    errs = _errors(_interchange(1).replace("PO1*1*2*EA", "PO1*1*2\x01*EA"))
    assert any(e.details.get("ak4") == (2, "6") for e in errs)


def test_wrapped_lines_inside_segments_are_joined() -> None:
    text = _interchange(1, newline=False).replace("SA*PO0", "SA*P\r\nO0")
    (ic,) = list(x12.read(text))
    assert ic.groups[0].sets[0].body[0][3] == "PO0"


def test_duplicate_interchange_helper() -> None:
    (ic,) = list(x12.read(_interchange(1)))
    seen: set[tuple[str, str, str]] = set()
    x12.check_duplicate(ic, seen)
    with pytest.raises(EdiError) as exc:
        x12.check_duplicate(ic, seen)
    assert exc.value.code == "025" and exc.value.segment == 1


def test_writer_refuses_delimiters_in_values() -> None:
    w = x12.X12Writer("A", "B", 1, when=WHEN)
    w.add_set("850", "0001", [("BEG", "00", "SA", "PO*1", "", "20250101")])
    with pytest.raises(EdiError, match="delimiter"):
        w.render()


def test_005010_writer_uses_repetition_separator() -> None:
    w = x12.X12Writer("A", "B", 1, when=WHEN, version="00501")
    w.add_set("850", "0001", [("BEG", "00", "SA", "PO1", "", "20250101")])
    (ic,) = list(x12.read(w.render()))
    assert ic.version == "00501" and ic.header[11] == "^" and ic.delimiters.component == ">"
