"""Paginators: turn one stream request into the sequence of response bodies, page by page.

Styles: ``none``, ``page`` (page number), ``offset`` (offset/limit), ``cursor`` (token in the
body), ``link_header`` (RFC 8288 ``rel="next"``) and ``next_url`` (URL in the body).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.rest.client import RestClient
from connectors.rest.config import StreamConfig
from hub.errors import ConfigError, SourceError

__all__ = ["dig", "pages", "records_of"]


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path (``""`` is the body itself); None when a step is missing."""
    value = body
    for step in [p for p in path.split(".") if p]:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


def records_of(body: Any, cfg: StreamConfig, stream: str, system: str) -> list[dict[str, Any]]:
    """The list of records in a page body, or a ConfigError naming the path and what was there."""
    found = dig(body, cfg.record_path)
    if not isinstance(found, list):
        keys = ", ".join(sorted(body)) if isinstance(body, dict) else type(body).__name__
        raise ConfigError(
            f"record_path {cfg.record_path!r} does not lead to a list in the response (top level: {keys})",
            system=system,
            stream=stream,
            field="record_path",
        )
    return found


def pages(client: RestClient, cfg: StreamConfig, stream: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Yield the records of each page in order until the API says there is no more."""
    p = cfg.pagination
    base = {**cfg.params, **params}

    def get(path_or_url: str, extra: dict[str, Any] | None) -> Any:
        response = client.request(cfg.method, path_or_url, params=extra, headers=cfg.headers or None, stream=stream)
        try:
            return response, response.json()
        except ValueError:
            raise SourceError(
                f"response is not JSON (content type {response.headers.get('Content-Type')!r})",
                system=client.system,
                stream=stream,
                status=response.status_code,
            ) from None

    page_no, offset, token, next_url = p.start_page, 0, None, None
    for _ in range(p.max_pages):
        query = dict(base)
        target = cfg.path
        if p.type == "page":
            query[p.page_param] = page_no
            if p.size_param:
                query[p.size_param] = p.page_size
        elif p.type == "offset":
            query[p.offset_param], query[p.limit_param] = offset, p.page_size
        elif p.type == "cursor":
            query[p.limit_param] = p.page_size
            if token:
                query[p.cursor_param] = token
        elif p.type == "link_header" and p.size_param:
            query[p.size_param] = p.page_size
        if next_url:  # link_header / next_url: the server's URL carries the whole query
            target, query = next_url, None
        response, body = get(target, query)
        rows = records_of(body, cfg, stream, client.system)
        yield rows
        if p.type == "none" or not rows:
            return
        if p.type == "page":
            page_no += 1
            if p.size_param and len(rows) < p.page_size:
                return
        elif p.type == "offset":
            offset += len(rows)
            if len(rows) < p.page_size:
                return
        elif p.type == "cursor":
            token = dig(body, p.cursor_path)
            if not token:
                return
        elif p.type == "link_header":
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return
        elif p.type == "next_url":
            next_url = dig(body, p.next_url_path)
            if not next_url:
                return
    raise SourceError(
        f"stopped after max_pages={p.max_pages} pages; the API kept offering more", system=client.system, stream=stream
    )
