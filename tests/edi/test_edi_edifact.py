"""Unit tests of the EDIFACT reader/writer: UNA, release character, charsets, envelopes, directory rules."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from connectors.edi import edifact
from hub.errors import EdiError

WHEN = datetime(2025, 4, 6, 17, 26)


def _text(
    *,
    syntax: str = "UNOC",
    una: bool = True,
    delimiters: edifact.Delimiters | None = None,
    name: str = "Müller: A+B's ?",
) -> str:
    w = edifact.EdifactWriter("SENDER", "RECEIVER", "REF1", syntax=syntax, when=WHEN, una=una, delimiters=delimiters)
    w.add_message(
        "ORDERS",
        "1",
        [("BGM", "220", "PO1", "9"), ("DTM", ("137", "20250406", "102")), ("NAD", "BY", ("C1", "", "92"), "", name)],
    )
    w.add_message("ORDERS", "2", [("BGM", "220", "PO2", "9")])
    return w.render()


def test_round_trip_with_release_characters() -> None:
    (ic,) = list(edifact.read(_text()))
    assert [m.type for m in ic.messages] == ["ORDERS", "ORDERS"]
    nad = ic.messages[0].body[2]
    assert nad.tag == "NAD" and nad.get(4) == "Müller: A+B's ?" and nad.get(2, 0) == "C1"
    assert ic.messages[0].header.number == 2 and ic.messages[1].trailer.number == 9  # type: ignore[union-attr]


def test_custom_una_delimiters_and_no_una_defaults() -> None:
    d = edifact.Delimiters(component="^", element="*", decimal=",", release="?", segment="$")
    (ic,) = list(edifact.read(_text(delimiters=d)))
    assert ic.delimiters == d and ic.messages[0].body[2].get(4) == "Müller: A+B's ?"
    (ic,) = list(edifact.read(_text(una=False)))
    assert ic.delimiters.segment == "'" and len(ic.messages) == 2


@pytest.mark.parametrize(
    "syntax,codec,name",
    [
        ("UNOC", "latin-1", "Müller"),
        ("UNOD", "iso8859-2", "Łódź"),
        ("UNOE", "iso8859-5", "Москва"),
        ("UNOW", "utf-8", "上海"),
    ],
)
def test_charset_per_syntax_level(syntax: str, codec: str, name: str) -> None:
    raw = _text(syntax=syntax, name=name).encode(codec)
    (ic,) = list(edifact.read(raw))
    assert ic.charset == codec and ic.messages[0].body[2].get(4) == name


def test_utf8_bytes_under_latin_declaration_read_as_utf8() -> None:
    (ic,) = list(edifact.read(_text(syntax="UNOC", name="MUNCIË").encode("utf-8")))
    assert ic.charset == "utf-8" and ic.warnings and ic.messages[0].body[2].get(4) == "MUNCIË"


def test_wrapped_lines_and_indentation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _text(una=False).replace("\n", "")
    wrapped = "\n".join(text[i : i + 13] for i in range(0, len(text), 13))
    path = tmp_path / "w.edi"
    path.write_text(wrapped, encoding="latin-1")
    monkeypatch.setattr(edifact, "_CHUNK", 5)
    (ic,) = list(edifact.read(path))
    assert ic.messages[0].body[2].get(4) == "Müller: A+B's ?"
    (ic,) = list(edifact.read(_text().replace("UNH", "   UNH")))
    assert len(ic.messages) == 2


@pytest.mark.parametrize(
    "old,new,ack,code",
    [
        ("UNT+5+1", "UNT+6+1", "UCM", "29"),
        ("UNT+5+1", "UNT+5+9", "UCM", "28"),
        ("UNZ+2+REF1", "UNZ+3+REF1", "UCI", "29"),
        ("UNZ+2+REF1", "UNZ+2+REF2", "UCI", "28"),
        ("DTM+137:20250406:102", "DTM+137:20250406:102:X", "UCD", "16"),
        ("BGM+220+PO1+9", "BGM+220+PO1+9+1+2", "UCS", "16"),
    ],
)
def test_envelope_and_directory_errors(old: str, new: str, ack: str, code: str) -> None:
    text = _text().replace(old, new, 1)
    errs = [e for ic in edifact.parse(text) for e in ic.all_errors()]
    assert any(e.details.get("ack") == ack and e.code == code for e in errs), [
        (e.details.get("ack"), e.code) for e in errs
    ]
    assert all(e.segment for e in errs)


def test_too_many_header_dtm() -> None:
    w = edifact.EdifactWriter("S", "R", "1", when=WHEN)
    w.add_message("ORDERS", "1", [("BGM", "220", "PO1", "9")] + [("DTM", ("137", "20250406", "102"))] * 36)
    errs = [e for ic in edifact.parse(w.render()) for e in ic.all_errors()]
    assert [(e.code, e.segment) for e in errs] == [("35", 39)]


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("BGM+220+X'", "must begin with UNA or UNB"),
        ("UNB+UNOA:1+A+B+250101:1200+1\nUNH+1+ORDERS:D:96A:UN\n", "no segment terminator"),
    ],
)
def test_unreadable_input_raises_typed_error(text: str, fragment: str) -> None:
    with pytest.raises(EdiError, match=fragment) as exc:
        list(edifact.parse(text))
    assert exc.value.segment is not None


def test_missing_trailers() -> None:
    text = _text()
    cut = text[: text.index("UNT+5+1")]
    errs = [e for ic in edifact.parse(cut) for e in ic.all_errors()]
    assert {e.code for e in errs} == {"13"} and {e.details["ack"] for e in errs} == {"UCM", "UCI"}


def test_writer_rejects_characters_outside_the_charset() -> None:
    with pytest.raises(EdiError, match="UNOC"):
        _text(name="上海")
