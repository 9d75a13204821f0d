"""make logs and make executions read what the deployed stack wrote, on the local emulator."""

from typing import Any

import pytest

from devstack import logs, workflow_runs
from devstack.stack import Naming
from tests.integration.conftest import LocalApi

pytestmark = pytest.mark.integration


def test_logs_show_the_handler_lines_of_a_placed_order(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    status, body = local_api.request("POST", "/orders", order)
    assert status == 200, body
    lines: list[str] = []

    logs.show(
        local_api.client("logs"),
        logs.log_group_name("process_payment", Naming()),
        since_s=600,
        pattern=order["orderId"],
        write=lines.append,
    )

    assert any('"message":"charging"' in line for line in lines), lines
    assert all(order["orderId"] in line for line in lines)


def test_executions_list_the_order_newest_first_with_its_status(
    local_api: LocalApi, order: dict[str, Any]
) -> None:
    status, body = local_api.request("POST", "/orders", order)
    assert status == 200, body

    runs = workflow_runs.from_api(
        local_api.client("stepfunctions"),
        local_api.outputs.state_machines["order_processing"],
        None,
        5,
    )

    assert runs[0].name.startswith(order["orderId"])
    assert runs[0].status == "SUCCEEDED"
    assert runs == sorted(runs, key=lambda run: run.started, reverse=True)
