"""Units of work shared with a helper process: in order, complete, and whatever becomes of the helper."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from hub.helper import shared_map, store_url
from hub.store.engine import make_engine

ITEMS = list(range(12))
SQUARES = [(x, x * x) for x in ITEMS]


def _unit(x: int) -> tuple[int, int, int]:
    """The unit's value, with the process that computed it (each unit takes a moment, so both get some)."""
    time.sleep(0.05)
    return x, x * x, os.getpid()


def _slow_unit(x: int) -> tuple[int, int, int]:
    time.sleep(0.15)  # 36 units: ~5 s in one process, longer than a helper takes to start on a busy machine
    return x, x * x, os.getpid()


def _flaky(main: int, mode: str, x: int) -> tuple[int, int, int]:
    """:func:`_unit`, except in a process other than ``main`` from unit 3 on (``mode``: how it goes wrong)."""
    if os.getpid() != main and x >= 3:
        if mode == "raise":
            raise RuntimeError("only in the helper")
        os._exit(9)  # killed mid-work: no message, no clean-up
    return _unit(x)


def _bad(x: int) -> tuple[int, int, int]:
    if x == 5:
        raise ValueError("unit 5 is wrong")
    return _unit(x)


@contextmanager
def _gives(fn: Callable[..., tuple[int, int, int]], *args: object) -> Iterator[Callable[[int], object]]:
    yield (lambda x: fn(*args, x)) if args else fn


@contextmanager
def _cannot_start() -> Iterator[Callable[[int], object]]:
    raise ConnectionError("no store for the helper")
    yield _unit  # pragma: no cover


def _values(results: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    return [r[:2] for r in results]


def _no_helper_left() -> bool:
    return not [p for p in multiprocessing.active_children() if p.name == "hub-helper"]


def test_units_come_back_in_order_and_the_helper_computes_some_of_them() -> None:
    stats: dict[str, int] = {}
    items = list(range(36))
    results = list(shared_map(items, _slow_unit, (_gives, (_slow_unit,)), workers=2, stats=stats))
    assert _values(results) == [(x, x * x) for x in items]
    pids = {r[2] for r in results}
    assert os.getpid() in pids and len(pids) == 2
    assert stats["helper"] == sum(r[2] != os.getpid() for r in results) > 0
    assert _no_helper_left()


def test_one_worker_keeps_everything_in_this_process() -> None:
    results = list(shared_map(ITEMS, _unit, (_gives, (_unit,)), workers=1))
    assert _values(results) == SQUARES
    assert {r[2] for r in results} == {os.getpid()}


@pytest.mark.parametrize("mode", ["raise", "exit"])
def test_units_a_helper_fails_or_dies_on_are_computed_here(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    items = list(range(36))  # slow units here: the helper surely starts and reaches one it fails on
    results = list(shared_map(items, _slow_unit, (_gives, (_flaky, os.getpid(), mode)), workers=2))
    assert _values(results) == [(x, x * x) for x in items]
    assert all(r[2] == os.getpid() for r in results if r[0] >= 3)
    assert "the helper process is gone" in caplog.text
    assert _no_helper_left()


def test_an_error_of_the_unit_itself_is_raised_here_with_its_type() -> None:
    got = []
    with pytest.raises(ValueError, match="unit 5 is wrong"):
        for r in shared_map(ITEMS, _bad, (_gives, (_bad,)), workers=2):
            got.append(r[0])
    assert got == [0, 1, 2, 3, 4]
    assert _no_helper_left()


def test_a_helper_that_cannot_set_up_leaves_everything_to_this_process() -> None:
    results = list(shared_map(ITEMS, _unit, (_cannot_start, ()), workers=2))
    assert _values(results) == SQUARES
    assert {r[2] for r in results} == {os.getpid()}


def test_a_helper_that_cannot_be_given_its_work_leaves_everything_to_this_process() -> None:
    unpicklable = (_gives, (lambda x: _unit(x),))  # a lambda does not pickle
    results = list(shared_map(ITEMS, _unit, unpicklable, workers=2))  # type: ignore[arg-type]
    assert _values(results) == SQUARES
    assert {r[2] for r in results} == {os.getpid()}


def test_a_consumer_that_stops_early_stops_the_helper() -> None:
    for r in shared_map(ITEMS, _unit, (_gives, (_unit,)), workers=2):
        if r[0] == 2:
            break
    assert _no_helper_left()


def test_a_single_unit_needs_no_helper() -> None:
    assert [r[2] for r in shared_map([1], _unit, (_gives, (_unit,)), workers=2)] == [os.getpid()]


def test_only_a_store_another_process_can_open_is_shared(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for url, shared in (
        (f"sqlite:///{tmp_path / 'hub.db'}", True),
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("postgresql+psycopg://u:pw@127.0.0.1:5432/db", True),
    ):
        engine = make_engine(url)
        with engine.connect() if url.startswith("sqlite") else _no_connection(engine) as conn:
            got = store_url(conn)
        assert (got is not None) is shared, url
        if got is not None:
            assert make_engine(got).url == engine.url  # the helper opens the same store, password included
        engine.dispose()


@contextmanager
def _no_connection(engine):  # type: ignore[no-untyped-def]
    yield type("C", (), {"engine": engine})()
