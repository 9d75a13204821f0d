"""make rollback and canary deploys (devstack/release.py) against moto's Lambda and Step Functions.

The fixture deploys an environment as Terraform leaves it: every function and state machine of
the stack with two published versions and its live alias on the second.
"""

import io
import json
import zipfile
from typing import Any

import boto3
import pytest

from devstack import deploy, release
from devstack.release import FunctionAliases, Live, Move, StateMachineAliases
from devstack.stack import FUNCTIONS, STATE_MACHINES, Naming

pytestmark = pytest.mark.unit

NAMING = Naming("dev")
PASS = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


class Environment:
    """The dev environment on moto, and the two kinds of aliases release.py moves."""

    def __init__(self) -> None:
        self.lambda_ = boto3.client("lambda")
        self.sfn = boto3.client("stepfunctions")
        role = boto3.client("iam").create_role(RoleName="release", AssumeRolePolicyDocument="{}")
        self.role_arn = role["Role"]["Arn"]
        self.machine_arns: dict[str, str] = {}
        self.deploys = 0  # each publish changes something, as a deploy does
        for function in FUNCTIONS:
            self.lambda_.create_function(
                FunctionName=NAMING.name(function.key),
                Runtime="python3.13",
                Handler="handler.lambda_handler",
                Role=self.role_arn,
                Code={"ZipFile": _zip()},
                Publish=True,
            )
            self.publish_function(function.key)
            self.lambda_.create_alias(
                FunctionName=NAMING.name(function.key), Name="live", FunctionVersion="2"
            )
        for machine in STATE_MACHINES:
            created = self.sfn.create_state_machine(
                name=NAMING.name(machine.key),
                definition=json.dumps(PASS),
                roleArn=self.role_arn,
                publish=True,
            )
            self.machine_arns[machine.key] = created["stateMachineArn"]
            self.publish_state_machine(machine.key)
            self.sfn.create_state_machine_alias(
                name="live",
                routingConfiguration=[
                    {"stateMachineVersionArn": self.version_arn(machine.key, 2), "weight": 100}
                ],
            )

    def functions(self) -> FunctionAliases:
        return FunctionAliases(self.lambda_, NAMING)

    def state_machines(self) -> StateMachineAliases:
        return StateMachineAliases(self.sfn, NAMING)

    def publish_function(self, key: str) -> str:
        """A deploy that changed the function: the new version's number."""
        self.deploys += 1
        name = NAMING.name(key)
        self.lambda_.update_function_configuration(
            FunctionName=name, Description=f"deploy {self.deploys}"
        )
        return str(self.lambda_.publish_version(FunctionName=name)["Version"])

    def publish_state_machine(self, key: str) -> str:
        """A deploy that changed the state machine: the new version's ARN."""
        self.deploys += 1
        updated = self.sfn.update_state_machine(
            stateMachineArn=self.machine_arns[key],
            definition=json.dumps(dict(PASS, Comment=f"deploy {self.deploys}")),
            publish=True,
        )
        return str(updated["stateMachineVersionArn"])

    def start_function_canary(self, key: str, weight: float) -> None:
        """A canary deploy of the function: live stays on 2, ``weight`` goes to a new version."""
        new = self.publish_function(key)
        self.lambda_.update_alias(
            FunctionName=NAMING.name(key),
            Name="live",
            FunctionVersion="2",
            RoutingConfig={"AdditionalVersionWeights": {new: weight}},
        )

    def version_arn(self, key: str, version: int) -> str:
        return f"{self.machine_arns[key]}:{version}"

    def function_alias(self, key: str) -> dict[str, Any]:
        alias: dict[str, Any] = self.lambda_.get_alias(FunctionName=NAMING.name(key), Name="live")
        return alias

    def machine_routes(self, key: str) -> list[tuple[str, int]]:
        alias = self.sfn.describe_state_machine_alias(
            stateMachineAliasArn=f"{self.machine_arns[key]}:live"
        )
        return sorted(
            (r["stateMachineVersionArn"], r["weight"]) for r in alias["routingConfiguration"]
        )


@pytest.fixture
def env(aws: Any) -> Environment:
    return Environment()


@pytest.fixture
def env_clients(env: Environment, monkeypatch: pytest.MonkeyPatch) -> Environment:
    """The environment, with release.py's commands given its clients (as for --env dev)."""
    monkeypatch.setattr(
        release, "client", lambda service, _: env.lambda_ if service == "lambda" else env.sfn
    )
    return env


def _everything(env: Environment) -> list[Any]:
    return [env.functions(), env.state_machines()]


def test_rollback_moves_every_alias_to_the_previous_version(env: Environment) -> None:
    reported: list[Move] = []

    moves, problems = release.rollback(_everything(env), report=reported.append)

    assert problems == []
    assert reported == moves
    assert len(moves) == len(FUNCTIONS) + len(STATE_MACHINES)
    assert (
        str(next(m for m in moves if m.key == "order_processing"))
        == "order_processing: live 2 -> 1"
    )
    assert env.function_alias("validate_order")["FunctionVersion"] == "1"
    assert env.machine_routes("order_processing") == [(env.version_arn("order_processing", 1), 100)]


def test_rollback_during_a_canary_puts_everything_back_on_the_stable_version(
    env: Environment,
) -> None:
    """Given a canary deploy in progress (live on 2, 10 % to the new version 3),"""
    env.start_function_canary("validate_order", weight=0.1)
    new_arn = env.publish_state_machine("order_processing")
    env.sfn.update_state_machine_alias(
        stateMachineAliasArn=f"{env.machine_arns['order_processing']}:live",
        routingConfiguration=[
            {"stateMachineVersionArn": env.version_arn("order_processing", 2), "weight": 90},
            {"stateMachineVersionArn": new_arn, "weight": 10},
        ],
    )

    # When it is rolled back,
    moves, problems = release.rollback(
        _everything(env), only=["validate_order", "order_processing"], report=lambda _: None
    )

    # Then all traffic is back on 2, and nothing else moved.
    assert problems == []
    assert [str(move) for move in moves] == [
        "validate_order: live 2 (canary 3 at 10%) -> 2",
        "order_processing: live 2 (canary 3 at 10%) -> 2",
    ]
    alias = env.function_alias("validate_order")
    assert alias["FunctionVersion"] == "2"
    assert not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")
    assert env.machine_routes("order_processing") == [(env.version_arn("order_processing", 2), 100)]
    assert env.function_alias("process_payment")["FunctionVersion"] == "2"


def test_a_missing_alias_is_reported_and_that_resource_is_left_as_it_is(env: Environment) -> None:
    env.lambda_.delete_alias(FunctionName=NAMING.name("notifier"), Name="live")
    env.sfn.delete_state_machine_alias(
        stateMachineAliasArn=f"{env.machine_arns['inventory_import']}:live"
    )

    moves, problems = release.rollback(_everything(env), report=lambda _: None)

    assert problems == [
        "notifier: function orders-dev-notifier has no alias live",
        f"inventory_import: there is no alias {env.machine_arns['inventory_import']}:live",
    ]
    assert {move.key for move in moves} == (
        {f.key for f in FUNCTIONS} | {m.key for m in STATE_MACHINES}
    ) - {"notifier", "inventory_import"}
    assert env.function_alias("risk_screening")["FunctionVersion"] == "1"  # the others moved


def test_an_alias_on_the_first_version_has_nowhere_to_go(env: Environment) -> None:
    env.lambda_.update_alias(FunctionName=NAMING.name("notifier"), Name="live", FunctionVersion="1")
    env.sfn.update_state_machine_alias(
        stateMachineAliasArn=f"{env.machine_arns['pick_pack_label']}:live",
        routingConfiguration=[
            {"stateMachineVersionArn": env.version_arn("pick_pack_label", 1), "weight": 100}
        ],
    )

    _, problems = release.rollback(
        _everything(env), only=["notifier", "pick_pack_label"], report=lambda _: None
    )

    assert problems == [
        "notifier: live is 1 and there is no older version",
        "pick_pack_label: live is 1 and there is no older version",
    ]
    assert env.function_alias("notifier")["FunctionVersion"] == "1"


def test_rollback_skips_versions_that_no_longer_exist(env: Environment) -> None:
    for _ in range(2):
        env.publish_function("shipping_label")
    env.lambda_.update_alias(
        FunctionName=NAMING.name("shipping_label"), Name="live", FunctionVersion="4"
    )
    env.lambda_.delete_function(FunctionName=NAMING.name("shipping_label"), Qualifier="3")

    moves, _ = release.rollback(_everything(env), only=["shipping_label"], report=lambda _: None)

    assert [str(move) for move in moves] == ["shipping_label: live 4 -> 2"]


def test_dry_run_prints_the_moves_and_makes_none(
    env_clients: Environment, capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_clients

    code = release.main(
        ["rollback", "--env", "dev", "--dry-run", "--only", "order_stream,order_fulfilment"]
    )

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "order_stream: live 2 -> 1  (dry run: not moved)",
        "order_fulfilment: live 2 -> 1  (dry run: not moved)",
    ]
    assert env.function_alias("order_stream")["FunctionVersion"] == "2"
    assert env.machine_routes("order_fulfilment") == [(env.version_arn("order_fulfilment", 2), 100)]


def test_rollback_exits_non_zero_naming_what_it_could_not_move(
    env_clients: Environment, capsys: pytest.CaptureFixture[str]
) -> None:
    env = env_clients
    env.lambda_.delete_alias(FunctionName=NAMING.name("notifier"), Name="live")

    code = release.main(["rollback", "--env", "dev", "--only", "notifier"])

    assert code == 1
    assert "error: notifier: function orders-dev-notifier has no alias live; left as it is" in (
        capsys.readouterr().err
    )


def test_rollback_needs_an_environment_and_knows_the_resources() -> None:
    with pytest.raises(SystemExit):
        release.main(["rollback"])
    with pytest.raises(SystemExit):
        release.main(["rollback", "--env", "local"])
    assert release.main(["rollback", "--env", "dev", "--only", "nope"]) == 2


def test_a_canary_deploy_keeps_the_stable_side_of_what_is_live(env_clients: Environment) -> None:
    env = env_clients
    env.start_function_canary("validate_order", weight=0.1)
    env.lambda_.delete_alias(FunctionName=NAMING.name("notifier"), Name="live")  # never deployed

    arguments = release.canary_variables("dev", 0.25)

    assert arguments[0] == "-var=canary_weight=0.25"
    stable = json.loads(arguments[1].removeprefix("-var=stable_versions="))
    assert stable["functions"] == {f.key: "2" for f in FUNCTIONS if f.key != "notifier"}
    assert stable["state_machines"] == {m.key: env.version_arn(m.key, 2) for m in STATE_MACHINES}


def test_live_reads_the_older_of_two_state_machine_routes_as_stable(env: Environment) -> None:
    new_arn = env.publish_state_machine("inventory_import")
    env.sfn.update_state_machine_alias(
        stateMachineAliasArn=f"{env.machine_arns['inventory_import']}:live",
        routingConfiguration=[
            {"stateMachineVersionArn": new_arn, "weight": 60},
            {"stateMachineVersionArn": env.version_arn("inventory_import", 2), "weight": 40},
        ],
    )

    assert env.state_machines().live("inventory_import") == Live(2, 3, 0.6)


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1", "ten"])
def test_a_canary_weight_outside_zero_to_one_is_refused(value: str) -> None:
    with pytest.raises(SystemExit):
        deploy.main(["up", "--env", "dev", "--canary", value])


def test_a_canary_on_the_local_stack_is_refused() -> None:
    with pytest.raises(deploy.DeployError, match="CANARY applies to ENV=dev"):
        deploy.up("local", canary=0.1)


def test_a_canary_deploy_applies_with_the_weight_and_the_stable_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    applied: list[tuple[str, ...]] = []
    monkeypatch.setattr(deploy, "terraform_init_remote", lambda _: None)
    monkeypatch.setattr(deploy, "terraform", lambda env, *arguments: applied.append(arguments))
    monkeypatch.setattr(release, "canary_variables", lambda env, weight: [f"{env} at {weight}"])

    deploy.up("dev", canary=0.1)
    deploy.up("dev")  # the promote

    assert applied == [
        ("apply", "-input=false", "-var-file=dev.tfvars", "dev at 0.1"),
        ("apply", "-input=false", "-var-file=dev.tfvars"),
    ]
