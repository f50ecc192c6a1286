"""The hub configuration file: YAML validated with pydantic, ``${ENV}`` interpolation, secrets masked.

Example::

    store:
      url: sqlite:///var/hub.db          # HUB_DATABASE_URL overrides
    systems:
      crm:
        connector: csv
        config: {path: "${CHANNELCO_DIR}/crm", streams: {Account: {pattern: Account.csv, key: Id}}}
        mappings: ["../../mappings/channelco/crm/*.yaml"]
    pipelines:
      channelco:
        sources: [crm, drp]
        reconcile: reconcile.yaml

Relative paths resolve against the folder of the config file. ``${NAME}`` and
``${NAME:-default}`` are replaced from the environment before validation; a missing variable is
an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.alerts.config import AlertChannels
from hub.configfile import ConfigFile, config_error, read_config_file, validate_model
from hub.contracts.policy import ContractConfig, ContractSettings, GuardConfig, GuardSettings, effective
from hub.errors import ConfigError

__all__ = [
    "HubConfig",
    "SystemConfig",
    "PipelineConfig",
    "SourceRef",
    "load_config",
    "load_config_file",
    "mask_secrets",
    "SECRET_WORDS",
]

SECRET_WORDS = ("password", "secret", "token", "private_key", "api_key", "apikey", "passwd", "credential")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoreConfig(_Model):
    """Where the canonical store lives."""

    url: str | None = None


class SystemConfig(_Model):
    """One external system: which connector talks to it, its settings and its mapping files."""

    connector: str
    description: str = ""
    config: dict[str, Any] = Field(default_factory=dict)
    mappings: list[str] = Field(default_factory=list)
    #: names of secrets -> environment variables holding them (never the values themselves)
    secrets: dict[str, str] = Field(default_factory=dict)
    #: requests per second allowed towards this system (Airflow pools use it too)
    rate_limit: float | None = None
    #: what a change of the source's columns does (see hub.contracts.policy)
    contract: ContractConfig = Field(default_factory=ContractConfig)
    #: volume and null-rate guards of this system's streams
    guards: GuardConfig | None = None


class SourceRef(_Model):
    """A system read by a pipeline, optionally limited to some streams."""

    system: str
    streams: list[str] | None = None


class PipelineConfig(_Model):
    """One pipeline: the systems it reads, its reconciliation rules, push and report settings."""

    description: str = ""
    schedule: str | None = None
    sources: list[SourceRef]
    reconcile: str | None = None
    push: str | None = None
    report: str | None = None
    export_systems: list[str] | None = None
    retries: int = 2
    timeout_minutes: int = 120
    #: records per transaction in the map stage
    batch_size: int = Field(default=10_000, ge=1)
    #: processes the extract and reconcile stages may use (1 or 2): 1 keeps them in one process; unset,
    #: two where the machine has two cores (a helper reads streams ahead, and takes its share of the
    #: customers' order links and rules, and of the golden records)
    workers: int | None = Field(default=None, ge=1, le=2)

    @field_validator("sources", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"system": v} if isinstance(v, str) else v for v in value]
        return value


class HubConfig(_Model):
    """The whole configuration file."""

    version: int = 1
    store: StoreConfig = Field(default_factory=StoreConfig)
    systems: dict[str, SystemConfig]
    pipelines: dict[str, PipelineConfig] = Field(default_factory=dict)
    alerts: AlertChannels = Field(default_factory=list)
    #: guard defaults for every stream (systems and streams override them)
    guards: GuardConfig = Field(default_factory=GuardConfig)

    #: folder of the config file (set by load_config)
    base_dir: Path = Field(default=Path("."), exclude=True)
    path: Path | None = Field(default=None, exclude=True)

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    def resolve(self, relative: str | Path) -> Path:
        """A path from the config, resolved against the config file's folder."""
        p = Path(relative)
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def pipeline(self, name: str) -> PipelineConfig:
        """The named pipeline, or a ConfigError listing the configured ones."""
        if name not in self.pipelines:
            known = ", ".join(sorted(self.pipelines)) or "none"
            raise ConfigError(f"no pipeline {name!r} in the config; configured: {known}", file=str(self.path))
        return self.pipelines[name]

    def system(self, name: str) -> SystemConfig:
        """The named system, or a ConfigError listing the configured ones."""
        if name not in self.systems:
            raise ConfigError(
                f"no system {name!r} in the config; configured: {', '.join(sorted(self.systems))}", file=str(self.path)
            )
        return self.systems[name]

    def contract_settings(self, system: str, stream: str) -> ContractSettings:
        """The contract of one stream (system settings, then the stream's own)."""
        return effective(ContractSettings, self.system(system).contract, stream=stream)

    def guard_settings(self, system: str, stream: str) -> GuardSettings:
        """The guards of one stream (top-level defaults, then the system's, then the stream's own)."""
        return effective(GuardSettings, self.guards, self.system(system).guards, stream=stream)

    def mapping_files(self, system: str) -> list[Path]:
        """Every mapping file of ``system`` (globs expanded, sorted)."""
        files: list[Path] = []
        for pattern in self.system(system).mappings:
            resolved = self.resolve(pattern)
            matches = sorted(resolved.parent.glob(resolved.name)) if any(c in pattern for c in "*?[") else [resolved]
            if not matches or not all(m.exists() for m in matches):
                raise ConfigError(f"mapping files {pattern!r} of system {system!r} not found", file=str(self.path))
            files.extend(matches)
        return files


def load_config(path: str | Path) -> HubConfig:
    """Read, interpolate and validate a config file; every problem is reported at once with its line."""
    return load_config_file(path)[0]


def load_config_file(path: str | Path) -> tuple[HubConfig, ConfigFile]:
    """:func:`load_config` and the file as read (the line of every key, for later checks)."""
    path = Path(path)
    file = read_config_file(path, "config file")
    cfg = validate_model(HubConfig, file, "configuration")
    cfg.base_dir = path.resolve().parent
    cfg.path = path
    unknown = [
        file.problem(("pipelines", p, "sources", i), f"pipeline {p!r} reads unknown system {s.system!r}")
        for p, pc in cfg.pipelines.items()
        for i, s in enumerate(pc.sources)
        if s.system not in cfg.systems
    ]
    if unknown:
        raise config_error(ConfigError, "configuration", unknown, file.source)
    return cfg, file


def mask_secrets(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with every secret-looking entry replaced by ``'***'``."""
    if isinstance(value, dict):
        return {k: mask_secrets(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, key) for v in value]
    if key and any(word in key.lower() for word in SECRET_WORDS) and value not in (None, ""):
        return "***"
    return value
