"""Reconciled reports for business users: sections computed from the store, rendered to HTML, XLSX and CSV, e-mailed.

Public API::

    from hub.report import load_report_config, make_scope, build_report, write_report, deliver

    cfg = load_report_config("examples/channelco/report.yaml")
    delivery = write_report(engine, cfg, Path("out"), run="latest")     # files via the registered renderers
    deliver(engine, cfg, Path("out"), run="latest")                     # per-audience files + e-mail

Renderers are plugins (``register_renderers`` hook); the built-in html/xlsx/csv ones live in
:mod:`hub.report.renderers`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "Report",
    "Section",
    "Scope",
    "ReportConfig",
    "load_report_config",
    "make_scope",
    "build_report",
    "write_report",
    "deliver",
    "Delivery",
]

_WHERE = {
    "Report": "hub.report.model",
    "Section": "hub.report.model",
    "Scope": "hub.report.model",
    "ReportConfig": "hub.report.config",
    "load_report_config": "hub.report.config",
    "make_scope": "hub.report.build",
    "build_report": "hub.report.build",
    "write_report": "hub.report.service",
    "deliver": "hub.report.service",
    "Delivery": "hub.report.service",
}


def __getattr__(name: str) -> Any:  # lazy: importing hub.report stays cheap (Airflow DAG parsing)
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'hub.report' has no attribute {name!r}")
