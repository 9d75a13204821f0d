"""``make rollback ENV=dev|prod``, and the live versions a canary deploy keeps.

Every function and state machine of an environment publishes a version on each change, behind
an alias ``live`` that everything invoking it names (``terraform/modules/function``,
``terraform/modules/state_machine``). This module reads and moves those aliases:

- ``stable_versions``: what each alias serves now (during a canary, the stable version), in the
  shape of the Terraform variable ``stable_versions``. ``make deploy ENV=dev CANARY=0.1`` passes
  it with ``canary_weight``, so live keeps it and sends that share of traffic to what the apply
  publishes; ``make deploy ENV=dev`` without CANARY then moves live fully to the new versions.
- ``rollback``: an alias that routes to two versions (a canary in progress) goes back fully to
  the stable one; any other moves to the previous published version (the highest below the one
  it serves). Each move is printed (``order_processing: live 7 -> 6``); a resource without an
  alias or an older version is reported and left as it is. ``--dry-run`` prints the moves only.

Rollback moves every alias of the environment one step back, including those whose resource the
last deploy did not change; ``--only`` limits it to the resources named. The next ``terraform
apply`` moves live back to what Terraform publishes, so fix forward (or revert) before deploying
again.
"""

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError

from devstack.stack import FUNCTIONS, STATE_MACHINES, Naming
from devstack.target_clients import client

LIVE_ALIAS = "live"  # the alias name in terraform/modules/function and state_machine
ENVIRONMENTS = ("dev", "prod")  # the emulator splits no traffic and starts no alias
# Lambda's "no such function or alias", Step Functions' "no such alias" and "no such version".
_MISSING = {"ResourceNotFoundException", "ResourceNotFound", "StateMachineDoesNotExist"}


class ReleaseError(Exception):
    """A resource whose live alias cannot be read or moved; nothing of it was moved."""


@dataclass(frozen=True)
class Live:
    """Where a live alias routes: its stable version and, during a canary, the new one."""

    stable: int
    canary: int | None = None
    canary_weight: float = 0.0  # the share of traffic the canary gets

    def __str__(self) -> str:
        if self.canary is None:
            return str(self.stable)
        return f"{self.stable} (canary {self.canary} at {self.canary_weight:.0%})"


@dataclass(frozen=True)
class Move:
    key: str
    before: Live
    after: int

    def __str__(self) -> str:
        return f"{self.key}: live {self.before} -> {self.after}"


class Aliases(Protocol):
    """The live aliases of one kind of resource (functions or state machines)."""

    def logical_keys(self) -> list[str]: ...

    def live(self, key: str) -> Live: ...

    def previous(self, key: str, below: int) -> int | None: ...

    def point(self, key: str, version: int) -> None: ...


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING


class FunctionAliases:
    """Lambda: the alias names a primary version and at most one additional weighted one."""

    def __init__(self, lambda_client: Any, naming: Naming) -> None:
        self._lambda = lambda_client
        self._naming = naming

    def logical_keys(self) -> list[str]:
        return [function.key for function in FUNCTIONS]

    def live(self, key: str) -> Live:
        name = self._naming.name(key)
        try:
            alias = self._lambda.get_alias(FunctionName=name, Name=LIVE_ALIAS)
        except ClientError as error:
            if _missing(error):
                raise ReleaseError(f"{key}: function {name} has no alias {LIVE_ALIAS}") from error
            raise
        weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights") or {}
        if not alias["FunctionVersion"].isdigit():  # $LATEST: nothing published to go back to
            raise ReleaseError(f"{key}: live names {alias['FunctionVersion']}, not a version")
        stable = int(alias["FunctionVersion"])
        if not weights:
            return Live(stable)
        ((canary, weight),) = weights.items()
        return Live(stable, int(canary), float(weight))

    def previous(self, key: str, below: int) -> int | None:
        pages = self._lambda.get_paginator("list_versions_by_function").paginate(
            FunctionName=self._naming.name(key)
        )
        published = (
            int(version["Version"])
            for page in pages
            for version in page["Versions"]
            if version["Version"].isdigit()  # not $LATEST
        )
        return max((version for version in published if version < below), default=None)

    def point(self, key: str, version: int) -> None:
        self._lambda.update_alias(
            FunctionName=self._naming.name(key),
            Name=LIVE_ALIAS,
            FunctionVersion=str(version),
            RoutingConfig={"AdditionalVersionWeights": {}},
        )


class StateMachineAliases:
    """Step Functions: the alias routes to one version at 100, or to two (a canary).

    Of two routes the stable one is the older version: a canary deploy publishes the new one.
    """

    def __init__(self, sfn_client: Any, naming: Naming) -> None:
        self._sfn = sfn_client
        self._naming = naming
        self._arns: dict[str, str] | None = None

    def logical_keys(self) -> list[str]:
        return [machine.key for machine in STATE_MACHINES]

    def arn(self, key: str) -> str:
        if self._arns is None:
            pages = self._sfn.get_paginator("list_state_machines").paginate()
            self._arns = {
                machine["name"]: machine["stateMachineArn"]
                for page in pages
                for machine in page["stateMachines"]
            }
        name = self._naming.name(key)
        if name not in self._arns:
            raise ReleaseError(f"{key}: there is no state machine {name}")
        return self._arns[name]

    def version_arn(self, key: str, version: int) -> str:
        return f"{self.arn(key)}:{version}"

    def live(self, key: str) -> Live:
        alias_arn = f"{self.arn(key)}:{LIVE_ALIAS}"
        try:
            routes = self._sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)[
                "routingConfiguration"
            ]
        except ClientError as error:
            if _missing(error):
                raise ReleaseError(f"{key}: there is no alias {alias_arn}") from error
            raise
        weights = {
            int(route["stateMachineVersionArn"].rsplit(":", 1)[1]): route["weight"]
            for route in routes
        }
        stable = min(weights)
        if len(weights) == 1:
            return Live(stable)
        canary = max(weights)
        return Live(stable, canary, weights[canary] / 100)

    def previous(self, key: str, below: int) -> int | None:
        # ListStateMachineVersions would list them, but moto (the tests' AWS) does not have it;
        # a version ARN is <state machine ARN>:<n>, and DescribeStateMachine answers for one.
        for version in range(below - 1, 0, -1):
            try:
                self._sfn.describe_state_machine(stateMachineArn=self.version_arn(key, version))
            except ClientError as error:
                if _missing(error):
                    continue  # that version was deleted
                raise
            return version
        return None

    def point(self, key: str, version: int) -> None:
        self._sfn.update_state_machine_alias(
            stateMachineAliasArn=f"{self.arn(key)}:{LIVE_ALIAS}",
            routingConfiguration=[
                {"stateMachineVersionArn": self.version_arn(key, version), "weight": 100}
            ],
        )


def stable_versions(
    functions: FunctionAliases, state_machines: StateMachineAliases
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The Terraform variable ``stable_versions`` read from the live aliases, and the resources
    left out of it (no alias yet: they go live fully with the deploy)."""
    chosen: dict[str, dict[str, str]] = {"functions": {}, "state_machines": {}}
    left_out = []
    for key in functions.logical_keys():
        try:
            chosen["functions"][key] = str(functions.live(key).stable)
        except ReleaseError as error:
            left_out.append(str(error))
    for key in state_machines.logical_keys():
        try:
            stable = state_machines.live(key).stable
            chosen["state_machines"][key] = state_machines.version_arn(key, stable)
        except ReleaseError as error:
            left_out.append(str(error))
    return chosen, left_out


def canary_weight(text: str) -> float:
    """A CANARY value: the share of traffic the new versions get, above 0 and below 1."""
    try:
        weight = float(text)
    except ValueError:
        weight = float("nan")
    if not 0 < weight < 1:
        raise argparse.ArgumentTypeError(
            f"CANARY is a share of traffic above 0 and below 1 (0.1 = 10 %), not {text!r}"
        )
    return weight


def canary_variables(environment: str, weight: float) -> list[str]:
    """``terraform apply`` arguments for a canary deploy: the weight and what live serves now."""
    canary_weight(str(weight))
    naming = Naming(environment)
    chosen, left_out = stable_versions(
        FunctionAliases(client("lambda", environment), naming),
        StateMachineAliases(client("stepfunctions", environment), naming),
    )
    for reason in left_out:
        print(f"    {reason}: it goes live fully", flush=True)
    # -var takes an HCL expression, and a JSON object is one.
    return [f"-var=canary_weight={weight}", f"-var=stable_versions={json.dumps(chosen)}"]


def _plan(aliases: Aliases, key: str) -> Move:
    live = aliases.live(key)
    if live.canary is not None:
        return Move(key, live, live.stable)
    previous = aliases.previous(key, below=live.stable)
    if previous is None:
        raise ReleaseError(f"{key}: live is {live.stable} and there is no older version")
    return Move(key, live, previous)


def rollback(
    kinds: Iterable[Aliases],
    only: Sequence[str] = (),
    dry_run: bool = False,
    report: Callable[[Move], None] = print,
) -> tuple[list[Move], list[str]]:
    """Plan every move first, then make each (unless ``dry_run``) and report it; return the
    moves and the resources that could not move (each with its reason)."""
    planned: list[tuple[Aliases, Move]] = []
    problems = []
    for aliases in kinds:
        for key in aliases.logical_keys():
            if only and key not in only:
                continue
            try:
                planned.append((aliases, _plan(aliases, key)))
            except ReleaseError as error:
                problems.append(str(error))
    for aliases, move in planned:
        if not dry_run:
            aliases.point(move.key, move.after)
        report(move)
    return [move for _, move in planned], problems


def main(argv: list[str] | None = None) -> int:
    keys = [function.key for function in FUNCTIONS] + [machine.key for machine in STATE_MACHINES]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("rollback",))
    parser.add_argument("--env", required=True, choices=ENVIRONMENTS)
    parser.add_argument("--dry-run", action="store_true", help="print the moves, make none")
    parser.add_argument("--only", default="", help=f"comma-separated keys of: {', '.join(keys)}")
    args = parser.parse_args(argv)
    only = [key for key in args.only.split(",") if key]
    unknown = sorted(set(only) - set(keys))
    if unknown:
        print(f"unknown resources {unknown}; choose from: {', '.join(keys)}", file=sys.stderr)
        return 2
    naming = Naming(args.env)
    suffix = "  (dry run: not moved)" if args.dry_run else ""
    _, problems = rollback(
        [
            FunctionAliases(client("lambda", args.env), naming),
            StateMachineAliases(client("stepfunctions", args.env), naming),
        ],
        only=only,
        dry_run=args.dry_run,
        report=lambda move: print(f"{move}{suffix}", flush=True),
    )
    for problem in problems:
        print(f"error: {problem}; left as it is", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
