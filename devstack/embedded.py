"""The embedded emulator: moto in this process, executing the real ASL with the real handlers.

``EmbeddedAws`` starts moto with Step Functions execution on and applies these patches:

1. Lambda invocations run the handlers from ``lambdas/`` in-process
   (:mod:`devstack.inprocess_lambda`) instead of in Docker.
2. Speed only, behaviour unchanged: moto's interpreter builds a new boto3 client for every
   Task, re-parses the whole ASL document with ANTLR for every execution, and re-parses every
   JSONPath each time it is read. The clients, the ASL parse trees (not the evaluation
   components built from them, which carry per-execution state) and the JSONPath
   expressions are cached (the bench of the evidence work will put a number on it).
3. The moto gaps the workflows need, each a documented patch in :mod:`devstack.moto_gaps`
   that leaves moto's behaviour alone where the feature is unused: ``states:startExecution``
   tasks (plain, ``.sync``, ``.sync:2``), EventBridge targets for Lambda, SNS and Step
   Functions, and event source mapping FilterCriteria, partial batch responses, bounded
   retries, bisect and OnFailure destinations.

Nothing else about moto is changed (test clocks: :mod:`devstack.fast_clock`). Use it as a
context manager::

    with EmbeddedAws() as aws:
        outputs = provision(aws.client, aws.region)
"""

import functools
import importlib
import importlib.util
import logging
import os
import pkgutil
import threading
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any
from unittest import mock

import boto3
from antlr4 import CommonTokenStream, InputStream
from moto import mock_aws
from moto.awslambda.models import LambdaFunction
from moto.stepfunctions import parser as sfn_parser
from moto.stepfunctions.parser.asl.antlr.runtime.ASLLexer import ASLLexer
from moto.stepfunctions.parser.asl.antlr.runtime.ASLParser import ASLParser
from moto.stepfunctions.parser.asl.parse import asl_parser
from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
from moto.stepfunctions.parser.asl.utils import boto_client, json_path

from devstack import moto_gaps
from devstack.inprocess_lambda import InProcessRuntime
from devstack.stack import DEFAULT_REGION

_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class EmbeddedAws:
    def __init__(
        self, region: str = DEFAULT_REGION, lambda_overrides: Mapping[str, str] | None = None
    ) -> None:
        self.region = region
        self.runtime = InProcessRuntime(lambda_overrides)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._patches: list[Any] = []
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._saved_env: dict[str, str | None] = {}

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` in this emulator (one per service, reused)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(service, region_name=self.region)
            return self._clients[service]

    def __enter__(self) -> "EmbeddedAws":
        for name, value in {**_FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": self.region}.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        os.environ.pop("AWS_ENDPOINT_URL", None)
        # The interpreter logs every caught failure (a decline, a failed condition) at ERROR
        # with its whole component tree; a Catch handling it is normal control flow here.
        self._interpreter_log = logging.getLogger("moto.stepfunctions.parser")
        self._saved_log_level = self._interpreter_log.level
        self._interpreter_log.setLevel(logging.CRITICAL)
        self._mock.start()
        self._patch_lambda_invocation()
        self._cache_interpreter_clients()
        self._cache_parsing()
        self._close_moto_gaps()
        for patch in self._patches:
            patch.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for patch in reversed(self._patches):
            patch.stop()
        self._mock.stop()
        self._interpreter_log.setLevel(self._saved_log_level)
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _patch_lambda_invocation(self) -> None:
        runtime = self.runtime

        def invoke(function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
            return runtime.invoke(
                handler=str(function.handler),
                function_name=function.function_name,
                function_arn=function.function_arn,
                environment=dict(function.environment_vars),
                memory_mb=int(function.memory_size),
                timeout_s=float(function.timeout),
                region=function.region,
                event=event if event is not None else {},
            )

        self._patches.append(mock.patch.object(LambdaFunction, "_invoke_lambda", invoke))

    def _close_moto_gaps(self) -> None:
        """Behaviour moto lacks, added as documented patches (:mod:`devstack.moto_gaps`)."""
        self._patches.extend(moto_gaps.patches())

    def _cache_interpreter_clients(self) -> None:

        original = boto_client.boto_client_for

        @functools.cache
        def cached(region: str, service: str) -> Any:
            return original(region=region, service=service)

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
            return cached(region, service)

        for module in _modules_importing_boto_client_for():
            self._patches.append(mock.patch.object(module, "boto_client_for", boto_client_for))

    def _cache_parsing(self) -> None:

        @functools.lru_cache(maxsize=64)
        def syntax_tree(definition: str) -> Any:
            listener = asl_parser.SyntaxErrorListener()
            parser = ASLParser(CommonTokenStream(ASLLexer(InputStream(definition))))
            parser.removeErrorListeners()
            parser.addErrorListener(listener)
            tree = parser.state_machine()
            if listener.errors:
                raise asl_parser.ASLParserException(errors=listener.errors)
            return tree

        def parse(definition: str) -> tuple[Any, Any]:
            tree = syntax_tree(definition)
            return Preprocessor().visit(tree), tree

        self._patches.append(
            mock.patch.object(asl_parser.AmazonStateLanguageParser, "parse", staticmethod(parse))
        )
        parse_json_path = functools.lru_cache(maxsize=4096)(getattr(json_path, "parse"))  # noqa: B009
        self._patches.append(mock.patch.object(json_path, "parse", parse_json_path))


@functools.cache
def _modules_importing_boto_client_for() -> list[ModuleType]:
    """The interpreter modules that imported ``boto_client_for`` by name (found by source)."""

    found = []
    for info in pkgutil.walk_packages(sfn_parser.__path__, prefix=f"{sfn_parser.__name__}."):
        spec = importlib.util.find_spec(info.name)
        origin = spec.origin if spec else None
        if (
            origin
            and origin.endswith(".py")
            and "import boto_client_for" in Path(origin).read_text()
        ):
            found.append(importlib.import_module(info.name))
    return found
