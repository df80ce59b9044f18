"""A local GOV.UK Notify that speaks the documented v2 API, for fault tests.

POST /v2/notifications/email and /v2/notifications/sms (JWT bearer checked with the client library's own
decoder: HS256, iss = service id, iat within 30 seconds), GET /v2/notifications?reference=…, and GET
/v2/notifications/<id>. It can be told to answer 500 or 429, or to hang, for the next N requests.
A hang can happen *after* the message was stored, which is the case a retry must not duplicate.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenError

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"townhall_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE_ID = "1ac1f2f4-7a3d-4b0e-9a77-0c9e3a3a0e51"


@dataclass
class Fault:
    kind: str  # "status" | "hang" | "ok" (answer normally: lets a fault wait for the Nth request)
    status: int = 500
    seconds: float = 0.0
    after_store: bool = False


@dataclass
class FakeNotifyState:
    notifications: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: int = 0
    auth_failures: int = 0
    team_only: bool = False
    guest_list: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def references(self) -> list[str]:
        with self.lock:
            return [n["reference"] for n in self.notifications]


def _error(status: int, error: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status_code": status, "errors": [{"error": error, "message": message}]}


class _Handler(BaseHTTPRequestHandler):
    server: FakeNotifyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return False
        token = header[len("Bearer ") :]
        try:
            if get_token_issuer(token) != SERVICE_ID:
                return False
            return bool(decode_jwt_token(token, SECRET))
        except TokenError:
            return False

    def _next_fault(self) -> Fault | None:
        state = self.server.state
        with state.lock:
            state.requests += 1
            return state.faults.pop(0) if state.faults else None

    def do_GET(self) -> None:
        if not self._authorised():
            self.server.state.auth_failures += 1
            self._reply(*_error(403, "AuthError", "Invalid token: signature, api token not found"))
            return
        url = urlparse(self.path)
        state = self.server.state
        with state.lock:
            items = list(state.notifications)
        if url.path == "/v2/notifications":
            reference = parse_qs(url.query).get("reference", [None])[0]
            found = [n for n in items if reference is None or n["reference"] == reference]
            self._reply(200, {"notifications": found, "links": {"current": self.path}})
            return
        if url.path.startswith("/v2/notifications/"):
            ident = url.path.rsplit("/", 1)[-1]
            for item in items:
                if item["id"] == ident:
                    self._reply(200, item)
                    return
            self._reply(*_error(404, "NoResultFound", "No result found"))
            return
        self._reply(*_error(404, "NotFound", "Not found"))

    def do_POST(self) -> None:
        fault = self._next_fault()
        length = int(self.headers.get("Content-Length", "0"))
        data = json.loads(self.rfile.read(length) or b"{}")
        if not self._authorised():
            self.server.state.auth_failures += 1
            self._reply(*_error(403, "AuthError", "Invalid token: signature, api token not found"))
            return
        if fault is not None and fault.kind == "status":
            message = "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
            self._reply(*_error(fault.status, "RateLimitError" if fault.status == 429 else "Exception", message))
            return
        if fault is not None and fault.kind == "hang" and not fault.after_store:
            time.sleep(fault.seconds)
            return
        status, payload = self._create(urlparse(self.path).path, data)
        if fault is not None and fault.kind == "hang":
            time.sleep(fault.seconds)  # stored, but the caller never hears back
            return
        self._reply(status, payload)

    def _create(self, path: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        state = self.server.state
        if path == "/v2/notifications/email":
            kind, address_field, template_id = "email", "email_address", EMAIL_TEMPLATE_ID
        elif path == "/v2/notifications/sms":
            kind, address_field, template_id = "sms", "phone_number", SMS_TEMPLATE_ID
        else:
            return _error(404, "NotFound", "Not found")
        address = str(data.get(address_field, ""))
        if data.get("template_id") != template_id:
            return _error(400, "BadRequestError", "Template not found")
        if not address or "invalid" in address:
            return _error(400, "ValidationError", f"{address_field} Not a valid {kind} address")
        if state.team_only and address not in state.guest_list:
            return _error(400, "BadRequestError", "Can’t send to this recipient using a team-only API key")
        personalisation = data.get("personalisation") or {}
        ident = str(uuid.uuid4())
        item = {
            "id": ident,
            "reference": data.get("reference"),
            "type": kind,
            "status": "created",
            address_field: address,
            "body": personalisation.get("body", ""),
            "subject": personalisation.get("subject"),
            "template": {"id": template_id, "version": 1, "uri": f"/v2/template/{template_id}"},
        }
        with state.lock:
            state.notifications.append(item)
        content: dict[str, Any] = {"body": item["body"]}
        if kind == "email":
            content.update(subject=item["subject"], from_email="mid.downs@notifications.service.gov.uk")
        else:
            content.update(from_number="GOVUK")
        return 201, {
            "id": ident,
            "reference": data.get("reference"),
            "content": content,
            "uri": f"/v2/notifications/{ident}",
            "template": item["template"],
        }


class FakeNotifyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = FakeNotifyState()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeNotifyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def fail_next(self, n: int, status: int = 500) -> None:
        with self.state.lock:
            self.state.faults.extend(Fault("status", status=status) for _ in range(n))

    def pass_next(self, n: int) -> None:
        with self.state.lock:
            self.state.faults.extend(Fault("ok") for _ in range(n))

    def hang_next(self, n: int, seconds: float, *, after_store: bool = False) -> None:
        with self.state.lock:
            self.state.faults.extend(Fault("hang", seconds=seconds, after_store=after_store) for _ in range(n))
