"""Protocol I/O with a Salesforce org through simple-salesforce: login, REST, collections, Bulk API 2.0.

How it reaches any instance (the real cloud or the test server on 127.0.0.1): the client runs
the OAuth2 token flow itself against ``login_url`` (simple-salesforce's own logins hard-code
``https://{domain}.salesforce.com``), then builds ``simple_salesforce.Salesforce`` with
``session_id`` + ``instance_url`` + our ``requests`` session. simple-salesforce keeps the
instance's host:port and always speaks https, so TLS stays on; a private CA is trusted through
``verify: /path/ca.pem``. Our session's response hook maps every HTTP failure to the hub error
tree (via ``hub.http.http_error``) and records ``Sforce-Limit-Info`` usage.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import requests

from connectors.salesforce.config import SalesforceConfig
from hub.errors import AuthError, ConfigError, HubError, RateLimitError, ServerError, SourceError
from hub.http import HttpPolicy, Throttle, call_with_retries, http_error, make_session, parse_retry_after

__all__ = ["SalesforceClient", "sf_error"]

T = TypeVar("T")
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def sf_error(response: requests.Response, system: str | None = None) -> HubError:
    """The hub error for a failed Salesforce response (REST error list or OAuth error object)."""
    code = message = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, list) and body and isinstance(body[0], dict):
        code, message = body[0].get("errorCode"), body[0].get("message")
    elif isinstance(body, dict) and "error" in body:
        code, message = body.get("error"), body.get("error_description")
    text = f"{code}: {message}" if code else None
    url = response.request.url if response.request is not None else response.url
    if code == "REQUEST_LIMIT_EXCEEDED":
        return RateLimitError(
            text or "request limit exceeded",
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
            system=system,
            status=response.status_code,
            fault_code=code,
        )
    return http_error(
        response.status_code,
        headers=response.headers,
        body=response.text[:300],
        url=url,
        message=text,
        system=system,
        fault_code=code,
        fault_string=message,
    )


class SalesforceClient:
    """One logged-in connection to an org; every call is paced, retried and re-logged-in once."""

    def __init__(
        self, config: SalesforceConfig, secrets: dict[str, str], system: str, session: requests.Session | None = None
    ) -> None:
        self.config = config
        self.system = system
        self._secrets = secrets
        self.policy = HttpPolicy(
            connect_timeout=config.connect_timeout,
            read_timeout=config.timeout,
            verify=config.verify,
            max_attempts=config.max_attempts,
            backoff_base=config.backoff_base,
            backoff_max=config.backoff_max,
        )
        self.session = session or make_session(self.policy, system=system, raise_for_status=False)
        self.session.hooks["response"].append(self._on_response)
        self.throttle = Throttle(None)
        self.usage: tuple[int, int] | None = None
        self.slowdowns = 0
        self.logins = 0
        self.instance_url: str | None = None
        self._sf: Any = None

    # --- session ----------------------------------------------------------------------------
    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self.usage = (int(match.group(1)), int(match.group(2)))
        if response.status_code >= 400:
            raise sf_error(response, self.system)
        return response

    def _secret(self, name: str) -> str:
        value = getattr(self.config, name, None)
        if value is not None:
            return value.get_secret_value()
        if self._secrets.get(name):
            return self._secrets[name]
        raise ConfigError(f"auth {self.config.auth!r} needs secret {name!r}", system=self.system, field=name)

    def login(self) -> None:
        """Get a session (token flow or given session id) and build the simple-salesforce client."""
        from simple_salesforce import Salesforce

        cfg = self.config
        if cfg.auth == "session":
            session_id, instance = (
                self._secret("session_id"),
                cfg.instance_url or "",
            )  # required (validated) for session
        else:
            session_id, instance = self._token()
        self.instance_url = instance.rstrip("/")
        self._sf = Salesforce(
            session_id=session_id, instance_url=self.instance_url, session=self.session, version=cfg.api_version
        )
        self.logins += 1

    def _token(self) -> tuple[str, str]:
        cfg = self.config
        form: dict[str, str] = {"client_id": cfg.client_id or ""}
        if cfg.auth == "password":
            form.update(
                grant_type="password",
                username=cfg.username or "",
                client_secret=self._secret("client_secret"),
                password=self._secret("password") + (self._optional("security_token")),
            )
        elif cfg.auth == "client_credentials":
            form.update(grant_type="client_credentials", client_secret=self._secret("client_secret"))
        else:
            import jwt

            claims = {"iss": cfg.client_id, "sub": cfg.username, "aud": cfg.login_url, "exp": int(time.time()) + 180}
            try:
                assertion = jwt.encode(claims, self._secret("private_key"), algorithm="RS256")
            except (ValueError, TypeError) as exc:
                raise ConfigError(
                    f"private_key is not a usable RSA key: {type(exc).__name__}",
                    system=self.system,
                    field="private_key",
                ) from None
            form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        url = f"{cfg.login_url}/services/oauth2/token"
        try:
            body = call_with_retries(lambda: self.session.post(url, data=form), self.policy).json()
        except AuthError:
            raise
        except HubError as exc:
            if exc.status in (400, 401, 403):
                raise AuthError(
                    f"login ({cfg.auth}) rejected: {exc.message}", system=self.system, status=exc.status
                ) from None
            raise
        if not body.get("access_token") or not body.get("instance_url"):
            raise AuthError("token response lacks access_token/instance_url", system=self.system)
        return body["access_token"], body["instance_url"]

    def _optional(self, name: str) -> str:
        try:
            return self._secret(name)
        except ConfigError:
            return ""

    @property
    def sf(self) -> Any:
        if self._sf is None:
            self.login()
        return self._sf

    def call(self, fn: Callable[[Any], T], *, stream: str | None = None) -> T:
        """Run ``fn(sf)`` paced and retried; on INVALID_SESSION_ID log in again once (if we can)."""
        relogged = False

        def attempt() -> T:
            nonlocal relogged
            self._pace()
            try:
                return fn(self.sf)
            except AuthError as exc:
                if (
                    exc.details.get("fault_code") == "INVALID_SESSION_ID"
                    and self.config.auth != "session"
                    and not relogged
                ):
                    relogged = True
                    self.login()
                    self._pace()
                    return fn(self.sf)
                raise
            except HubError:
                raise
            except Exception as exc:
                # simple-salesforce's own failures (bulk job failed/timed out, 300 on upsert)
                if type(exc).__module__.startswith("simple_salesforce"):
                    raise ServerError(
                        f"{type(exc).__name__}: {str(exc)[:300]}", system=self.system, stream=stream
                    ) from None
                raise

        try:
            return call_with_retries(attempt, self.policy)
        except HubError as exc:
            exc.stream = exc.stream or stream
            raise

    def _pace(self) -> None:
        if self.usage and self.usage[1] and self.usage[0] / self.usage[1] >= self.config.api_limit_threshold:
            self.slowdowns += 1
            self.throttle.wait(extra=self.config.api_limit_pause)

    def _get(self, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.sf.headers, **kwargs.pop("headers", {})}
        assert self.instance_url is not None  # set by login (self.sf)
        return self.session.request(kwargs.pop("method", "GET"), self.instance_url + path, headers=headers, **kwargs)

    # --- metadata -------------------------------------------------------------------------
    def versions(self) -> list[dict[str, Any]]:
        return self.call(lambda sf: self._get("/services/data").json())

    def describe_global(self) -> dict[str, Any]:
        return self.call(lambda sf: sf.describe())

    def describe(self, obj: str, stream: str | None = None) -> dict[str, Any]:
        return self.call(lambda sf: getattr(sf, obj).describe(), stream=stream)

    def limits(self) -> dict[str, Any]:
        return self.call(lambda sf: sf.limits())

    # --- REST query -----------------------------------------------------------------------
    def count(self, soql: str, include_deleted: bool, stream: str | None = None) -> int:
        return int(self.call(lambda sf: sf.query(soql, include_deleted=include_deleted), stream=stream)["totalSize"])

    def query_pages(
        self, soql: str, include_deleted: bool, stream: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Records page by page following ``nextRecordsUrl``; each page is retried on its own."""
        headers = {"Sforce-Query-Options": f"batchSize={self.config.page_size}"}
        page = self.call(lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers), stream=stream)
        while True:
            yield page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            nxt = page["nextRecordsUrl"]
            page = self.call(
                lambda sf: sf.query_more(nxt, identifier_is_url=True, headers=headers),  # noqa: B023 (called at once)
                stream=stream,
            )

    # --- Bulk API 2.0 query ---------------------------------------------------------------
    def bulk_query_pages(self, soql: str, include_deleted: bool, stream: str | None = None) -> Iterator[str]:
        """CSV pages of a Bulk 2.0 query job (job created once; each poll and page retried)."""
        operation = "queryAll" if include_deleted else "query"
        payload = {
            "operation": operation,
            "query": soql,
            "contentType": "CSV",
            "columnDelimiter": "COMMA",
            "lineEnding": "LF",
        }
        base = f"/services/data/v{self.config.api_version}/jobs/query"
        job = self.call(lambda sf: self._get(base, method="POST", json=payload).json(), stream=stream)
        job_id = job["id"]
        deadline = time.monotonic() + self.config.bulk_timeout
        while job.get("state") != "JobComplete":
            if job.get("state") in ("Failed", "Aborted"):
                raise ServerError(
                    f"Bulk 2.0 query job {job_id} {job['state']}: {job.get('errorMessage', '')}",
                    system=self.system,
                    stream=stream,
                )
            if time.monotonic() > deadline:
                raise SourceError(
                    f"Bulk 2.0 query job {job_id} not complete after {self.config.bulk_timeout:g}s",
                    system=self.system,
                    stream=stream,
                )
            time.sleep(self.config.bulk_poll_interval)
            job = self.call(lambda sf: self._get(f"{base}/{job_id}").json(), stream=stream)
        locator = ""
        while True:
            params = {"maxRecords": self.config.bulk_page_size, **({"locator": locator} if locator else {})}
            response = self.call(
                lambda sf: self._get(
                    f"{base}/{job_id}/results",
                    params=params,  # noqa: B023 (the call is made at once)
                    headers={"Accept": "text/csv"},
                ),
                stream=stream,
            )
            yield response.content.decode("utf-8")
            locator = response.headers.get("Sforce-Locator", "null")
            if not locator or locator == "null":
                return

    # --- writes -----------------------------------------------------------------------------
    def collections(
        self,
        method: str,
        path: str,
        payload: Any = None,
        params: dict[str, str] | None = None,
        stream: str | None = None,
    ) -> list[dict[str, Any]]:
        """One sObject Collections call (≤ 200 records); returns the per-record result list."""
        return self.call(lambda sf: sf.restful(path, params=params, method=method, json=payload), stream=stream) or []

    def bulk_upsert(
        self, obj: str, external_id_field: str, rows: list[dict[str, Any]], stream: str | None = None
    ) -> tuple[str, str]:
        """A Bulk 2.0 upsert job through simple-salesforce; returns (successful CSV, failed CSV)."""

        def run(sf: Any) -> tuple[str, str]:
            handler = getattr(sf.bulk2, obj)
            jobs = handler.upsert(
                records=rows, external_id_field=external_id_field, wait=self.config.bulk_poll_interval
            )
            ok = "".join(_strip_header(handler.get_successful_records(j["job_id"]), i) for i, j in enumerate(jobs))
            bad = "".join(_strip_header(handler.get_failed_records(j["job_id"]), i) for i, j in enumerate(jobs))
            return ok, bad

        return self.call(run, stream=stream)

    def close(self) -> None:
        self.session.close()


def _strip_header(text: str, index: int) -> str:
    """Keep the CSV header of the first job's results only, so several jobs concatenate."""
    if index == 0:
        return text
    return text.split("\n", 1)[1] if "\n" in text else ""
