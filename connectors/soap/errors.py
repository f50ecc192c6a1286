"""Maps zeep faults, transport failures and WSDL problems to ``hub.errors`` in one function.

::

    SOAP fault  Client / Sender / VersionMismatch / MustUnderstand   ClientError   (terminal)
                wsse:FailedAuthentication, InvalidSecurity(Token)    AuthError     (terminal)
                Server / Receiver / anything else                    ServerError   (terminal)
    HTTP status without a fault envelope                             hub.http.http_error
    timeout, refused or dropped connection                           TransientError (retried)
    response that is not well-formed XML, or carries a DTD           ServerError
    request that does not fit the WSDL  (reads)                      ConfigError
                                        (writes)                     MappingError  (skip record)
    WSDL/XSD that cannot be loaded or is unsafe                      WsdlError (a ConfigError)
    WSDL import outside the allowed locations                        WsdlImportRefused

Fault errors keep ``fault_code``, ``fault_string`` and, when present, ``fault_detail``
(leaf elements of the fault's detail as a dict).
"""

from __future__ import annotations

from typing import Any

from hub.errors import (
    AuthError,
    ClientError,
    ConfigError,
    DiscoveryError,
    HubError,
    MappingError,
    ServerError,
    SourceError,
)

__all__ = ["WsdlError", "WsdlImportRefused", "map_error"]

_AUTH_CODES = {
    "FailedAuthentication",
    "InvalidSecurity",
    "InvalidSecurityToken",
    "FailedCheck",
    "SecurityTokenUnavailable",
}
_CLIENT_CODES = {"Client", "Sender", "VersionMismatch", "MustUnderstand", "DataEncodingUnknown"}
_SNIPPET = 300


class WsdlError(ConfigError):
    """The WSDL (or a schema it imports) cannot be loaded, parsed or used."""


class WsdlImportRefused(WsdlError):
    """The WSDL imports a document from outside the allowed locations; nothing was fetched."""


def map_error(exc: BaseException, phase: str = "call", **location: Any) -> HubError:
    """The hub error for ``exc`` raised by zeep/requests while loading (``load``), reading (``call``) or writing (``write``)."""
    if isinstance(exc, HubError):
        return exc
    import requests
    from zeep import exceptions as zx

    if isinstance(exc, zx.Fault):
        return _fault(exc, **location)
    if isinstance(exc, zx.TransportError):
        return _transport(exc, phase, **location)
    if isinstance(exc, (zx.DTDForbidden, zx.EntitiesForbidden, zx.ExternalReferenceForbidden)):
        text = f"refused unsafe XML ({type(exc).__name__}: {_cut(exc)})"
        return WsdlError(text, **location) if phase == "load" else ServerError(f"response {text}", **location)
    if isinstance(exc, (zx.XMLSyntaxError, zx.XMLParseError)):
        if phase == "load":
            return WsdlError(f"WSDL/XSD is not well-formed XML: {_cut(exc)}", **location)
        return ServerError(f"malformed SOAP response: {_cut(exc)}", **location)
    if isinstance(
        exc, (zx.WsdlSyntaxError, zx.NamespaceError, zx.LookupError, zx.IncompleteMessage, zx.IncompleteOperation)
    ):
        if phase == "load":
            return WsdlError(f"WSDL cannot be used: {type(exc).__name__}: {_cut(exc)}", **location)
        return ConfigError(f"request does not fit the WSDL: {_cut(exc)}", **location)
    if isinstance(exc, (zx.ValidationError, TypeError, ValueError)) and phase != "load":
        field = getattr(exc, "path", None)
        text = f"request does not fit the WSDL: {_cut(exc)}"
        if phase == "write":
            return MappingError(text, field=".".join(map(str, field)) if field else None, **location)
        return ConfigError(text, **location)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        from hub.http import http_error

        status = exc.response.status_code
        if phase == "load" and 400 <= status < 500 and status not in (401, 403, 429):
            return WsdlError(f"WSDL/XSD could not be fetched (HTTP {status})", status=status, **location)
        return http_error(status, headers=exc.response.headers, url=exc.response.url, **location)
    if isinstance(exc, requests.RequestException):
        from hub.http import http_error

        return http_error(exc=exc, **location)
    if isinstance(exc, AttributeError) and phase == "call" and "has no operation" in str(exc):
        return DiscoveryError(f"the WSDL offers no such operation: {_cut(exc)}", **location)
    if isinstance(exc, OSError) and phase == "load":
        return WsdlError(f"WSDL/XSD could not be read: {exc.strerror or exc}", **location)
    if phase == "load":
        # zeep raises plain Python errors on some unusual WSDLs; never let them escape untyped
        return WsdlError(f"zeep could not load the WSDL: {type(exc).__name__}: {_cut(exc)}", **location)
    return SourceError(f"unexpected SOAP failure: {type(exc).__name__}: {_cut(exc)}", **location)


def _fault(exc: Any, **location: Any) -> HubError:
    code = (exc.code or "").strip()
    local = code.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    base = local.split(".", 1)[0]
    string = (exc.message or "").strip()
    details: dict[str, Any] = {"fault_code": code or None, "fault_string": string or None}
    detail = _detail(getattr(exc, "detail", None))
    if detail:
        details["fault_detail"] = detail
    subcodes = getattr(exc, "subcodes", None)
    if subcodes:
        details["fault_subcodes"] = [str(s) for s in subcodes]
    text = f"SOAP fault {code or '(no code)'}: {string or '(no fault string)'}"
    if detail.get("code"):
        text += f" [{detail['code']}]"
    if "field" in detail and "field" not in location:
        location["field"] = detail["field"]
    if base in _AUTH_CODES:
        return AuthError(text, **location, **details)
    if base in _CLIENT_CODES:
        return ClientError(text, **location, **details)
    return ServerError(text, **location, **details)


def _detail(node: Any) -> dict[str, str]:
    """Leaf elements of a fault detail (lxml element) as {local name: text}."""
    out: dict[str, str] = {}
    if node is None or not hasattr(node, "iter"):
        return out
    for el in node.iter():
        if not isinstance(el.tag, str) or len(el):
            continue
        name = el.tag.rsplit("}", 1)[-1]
        if el.text and el.text.strip() and name not in out:
            out[name] = el.text.strip()[:_SNIPPET]
    return out


def _transport(exc: Any, phase: str, **location: Any) -> HubError:
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "content", b"") or b""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    if status == 200 or (status and "invalid XML" in str(exc) and status < 400):
        return ServerError(f"malformed SOAP response (HTTP {status}): not well-formed XML", status=status, **location)
    if status:
        from hub.http import http_error

        return http_error(status, body=text, **location)
    return SourceError(f"SOAP transport failure: {_cut(exc)}", **location)


def _cut(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:_SNIPPET]
