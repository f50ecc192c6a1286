"""Fuzzing both readers (plus mapping and acknowledgments): generated and mutated input only ever raises hub errors."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.edi import acks, edifact, transactions, transactions_edifact, x12
from hub.errors import HubError

WHEN = datetime(2025, 1, 1)
VALUE = st.text(alphabet="ABC019 .-:", min_size=0, max_size=6)
SEGMENT = st.tuples(
    st.sampled_from(["BEG", "PO1", "N1", "LIN", "QTY", "DTM", "BIA", "RMR", "TRN", "BPR", "CTT", "X1"]),
    st.lists(VALUE, max_size=6),
)
SETS = st.lists(
    st.tuples(st.sampled_from(["850", "846", "820", "855", "856", "810", "997", "999"]), st.lists(SEGMENT, max_size=6)),
    min_size=1,
    max_size=3,
)
X12_DELIMS = st.sampled_from(
    [
        x12.Delimiters("*", ":", "~"),
        x12.Delimiters("|", ">", "\n"),
        x12.Delimiters("~", "^", "*"),
        x12.Delimiters("+", ":", "'"),
    ]
)
MUTATION = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        st.sampled_from(["del", "ins", "rep", "cut"]),
        st.sampled_from(list("*~:|+'?\n\r ISAGEUNZ\x00\xff9")),
    ),
    max_size=4,
)


def _mutate(text: str, mutations: list[tuple[int, str, str]]) -> str:
    for pos, op, ch in mutations:
        i = pos % (len(text) + 1)
        if op == "del":
            text = text[:i] + text[i + 1 :]
        elif op == "ins":
            text = text[:i] + ch + text[i:]
        elif op == "rep":
            text = text[:i] + ch + text[i + 1 :]
        else:
            text = text[:i]
    return text


def _x12_text(sets: list, delims: x12.Delimiters) -> str:
    w = x12.X12Writer("FUZZ", "HUB", 1, when=WHEN, delimiters=delims, newline=False)
    for n, (set_id, segs) in enumerate(sets, 1):
        clean = [
            (tag, *[v.replace(delims.element, "").replace(delims.segment, "") for v in vals]) for tag, vals in segs
        ]
        w.add_set(set_id, f"{n:04d}", clean)
    return w.render()


def _exercise_x12(data: str | bytes) -> None:
    for ic in x12.parse(data):
        acks.build_997(ic, when=WHEN)
        for g in ic.groups:
            for ts in g.sets:
                if ts.accepted and ts.id in transactions.SUPPORTED_SETS and ts.body:
                    transactions.map_set(ts)


def _exercise_edifact(data: str | bytes) -> None:
    for ic in edifact.parse(data):
        acks.build_contrl(ic, when=WHEN)
        for m in ic.messages:
            if m.accepted and m.type in transactions_edifact.SUPPORTED_MESSAGES:
                transactions_edifact.map_message(m, ic.delimiters)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(SETS, X12_DELIMS, MUTATION, st.booleans())
def test_x12_reader_raises_only_hub_errors(sets: list, delims: x12.Delimiters, mutations: list, as_bytes: bool) -> None:
    text = _mutate(_x12_text(sets, delims), mutations)
    try:
        _exercise_x12(text.encode("utf-8", "surrogatepass") if as_bytes else text)
    except HubError:
        pass


EDI_SEG = st.tuples(
    st.sampled_from(["BGM", "DTM", "NAD", "LIN", "QTY", "PRI", "MOA", "RFF", "DOC", "IMD", "UNS", "FTX"]),
    st.lists(st.lists(st.text(alphabet="AB01 .:+'?*", max_size=5), min_size=1, max_size=3), max_size=5),
)
MESSAGES = st.lists(
    st.tuples(
        st.sampled_from(["ORDERS", "INVOIC", "DESADV", "ORDRSP", "INVRPT", "REMADV", "APERAK"]),
        st.lists(EDI_SEG, max_size=6),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(MESSAGES, st.sampled_from(["UNOA", "UNOC", "UNOW", "UNOY"]), st.booleans(), MUTATION)
def test_edifact_reader_raises_only_hub_errors(messages: list, syntax: str, una: bool, mutations: list) -> None:
    w = edifact.EdifactWriter("FUZZ", "HUB", "1", when=WHEN, syntax=syntax, una=una, newline=False)
    for n, (mtype, segs) in enumerate(messages, 1):
        w.add_message(mtype, str(n), [(tag, *[tuple(c) for c in els]) for tag, els in segs])
    text = w.render()
    # escaped writer output must read back cleanly before mutation
    (ic,) = list(edifact.parse(text, validate_messages=False))
    assert [m.type for m in ic.messages] == [m for m, _ in messages]
    try:
        _exercise_edifact(_mutate(text, mutations))
    except HubError:
        pass
