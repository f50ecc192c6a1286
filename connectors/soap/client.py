"""SOAP protocol I/O only: load the WSDL safely (imports confined and cached), call operations with retries.

zeep is imported lazily. Every failure leaves this module as a ``hub.errors`` error (see
``errors.map_error``). XML is parsed with DTDs and entities forbidden, and documents are only
fetched from the WSDL's own folder/URL prefix plus ``allowed_import_locations``.
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from connectors.soap.config import SoapConfig
from connectors.soap.errors import WsdlError, WsdlImportRefused, map_error
from hub.connector import ConnectorContext
from hub.errors import ConfigError, DiscoveryError
from hub.http import HttpPolicy, call_with_retries, make_session, safe_url

__all__ = ["SoapClient", "ImportGuard", "load_wsdl"]

_MAX_REDIRECTS = 5


class ImportGuard:
    """Decides which documents a WSDL may pull in: its own folder or URL prefix, plus extras.

    Every URL is compared in normal form (percent-decoding repeated until stable, backslashes
    read as slashes, ``.`` and ``..`` resolved, default ports dropped), so ``%2e%2e`` or
    ``..%2f`` cannot climb out of an allowed prefix; redirects are re-checked hop by hop.
    """

    def __init__(self, wsdl: str, extra: list[str] | None = None) -> None:
        self.wsdl = wsdl
        self._url_prefixes: list[tuple[str, str, str]] = []
        self._dirs: list[Path] = []
        for loc in [wsdl, *(extra or [])]:
            if urlsplit(loc).scheme.lower() in ("http", "https"):
                prefix = loc if loc.endswith("/") and loc != wsdl else urljoin(loc, ".")
                self._url_prefixes.append(_normal_url(prefix))
            elif _is_url(loc) and urlsplit(loc).scheme != "file":
                continue
            else:
                p = Path(_file_path(loc)).resolve()
                self._dirs.append(p.parent if loc == wsdl or p.is_file() else p)

    def check(self, url: str) -> None:
        """Raise WsdlImportRefused unless ``url`` is the WSDL itself or lies under an allowed location."""
        if url == self.wsdl:
            return
        if urlsplit(url).scheme.lower() in ("http", "https"):
            origin, host, path = _normal_url(url, self.wsdl)
            for p_origin, p_host, p_path in self._url_prefixes:
                if origin == p_origin and host == p_host and path.startswith(p_path):
                    return
            raise WsdlImportRefused(
                f"import of {safe_url(url)} refused: outside the WSDL's location "
                "(add it to allowed_import_locations to permit it)",
                file=self.wsdl,
            )
        if _is_url(url) and urlsplit(url).scheme != "file":
            raise WsdlImportRefused(f"import of {url[:80]!r} refused: unsupported scheme", file=self.wsdl)
        file_path = Path(_file_path(url)).resolve()
        if any(file_path == d or d in file_path.parents for d in self._dirs):
            return
        raise WsdlImportRefused(f"import of file {file_path} refused: outside the WSDL's folder", file=self.wsdl)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _normal_url(url: str, wsdl: str | None = None) -> tuple[str, str, str]:
    """(scheme, host[:port], path) of an http(s) URL, its path decoded and its dot segments resolved."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        raise WsdlImportRefused(f"import of {url[:80]!r} refused: invalid port", file=wsdl) from None
    host = (parts.hostname or "").lower()
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = parts.path
    for _ in range(5):  # double- and triple-encoded dots are decoded too
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    else:
        raise WsdlImportRefused(f"import of {safe_url(url)} refused: path encoded too many times", file=wsdl)
    path = path.replace("\\", "/")
    trailing = path.endswith(("/", "/.", "/.."))
    resolved = "/" + posixpath.normpath("/" + path.lstrip("/")).lstrip("/")
    if trailing and not resolved.endswith("/"):
        resolved += "/"
    return scheme, host, resolved


def _is_url(loc: str) -> bool:
    return urlsplit(loc).scheme in ("http", "https", "file") or "://" in loc


def _file_path(loc: str) -> str:
    return unquote(urlsplit(loc).path) if loc.startswith("file:") else os.path.expanduser(loc)


def _transport_class() -> type:
    from zeep.transports import Transport

    class GuardedTransport(Transport):
        """A zeep Transport that consults an ImportGuard before loading any document."""

        guard: ImportGuard

        def load(self, url: str) -> bytes:
            if not url:
                raise WsdlError("empty import location")
            self.guard.check(url)
            return super().load(url)

        def _load_remote_data(self, url: str) -> bytes:
            # follow redirects by hand so each hop passes the guard before anything is fetched
            for _ in range(_MAX_REDIRECTS + 1):
                response = self.session.get(url, timeout=self.load_timeout, allow_redirects=False)
                with closing(response):
                    if response.is_redirect:
                        target = urljoin(url, response.headers.get("Location", ""))
                        self.guard.check(target)
                        url = target
                        continue
                    response.raise_for_status()
                    return bytes(response.content)
            raise WsdlError(f"more than {_MAX_REDIRECTS} redirects loading {safe_url(url)}", file=self.guard.wsdl)

    return GuardedTransport


def load_wsdl(
    location: str,
    *,
    session: Any = None,
    cache: Any = None,
    timeout: float = 30.0,
    operation_timeout: Any = None,
    allowed: list[str] | None = None,
    wsse: Any = None,
    **location_info: Any,
) -> Any:
    """A strict, hardened zeep Client for ``location``; any failure is a typed hub error."""
    import zeep

    transport = _transport_class()(
        cache=cache,
        timeout=timeout,
        operation_timeout=operation_timeout,
        session=session or make_session(raise_for_status=False),
    )
    transport.guard = ImportGuard(location, allowed)
    settings = zeep.Settings(
        strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=False, xml_huge_tree=False
    )
    try:
        return zeep.Client(location, transport=transport, settings=settings, wsse=wsse)
    except RecursionError:
        raise WsdlError("WSDL/XSD nesting too deep to load", file=location) from None
    except Exception as exc:  # zeep raises many untyped errors; map_error types every one
        err = map_error(exc, "load", **location_info)
        if isinstance(err, WsdlError) and err.file is None:
            err.file = location
        raise err from exc


class SoapClient:
    """One configured SOAP endpoint: a zeep client built on first use, and retried calls."""

    def __init__(
        self, config: SoapConfig, context: ConnectorContext, sleep: Callable[[float], None] | None = None
    ) -> None:
        self.config = config
        self.system = context.system
        self.wsdl = self._resolve(config.wsdl, context.base_dir)
        self.policy = HttpPolicy(
            connect_timeout=config.connect_timeout,
            read_timeout=config.timeout,
            verify=config.verify,
            max_attempts=config.max_attempts,
            backoff_base=config.backoff,
            backoff_max=max(config.backoff * 16, 0.01),
        )
        self._sleep = sleep
        self._username, self._password = self._credentials(context)
        self._lock = threading.Lock()
        self._zeep: Any = None
        self._proxy: Any = None
        self._binding: Any = None
        self._session: Any = None

    def __repr__(self) -> str:
        return f"SoapClient(system={self.system!r}, wsdl={safe_url(self.wsdl) if _is_url(self.wsdl) else self.wsdl!r})"

    @staticmethod
    def _resolve(wsdl: str, base_dir: str) -> str:
        if _is_url(wsdl):
            return wsdl
        path = Path(os.path.expanduser(wsdl))
        if not path.is_absolute():
            path = Path(base_dir) / path
        return str(path)

    def _credentials(self, context: ConnectorContext) -> tuple[str | None, str | None]:
        auth = self.config.auth
        if auth.type == "none":
            return None, None
        user = auth.username or context.secrets.get("username")
        password = auth.password.get_secret_value() if auth.password else context.secrets.get("password")
        if not user or not password:
            missing = "username" if not user else "password"
            raise ConfigError(
                f"auth type {auth.type} needs a {missing} (config or secrets)",
                system=self.system,
                field=f"auth.{missing}",
            )
        return user, password

    # -- loading -----------------------------------------------------------------------------
    def load(self) -> Any:
        """The bound service proxy (loads and checks the WSDL once)."""
        with self._lock:
            if self._proxy is None:
                self._build()
            return self._proxy

    def _build(self) -> None:
        from zeep.cache import InMemoryCache, SqliteCache

        session = make_session(self.policy, system=self.system, raise_for_status=False)
        if self.config.auth.type == "basic":
            session.auth = (self._username or "", self._password or "")  # both set: _credentials checks
        wsse = None
        if self.config.auth.type == "wsse":
            from zeep.wsse.username import UsernameToken

            wsse = UsernameToken(self._username, self._password, use_digest=self.config.auth.digest)
        cache = {
            "memory": lambda: InMemoryCache(),
            "none": lambda: None,
            "sqlite": lambda: SqliteCache(path=self.config.cache_path),
        }[self.config.cache]()
        client = load_wsdl(
            self.wsdl,
            session=session,
            cache=cache,
            timeout=self.config.load_timeout,
            operation_timeout=(self.config.connect_timeout, self.config.timeout),
            allowed=self.config.allowed_import_locations,
            wsse=wsse,
            system=self.system,
        )
        try:
            port = self._pick_port(client)
            address = self.config.endpoint or (port.binding_options or {}).get("address")
            if not address:
                raise WsdlError("the WSDL port has no address; set endpoint", system=self.system, file=self.wsdl)
            from zeep.proxy import ServiceProxy

            # bind directly: the port's binding may live in an imported document (client.create_service
            # only looks in the root document)
            proxy = ServiceProxy(client, port.binding, address=address)
        except Exception as exc:  # an odd WSDL must end in a typed error, never a crash
            session.close()
            err = map_error(exc, "load", system=self.system)
            if isinstance(err, WsdlError) and err.file is None:
                err.file = self.wsdl
            raise err from exc
        self._session, self._zeep, self._binding, self._proxy = session, client, port.binding, proxy

    def _pick_port(self, client: Any) -> Any:
        services = client.wsdl.services
        if not services:
            raise WsdlError("the WSDL defines no service", system=self.system, file=self.wsdl)
        name = self.config.service or next(iter(services))
        if name not in services:
            raise WsdlError(
                f"service {name!r} not in the WSDL (has {', '.join(services)})", system=self.system, file=self.wsdl
            )
        ports = services[name].ports
        soap_ports = {n: p for n, p in ports.items() if type(p.binding).__name__.startswith("Soap")}
        pname = self.config.port or next(iter(soap_ports), None)
        if pname is None or pname not in soap_ports:
            raise WsdlError(
                f"service {name} has no SOAP port {pname or ''}".strip(), system=self.system, file=self.wsdl
            )
        return soap_ports[pname]

    def operations(self) -> dict[str, Any]:
        """Operation name -> zeep operation of the bound port."""
        self.load()
        return dict(self._binding.all())

    def operation(self, name: str, **location: Any) -> Any:
        ops = self.operations()
        if name not in ops:
            raise DiscoveryError(
                f"operation {name!r} is not in the WSDL (has {', '.join(sorted(ops))})", system=self.system, **location
            )
        return ops[name]

    def output_fields(self, operation: str, path: str) -> tuple[str, ...]:
        """Child element names of the items found at ``path`` in ``operation``'s response, if typed."""
        body = self.operation(operation).output.body
        xtype = getattr(body, "type", None)
        for part in [p for p in path.split(".") if p]:
            children = dict(getattr(xtype, "elements", []) or [])
            if part not in children:
                return ()
            xtype = children[part].type
        return tuple(n for n, _ in (getattr(xtype, "elements", []) or []))

    # -- calls -------------------------------------------------------------------------------
    def call(
        self, operation: str, params: dict[str, Any], *, retry: bool = True, phase: str = "call", **location: Any
    ) -> dict[str, Any]:
        """Call ``operation`` and return its response wrapper as plain dicts/lists; retries transient failures."""
        from zeep.helpers import serialize_object

        proxy = self.load()
        op = self.operation(operation, **location)
        wrapper_children = [n for n, _ in (getattr(getattr(op.output.body, "type", None), "elements", []) or [])]
        location.setdefault("system", self.system)

        def once() -> dict[str, Any]:
            try:
                result = getattr(proxy, operation)(**params)
            except Exception as exc:  # zeep/requests/lxml: typed by map_error
                raise map_error(exc, phase, **location) from exc
            data = serialize_object(result, dict)
            # zeep unwraps a response wrapper with one child; put it back so paths stay stable
            if len(wrapper_children) == 1 and not (isinstance(data, dict) and set(data) == set(wrapper_children)):
                data = {wrapper_children[0]: data}
            return data if isinstance(data, dict) else {"_value": data}

        if not retry:
            return once()
        kwargs: dict[str, Any] = {"sleep": self._sleep} if self._sleep else {}
        return call_with_retries(once, self.policy, **kwargs)

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                self._session.close()
            self._session = self._zeep = self._proxy = self._binding = None
