"""Bulk API 2.0 of the Salesforce test server: CSV query jobs with locator paging, and ingest jobs.

Query: ``POST jobs/query`` → ``GET jobs/query/<id>`` (InProgress once, then JobComplete) →
``GET jobs/query/<id>/results?maxRecords=&locator=`` with ``Sforce-Locator`` and
``Sforce-NumberOfRecords`` headers. Ingest: ``POST jobs/ingest`` → ``PUT .../batches`` (CSV) →
``PATCH {"state": "UploadComplete"}`` (processed at once) → ``successfulResults``,
``failedResults``, ``unprocessedrecords``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from typing import Any, Protocol

from testkit.servers.rest.kit import Request, Response, Router, json_response
from testkit.servers.salesforce import soql
from testkit.servers.salesforce.errors import sf_errors
from testkit.servers.salesforce.store import Org, sf_id, to_csv_value

__all__ = ["BulkJobs", "RecordApi"]

_CSV = {"Content-Type": "text/csv; charset=UTF-8"}


class RecordApi(Protocol):
    """What the Bulk API needs from the REST side of the server: the org, SOQL and single-record writes."""

    org: Org

    def run(self, text: str, include_deleted: bool) -> tuple[soql.Query, list[str]]: ...

    def write_one(self, obj: str, data: dict[str, Any], record_id: str | None = None) -> tuple[int, dict[str, Any]]: ...

    def upsert_one(self, obj: str, field: str, value: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]: ...


class BulkJobs:
    """Job table and routes."""

    def __init__(self, app: RecordApi) -> None:
        self.app = app
        self.jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._n = 0

    def register(self, router: Router, v: str) -> None:
        router.add("POST", v + r"/jobs/query", self.create_query)
        router.add("GET", v + r"/jobs/query/(?P<job>\w+)", self.get_query)
        router.add("GET", v + r"/jobs/query/(?P<job>\w+)/results", self.query_results)
        router.add("PATCH", v + r"/jobs/query/(?P<job>\w+)", self.set_state)
        router.add("DELETE", v + r"/jobs/query/(?P<job>\w+)", self.delete_job)
        router.add("POST", v + r"/jobs/ingest", self.create_ingest)
        router.add("GET", v + r"/jobs/ingest/(?P<job>\w+)", self.get_ingest)
        router.add("PUT", v + r"/jobs/ingest/(?P<job>\w+)/batches", self.upload)
        router.add("PATCH", v + r"/jobs/ingest/(?P<job>\w+)", self.set_state)
        router.add("DELETE", v + r"/jobs/ingest/(?P<job>\w+)", self.delete_job)
        router.add(
            "GET",
            v + r"/jobs/ingest/(?P<job>\w+)/(?P<which>successfulResults|failedResults|unprocessedrecords)",
            self.ingest_results,
        )

    def _new(self, kind: str, v: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._n += 1
            job_id = sf_id("750", self._n)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        job = {
            "id": job_id,
            "createdById": "0055g000000HubAAA",
            "createdDate": stamp,
            "systemModstamp": stamp,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(v),
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "_kind": kind,
            "_polls": 0,
            **fields,
        }
        with self._lock:
            self.jobs[job_id] = job
        return job

    def _job(self, request: Request, kind: str) -> dict[str, Any] | None:
        job = self.jobs.get(request.params["job"])
        return job if job is not None and job["_kind"] == kind else None

    @staticmethod
    def _public(job: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in job.items() if not k.startswith("_")}

    # --- query jobs --------------------------------------------------------------------------
    def create_query(self, request: Request) -> Response:
        body = request.json() or {}
        operation = body.get("operation", "query")
        if operation not in ("query", "queryAll"):
            return sf_errors(400, "INVALIDJOB", f"operation {operation!r} is not a query operation")
        try:
            q, ids = self.app.run(body.get("query") or "", include_deleted=operation == "queryAll")
        except soql.SoqlError as exc:
            return sf_errors(400, exc.code, exc.message)
        if q.fields is None:
            return sf_errors(400, "INVALIDJOB", "COUNT() is not supported by Bulk API 2.0 query jobs")
        job = self._new(
            "query",
            request.params["v"],
            operation=operation,
            object=q.object,
            state="UploadComplete",
            _query=q,
            _ids=ids,
            numberRecordsProcessed=0,
            retries=0,
            totalProcessingTime=0,
        )
        return json_response(self._public(job))

    def get_query(self, request: Request) -> Response:
        job = self._job(request, "query")
        if job is None:
            return _not_found()
        job["_polls"] += 1
        if job["state"] == "UploadComplete":
            job["state"] = "InProgress"
        elif job["state"] == "InProgress":
            job.update(state="JobComplete", numberRecordsProcessed=len(job["_ids"]))
        return json_response(self._public(job))

    def query_results(self, request: Request) -> Response:
        job = self._job(request, "query")
        if job is None:
            return _not_found()
        if job["state"] != "JobComplete":
            return sf_errors(400, "INVALIDJOB", "job is not complete")
        try:
            start = int(request.arg("locator") or 0)
            size = int(request.arg("maxRecords") or 50000)
        except ValueError:
            return sf_errors(400, "INVALID_LOCATOR", "invalid locator or maxRecords")
        q: soql.Query = job["_query"]
        ids: list[str] = job["_ids"][start : start + size]
        types = self.app.org.schema[q.object]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(q.fields)
        rows = self.app.org.records[q.object]
        for rid in ids:
            row = rows[rid]
            writer.writerow([to_csv_value(row.get(f), types[f]["type"]) for f in q.fields or []])
        nxt = start + size
        headers = {
            **_CSV,
            "Sforce-Locator": str(nxt) if nxt < len(job["_ids"]) else "null",
            "Sforce-NumberOfRecords": str(len(ids)),
        }
        return Response(200, out.getvalue().encode("utf-8"), headers)

    # --- ingest jobs -------------------------------------------------------------------------
    def create_ingest(self, request: Request) -> Response:
        body = request.json() or {}
        name = (body.get("object") or "").lower()
        obj = next((o for o in self.app.org.schema if o.lower() == name), None)
        operation = body.get("operation")
        if obj is None:
            return sf_errors(400, "INVALIDJOB", f"InvalidJob : Invalid object: {body.get('object')}")
        if operation not in ("insert", "update", "upsert", "delete"):
            return sf_errors(400, "INVALIDJOB", f"InvalidJob : Invalid operation: {operation}")
        ext = body.get("externalIdFieldName")
        if operation == "upsert" and not ext:
            return sf_errors(400, "INVALIDJOB", "InvalidJob : External ID was blank for upsert")
        v = request.params["v"]
        job = self._new(
            "ingest",
            v,
            operation=operation,
            object=obj,
            state="Open",
            externalIdFieldName=ext,
            _chunks=[],
            numberRecordsProcessed=0,
            numberRecordsFailed=0,
        )
        job["contentUrl"] = f"services/data/v{v}/jobs/ingest/{job['id']}/batches"
        return json_response(self._public(job))

    def get_ingest(self, request: Request) -> Response:
        job = self._job(request, "ingest")
        return _not_found() if job is None else json_response(self._public(job))

    def upload(self, request: Request) -> Response:
        job = self._job(request, "ingest")
        if job is None:
            return _not_found()
        if job["state"] != "Open":
            return sf_errors(409, "INVALIDJOBSTATE", "job is not open for uploads")
        job["_chunks"].append(request.body.decode("utf-8"))
        return Response(201)

    def set_state(self, request: Request) -> Response:
        job = self.jobs.get(request.params["job"])
        if job is None:
            return _not_found()
        state = (request.json() or {}).get("state")
        if state == "Aborted":
            job["state"] = "Aborted"
        elif state == "UploadComplete" and job["_kind"] == "ingest" and job["state"] == "Open":
            self._process(job)
        else:
            return sf_errors(400, "INVALIDJOBSTATE", f"cannot move job from {job['state']} to {state}")
        return json_response(self._public(job))

    def delete_job(self, request: Request) -> Response:
        return Response(204) if self.jobs.pop(request.params["job"], None) else _not_found()

    def _process(self, job: dict[str, Any]) -> None:
        obj = job["object"]
        success: list[list[str]] = []
        failed: list[list[str]] = []
        header: list[str] = []
        for chunk in job["_chunks"]:
            reader = csv.reader(io.StringIO(chunk))
            header = next(reader, [])
            for row in reader:
                data = {h: ("" if v == "" else (None if v == "#N/A" else v)) for h, v in zip(header, row, strict=False)}
                data = {k: v for k, v in data.items() if v != ""}  # empty CSV cell: leave the field unchanged
                status, result = self._apply(job, obj, data)
                if result.get("success"):
                    success.append([result["id"], "true" if status == 201 else "false", *row])
                else:
                    failed.append(
                        [
                            data.get("Id", ""),
                            f"{result['errors'][0]['statusCode']}:{result['errors'][0]['message']}",
                            *row,
                        ]
                    )
        job.update(
            state="JobComplete",
            numberRecordsProcessed=len(success) + len(failed),
            numberRecordsFailed=len(failed),
            _header=header,
            _success=success,
            _failed=failed,
        )

    def _apply(self, job: dict[str, Any], obj: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app, op = self.app, job["operation"]
        if op == "insert":
            return app.write_one(obj, data)
        if op == "upsert":
            field = job["externalIdFieldName"]
            value = next((v for k, v in data.items() if k.lower() == field.lower()), None)
            if value in (None, ""):
                return 400, {
                    "success": False,
                    "errors": [{"statusCode": "MISSING_ARGUMENT", "message": f"{field} not specified"}],
                }
            return app.upsert_one(obj, field, str(value), data)
        rid = data.pop("Id", None) or ""
        if op == "delete":
            if not app.org.find(obj, rid):
                return 404, {
                    "success": False,
                    "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted"}],
                }
            app.org.delete(obj, rid)
            return 200, {"id": rid, "success": True}
        return app.write_one(obj, data, rid)

    def ingest_results(self, request: Request) -> Response:
        job = self._job(request, "ingest")
        if job is None:
            return _not_found()
        which = request.params["which"]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        header = job.get("_header", [])
        if which == "successfulResults":
            writer.writerow(["sf__Id", "sf__Created", *header])
            writer.writerows(job.get("_success", []))
        elif which == "failedResults":
            writer.writerow(["sf__Id", "sf__Error", *header])
            writer.writerows(job.get("_failed", []))
        else:
            writer.writerow(header)
        return Response(200, out.getvalue().encode("utf-8"), _CSV)


def _not_found() -> Response:
    return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
