"""API Gateway mapping templates, rendered locally with a real Velocity engine.

MiniStack's and moto's API Gateway do not apply mapping templates, so the local gateway
renders the very files Terraform deploys (``terraform/api/*.vtl``) with airspeed, the engine
LocalStack uses, and provides the variables API Gateway provides: ``$input``, ``$util``,
``$context`` (including ``responseOverride.status``) and ``$stageVariables``.
"""

import base64
import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import airspeed
from jsonpath_ng.ext import parse as parse_json_path  # type: ignore[attr-defined]


def _json_default(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def to_plain_json(value: Any) -> Any:
    """boto3 answers hold datetimes and bytes; API Gateway sees the service's JSON."""
    return json.loads(json.dumps(value, default=_json_default))


class InputVariable:
    """``$input``: the request (or integration response) body and the request parameters."""

    def __init__(self, body: Any, params: dict[str, str] | None = None) -> None:
        self._body = body
        self._params = params or {}

    def path(self, expression: str) -> Any:
        if expression == "$":
            return self._body
        matches = parse_json_path(expression).find(self._body)
        return matches[0].value if matches else ""

    def json(self, expression: str) -> str:
        return json.dumps(self.path(expression))

    def params(self, name: str | None = None) -> Any:
        return self._params if name is None else self._params.get(name, "")


class UtilVariable:
    """``$util`` as API Gateway documents it for REST APIs."""

    @staticmethod
    def escapeJavaScript(value: Any) -> str:  # noqa: N802 - the VTL name
        # Java's StringEscapeUtils.escapeJavaScript, which API Gateway uses, also escapes '.
        return json.dumps(str(value))[1:-1].replace("'", "\\'").replace("/", "\\/")

    @staticmethod
    def parseJson(value: str) -> Any:  # noqa: N802 - the VTL name
        return json.loads(value)

    @staticmethod
    def urlEncode(value: str) -> str:  # noqa: N802 - the VTL name
        return urllib.parse.quote_plus(value)

    @staticmethod
    def urlDecode(value: str) -> str:  # noqa: N802 - the VTL name
        return urllib.parse.unquote_plus(value)

    @staticmethod
    def base64Encode(value: str) -> str:  # noqa: N802 - the VTL name
        return base64.b64encode(value.encode()).decode()

    @staticmethod
    def base64Decode(value: str) -> str:  # noqa: N802 - the VTL name
        return base64.b64decode(value).decode()


@dataclass
class RequestContext:
    request_id: str
    request_time_epoch: int
    validation_error: str = ""
    response_status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_variable(self) -> dict[str, Any]:
        return {
            "requestId": self.request_id,
            "requestTimeEpoch": self.request_time_epoch,
            "error": {"validationErrorString": self.validation_error},
            "responseOverride": {"status": None},
            **self.extra,
        }


def render(
    template: Path,
    body: Any,
    context: RequestContext,
    stage_variables: dict[str, str],
    params: dict[str, str] | None = None,
) -> tuple[str, int | None]:
    """Render one mapping template; return the text and any ``responseOverride.status``."""
    context_variable = context.as_variable()
    text = airspeed.Template(template.read_text(encoding="utf-8")).merge(
        {
            "input": InputVariable(body, params),
            "util": UtilVariable(),
            "context": context_variable,
            "stageVariables": stage_variables,
        }
    )
    status = context_variable["responseOverride"]["status"]
    return text.strip(), int(status) if status is not None else None
