"""Every red or held run reaches a person: appending a webhook to hub.yaml makes failed and held runs POST."""

from __future__ import annotations

from tests.helpers.example import Example


def _with_webhook(example: Example, url: str) -> None:
    with example.config.open("a", encoding="utf-8") as fh:
        fh.write(f"\nalerts: [{{kind: webhook, url: {url}}}]\n")


def test_a_failed_run_posts_a_body_naming_the_pipeline(example: Example, webhook: list[dict]) -> None:  # type: ignore[type-arg]
    _with_webhook(example, webhook.url)  # type: ignore[attr-defined]
    rows = example.read_rows("drp/customers.csv")
    rows[0] = ["联系电话" if c == "电话" else c for c in rows[0]]
    example.write_rows("drp/customers.csv", rows)
    res = example.hub("run", "channelco")
    assert res.returncode == 1
    failed = [b for b in webhook if b.get("event") == "run_failed"]
    assert failed and failed[0]["pipeline"] == "channelco" and "电话" in failed[0]["text"]


def test_a_held_run_posts_run_held(example: Example, webhook: list[dict]) -> None:  # type: ignore[type-arg]
    _with_webhook(example, webhook.url)  # type: ignore[attr-defined]
    rows = example.read_rows("drp/invoices.csv")
    example.write_rows("drp/invoices.csv", rows[:1])
    assert example.hub("run", "channelco").returncode == 3
    held = [b for b in webhook if b.get("event") == "run_held"]
    assert held and held[0]["pipeline"] == "channelco" and "invoices" in held[0]["text"]


def test_a_config_mistake_found_before_the_run_still_alerts(example: Example, webhook: list[dict]) -> None:  # type: ignore[type-arg]
    _with_webhook(example, webhook.url)  # type: ignore[attr-defined]
    example.edit_mapping("crm.yaml", "stream: Contact\n", "stream: Contacts\n")
    res = example.hub("run", "channelco")
    assert res.returncode == 2 and "Contacts" in res.stderr
    assert [b for b in webhook if b.get("event") == "run_failed" and b.get("pipeline") == "channelco"]


def test_an_unreachable_store_still_alerts(example: Example, webhook: list[dict]) -> None:  # type: ignore[type-arg]
    _with_webhook(example, webhook.url)  # type: ignore[attr-defined]
    example.url = "postgresql://hub@127.0.0.1:1/nowhere"
    res = example.hub("run", "channelco")
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert [b for b in webhook if b.get("event") == "run_failed" and b.get("pipeline") == "channelco"]
