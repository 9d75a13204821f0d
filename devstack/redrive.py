"""``make redrive QUEUE=<name>``: move a dead-letter queue's messages back to their queue.

Messages are received from ``<queue>-dlq``, sent to ``<queue>`` with their body and message
attributes, and only then deleted from the dead-letter queue, so a failure part-way leaves
every message in one queue or the other (a message may be delivered twice, which every
consumer here tolerates). Works on the local stack and, with ``--env dev|prod``, on AWS with
your current credentials.
"""

import argparse
import sys
from typing import Any

from devstack.stack import QUEUES, Naming
from devstack.target_clients import ENVIRONMENTS, client

BATCH = 10


def redrive(sqs: Any, dlq_url: str, queue_url: str, limit: int | None = None) -> int:
    """Move up to ``limit`` messages (all by default); return how many moved."""
    moved = 0
    while limit is None or moved < limit:
        wanted = BATCH if limit is None else min(BATCH, limit - moved)
        batch = sqs.receive_message(
            QueueUrl=dlq_url,
            MaxNumberOfMessages=wanted,
            MessageAttributeNames=["All"],
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            arguments: dict[str, Any] = {"QueueUrl": queue_url, "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                arguments["MessageAttributes"] = message["MessageAttributes"]
            sqs.send_message(**arguments)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved


def main(argv: list[str] | None = None) -> int:
    names = [queue.key for queue in QUEUES if queue.dead_letter]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queue", help=f"one of: {', '.join(names)}")
    parser.add_argument("--env", default="local", choices=ENVIRONMENTS)
    args = parser.parse_args(argv)
    if args.queue not in names:
        print(f"unknown queue {args.queue!r}; choose one of: {', '.join(names)}", file=sys.stderr)
        return 2
    sqs = client("sqs", args.env)
    naming = Naming(args.env)
    queue = next(q for q in QUEUES if q.key == args.queue)
    queue_url = sqs.get_queue_url(QueueName=naming.name(queue.key))["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=naming.name(queue.dlq_key))["QueueUrl"]
    moved = redrive(sqs, dlq_url, queue_url)
    print(f"moved {moved} message(s) from {naming.name(queue.dlq_key)} to {naming.name(queue.key)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
