"""SOAP connector against the DRP SOAP test server: conformance, paging, cursors, writes, faults, auth, hardening."""

from __future__ import annotations

import copy
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from conformance import ConnectorConformance, read_all

from connectors.soap import SoapConfig, build_connector
from connectors.soap.connector import SoapConnector
from connectors.soap.errors import WsdlError, WsdlImportRefused
from hub.connector import Change, ConnectorContext
from hub.errors import AuthError, ClientError, ConfigError, DiscoveryError, MappingError, ServerError, TransientError
from testkit.servers.drpsoap import start_server
from testkit.servers.drpsoap.sample import write_sample_drp

DRP_YAML = Path(__file__).resolve().parents[2] / "testkit" / "servers" / "drpsoap" / "connector.yaml"
WSDL_FILE = DRP_YAML.parent / "drp.wsdl"


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_drp(tmp_path_factory.mktemp("drp"))


@pytest.fixture
def server(seed: Path):
    handle = start_server(seed_dir=seed)
    yield handle
    handle.stop()


def drp_config(handle: Any, **overrides: Any) -> dict[str, Any]:
    cfg = yaml.safe_load(DRP_YAML.read_text(encoding="utf-8"))
    cfg.update(wsdl=handle.wsdl_url, max_attempts=3, backoff=0.01, timeout=5, cache="none")
    cfg.update(overrides)
    return cfg


def connect(handle: Any, secrets: dict[str, str] | None = None, **overrides: Any) -> SoapConnector:
    model = SoapConfig.model_validate(drp_config(handle, **overrides))
    return build_connector(model, ConnectorContext(system="drp", base_dir=".", secrets=secrets or {}))


def raw_config(handle: Any, stream: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """A config reading element names as they are (no CSV renaming)."""
    cfg = {
        "wsdl": handle.wsdl_url,
        "max_attempts": 3,
        "backoff": 0.01,
        "timeout": 5,
        "cache": "none",
        "streams": {"s": stream},
    }
    cfg.update(overrides)
    return cfg


# --- shared conformance suite --------------------------------------------------------------------
class TestSoapConformance(ConnectorConformance):
    readable_stream = "customers"
    writable_stream = "customers"

    @pytest.fixture
    def conformance_server(self, seed: Path):
        handle = start_server(seed_dir=seed)
        yield handle
        handle.stop()

    def make_connector(self, server: Any, **overrides: Any) -> SoapConnector:
        return connect(server, **overrides)

    def config_model(self) -> type[SoapConfig]:
        return SoapConfig

    def valid_config(self, server: Any) -> dict[str, Any]:
        return drp_config(server)

    def invalid_configs(self, server: Any) -> list[dict[str, Any]]:
        good = drp_config(server)
        no_key = copy.deepcopy(good)
        no_key["streams"]["customers"]["key"] = []
        both = copy.deepcopy(good)
        both["streams"]["customers"]["paging"]["token"] = {"param": "t", "response_path": "t"}
        no_path = copy.deepcopy(good)
        del no_path["streams"]["customers"]["result_path"]
        return [
            {k: v for k, v in good.items() if k != "wsdl"},
            {**good, "streams": {}},
            no_key,
            both,
            no_path,
            {**good, "timeout": 0},
            {**good, "surprise": 1},
        ]

    def make_changes(self, server: Any) -> set[str]:
        server.store.update_credit_limit("C000003", Decimal("1.00"))
        server.store.update_credit_limit("C000007", Decimal("2.00"))
        return {"C000003", "C000007"}

    def fault(self, server: Any, status: int) -> None:
        server.inject("http", times=None, status=status)

    def write_changes(self, server: Any) -> tuple[list[Change], set[str]]:
        return (
            [
                Change(
                    "create", None, {"客户名称": "杭州新星贸易有限公司", "城市": "杭州", "信用额度": "5000.00"}, "k-new"
                ),
                Change("create", None, {"客户编码": "C000002", "客户名称": "重复编码"}, "k-dup"),
                Change("update", "C000004", {"信用额度": "88000.00"}, "k-upd"),
                Change("update", "C999999", {"信用额度": "1.00"}, "k-missing"),
            ],
            {"k-dup", "k-missing"},
        )


# --- reading --------------------------------------------------------------------------------------
def test_full_read_pages_by_page_number(server) -> None:
    conn = connect(server, streams={**drp_config(server)["streams"]})
    conn.config.streams["customers"].paging.page.size = 5
    try:
        records, batches = read_all(conn, "customers", None)
    finally:
        conn.close()
    assert len(records) == 24 and len(batches) == 5
    assert [b.final for b in batches] == [False] * 4 + [True]
    calls = server.calls("GetCustomers")
    assert len(calls) == 5 and all(c.status == 200 for c in calls)
    first = records[0].data
    assert first["客户编码"] == "C000001" and first["渠道级别"] == "总部" and first["上级客户编码"] == ""
    assert first["最后修改时间"] == "2025/01/01 08:00:00" and first["信用额度"] == "0.00"
    # intermediate batches keep the old (empty) cursor; the final one carries the new one
    assert all(b.state == {} for b in batches[:-1]) and batches[-1].state["cursor"] == "2025-01-24T08:02:00"
    assert batches[-1].state["cursor_keys"] == ["C000023", "C000024"]


def test_incremental_read_after_server_side_change(server) -> None:
    conn = connect(server)
    try:
        _, batches = read_all(conn, "customers", None)
        state = batches[-1].state
        assert read_all(conn, "customers", state)[0] == []
        assert conn.write("customers", [Change("update", "C000010", {"信用额度": "123456.00"}, "i1")]).__next__().ok
        records, batches2 = read_all(conn, "customers", state)
        assert [(r.key, r.data["信用额度"]) for r in records] == [("C000010", "123456.00")]
        assert batches2[-1].state["cursor"] > state["cursor"]
        sent = [c for c in server.calls("GetCustomers")][-1]
        assert sent.status == 200
    finally:
        conn.close()


def test_token_paging_and_exploded_lines(server) -> None:
    conn = connect(server)
    conn.config.streams["sales_orders"].paging.token.size = 10
    conn.config.streams["sales_order_lines"].paging.token.size = 10
    try:
        orders, batches = read_all(conn, "sales_orders", None)
        lines, _ = read_all(conn, "sales_order_lines", None)
    finally:
        conn.close()
    assert len(orders) == 46 and len(batches) == 5 and "lines" not in orders[0].data
    assert len(lines) == 92 and all(r.key.count("|") == 1 for r in lines)
    assert lines[0].data == {
        "订单号": orders[0].data["订单号"],
        "行号": "1",
        "物料编码": lines[0].data["物料编码"],
        "数量": lines[0].data["数量"],
        "单价": lines[0].data["单价"],
        "金额": lines[0].data["金额"],
    }
    assert len(server.calls("GetSalesOrders")) == 10


def test_date_window_paging_moves_cursor_per_window(server) -> None:
    stream = {
        "operation": "GetInvoices",
        "result_path": "invoices.invoice",
        "key": ["invoiceNo"],
        "paging": {
            "window": {
                "from_param": "fromDate",
                "to_param": "toDate",
                "start": "2025-04-01",
                "end": "2025-07-01",
                "days": 30,
            },
            "token": {
                "param": "continuationToken",
                "response_path": "continuationToken",
                "size_param": "pageSize",
                "size": 2,
            },
        },
    }
    conn = build_connector(SoapConfig.model_validate(raw_config(server, stream)), ConnectorContext("drp", "."))
    try:
        records, batches = read_all(conn, "s", None)
        expected = [r for r in server.store.rows("invoices") if date(2025, 4, 1) <= r["invoiceDate"] < date(2025, 7, 1)]
        assert sorted(r.key for r in records) == sorted(r["invoiceNo"] for r in expected)
        assert isinstance(records[0].data["amount"], str) and isinstance(records[0].data["invoiceDate"], str)
        window_states = [b.state.get("window_start") for b in batches if b.state]
        assert window_states[-1] == "2025-07-01" and window_states == sorted(window_states)
        assert batches[-1].final
        windows = {(c.operation) for c in server.calls("GetInvoices")}
        assert windows == {"GetInvoices"} and len(server.calls("GetInvoices")) >= 4
        again, _ = read_all(conn, "s", batches[-1].state)
        assert again == []
    finally:
        conn.close()


def test_inventory_of_one_warehouse_and_unknown_warehouse(server) -> None:
    stream = {
        "operation": "GetInventory",
        "request": {"warehouse": "W0002"},
        "result_path": "positions.position",
        "key": ["warehouseCode", "sku"],
        "paging": {"page": {"param": "page"}},
    }
    conn = build_connector(SoapConfig.model_validate(raw_config(server, stream)), ConnectorContext("drp", "."))
    try:
        records, _ = read_all(conn, "s", None)
        assert {r.data["warehouseCode"] for r in records} == {"W0002"} and len(records) == 3
        conn.config.streams["s"].request["warehouse"] = "W404"
        with pytest.raises(ClientError) as info:
            read_all(conn, "s", None)
        assert info.value.fault_code == "soap:Client" and "W404" in info.value.fault_string
        assert info.value.details["fault_detail"]["code"] == "DRP-1008" and info.value.field == "warehouse"
    finally:
        conn.close()


def test_discover_lists_wsdl_fields_and_check_reports(server) -> None:
    conn = connect(server)
    try:
        infos = {i.name: i for i in conn.discover()}
        assert infos["customers"].fields[:3] == ("客户编码", "客户名称", "统一社会信用代码")
        assert infos["customers"].cursor_field == "最后修改时间" and infos["customers"].writable
        assert infos["sales_order_lines"].key_fields == ("订单号", "行号")
        assert "lines" not in infos["sales_orders"].fields
        bad = connect(server, streams={"x": {"operation": "GetNothing", "result_path": "a", "key": ["k"]}})
        checks = {c.name: c for c in bad.check()}
        assert checks["wsdl"].ok and not checks["operations"].ok and "GetNothing" in checks["operations"].detail
        with pytest.raises(DiscoveryError):
            list(bad.read("x", None))
    finally:
        conn.close()


# --- writes ---------------------------------------------------------------------------------------
def test_writes_give_per_record_results(server) -> None:
    conn = connect(server)
    changes = [
        Change("create", None, {"客户名称": "苏州新星贸易有限公司", "信用额度": "1000.00", "电话": "0512-1234"}, "a"),
        Change("create", None, {"客户名称": "", "城市": "苏州"}, "b"),  # DRP refuses: name required
        Change("create", None, {"客户名称": "母公司不存在", "上级客户编码": "C424242"}, "c"),
        Change("update", "C000005", {"信用额度": "-5.00"}, "d"),  # negative limit
        Change("update", "C000005", {"信用额度": "77000.00"}, "e"),
        Change("delete", "C000005", {}, "f"),  # not configured
    ]
    try:
        results = list(conn.write("customers", changes))
    finally:
        conn.close()
    assert [r.idempotency_key for r in results] == list("abcdef")
    assert [r.ok for r in results] == [True, False, False, False, True, False]
    assert results[0].created and results[0].external_id == "C000025"
    assert server.store.get("customers", "C000025")["customerName"] == "苏州新星贸易有限公司"
    b, c, d = results[1].error, results[2].error, results[3].error
    assert isinstance(b, MappingError) or (
        isinstance(b, ClientError) and b.details["fault_detail"]["code"] == "DRP-1003"
    )
    assert isinstance(c, ClientError) and c.fault_code == "soap:Client" and "C424242" in c.fault_string
    assert isinstance(d, ClientError) and d.details["fault_detail"]["code"] == "DRP-1004"
    assert server.store.get("customers", "C000005")["creditLimit"] == Decimal("77000.00")
    assert isinstance(results[5].error, ClientError) and "delete" in str(results[5].error)


def test_create_with_idempotency_key_is_not_duplicated(server) -> None:
    conn = connect(server)
    change = Change("create", None, {"客户名称": "无锡重复测试有限公司"}, "same-key")
    try:
        first = next(conn.write("customers", [change]))
        second = next(conn.write("customers", [change]))
    finally:
        conn.close()
    assert first.ok and second.ok and first.external_id == second.external_id
    assert first.created and not second.created
    assert server.store.count("customers") == 25


def test_record_that_does_not_fit_the_wsdl_fails_alone(server) -> None:
    conn = connect(server)
    conn.config.streams["customers"].writes["create"].send_fields = None
    try:
        results = list(
            conn.write(
                "customers",
                [
                    Change("create", None, {"客户名称": "甲", "shoeSize": "42"}, "x"),
                    Change("create", None, {"客户名称": "乙"}, "y"),
                ],
            )
        )
    finally:
        conn.close()
    assert [r.ok for r in results] == [False, True]
    assert isinstance(results[0].error, MappingError)
    assert len(server.calls("CreateCustomer")) == 1  # the bad record never left the client


# --- faults and retries ---------------------------------------------------------------------------
def test_soap_server_fault_keeps_code_and_string_and_is_not_retried(server) -> None:
    conn = connect(server)
    server.inject("server_fault", "GetCustomers")
    try:
        with pytest.raises(ServerError) as info:
            read_all(conn, "customers", None)
    finally:
        conn.close()
    err = info.value
    assert err.fault_code == "soap:Server" and err.fault_string == "DRP database unavailable (injected)"
    assert err.details["fault_detail"]["code"] == "DRP-9000" and err.system == "drp" and err.stream == "customers"
    assert "soap:Server" in str(err) and len(server.calls("GetCustomers")) == 1


def test_client_fault_is_not_retried(server) -> None:
    conn = connect(server)
    try:
        result = next(conn.write("sales_orders", [Change("update", "SO-NOPE", {"状态": "已发货"}, "z")]))
    finally:
        conn.close()
    assert not result.ok and result.error.fault_code == "soap:Client"
    assert len(server.calls("UpdateOrderStatus")) == 1


def test_transport_errors_are_retried_and_survived(server) -> None:
    conn = connect(server, timeout=0.5)
    server.inject("http", "GetProducts", times=2, status=503)
    server.inject("slow", "GetSalespeople", seconds=1.5)
    try:
        products, _ = read_all(conn, "products", None)
        people, _ = read_all(conn, "salespeople", None)
    finally:
        conn.close()
    assert len(products) == 3 and len(people) == 3
    assert [c.status for c in server.calls("GetProducts")] == [503, 503, 200]
    deadline = time.monotonic() + 5  # the slow call is logged when its late answer is written
    while len(server.calls("GetSalespeople")) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(str(c.injected) for c in server.calls("GetSalespeople")) == ["None", "slow"]


def test_retries_give_up_with_a_transient_error(server) -> None:
    conn = connect(server, max_attempts=2)
    server.inject("http", "GetWarehouses", times=None, status=502)
    try:
        with pytest.raises(TransientError) as info:
            read_all(conn, "warehouses", None)
    finally:
        conn.close()
    assert info.value.status == 502 and len(server.calls("GetWarehouses")) == 2


def test_malformed_envelope_is_a_server_error(server) -> None:
    conn = connect(server)
    server.inject("malformed", "GetProducts")
    try:
        with pytest.raises(ServerError) as info:
            read_all(conn, "products", None)
    finally:
        conn.close()
    assert "malformed SOAP response" in str(info.value) and info.value.status == 200


def test_response_with_external_entity_is_refused(server) -> None:
    conn = connect(server)
    server.inject("xxe", "GetProducts")
    try:
        with pytest.raises(ServerError) as info:
            read_all(conn, "products", None)
    finally:
        conn.close()
    assert "DTDForbidden" in str(info.value)


# --- authentication -------------------------------------------------------------------------------
@pytest.mark.parametrize("digest", [True, False])
def test_ws_security_username_token_end_to_end(seed: Path, digest: bool) -> None:
    with start_server(seed_dir=seed, users={"hub": "p@ss-w0rd"}) as handle:
        conn = connect(
            handle, auth={"type": "wsse", "username": "hub", "digest": digest}, secrets={"password": "p@ss-w0rd"}
        )
        try:
            records, _ = read_all(conn, "products", None)
        finally:
            conn.close()
        assert len(records) == 3
        assert handle.calls("GetProducts")[-1].auth == ("wsse-digest" if digest else "wsse-text")
        wrong = connect(handle, auth={"type": "wsse", "username": "hub", "password": "nope"})
        try:
            with pytest.raises(AuthError) as info:
                read_all(wrong, "products", None)
        finally:
            wrong.close()
        assert info.value.details["fault_code"] == "wsse:FailedAuthentication"
        assert "nope" not in repr(wrong.config) and "nope" not in str(info.value)


def test_http_basic_auth_end_to_end(seed: Path) -> None:
    with start_server(seed_dir=seed, users={"hub": "pw"}, auth="basic") as handle:
        conn = connect(handle, auth={"type": "basic", "username": "hub", "password": "pw"})
        try:
            assert len(read_all(conn, "warehouses", None)[0]) == 2
        finally:
            conn.close()
        bad = connect(handle, auth={"type": "basic", "username": "hub", "password": "no"})
        try:
            with pytest.raises(AuthError) as info:
                read_all(bad, "warehouses", None)
        finally:
            bad.close()
        assert info.value.status == 401
        with pytest.raises(ConfigError):
            connect(handle, auth={"type": "basic", "username": "hub"})  # no password anywhere


# --- WSDL loading ---------------------------------------------------------------------------------
def test_wsdl_from_file_with_endpoint_and_cache(server, tmp_path: Path) -> None:
    conn = connect(server, wsdl=str(WSDL_FILE), endpoint=server.url)
    try:
        assert len(read_all(conn, "warehouses", None)[0]) == 2
    finally:
        conn.close()
    assert not [e for e in server.requests if e.method == "GET"]  # nothing fetched over HTTP
    cache = tmp_path / "zeep.sqlite"
    for _ in range(2):
        c = connect(server, cache="sqlite", cache_path=str(cache))
        try:
            c.discover()
        finally:
            c.close()
    assert [e.path for e in server.requests if e.method == "GET"] == ["/drp/drp.wsdl", "/drp/drp.xsd"]


def _write_wsdl(folder: Path, types: str, prolog: str = "") -> Path:
    text = WSDL_FILE.read_text(encoding="utf-8").split("?>", 1)[1]
    start, end = text.index("<wsdl:types>"), text.index("</wsdl:types>") + len("</wsdl:types>")
    path = folder / "svc.wsdl"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>' + prolog + text[:start] + types + text[end:], encoding="utf-8"
    )
    return path


def test_imports_outside_the_wsdl_folder_are_refused(server, tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (tmp_path / "drp.xsd").write_text((WSDL_FILE.parent / "drp.xsd").read_text(encoding="utf-8"), encoding="utf-8")
    types = (
        '<wsdl:types><xsd:schema targetNamespace="urn:x"><xsd:import namespace="urn:channelco:drp:soap:v1" '
        'schemaLocation="../drp.xsd"/></xsd:schema></wsdl:types>'
    )
    path = _write_wsdl(inner, types)
    with pytest.raises(WsdlImportRefused) as info:
        connect(server, wsdl=str(path), endpoint=server.url).discover()
    assert "outside the WSDL's folder" in str(info.value)
    remote = types.replace("../drp.xsd", server.base_url + "/drp/drp.xsd")
    path = _write_wsdl(inner, remote)
    with pytest.raises(WsdlImportRefused):
        connect(server, wsdl=str(path), endpoint=server.url).discover()
    assert not [e for e in server.requests if e.method == "GET"]
    allowed = connect(server, wsdl=str(path), endpoint=server.url, allowed_import_locations=[server.base_url + "/drp/"])
    assert "customers" in {i.name for i in allowed.discover()}


def test_wsdl_with_entities_is_refused(server, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = _write_wsdl(tmp_path, "<wsdl:types/>", f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>')
    with pytest.raises(WsdlError) as info:
        connect(server, wsdl=str(path), endpoint=server.url).discover()
    assert "TOP-SECRET" not in str(info.value)


def test_unknown_stream_and_unreachable_wsdl(server) -> None:
    conn = connect(server, wsdl="http://127.0.0.1:9/nothing.wsdl", max_attempts=1)
    with pytest.raises(DiscoveryError):
        list(conn.read("nope", None))
    with pytest.raises(TransientError):
        conn.discover()
    missing = connect(server, wsdl=server.base_url + "/drp/missing.wsdl")
    with pytest.raises(WsdlError) as info:
        missing.discover()
    assert info.value.status == 404


def test_register_connectors_hook() -> None:
    import connectors.soap as plugin

    found: dict[str, tuple[Any, ...]] = {}
    plugin.register_connectors(
        register=lambda kind, model, factory, description="": found.setdefault(kind, (model, factory))
    )
    assert found["soap"] == (SoapConfig, build_connector)
