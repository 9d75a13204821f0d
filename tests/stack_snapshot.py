"""What a stack holds, to show a request changed nothing: every table's items, every queue's
message counts, every bucket's objects. Serves the embedded stack and the deployed one alike."""

import json
from collections.abc import Callable
from typing import Any

from devstack.provision import StackOutputs

QUEUE_COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


def snapshot(
    client: Callable[[str], Any], outputs: StackOutputs, bucket_prefix: str = ""
) -> dict[str, Any]:
    dynamodb, sqs, s3 = client("dynamodb"), client("sqs"), client("s3")
    return {
        "tables": {
            key: sorted(
                json.dumps(item, sort_keys=True)
                for page in dynamodb.get_paginator("scan").paginate(TableName=name)
                for item in page["Items"]
            )
            for key, name in outputs.tables.items()
        },
        "queues": {
            key: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=QUEUE_COUNTS)["Attributes"]
            for key, url in outputs.queues.items()
        },
        "buckets": {
            key: sorted(
                (o["Key"], o["ETag"])
                for o in s3.list_objects_v2(Bucket=name, Prefix=bucket_prefix).get("Contents", [])
            )
            for key, name in outputs.buckets.items()
        },
    }
