"""A test connector plugin: stream ``accounts`` yields one good batch, then the source rejects record ACC-17.

It also reports the secrets it was given (names only) so tests can check where they came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.connector import Batch, Change, Check, ConnectorContext, Record, StreamInfo, WriteResult
from hub.errors import ServerError
from hub.hookspecs import hookimpl

KIND = "hubtest_failing"
SEEN_SECRETS: list[dict[str, str]] = []


class FailingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fail: bool = True


class FailingConnector:
    def __init__(self, config: FailingConfig, context: ConnectorContext) -> None:
        self.config = config
        self.context = context
        SEEN_SECRETS.append(dict(context.secrets))

    def check(self) -> list[Check]:
        return [Check("always", True, "")]

    def discover(self) -> list[StreamInfo]:
        return [StreamInfo("accounts", ("id",))]

    def read(self, stream: str, state: dict[str, Any] | None) -> Iterator[Batch]:
        yield Batch([Record(stream, "ACC-1", {"id": "ACC-1"})], {"page": 1})
        if self.config.fail:
            raise ServerError(
                "the server rejected the record",
                system=self.context.system,
                stream=stream,
                external_id="ACC-17",
                status=500,
            )
        yield Batch([Record(stream, "ACC-2", {"id": "ACC-2"})], {"page": 2}, final=True)

    def write(self, stream: str, changes: Iterable[Change]) -> Iterator[WriteResult]:
        raise NotImplementedError("read-only test connector")

    def close(self) -> None:
        return None


@hookimpl
def register_connectors(register: Any) -> None:
    register(KIND, FailingConfig, FailingConnector, description="test connector that fails mid-stream")
