"""``make console [PORT=8787] [ENV=dev] [ACTIONS=1]``: serve the console on 127.0.0.1.

Without ENV it reads the local stack ``make deploy`` started, and its actions (approve,
reject, redrive) are on. With ``ENV=dev`` or ``ENV=prod`` it reads that AWS environment with
your credentials, read-only unless ``ACTIONS=1``. It listens on 127.0.0.1 only.
"""

import argparse
import sys

from botocore.exceptions import BotoCoreError, ClientError

from devstack import ministack
from devstack.console import DEFAULT_PORT, HOST, console_url
from devstack.console.app import create_app
from devstack.console.reading import Stack
from devstack.local_stack import client_factory, discover_outputs
from devstack.provision import StackOutputs
from devstack.stack import DEFAULT_REGION, QUEUES, STATE_MACHINES, TABLES, Naming
from devstack.target_clients import ENVIRONMENTS, client


def aws_stack(environment: str) -> Stack:
    """An AWS environment's workflows, tables and queues, named as Terraform names them."""
    naming = Naming(environment)
    account = client("sts", environment).get_caller_identity()["Account"]
    outputs = StackOutputs(DEFAULT_REGION, account)
    for machine in STATE_MACHINES:
        outputs.state_machines[machine.key] = (
            f"arn:aws:states:{DEFAULT_REGION}:{account}:stateMachine:{naming.name(machine.key)}"
        )
    for table in TABLES:
        outputs.tables[table.key] = naming.name(table.key)
    sqs = client("sqs", environment)
    for queue in QUEUES:
        for key in (queue.key, queue.dlq_key) if queue.dead_letter else (queue.key,):
            outputs.queues[key] = sqs.get_queue_url(QueueName=naming.name(key))["QueueUrl"]
    return Stack(outputs, lambda service: client(service, environment))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make console", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--env", choices=ENVIRONMENTS, default="local")
    parser.add_argument("--actions", action="store_true", help="allow actions against AWS")
    args = parser.parse_args(argv)
    try:
        if args.env == "local":
            if not ministack.is_running():
                print(
                    "error: the local stack is not running: run `make deploy` first",
                    file=sys.stderr,
                )
                return 1
            stack = Stack(discover_outputs(), client_factory())
        else:
            stack = aws_stack(args.env)
    except (BotoCoreError, ClientError) as error:
        print(f"error: cannot read the {args.env} stack: {error}", file=sys.stderr)
        return 1
    actions = args.env == "local" or args.actions
    app = create_app(stack, actions=actions, target=args.env)
    mode = "actions on" if actions else "read-only"
    print(f"Console for the {args.env} stack ({mode}): {console_url(args.port)}  (Ctrl-C stops it)")
    app.run(host=HOST, port=args.port, debug=False, use_reloader=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
