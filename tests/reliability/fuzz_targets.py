"""Fuzz targets shared by the fuzz tests and ``bench/fuzz.py``: input strategies and one feed per connector.

Each target turns a generated case into files in a fresh folder and reads them through the real
connector's ``read()`` to the end (archiving as the extract stage would). The outcome is ``ok``,
``hub`` (a HubError came out, raised or as a Record's error) or ``untyped`` (anything else).
"""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from connectors.csv.config import CsvConfig
from connectors.csv.streams import CsvConnector
from connectors.edi import edifact, transactions, transactions_edifact, x12
from connectors.edi.config import EdiConfig
from connectors.edi.streams import STREAMS, EdiConnector
from hub.connector import ConnectorContext
from hub.errors import HubError

__all__ = ["TARGETS", "Outcome", "feed"]

WHEN = datetime(2025, 1, 1)


@dataclass(frozen=True)
class Outcome:
    """What one input did: ``ok``, ``hub`` or ``untyped`` (with the offending exception)."""

    kind: str
    error: BaseException | None = None


# -- mutation of bytes ----------------------------------------------------------------------------
_NASTY = [
    b"\x00",
    b"\xff",
    b"\xfe\xff",
    b"\r",
    b"\n",
    b"\r\x00\n",
    b'"',
    b"'",
    b",",
    b";",
    b"\t",
    b"~",
    b"*",
    b"+",
    b":",
    b"?",
    b"ISA",
    b"UNA",
    b"UNB",
    b"IEA",
    b"\xef\xbb\xbf",
    b"\x1f\x8b",
    b"PK\x03\x04",
    b"\xe4\xb8\xad",
]
MUTATIONS = st.lists(
    st.tuples(st.integers(0, 1 << 20), st.sampled_from(["del", "ins", "rep", "cut", "dup"]), st.sampled_from(_NASTY)),
    max_size=5,
)


def mutate(data: bytes, mutations: list[tuple[int, str, bytes]]) -> bytes:
    """``data`` with bytes deleted, inserted, replaced, cut off or a slice repeated."""
    for pos, op, chunk in mutations:
        i = pos % (len(data) + 1)
        if op == "del":
            data = data[:i] + data[i + len(chunk) :]
        elif op == "ins":
            data = data[:i] + chunk + data[i:]
        elif op == "rep":
            data = data[:i] + chunk + data[i + len(chunk) :]
        elif op == "cut":
            data = data[:i]
        else:
            data = data[:i] + data[i : i + 64] * 3 + data[i + 64 :]
    return data


# -- CSV ------------------------------------------------------------------------------------------
_FIELD = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="ab,;\"'\r\n\t\x00 中文é\\", max_size=12),
    st.sampled_from(["", " ", '"', '""', "=1+2", "-", "\x00", "\r\n", "a\nb", "\ufeff", "NUL\x00END"]),
)
_NAME = st.sampled_from(["id", "name", "code", "客户编码", "金额", "", "id ", "Name", "x\x00"])
_ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1", "cp1252", "shift_jis"]


@st.composite
def csv_case(draw: Any) -> dict[str, Any]:
    # mostly unique headers, so the rows behind them get explored too
    header = draw(
        st.one_of(st.lists(_NAME, min_size=1, max_size=6, unique=True), st.lists(_NAME, min_size=1, max_size=6))
    )
    width = len(header)
    rows = draw(st.lists(st.lists(_FIELD, min_size=max(0, width - 1), max_size=width + 1), max_size=12))
    if draw(st.booleans()) and rows:
        rows[0][0:1] = ["H" * draw(st.integers(1000, 200_000))]  # a huge field
    dialect = {
        "delimiter": draw(st.sampled_from([",", ";", "\t", "|"])),
        "quotechar": draw(st.sampled_from(['"', "'"])),
        "escapechar": draw(st.sampled_from([None, "\\"])),
        "doublequote": draw(st.booleans()),
    }
    written_in = draw(st.sampled_from(_ENCODINGS))
    declared = draw(st.one_of(st.just(written_in), st.sampled_from(_ENCODINGS)))
    sep = dialect["delimiter"]
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    q = dialect["quotechar"]

    def cell(v: str) -> str:
        if draw(st.booleans()):
            return q + v.replace(q, q + q) + q
        return v

    text = newline.join(sep.join(cell(v) for v in r) for r in [header, *rows]) + newline
    data = text.encode(written_in, errors="replace")
    data = mutate(data, draw(MUTATIONS))
    name = draw(st.sampled_from(["a.csv", "b.csv", "c.csv.gz"]))
    if name.endswith(".gz") or draw(st.integers(0, 20)) == 0:
        data = gzip.compress(data)
        if draw(st.booleans()):
            data = mutate(data, draw(MUTATIONS))
    aliases = draw(st.dictionaries(st.sampled_from(["id", "name", "name#2", "id#2", "code"]), _NAME, max_size=2))
    key = draw(
        st.one_of(st.sampled_from(header), st.just("id"), st.lists(st.sampled_from(header), min_size=1, max_size=2))
    )
    return {"name": name, "data": data, "declared": declared, "dialect": dialect, "aliases": aliases, "key": key}


def feed_csv(case: dict[str, Any], root: Path) -> list[Any]:
    (root / "in").mkdir()
    (root / "in" / case["name"]).write_bytes(case["data"])
    settings = {
        "path": "in",
        "encoding": case["declared"],
        "dialect": case["dialect"],
        "processed": "done",
        "failed": "bad",
        "batch_size": 3,
        "streams": {"s": {"pattern": "*.csv*", "key": case["key"], "header_aliases": case["aliases"]}},
    }
    conn = CsvConnector(CsvConfig.model_validate(settings), ConnectorContext(system="fuzz", base_dir=str(root)))
    conn.discover()
    return _drain(conn, "s")


# -- X12 ------------------------------------------------------------------------------------------
_VALUE = st.text(alphabet="ABC019 .-:", min_size=0, max_size=6)
_X12_SEGMENT = st.tuples(
    st.sampled_from(
        [
            "BEG",
            "PO1",
            "N1",
            "LIN",
            "QTY",
            "DTM",
            "BIA",
            "RMR",
            "TRN",
            "BPR",
            "CTT",
            "BIG",
            "IT1",
            "BSN",
            "HL",
            "SN1",
            "AMT",
            "TDS",
            "BAK",
            "ACK",
        ]
    ),
    st.lists(_VALUE, max_size=8),
)
_ORDER = {
    "order_number": "PO1",
    "external_id": "INV1",
    "order_date": "2025-04-06",
    "party_ref": "M1",
    "amount": "7.00",
    "currency": "CNY",
    "invoice_number": "INV1",
    "invoice_date": "2025-04-07",
    "shipment_id": "SH1",
    "ship_date": "2025-04-08",
}
_LINE = {"line_no": 1, "sku": "S1", "quantity": "2", "unit_price": "3.50"}


@st.composite
def x12_case(draw: Any) -> dict[str, Any]:
    parts: list[str] = []
    for n in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            set_id = draw(st.sampled_from(transactions.OUTBOUND_SETS))
            lines = [
                {**_LINE, "line_no": i + 1, "quantity": draw(st.sampled_from(["2", "-1", "0", "1000", "0.5"]))}
                for i in range(draw(st.integers(0, 3)))
            ]
            parts.append(
                transactions.render_outbound(
                    set_id,
                    [(_ORDER, lines)],
                    sender="R1",
                    receiver="HUB",
                    control=n + draw(st.integers(1, 3)),
                    when=WHEN,
                )
            )
        else:
            delims = draw(
                st.sampled_from(
                    [
                        x12.Delimiters("*", ":", "~"),
                        x12.Delimiters("|", ">", "\n"),
                        x12.Delimiters("~", "^", "*"),
                        x12.Delimiters("+", ":", "'"),
                    ]
                )
            )
            w = x12.X12Writer("FUZZ", "HUB", n + 1, when=WHEN, delimiters=delims, newline=draw(st.booleans()))
            for k, (set_id, segs) in enumerate(
                draw(
                    st.lists(
                        st.tuples(st.sampled_from(list(STREAMS)[:7] + ["999"]), st.lists(_X12_SEGMENT, max_size=6)),
                        min_size=1,
                        max_size=3,
                    )
                ),
                1,
            ):
                clean = [
                    (
                        tag,
                        *[
                            v.replace(delims.element, "").replace(delims.segment, "").replace(delims.component, "")
                            for v in vals
                        ],
                    )
                    for tag, vals in segs
                ]
                w.add_set(set_id, f"{k:04d}", clean)
            parts.append(w.render())
    data = mutate("".join(parts).encode("utf-8"), draw(MUTATIONS))
    folder = draw(st.sampled_from(["", "850/", "846/", "x/"]))
    stream = draw(st.sampled_from([s for s in STREAMS if s.isdigit()]))
    return {
        "name": folder + draw(st.sampled_from(["850_1.x12", "in.edi", "846_2.txt"])),
        "data": data,
        "stream": stream,
    }


# -- EDIFACT --------------------------------------------------------------------------------------
_EDI_SEGMENT = st.tuples(
    st.sampled_from(
        ["BGM", "DTM", "NAD", "LIN", "QTY", "PRI", "MOA", "RFF", "DOC", "IMD", "UNS", "FTX", "INV", "CPS", "PAC", "PIA"]
    ),
    st.lists(st.lists(st.text(alphabet="AB01 .:+'?*", max_size=5), min_size=1, max_size=3), max_size=5),
)


@st.composite
def edifact_case(draw: Any) -> dict[str, Any]:
    if draw(st.booleans()):
        mtype = draw(st.sampled_from(transactions_edifact.OUTBOUND_MESSAGES))
        lines = [{**_LINE, "line_no": i + 1} for i in range(draw(st.integers(0, 3)))]
        text = transactions_edifact.render_outbound(
            mtype, [(_ORDER, lines)], sender="R1", receiver="HUB", control=str(draw(st.integers(1, 99))), when=WHEN
        )
    else:
        w = edifact.EdifactWriter(
            "FUZZ",
            "HUB",
            str(draw(st.integers(1, 99))),
            when=WHEN,
            syntax=draw(st.sampled_from(["UNOA", "UNOC", "UNOW", "UNOY"])),
            una=draw(st.booleans()),
            newline=draw(st.booleans()),
        )
        messages = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(["ORDERS", "INVOIC", "DESADV", "ORDRSP", "INVRPT", "REMADV"]),
                    st.lists(_EDI_SEGMENT, max_size=6),
                ),
                min_size=1,
                max_size=3,
            )
        )
        for n, (mtype, segs) in enumerate(messages, 1):
            w.add_message(mtype, str(n), [(tag, *[tuple(c) for c in els]) for tag, els in segs])
        text = w.render()
    if draw(st.integers(0, 4)) == 0 and text.startswith("UNA"):  # a UNA of its own, sane or not
        service = "".join(draw(st.lists(st.sampled_from(list(":+.? '*|")), min_size=6, max_size=6)))
        text = "UNA" + service + text[9:]
    data = mutate(text.encode(draw(st.sampled_from(["utf-8", "latin-1"])), errors="replace"), draw(MUTATIONS))
    stream = draw(st.sampled_from([s for s in STREAMS if not s.isdigit()]))
    return {"name": draw(st.sampled_from(["ORDERS_1.edi", "x/in.edi", "INVOIC/1.edi"])), "data": data, "stream": stream}


def feed_edi(case: dict[str, Any], root: Path) -> list[Any]:
    path = root / "in" / case["name"]
    path.parent.mkdir(parents=True)
    path.write_bytes(case["data"])
    cfg = EdiConfig(inbound="in", outbound="out", processed="done", failed="bad", batch_size=2)  # type: ignore[call-arg]
    return _drain(EdiConnector(cfg, ConnectorContext(system="fuzz", base_dir=str(root))), case["stream"])


# -- running --------------------------------------------------------------------------------------
def _drain(conn: Any, stream: str) -> list[Any]:
    records = []
    for batch in conn.read(stream, None):
        records.extend(batch.records)
        for action in batch.on_commit:
            action()
    conn.close()
    return records


def feed(run: Callable[[dict[str, Any], Path], list[Any]], case: dict[str, Any]) -> Outcome:
    """Run one case in a fresh folder and classify what came out."""
    with tempfile.TemporaryDirectory(prefix="hub-fuzz-") as tmp:
        try:
            records = run(case, Path(tmp))
        except HubError:
            return Outcome("hub")
        except Exception as exc:  # the very thing the fuzzing looks for
            return Outcome("untyped", exc)
    bad = next((r.error for r in records if r.error is not None and not isinstance(r.error, HubError)), None)
    if bad is not None:
        return Outcome("untyped", bad)
    return Outcome("hub" if any(r.error is not None for r in records) else "ok")


#: name -> (strategy, feed function)
TARGETS: dict[str, tuple[Any, Callable[[dict[str, Any], Path], list[Any]]]] = {
    "csv": (csv_case(), feed_csv),
    "x12": (x12_case(), feed_edi),
    "edifact": (edifact_case(), feed_edi),
}
