"""Fixtures that build (once, cached), start and stop the real Tryton and django-crm servers for a test session.

The first use builds the venvs and seeded templates under ``.cache/realsys/`` (several minutes);
later sessions only copy the templates and start the servers (a few seconds). Set
``REALSYS_SKIP=1`` to skip the live tests instead of building.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import realsys_harness as harness


def _skip_requested() -> None:
    if os.environ.get("REALSYS_SKIP", "").strip() not in ("", "0"):
        pytest.skip("REALSYS_SKIP is set: live Tryton/django-crm tests skipped")


@pytest.fixture(scope="session")
def tryton_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.ServerInfo]:
    """A trytond on 127.0.0.1 serving a fresh copy of the seeded ChannelCo template."""
    _skip_requested()
    try:
        template = harness.tryton_template()
    except harness.NoInterpreter as exc:
        pytest.skip(f"Tryton needs Python 3.11: {exc}")
    instance: Path = tmp_path_factory.mktemp("tryton")
    # throttle after one failed login so the 429 test does not wait out Tryton's growing delays
    info = harness.start_tryton(instance, template=template, extra_env={"TRYTOND_SESSION__MAX_ATTEMPT": "1"})
    try:
        yield info
    finally:
        harness.stop_pid(Path(info.pidfile))


@pytest.fixture(scope="session")
def djangocrm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[harness.ServerInfo]:
    """A django-crm runserver on 127.0.0.1 serving a fresh copy of the seeded ChannelCo template."""
    _skip_requested()
    try:
        template = harness.djangocrm_template()
    except harness.NoInterpreter as exc:
        pytest.skip(f"django-crm 1.35 needs Python >= 3.12 and none was found (pyenv or PATH): {exc}")
    instance: Path = tmp_path_factory.mktemp("djangocrm")
    info = harness.start_djangocrm(instance, template=template)
    try:
        yield info
    finally:
        harness.stop_pid(Path(info.pidfile))


@pytest.fixture(scope="session")
def tryton_meta(tryton_server: harness.ServerInfo) -> dict:
    import json

    return json.loads((harness.tryton_template() / "meta.json").read_text())


@pytest.fixture(scope="session")
def djangocrm_meta(djangocrm_server: harness.ServerInfo) -> dict:
    import json

    return json.loads((harness.djangocrm_template() / "meta.json").read_text())
