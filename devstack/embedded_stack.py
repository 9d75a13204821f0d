"""The whole stack on the embedded emulator: provisioned, seeded, ready for orders.

The demo and the workflow tests both start from here, so they exercise exactly what
provisioning builds.
"""

import contextlib
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Any

from devstack.embedded import EmbeddedAws
from devstack.executions import ExecutionResult, run_execution
from devstack.provision import StackOutputs, provision
from devstack.seed import seed_catalogue_and_stock
from devstack.stack import EVENT_BUS, Naming, function_environment, function_named


class EmbeddedStack:
    def __init__(self, aws: EmbeddedAws, outputs: StackOutputs) -> None:
        self.aws = aws
        self.outputs = outputs

    def seed(self) -> int:
        return seed_catalogue_and_stock(
            self.aws.client("dynamodb"),
            self.outputs.tables["catalogue"],
            self.outputs.tables["inventory"],
        )

    def place_order(self, order: Any) -> ExecutionResult:
        """Run the order workflow on ``order`` (any JSON value) and wait for its result."""
        return run_execution(
            self.aws.client("stepfunctions"),
            self.outputs.state_machines["order_processing"],
            order,
        )

    def set_rule_enabled(self, rule: str, enabled: bool) -> None:
        """Enable or disable one of the stack's EventBridge rules (EnableRule/DisableRule)."""
        events = self.aws.client("events")
        toggle = events.enable_rule if enabled else events.disable_rule
        toggle(Name=Naming().name(rule), EventBusName=self.outputs.buses[EVENT_BUS])

    def stop_running_executions(self, machine: str) -> int:
        """Stop every execution of ``machine`` still running; return how many."""
        sfn = self.aws.client("stepfunctions")
        pages = sfn.get_paginator("list_executions").paginate(
            stateMachineArn=self.outputs.state_machines[machine], statusFilter="RUNNING"
        )
        running = [e["executionArn"] for page in pages for e in page["executions"]]
        for arn in running:
            sfn.stop_execution(executionArn=arn, error="TestEnded")
        return len(running)

    def function_module(self, key: str) -> ModuleType:
        """A function's handler module as its cold start loads it here (tests patch it)."""
        function = function_named(key)
        environment = {
            **function_environment(function, Naming(), self.outputs.account),
            "AWS_REGION": self.aws.region,
            "AWS_DEFAULT_REGION": self.aws.region,
        }
        return self.aws.runtime.handler_module(function.handler, environment)

    def stock(self, product_id: str) -> int | None:
        item = self.aws.client("dynamodb").get_item(
            TableName=self.outputs.tables["inventory"],
            Key={"productId": {"S": product_id}},
            ConsistentRead=True,
        )
        return int(item["Item"]["quantity"]["N"]) if "Item" in item else None

    def stock_levels(self) -> dict[str, int]:
        return {
            item["productId"]["S"]: int(item["quantity"]["N"]) for item in self.scan("inventory")
        }

    def scan(self, table: str) -> list[dict[str, Any]]:
        paginator = self.aws.client("dynamodb").get_paginator("scan")
        return [
            item
            for page in paginator.paginate(TableName=self.outputs.tables[table])
            for item in page["Items"]
        ]


@contextlib.contextmanager
def embedded_stack(lambda_overrides: Mapping[str, str] | None = None) -> Iterator[EmbeddedStack]:
    """Start the embedded emulator, provision every resource, seed the catalogue and stock."""
    with EmbeddedAws(lambda_overrides=lambda_overrides) as aws:
        stack = EmbeddedStack(aws, provision(aws.client, aws.region))
        stack.seed()
        yield stack
