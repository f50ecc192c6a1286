"""Conformance against the shared EDI corpus (skipped when ../shared is absent).

Every file in corpus/x12 and corpus/edifact is read. Well-formed files must give the transaction
set / message counts SOURCES.md documents. Strict envelope validation must pass, except for the
sample files listed in *_DEFECTS below: each carries a genuine envelope defect (wrong count or
control number, blank sender id, invalid date...) that a strict receiver rejects; the expected
error is asserted. Every malformed file must yield EdiErrors with a segment number and a reason
(and, for X12, a 997 the partner would receive) - except the files in *_UPSTREAM_PASS, which are
byte-identical to passing fixtures of the source suite or fail it only for implementation-guide
reasons outside X12 syntax (asserted below).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from connectors.edi import acks, edifact, transactions, x12
from hub.errors import EdiError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

WHEN = datetime(2025, 1, 1)

X12_DEFECTS: dict[str, tuple[str, str]] = {
    "820/oopfactory_820_Example2_ScanaEnergy.txt": ("TA1", "006"),  # ISA06 sender id blank
    "820/oopfactory_820_Example3_HomeDepot.txt": ("AK9", "6"),  # GS06 "44 (Group Control Number)"
    "820/oopfactory_820_Example6.txt": ("TA1", "014"),  # ISA09 051513 is not a date
    "832/edinet_x12.832.edi": ("AK5", "4"),  # SE*17 for 12 segments
    "850/bots_850-004010-02.x12": ("AK5", "23"),  # ST02 000000001 twice in a group
    "850/edinet_x12.850.issue135_newline_term.edi": ("AK5", "23"),  # ST02 0001 twice in a group
    "850/edinet_x12.850_nbsp_isa_padding.edi": ("TA1", "001"),  # IEA02 1 vs ISA13 55
    "850/edinet_x12.850a.edi": ("TA1", "001"),  # IEA02 1 vs ISA13 55
    "852/oopfactory_852_hdexchange.txt": ("TA1", "001"),  # IEA02 "000000002~"
    "860/oopfactory_860_Example1.txt": ("AK5", "4"),  # N1 lacks its terminator: SE01 10 for 9
    "865/oopfactory_865_FromTyco.txt": ("TA1", "001"),  # IEA02 00001660 vs ISA13 000016680
    "940/oopfactory_940_simplot.txt": ("AK9", "4"),  # GE02 vs GS06
    "945/oopfactory_945_inter-americanproducts.txt": ("AK5", "7"),  # ST02 of 10 characters
    "mixed/bots_mailbag01_8_interchanges.x12": ("AK5", "23"),  # contains bots_850-004010-02
}
X12_MALFORMED: dict[str, set[tuple[str, str]]] = {
    "pyx12_explicit_missing.txt": {("AK5", "2"), ("AK9", "3"), ("TA1", "023")},
    "pyx12_fail_no_IEA.txt": {("AK5", "4"), ("TA1", "023")},
    "pyx12_mult_isa_input.txt": {("AK5", "5")},  # 835 sets without their BPR
    "pyx12_trailer_errors.txt": {("AK5", "4"), ("AK9", "4"), ("TA1", "021"), ("TA1", "001")},
    "pyx12_trailing_terms.txt": {("AK5", "5")},
    "stupidedi_832_004010_fail_1.edi": {("TA1", "015")},
    "stupidedi_832_004010_fail_2.edi": {("AK5", "5")},  # BTC instead of BCT
    "stupidedi_850_003010_fail_1.edi": {("AK5", "4")},
    "stupidedi_850_003050_fail_1.edi": {("TA1", "008")},
    "stupidedi_855_004010_fail_2.edi": {("TA1", "015")},
    "stupidedi_856_004010_fail_2.edi": {("TA1", "013"), ("AK5", "4")},
    "stupidedi_862_004010_fail_1.edi": {("TA1", "008")},
}
#: kputnam/stupidedi spec/fixtures/002001/PO830/pass/1.x12 and 003010/PC860/pass/1.x12 (same bytes);
#: 002001/SH856/fail/1.edi fails only stupidedi's 002001 856 grammar (no PRF: our 856 mapping rejects it)
X12_UPSTREAM_PASS = {
    "stupidedi_830_002001_fail_1.edi",
    "stupidedi_860_003010_fail_1.edi",
    "stupidedi_856_002001_fail_1.edi",
}

EDIFACT_DEFECTS: dict[str, tuple[str, str]] = {
    **{
        f"APERAK/pydifact_aperak_{v}.edi": ("UCM", "29")
        for v in ("v3_accepted", "v3_rejected", "v4_accepted", "v4_rejected")
    },
    "DELFOR/edinet_delfor_d96a.edi": ("UCM", "29"),
    "INVOIC/edinet_invoic_d01b_ean011_indented.edi": ("UCM", "29"),
    "INVOIC/smooks_invoic_d96a_body_only.edi": ("UCI", "13"),  # message body without any envelope
    "ORDERS/pydifact_order2_d96a.edi": ("UCI", "13"),  # no UNZ
    "ORDERS/pydifact_order_d96a_ean008_una_comma.edi": ("UCI", "13"),
    "ORDERS/smooks_examples_orders_d96a_ean008_unob4.txt": ("UCI", "13"),
    "ORDRSP/edinet_ordrsp_d10a_formatted.edi": ("UCM", "29"),
    "ORDRSP/edinet_ordrsp_d10a_single_line.edi": ("UCM", "29"),
    "misc/edinet_ifcsum_d01b_ean003.edi": ("UCM", "29"),
    "misc/edinet_infent_ung_groups_unol.edi": ("UCM", "29"),
    "misc/edinet_quotes_d96a_multi_message.edi": ("UCM", "29"),
    "misc/phpedifact_iftmbc_multiline_ftx.edi": ("UCM", "29"),
    "misc/phpedifact_paores_release_char.edi": ("UCM", "29"),
}
EDIFACT_MALFORMED: dict[str, set[tuple[str, str]]] = {
    "bots_orders_junk_header_mixed_eol.edi": {("UCI", "13")},
    "edinet_ifcsum_d01b_newline_terminator.edi": {("UCI", "13")},
    "edinet_iftmin_invoic_mixed_bad_trailers.edi": {("UCM", "29"), ("UCM", "28"), ("UCI", "29")},
    "phpedifact_orders_d01b_unescaped_colon.edi": {("UCD", "16")},
    "smooks_bad_orders_d03b_too_many_dtm.txt": {("UCS", "35")},
    "smooks_examples_invoic_d03b_bad_unt_count.txt": {("UCM", "29")},
}


def _sources() -> str:
    return (CORPUS / "SOURCES.md").read_text(encoding="utf-8")


def _expected_counts(sources: str, rel: str) -> dict[str, int] | None:
    row = next((ln for ln in sources.splitlines() if ln.startswith(f"| {rel} |")), None)
    if row is None:
        return None
    m = re.search(r"(?:sets|messages) ((?:[A-Z0-9]+ x\d+(?:, )?)+)", row.rsplit("[", 1)[-1])
    if m is None:
        return None
    return {k: int(v) for k, v in re.findall(r"([A-Z0-9]+) x(\d+)", m.group(1))}


def _files(folder: str) -> list[str]:
    root = CORPUS / folder
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.suffix != ".json")


def _errors_or_fatal(parse, path: Path) -> tuple[list, list[EdiError]]:  # type: ignore[no-untyped-def]
    try:
        ics = list(parse(path))
    except EdiError as exc:
        return [], [exc]
    return ics, [e for ic in ics for e in ic.all_errors()]


def _codes(errs: list[EdiError]) -> set[tuple[str, str]]:
    return {(e.details.get("ack"), e.code) for e in errs}  # type: ignore[misc]


def _check_located(errs: list[EdiError]) -> None:
    for e in errs:
        assert e.segment and e.segment >= 1 and e.message and e.code, (e, e.segment, e.code)


@pytest.mark.parametrize("rel", [r for r in _files("x12") if not r.startswith("malformed/")] or ["-"])
def test_x12_well_formed(corpus: Path, rel: str) -> None:
    path = corpus / "x12" / rel
    ics, errs = _errors_or_fatal(x12.parse, path)
    expected = _expected_counts(_sources(), rel)
    got: dict[str, int] = {}
    for ic in ics:
        for g in ic.groups:
            for ts in g.sets:
                got[ts.id] = got.get(ts.id, 0) + 1
    if expected is not None:
        assert got == expected
    elif rel == "850/bots_850_ebcdic.x12":
        assert got == {"850": 1}
    else:
        assert got == {} and all(ic.ta1 for ic in ics)  # TA1-only interchanges
    if rel in X12_DEFECTS:
        assert X12_DEFECTS[rel] in _codes(errs)
        _check_located(errs)
    else:
        assert errs == []
        for ic in ics:  # supported sets map without error
            for _ in transactions.map_interchange(ic):
                pass


def _map_errors(ics: list[x12.Interchange]) -> list[EdiError]:
    out = []
    for ic in ics:
        for g in ic.groups:
            for ts in g.sets:
                if ts.id in transactions.SUPPORTED_SETS:
                    try:
                        transactions.map_set(ts)
                    except EdiError as exc:
                        out.append(exc)
    return out


@pytest.mark.parametrize("rel", [r for r in _files("x12/malformed") if not r.endswith(".997")] or ["-"])
def test_x12_malformed(corpus: Path, rel: str) -> None:
    path = corpus / "x12" / "malformed" / rel
    ics, errs = _errors_or_fatal(x12.parse, path)
    expected = _expected_counts(_sources(), f"malformed/{rel}")
    if expected is not None:
        assert sum(len(g.sets) for ic in ics for g in ic.groups) == sum(expected.values())
    if rel in X12_UPSTREAM_PASS:
        assert errs == []
        if "856" in rel:
            assert _map_errors(ics) and all(e.segment for e in _map_errors(ics))
        return
    assert X12_MALFORMED[rel] <= _codes(errs)
    _check_located(errs)
    with pytest.raises(EdiError):
        list(x12.read(path))
    for ic in ics:  # the 997 a partner receives rejects something and is itself valid X12
        text = acks.build_997(ic, when=WHEN)
        (ack,) = list(x12.read(text))
        statuses = [s.get(1) for g in ack.groups for ts in g.sets for s in ts.body if s.tag in ("AK5", "AK9")]
        assert "R" in statuses or "P" in statuses or "TA1*" in text


@pytest.mark.parametrize("rel", [r for r in _files("x12/malformed") if r.endswith(".expected.997")] or ["-"])
def test_x12_997_matches_reference(corpus: Path, rel: str) -> None:
    ref = list(x12.read(corpus / "x12" / "malformed" / rel))[0]
    source = corpus / "x12" / "malformed" / rel.replace(".expected.997", ".txt")
    mine = list(x12.read(acks.build_997(list(x12.parse(source))[0], when=WHEN)))[0]

    def summary(ic: x12.Interchange) -> list[tuple[str, ...]]:
        segs = [s for g in ic.groups for ts in g.sets for s in ts.body]
        return [
            (s.tag, s.get(1), s.get(2)) if s.tag == "AK5" else (s.tag, s.get(1))
            for s in segs
            if s.tag in ("AK2", "AK5", "AK9")
        ]

    assert summary(mine) == summary(ref)


@pytest.mark.parametrize("rel", [r for r in _files("edifact") if not r.startswith("malformed/")] or ["-"])
def test_edifact_well_formed(corpus: Path, rel: str) -> None:
    path = corpus / "edifact" / rel
    ics, errs = _errors_or_fatal(edifact.parse, path)
    expected = _expected_counts(_sources(), rel)
    got: dict[str, int] = {}
    for ic in ics:
        for m in ic.messages:
            got[m.type] = got.get(m.type, 0) + 1
    if expected is not None:
        assert got == expected
    if rel in EDIFACT_DEFECTS:
        assert EDIFACT_DEFECTS[rel] in _codes(errs)
        _check_located(errs)
    else:
        assert errs == [] and expected is not None


@pytest.mark.parametrize("rel", _files("edifact/malformed") or ["-"])
def test_edifact_malformed(corpus: Path, rel: str) -> None:
    path = corpus / "edifact" / "malformed" / rel
    ics, errs = _errors_or_fatal(edifact.parse, path)
    assert EDIFACT_MALFORMED[rel] <= _codes(errs)
    _check_located(errs)
    for ic in ics:
        contrl = acks.build_contrl(ic, when=WHEN)
        (ack,) = list(edifact.read(contrl))
        actions = [s.get(4) if s.tag == "UCI" else s.get(3) for s in ack.messages[0].body if s.tag in ("UCI", "UCM")]
        assert "4" in actions


def test_every_corpus_file_is_covered(corpus: Path) -> None:
    names = set(_files("x12")) | {f"malformed/{n}" for n in _files("x12/malformed")}
    for rel in list(X12_DEFECTS):
        assert rel in names, rel
    assert set(X12_MALFORMED) | X12_UPSTREAM_PASS == {r for r in _files("x12/malformed") if not r.endswith(".997")}
    assert set(EDIFACT_MALFORMED) == set(_files("edifact/malformed"))
    assert set(EDIFACT_DEFECTS) <= set(_files("edifact"))
