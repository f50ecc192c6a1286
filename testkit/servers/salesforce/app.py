"""Routes of the Salesforce-compatible test server: OAuth, versions, describe, SOQL, sObject writes, collections.

Shapes follow the real REST API (see ../shared/corpus/salesforce samples): errors are lists of
``{"message", "errorCode"}``, queries page through ``nextRecordsUrl``, every API response
carries ``Sforce-Limit-Info: api-usage=N/MAX``. Bulk API 2.0 lives in ``bulk.py``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from typing import Any
from urllib.parse import parse_qs

from testkit.servers.rest.kit import Request, Response, Router, json_response
from testkit.servers.salesforce import soql
from testkit.servers.salesforce.bulk import BulkJobs
from testkit.servers.salesforce.errors import sf_errors
from testkit.servers.salesforce.store import Org, to_json_value

__all__ = ["SalesforceApp", "sf_errors"]

VERSIONS = ("57.0", "58.0", "59.0", "60.0")
V = r"/services/data/v(?P<v>\d+\.\d)"
ORG_ID = "00D5g000000HubAAA"
USER_ID = "0055g000000HubAAA"


class SalesforceApp:
    """The fake org's HTTP face. ``org`` holds the data; switches below inject API-level faults."""

    def __init__(
        self,
        org: Org | None = None,
        *,
        username: str = "integration@channelco.example",
        password: str = "pw-123",
        security_token: str = "TOKEN456",
        client_id: str = "hub-connected-app",
        client_secret: str = "app-secret-789",
        jwt_public_key: str | None = None,
        api_max: int = 15000,
        query_batch_size: int = 2000,
    ) -> None:
        self.org = org or Org()
        self.creds = {
            "username": username,
            "password": password,
            "security_token": security_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self.jwt_public_key = jwt_public_key
        self.base_url = ""
        self.api_used = 0
        self.api_max = api_max
        self.query_batch_size = query_batch_size
        self.logins: list[str] = []
        self.requests: list[tuple[str, str]] = []
        self._sessions: dict[str, bool] = {}
        self._cursors: dict[str, tuple[soql.Query, list[str]]] = {}
        self._lock = threading.Lock()
        self.router = Router()
        r = self.router
        r.add("POST", r"/services/oauth2/token", self.token)
        r.add("GET", r"/services/data", self.versions)
        r.add("GET", V, self.resources)
        r.add("GET", V + r"/limits", self.limits)
        r.add("GET", V + r"/sobjects", self.describe_global)
        r.add("GET", V + r"/sobjects/(?P<obj>\w+)/describe", self.describe)
        r.add("GET", V + r"/(?P<kind>query|queryAll)", self.query)
        r.add("GET", V + r"/(?P<kind>query|queryAll)/(?P<locator>[\w-]+)", self.query_more)
        r.add("POST", V + r"/sobjects/(?P<obj>\w+)", self.create)
        r.add("GET", V + r"/sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})", self.get_record)
        r.add("PATCH", V + r"/sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})", self.update)
        r.add("DELETE", V + r"/sobjects/(?P<obj>\w+)/(?P<id>\w{15,18})", self.delete)
        r.add("PATCH", V + r"/sobjects/(?P<obj>\w+)/(?P<field>\w+)/(?P<value>[^/]+)", self.upsert)
        r.add("POST", V + r"/composite/sobjects", self.collection_create)
        r.add("PATCH", V + r"/composite/sobjects", self.collection_update)
        r.add("DELETE", V + r"/composite/sobjects", self.collection_delete)
        r.add("PATCH", V + r"/composite/sobjects/(?P<obj>\w+)/(?P<field>\w+)", self.collection_upsert)
        self.bulk = BulkJobs(self)
        self.bulk.register(r, V)

    # --- switches for tests -------------------------------------------------------------
    def expire_sessions(self) -> None:
        """Every issued session becomes invalid: the next call gets 401 INVALID_SESSION_ID."""
        with self._lock:
            for token in self._sessions:
                self._sessions[token] = False

    def issue_session(self) -> str:
        """A valid session id without a login (for session-id auth)."""
        token = f"{ORG_ID}!{secrets.token_urlsafe(24)}"
        with self._lock:
            self._sessions[token] = True
        return token

    # --- plumbing -------------------------------------------------------------------------
    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.requests.append((request.method, request.path))
        if request.path in ("/services/oauth2/token", "/services/data", "/services/data/"):
            return self.router.dispatch(request)  # public, as in Salesforce
        auth = request.header("authorization") or ""
        token = auth.split(" ", 1)[1] if " " in auth else ""
        with self._lock:
            valid = self._sessions.get(token, False)
            if valid:
                self.api_used += 1
        if not valid:
            return sf_errors(401, "INVALID_SESSION_ID", "Session expired or invalid")
        response = self.router.dispatch(request)
        response.headers.setdefault("Sforce-Limit-Info", f"api-usage={self.api_used}/{self.api_max}")
        return response

    def token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        c = self.creds
        ok = False
        if grant == "password":
            ok = (form.get("client_id"), form.get("client_secret"), form.get("username"), form.get("password")) == (
                c["client_id"],
                c["client_secret"],
                c["username"],
                c["password"] + c["security_token"],
            )
        elif grant == "client_credentials":
            ok = (form.get("client_id"), form.get("client_secret")) == (c["client_id"], c["client_secret"])
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            ok = self._jwt_ok(form.get("assertion", ""))
        else:
            return json_response(
                {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, 400
            )
        if not ok:
            return json_response({"error": "invalid_grant", "error_description": "authentication failure"}, 400)
        token = self.issue_session()
        with self._lock:
            self.logins.append(grant or "")
        issued = str(int(time.time() * 1000))
        signature = base64.b64encode(hashlib.sha256((token + issued).encode()).digest()).decode()
        return json_response(
            {
                "access_token": token,
                "instance_url": self.base_url,
                "id": f"{self.base_url}/id/{ORG_ID}/{USER_ID}",
                "token_type": "Bearer",
                "issued_at": issued,
                "signature": signature,
            }
        )

    def _jwt_ok(self, assertion: str) -> bool:
        if not self.jwt_public_key:
            return False
        import jwt

        try:
            claims = jwt.decode(
                assertion,
                self.jwt_public_key,
                algorithms=["RS256"],
                audience=self.base_url,
                options={"require": ["exp", "iss", "sub", "aud"]},
            )
        except jwt.PyJWTError:
            return False
        return claims["iss"] == self.creds["client_id"] and claims["sub"] == self.creds["username"]

    def _obj(self, name: str) -> str | None:
        return next((o for o in self.org.schema if o.lower() == name.lower()), None)

    # --- metadata ------------------------------------------------------------------------
    def versions(self, request: Request) -> Response:
        return json_response([{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in VERSIONS])

    def resources(self, request: Request) -> Response:
        v = request.params["v"]
        names = ["sobjects", "query", "queryAll", "limits", "composite", "jobs"]
        return json_response({n: f"/services/data/v{v}/{n}" for n in names})

    def limits(self, request: Request) -> Response:
        return json_response(
            {
                "DailyApiRequests": {"Max": self.api_max, "Remaining": max(0, self.api_max - self.api_used)},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000 - len(self.bulk.jobs)},
            }
        )

    def _sobject_summary(self, name: str, v: str) -> dict[str, Any]:
        return {
            "name": name,
            "label": name,
            "labelPlural": name + "s",
            "custom": name.endswith("__c"),
            "keyPrefix": self.org.prefixes[name],
            "queryable": True,
            "createable": True,
            "updateable": True,
            "deletable": True,
            "replicateable": True,
            "retrieveable": True,
            "searchable": True,
            "urls": {
                "sobject": f"/services/data/v{v}/sobjects/{name}",
                "describe": f"/services/data/v{v}/sobjects/{name}/describe",
                "rowTemplate": f"/services/data/v{v}/sobjects/{name}/{{ID}}",
            },
        }

    def describe_global(self, request: Request) -> Response:
        v = request.params["v"]
        return json_response(
            {
                "encoding": "UTF-8",
                "maxBatchSize": 200,
                "sobjects": [self._sobject_summary(o, v) for o in self.org.schema],
            }
        )

    def describe(self, request: Request) -> Response:
        name = self._obj(request.params["obj"])
        if name is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        fields = []
        for fname, info in self.org.schema[name].items():
            system = fname in ("Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp")
            fields.append(
                {
                    "name": fname,
                    "label": fname,
                    "type": info["type"],
                    "custom": fname.endswith("__c"),
                    "externalId": bool(info.get("externalId")),
                    "idLookup": fname == "Id" or bool(info.get("externalId")),
                    "unique": False,
                    "nillable": not system and fname != "Name",
                    "createable": not system,
                    "updateable": not system,
                    "filterable": True,
                    "sortable": True,
                    "length": 255 if info["type"] in ("string", "email", "phone", "url", "picklist", "textarea") else 0,
                    "referenceTo": [],
                    "soapType": _SOAP.get(info["type"], "xsd:string"),
                }
            )
        body = self._sobject_summary(name, request.params["v"])
        body.update({"fields": fields, "childRelationships": [], "recordTypeInfos": []})
        return json_response(body)

    # --- queries ----------------------------------------------------------------------------
    def render(self, obj: str, row: dict[str, Any], fields: list[str], v: str) -> dict[str, Any]:
        types = self.org.schema[obj]
        out: dict[str, Any] = {"attributes": {"type": obj, "url": f"/services/data/v{v}/sobjects/{obj}/{row['Id']}"}}
        for f in fields:
            out[f] = to_json_value(row.get(f), types[f]["type"])
        return out

    def run(self, text: str, include_deleted: bool) -> tuple[soql.Query, list[str]]:
        """Evaluate a SOQL string to (query, matching ids in order)."""
        q = soql.parse(text, self.org.schema)
        with self.org.lock:
            rows = [
                r
                for r in self.org.records[q.object].values()
                if (include_deleted or not r["IsDeleted"]) and soql.matches(q.where, r)
            ]
        rows = soql.sort_rows(rows, q.order) if q.order else rows
        rows = rows[q.offset :]
        if q.limit is not None:
            rows = rows[: q.limit]
        return q, [r["Id"] for r in rows]

    def _page(self, q: soql.Query, ids: list[str], start: int, size: int, v: str, kind: str, locator: str) -> Response:
        page_ids = ids[start : start + size]
        records = []
        for rid in page_ids:
            row = self.org.records[q.object].get(rid)
            if row is not None:
                records.append(self.render(q.object, row, q.fields or [], v))
        body: dict[str, Any] = {"totalSize": len(ids), "done": start + size >= len(ids), "records": records}
        if not body["done"]:
            body["nextRecordsUrl"] = f"/services/data/v{v}/{kind}/{locator}-{start + size}"
        return json_response(body)

    def query(self, request: Request) -> Response:
        text = request.arg("q")
        if not text:
            return sf_errors(400, "MALFORMED_QUERY", "query string missing: q")
        try:
            q, ids = self.run(text, include_deleted=request.params["kind"] == "queryAll")
        except soql.SoqlError as exc:
            return sf_errors(400, exc.code, exc.message)
        if q.fields is None:
            return json_response({"totalSize": len(ids), "done": True, "records": []})
        size = self.query_batch_size
        options = request.header("sforce-query-options") or ""
        if "batchSize=" in options:
            size = max(200, min(2000, int(options.split("batchSize=")[1].split(",")[0])))
        locator = "01g" + secrets.token_hex(6)
        with self._lock:
            self._cursors[locator] = (q, ids)
        return self._page(q, ids, 0, size, request.params["v"], request.params["kind"], locator)

    def query_more(self, request: Request) -> Response:
        locator, _, start = request.params["locator"].rpartition("-")
        with self._lock:
            cursor = self._cursors.get(locator)
        if cursor is None or not start.isdigit():
            return sf_errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        q, ids = cursor
        size = self.query_batch_size
        options = request.header("sforce-query-options") or ""
        if "batchSize=" in options:
            size = max(200, min(2000, int(options.split("batchSize=")[1].split(",")[0])))
        return self._page(q, ids, int(start), size, request.params["v"], request.params["kind"], locator)

    # --- single-record writes ----------------------------------------------------------------
    def write_one(self, obj: str, data: dict[str, Any], record_id: str | None = None) -> tuple[int, dict[str, Any]]:
        """Create (record_id None) or update one record: (status, result dict in collections form)."""
        try:
            values = self.org.coerce(obj, data, creating=record_id is None)
        except KeyError as exc:
            return 400, _fail(
                "INVALID_FIELD", f"No such column '{exc.args[0]}' on sobject of type {obj}", [str(exc.args[0])]
            )
        except PermissionError as exc:
            return 400, _fail(
                "INVALID_FIELD_FOR_INSERT_UPDATE", f"Unable to create/update fields: {exc.args[0]}", [str(exc.args[0])]
            )
        except LookupError as exc:
            return 400, _fail(
                "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(exc.args[0])}]", list(exc.args[0])
            )
        except ValueError as exc:
            return 400, _fail("INVALID_TYPE_ON_FIELD_IN_RECORD", str(exc))
        if record_id is None:
            row = self.org.insert(obj, values)
            return 201, {"id": row["Id"], "success": True, "errors": []}
        if self.org.find(obj, record_id) is None:
            return 404, _fail(
                "ENTITY_IS_DELETED" if self.org.find(obj, record_id, True) else "NOT_FOUND",
                "entity is deleted or does not exist",
            )
        self.org.update(obj, record_id, values)
        return 204, {"id": record_id, "success": True, "errors": []}

    def upsert_one(self, obj: str, field: str, value: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fields = self.org.schema[obj]
        match = next((f for f in fields if f.lower() == field.lower()), None)
        if match is None or not (fields[match].get("externalId") or match == "Id"):
            return 404, _fail("NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}")
        found = self.org.by_external_id(obj, match, value)
        if len(found) > 1:
            return 300, _fail(
                "DUPLICATE_EXTERNAL_ID",
                f"{match}: more than one record found for external id field: {[r['Id'] for r in found]}",
                [match],
            )
        data = {k: v for k, v in data.items() if k.lower() != match.lower()}
        if found:
            status, result = self.write_one(obj, data, found[0]["Id"])
            return (200 if status < 300 else status), {**result, "created": False}
        status, result = self.write_one(obj, {**data, match: value})
        return status, {**result, "created": status == 201}

    def create(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        if obj is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        status, result = self.write_one(obj, request.json() or {})
        return json_response(result if status < 300 else _rest_errors(result), status)

    def get_record(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        row = self.org.find(obj, request.params["id"]) if obj else None
        if row is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        return json_response(self.render(obj, row, list(self.org.schema[obj]), request.params["v"]))

    def update(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        if obj is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        status, result = self.write_one(obj, request.json() or {}, request.params["id"])
        return Response(204) if status == 204 else json_response(_rest_errors(result), status)

    def delete(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        if obj is None or self.org.find(obj, request.params["id"]) is None:
            return sf_errors(404, "ENTITY_IS_DELETED", "entity is deleted")
        self.org.delete(obj, request.params["id"])
        return Response(204)

    def upsert(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        if obj is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        status, result = self.upsert_one(obj, request.params["field"], request.params["value"], request.json() or {})
        if status == 300:
            v = request.params["v"]
            return json_response([f"/services/data/v{v}/sobjects/{obj}/{i}" for i in _ids_in(result)], 300)
        return json_response(result if status < 300 else _rest_errors(result), status)

    # --- sObject collections (composite/sobjects), at most 200 records per call ------------------
    def _collection(self, request: Request) -> tuple[list[dict[str, Any]] | None, Response | None]:
        body = request.json() or {}
        records = body.get("records")
        if not isinstance(records, list) or not records:
            return None, sf_errors(400, "REQUIRED_FIELD_MISSING", "At least 1 record is required.")
        if len(records) > 200:
            return None, sf_errors(
                400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
            )
        if body.get("allOrNone"):
            return None, sf_errors(400, "INVALID_INPUT", "allOrNone=true is not supported by this test server")
        return records, None

    def collection_create(self, request: Request) -> Response:
        records, error = self._collection(request)
        if error:
            return error
        out = []
        for record in records or []:
            obj = self._obj((record.get("attributes") or {}).get("type", ""))
            if obj is None:
                out.append(_fail("INVALID_TYPE", "attributes.type is missing or unknown"))
                continue
            out.append(self.write_one(obj, record)[1])
        return json_response(out)

    def collection_update(self, request: Request) -> Response:
        records, error = self._collection(request)
        if error:
            return error
        out = []
        for record in records or []:
            obj = self._obj((record.get("attributes") or {}).get("type", ""))
            rid = record.get("id") or record.get("Id")
            if obj is None or not rid:
                out.append(_fail("MISSING_ARGUMENT", "attributes.type and Id are required"))
                continue
            out.append(self.write_one(obj, {k: v for k, v in record.items() if k.lower() != "id"}, rid)[1])
        return json_response(out)

    def collection_delete(self, request: Request) -> Response:
        ids = [i for i in (request.arg("ids") or "").split(",") if i]
        if not ids:
            return sf_errors(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.")
        out = []
        for rid in ids:
            obj = next((o for o, p in self.org.prefixes.items() if rid.startswith(p) and self.org.find(o, rid)), None)
            if obj is None:
                out.append({"id": rid, **_fail("ENTITY_IS_DELETED", "entity is deleted")})
            else:
                self.org.delete(obj, rid)
                out.append({"id": rid, "success": True, "errors": []})
        return json_response(out)

    def collection_upsert(self, request: Request) -> Response:
        obj = self._obj(request.params["obj"])
        if obj is None:
            return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
        records, error = self._collection(request)
        if error:
            return error
        field = request.params["field"]
        out = []
        for record in records or []:
            value = next((v for k, v in record.items() if k.lower() == field.lower()), None)
            if value in (None, ""):
                out.append({**_fail("MISSING_ARGUMENT", f"{field} not specified", [field]), "created": False})
                continue
            status, result = self.upsert_one(obj, field, str(value), record)
            out.append({**result, "created": result.get("created", False)})
        return json_response(out)


def _fail(code: str, message: str, fields: list[str] | None = None) -> dict[str, Any]:
    return {"id": None, "success": False, "errors": [{"statusCode": code, "message": message, "fields": fields or []}]}


def _rest_errors(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Collections-style errors (``statusCode``) in the single-record form (``errorCode``)."""
    return [
        {"message": e["message"], "errorCode": e["statusCode"], "fields": e.get("fields", [])} for e in result["errors"]
    ]


def _ids_in(result: dict[str, Any]) -> list[str]:
    import re

    return re.findall(r"\b[a-zA-Z0-9]{18}\b", result["errors"][0]["message"])


_SOAP = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "double": "xsd:double",
    "currency": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "int": "xsd:int",
}
