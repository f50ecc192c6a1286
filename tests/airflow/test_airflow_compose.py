"""docker-compose.yml checked against what the Celery tier proves works (no Docker engine needed)."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from tests.helpers.channelco import ROOT

COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "airflow.env.example"
AIRFLOW_SERVICES = {
    "airflow-api-server": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery",
}
#: settings of testkit.airflow_stack that are per machine (paths, ports, generated secrets) or test-only
LOCAL_ONLY = {
    "AIRFLOW_HOME",
    "AIRFLOW__API__HOST",
    "AIRFLOW__API__PORT",
    "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL",
    "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK",
}
#: settings whose value must be the same in compose as in the tested stack
SAME_VALUE = {
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__CORE__LOAD_EXAMPLES",
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL",
    "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS",
}


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tested_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from testkit.airflow_stack import LocalStack, StackSettings

    stack = LocalStack(
        StackSettings(
            home=tmp_path_factory.mktemp("compose-home"),
            dags_folder=ROOT / "dags",
            metadata_url="postgresql+psycopg2://u@127.0.0.1:5432/x",
        )
    )
    return {k: v for k, v in stack.env.items() if k.startswith("AIRFLOW") and k not in LOCAL_ONLY}


def _env_example() -> dict[str, str]:
    out = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _command(service: dict) -> list[str]:  # type: ignore[type-arg]
    cmd = service["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else list(cmd)


def test_every_component_is_there_with_a_healthcheck(compose: dict) -> None:  # type: ignore[type-arg]
    services = compose["services"]
    assert set(AIRFLOW_SERVICES) | {"postgres", "redis", "airflow-init"} <= set(services)
    for name in set(AIRFLOW_SERVICES) | {"postgres", "redis"}:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    for name in AIRFLOW_SERVICES:
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"
        assert deps["airflow-init"]["condition"] == "service_completed_successfully"
        assert services[name]["env_file"] == ["deploy/airflow.env"]
        mounts = {re.sub(r"\$\{[^}]*\}", "HOST", v).split(":")[1] for v in services[name]["volumes"]}
        assert {"/opt/channelhub/dags", "/data/channelco", "/opt/airflow/logs"} <= mounts
    init = " ".join(_command(services["airflow-init"]))
    assert "airflow db migrate" in init and "python -m hub.airflow.pools" in init and "airflow pools import" in init


def test_commands_are_valid_airflow_cli_calls_as_run_by_the_celery_tier(compose: dict) -> None:  # type: ignore[type-arg]
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    for name, sub in AIRFLOW_SERVICES.items():
        cmd = _command(compose["services"][name])
        assert cmd[0] == sub, name
        parser.parse_args(cmd)  # exits (SystemExit) on an unknown sub-command or flag
        if sub in ("scheduler", "triggerer", "celery"):
            assert "--skip-serve-logs" in cmd, f"{name} would serve logs on every interface"
    worker = _command(compose["services"]["airflow-worker"])
    env = compose["x-airflow-common"]["environment"]
    assert worker[worker.index("-q") + 1] == env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"]
    api = _command(compose["services"]["airflow-api-server"])
    assert (
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
        == f"http://airflow-api-server:{api[api.index('--port') + 1]}/execution/"
    )
    assert compose["services"]["airflow-api-server"]["ports"] == ["127.0.0.1:8080:8080"]


def test_environment_covers_every_setting_of_the_tested_stack(compose: dict, tested_env: dict[str, str]) -> None:  # type: ignore[type-arg]
    env = {k: str(v) for k, v in compose["x-airflow-common"]["environment"].items()}
    example = _env_example()
    missing = sorted(k for k in tested_env if k not in env and k not in example)
    assert missing == [], f"settings the Celery tier needs but compose does not set: {missing}"
    for key in SAME_VALUE:
        assert env[key] == tested_env[key], key
    assert {"HUB_CONFIG", "CHANNELCO_DIR"} <= set(env) and "HUB_DATABASE_URL" in example
    # secrets only in the env file, never in the compose file
    for key in (
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "POSTGRES_PASSWORD",
    ):
        assert key in example and key not in env, key
    assert not re.search(r"(?i)password\s*[:=]\s*\S", COMPOSE.read_text(encoding="utf-8").replace("PASSWORDS_FILE", ""))


def test_the_image_installs_the_project_with_its_airflow_extra() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "-c constraints.txt '.[airflow]'" in dockerfile and "COPY dags ./dags" in dockerfile
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]' in dockerfile
