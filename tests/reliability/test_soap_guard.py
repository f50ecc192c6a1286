"""The WSDL import guard holds against encoded dot segments and redirects: nothing outside is fetched."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connectors.soap.client import ImportGuard, load_wsdl
from connectors.soap.errors import WsdlImportRefused

XSD = """<?xml version="1.0"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t" elementFormDefault="qualified">
  <xsd:element name="Ping"><xsd:complexType><xsd:sequence><xsd:element name="v" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
</xsd:schema>"""


def _wsdl(location: str) -> str:
    return f"""<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:t="urn:t" targetNamespace="urn:t">
  <wsdl:types><xsd:schema targetNamespace="urn:w"><xsd:import namespace="urn:t" schemaLocation="{location}"/></xsd:schema></wsdl:types>
  <wsdl:message name="PingIn"><wsdl:part name="p" element="t:Ping"/></wsdl:message>
  <wsdl:portType name="P"><wsdl:operation name="Ping"><wsdl:input message="t:PingIn"/><wsdl:output message="t:PingIn"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="t:P"><soap:binding transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Ping"><soap:operation soapAction="ping"/><wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>
  <wsdl:service name="S"><wsdl:port name="Port" binding="t:B"><soap:address location="http://127.0.0.1:9/soap"/></wsdl:port></wsdl:service>
</wsdl:definitions>"""


class _Server:
    """Serves /svc/*.wsdl, /svc/ok.xsd, redirects, and an /outside/x.xsd that must never be fetched."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                routes = {
                    "/svc/encoded.wsdl": _wsdl("%2e%2e/outside/x.xsd"),
                    "/svc/double.wsdl": _wsdl("%252e%252e/outside/x.xsd"),
                    "/svc/redirect.wsdl": _wsdl("away.xsd"),
                    "/svc/inside.wsdl": _wsdl("hop.xsd"),
                    "/svc/ok.xsd": XSD,
                    "/outside/x.xsd": XSD,
                }
                redirects = {"/svc/away.xsd": "/outside/x.xsd", "/svc/hop.xsd": "/svc/ok.xsd"}
                if self.path in redirects:
                    self.send_response(302)
                    self.send_header("Location", redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                # a server that decodes and normalises paths, as many do
                body = routes.get(self.path) or routes.get(self.path.replace("%2e%2e", "..").replace("/svc/../", "/"))
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def outside_hits(self) -> list[str]:
        return [h for h in self.hits if "outside" in h or "%2e" in h.lower() or ".." in h]


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    s.thread.start()
    try:
        yield s
    finally:
        s.httpd.shutdown()
        s.httpd.server_close()
        s.thread.join()


@pytest.mark.parametrize("wsdl", ["encoded.wsdl", "double.wsdl"])
def test_percent_encoded_dot_segments_are_refused_before_fetching(server: _Server, wsdl: str) -> None:
    with pytest.raises(WsdlImportRefused, match="outside the WSDL's location"):
        load_wsdl(f"{server.base}/svc/{wsdl}")
    assert server.outside_hits() == []


def test_redirect_out_of_the_allowed_location_is_refused(server: _Server) -> None:
    with pytest.raises(WsdlImportRefused, match="outside the WSDL's location"):
        load_wsdl(f"{server.base}/svc/redirect.wsdl")
    assert "/outside/x.xsd" not in server.hits and "/svc/away.xsd" in server.hits


def test_redirect_inside_the_allowed_location_is_followed(server: _Server) -> None:
    client = load_wsdl(f"{server.base}/svc/inside.wsdl")
    assert "Ping" in {
        op for svc in client.wsdl.services.values() for port in svc.ports.values() for op in port.binding._operations
    }
    assert server.hits[-2:] == ["/svc/hop.xsd", "/svc/ok.xsd"]


def test_normal_form_of_urls() -> None:
    guard = ImportGuard("http://h:8080/svc/a.wsdl", ["https://other.example/schemas/"])
    for ok in ("http://h:8080/svc/x.xsd", "http://H:8080/svc/sub/../x.xsd", "https://other.example:443/schemas/y.xsd"):
        guard.check(ok)
    for bad in (
        "http://h:8080/svc/%2e%2e/x.xsd",
        "http://h:8080/svc/..%2fx.xsd",
        "http://h:8080/svc/..%5cx.xsd",
        "http://h:8080/svc/%25252e%25252e/x.xsd",
        "http://h:8081/svc/x.xsd",
        "http://h:8080/svcx/x.xsd",
        "https://other.example/schemas/../x.xsd",
        "ftp://h/svc/x.xsd",
        "http://h:8080/svc/%2E%2E/x.xsd",
    ):
        with pytest.raises(WsdlImportRefused):
            guard.check(bad)


def test_file_imports_with_encoded_dots_stay_confined(tmp_path) -> None:  # type: ignore[no-untyped-def]
    inner = tmp_path / "inner"
    inner.mkdir()
    guard = ImportGuard(str(inner / "a.wsdl"))
    guard.check((inner / "b.xsd").as_uri())
    with pytest.raises(WsdlImportRefused):
        guard.check((inner / "b.xsd").as_uri().replace("/inner/", "/inner/%2e%2e/"))
