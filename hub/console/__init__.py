"""The stewardship console: a server-rendered web app over the canonical store (``hub serve``)."""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    """Build the console's FastAPI app (see ``hub.console.app.create_app``)."""
    from hub.console.app import create_app as _create

    return _create(*args, **kwargs)
