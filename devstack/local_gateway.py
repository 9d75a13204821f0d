"""The local API gateway: ``POST /orders`` and ``GET /orders/{orderId}`` for the local stack.

MiniStack's API Gateway cannot integrate with Step Functions and does not apply mapping
templates, so locally this small server does what the Terraform-deployed REST API does, from
the same files: it checks the API key, validates the body against
``terraform/api/order_request.schema.json`` (400 through the BAD_REQUEST_BODY template),
renders the request template, calls StartSyncExecution (or DynamoDB GetItem) on the emulator,
and renders the response template, whose ``responseOverride.status`` becomes the HTTP status.
It listens on 127.0.0.1 only.
"""

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
from botocore.exceptions import BotoCoreError, ClientError

from devstack import vtl
from devstack.paths import REPO_ROOT
from devstack.provision import StackOutputs

API_DIR = REPO_ROOT / "terraform" / "api"
SCHEMA_FILE = API_DIR / "order_request.schema.json"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
SHOWN_VALUE_CHARS = 40  # of an offending value, in a 400's message


@dataclass(frozen=True)
class GatewayConfig:
    api_key: str
    stage_variables: dict[str, str]  # orderStateMachineArn, ordersTableName
    sfn: Any  # boto3 Step Functions client (Config(inject_host_prefix=False) for emulators)
    dynamodb: Any  # boto3 DynamoDB client


def stage_variables(outputs: StackOutputs) -> dict[str, str]:
    """The stage variables Terraform gives the API's stage, for a stack deployed on an emulator."""
    return {
        "orderStateMachineArn": outputs.state_machines["order_processing"],
        "ordersTableName": outputs.tables["orders"],
    }


def validation_errors(body: Any, schema: dict[str, Any]) -> list[str]:
    """Every way ``body`` breaks the schema, each starting with the field it concerns."""
    validator = jsonschema.Draft4Validator(schema)
    found = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        field = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        ).lstrip(".")
        found.append(f"{field or 'body'}: {_without_long_values(error)}")
    return found


def _without_long_values(error: jsonschema.ValidationError) -> str:
    """jsonschema's message, with a long offending value cut short (never echo 300 KiB back)."""
    shown = repr(error.instance)
    if len(shown) <= SHOWN_VALUE_CHARS:
        return str(error.message)
    size = len(json.dumps(error.instance, ensure_ascii=False).encode())
    return str(error.message).replace(shown, f"{shown[:SHOWN_VALUE_CHARS]}... ({size} bytes)")


class _Handler(BaseHTTPRequestHandler):
    server_version = "orders-local-gateway"
    config: GatewayConfig
    schema: dict[str, Any]

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet; the emulator logs every call

    def _send(self, status: int, text: str) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _context(self) -> vtl.RequestContext:
        return vtl.RequestContext(str(uuid.uuid4()), int(time.time() * 1000))

    def _authorised(self) -> bool:
        if self.headers.get("x-api-key") == self.config.api_key:
            return True
        self._send(HTTPStatus.FORBIDDEN, json.dumps({"message": "Forbidden"}))
        return False

    def _reject_body(self, context: vtl.RequestContext, problems: list[str]) -> None:
        # The template inserts this string inside JSON quotes, unescaped (as API Gateway's
        # BAD_REQUEST_BODY template does), so it must not carry a double quote of its own, and
        # a backslash or control character in a quoted bad value is escaped for JSON.
        message = "[" + "; ".join(problems).replace('"', "'") + "]"
        context.validation_error = json.dumps(message, ensure_ascii=False)[1:-1]
        text, _ = vtl.render(
            API_DIR / "bad_request_body.response.vtl", {}, context, self.config.stage_variables
        )
        self._send(HTTPStatus.BAD_REQUEST, text)

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/orders":
            self._send(HTTPStatus.NOT_FOUND, json.dumps({"message": "Not Found"}))
            return
        if not self._authorised():
            return
        context = self._context()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, json.dumps({"message": "too large"}))
            return
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self._reject_body(context, [f"body: not valid JSON ({error})"])
            return
        problems = validation_errors(body, self.schema)
        if problems:
            self._reject_body(context, problems)
            return
        stage = self.config.stage_variables
        request, _ = vtl.render(API_DIR / "place_order.request.vtl", body, context, stage)
        try:
            answer = self.config.sfn.start_sync_execution(**json.loads(request))
        except (ClientError, BotoCoreError) as error:
            self._integration_failed(error)
            return
        answer = vtl.to_plain_json(answer)
        answer.pop("ResponseMetadata", None)
        text, status = vtl.render(API_DIR / "place_order.response.vtl", answer, context, stage)
        self._send(status or HTTPStatus.OK, text)

    def _integration_failed(self, error: Exception) -> None:
        """The integration failed (service error, emulator unreachable): API Gateway answers 500."""
        self.server_log(f"integration failed: {error}")
        self._send(
            HTTPStatus.INTERNAL_SERVER_ERROR, json.dumps({"message": "Internal server error"})
        )

    def server_log(self, message: str) -> None:
        print(f"local gateway: {message}", flush=True)

    def do_GET(self) -> None:
        prefix = "/orders/"
        if not self.path.startswith(prefix) or "/" in self.path[len(prefix) :]:
            self._send(HTTPStatus.NOT_FOUND, json.dumps({"message": "Not Found"}))
            return
        if not self._authorised():
            return
        context, stage = self._context(), self.config.stage_variables
        params = {"orderId": self.path[len(prefix) :]}
        request, _ = vtl.render(API_DIR / "get_order.request.vtl", {}, context, stage, params)
        try:
            answer = vtl.to_plain_json(self.config.dynamodb.get_item(**json.loads(request)))
        except (ClientError, BotoCoreError) as error:
            self._integration_failed(error)
            return
        text, status = vtl.render(API_DIR / "get_order.response.vtl", answer, context, stage)
        self._send(status or HTTPStatus.OK, text)


class LocalGateway:
    """Serve the API on 127.0.0.1 in a background thread; ``stop()`` shuts it down."""

    def __init__(self, config: GatewayConfig, port: int = 3000) -> None:
        handler = type(
            "Handler",
            (_Handler,),
            {"config": config, "schema": json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))},
        )
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> "LocalGateway":
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def main(argv: list[str] | None = None) -> int:
    """Serve the gateway for a deployed local stack (``make deploy`` starts this)."""
    import argparse  # noqa: PLC0415

    import boto3  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--state", required=True, help=".local/stack.json written by deploy")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    args = parser.parse_args(argv)
    state = json.loads(Path(args.state).read_text(encoding="utf-8"))
    common = {
        "endpoint_url": args.endpoint,
        "region_name": state["region"],
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    config = GatewayConfig(
        api_key=state["apiKey"],
        stage_variables={
            "orderStateMachineArn": state["orderStateMachineArn"],
            "ordersTableName": state["ordersTableName"],
        },
        sfn=boto3.client(
            "stepfunctions",
            config=Config(inject_host_prefix=False, read_timeout=35, retries={"max_attempts": 1}),
            **common,
        ),
        dynamodb=boto3.client("dynamodb", **common),
    )
    gateway = LocalGateway(config, args.port)
    print(f"local gateway on {gateway.url}", flush=True)
    gateway.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
