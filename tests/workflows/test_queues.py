"""The queues behind the order workflow, on the embedded emulator.

OrderPlaced above £200 -> EventBridge rule (numeric filter, terraform/events/) -> review queue
-> RiskScreening writes a score on the order. Confirmation on the notifications topic ->
notifications queue -> Notifier writes the e-mail to the outbox. Every delivery is at least
once, so a duplicate must change nothing.
"""

import json
from typing import Any

import pytest

from devstack.embedded_stack import EmbeddedStack
from devstack.redrive import redrive

pytestmark = pytest.mark.workflow


def order_item(stack: EmbeddedStack, order_id: str) -> dict[str, Any]:
    return stack.aws.client("dynamodb").get_item(
        TableName=stack.outputs.tables["orders"], Key={"orderId": {"S": order_id}}
    )["Item"]


def outbox(stack: EmbeddedStack, order_id: str) -> list[dict[str, Any]]:
    return [r for r in stack.scan("outbox") if r["messageId"]["S"].startswith(f"{order_id}#")]


def test_order_above_200_pounds_is_risk_screened_and_scored(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    run = stack.place_order(make_order(("HEADSET-PRO", 1)))  # £219.00

    assert run.output["statusCode"] == 200
    item = order_item(stack, order_id)
    assert int(item["riskScore"]["N"]) == 10
    assert [r["S"] for r in item["riskReasons"]["L"]] == ["no risk factor"]
    assert item["riskSummary"]["S"] == "10/100: no risk factor"  # what the reviewer reads


def test_order_of_200_pounds_or_less_is_not_screened(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    run = stack.place_order(make_order(("MUG-LAMBDA", 1)))

    assert run.output["statusCode"] == 200
    assert "riskScore" not in order_item(stack, order_id)


def test_placed_order_sends_one_confirmation_email(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 2)))

    [email] = outbox(stack, order_id)
    assert email["messageId"]["S"] == f"{order_id}#PLACED"
    assert email["to"]["S"] == "ada@example.com"
    assert "£25.98" in email["body"]["S"]


def test_confirmation_delivered_twice_is_sent_once(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("MUG-LAMBDA", 1)))
    [first] = outbox(stack, order_id)
    message = {"orderId": order_id, "email": "ada@example.com", "total": 1299, "status": "PLACED"}

    stack.aws.client("sns").publish(
        TopicArn=stack.outputs.topics["order-notifications"], Message=json.dumps(message)
    )

    assert outbox(stack, order_id) == [first]


def test_high_value_event_delivered_twice_scores_the_order_once(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    stack.place_order(make_order(("HEADSET-PRO", 1)))
    before = order_item(stack, order_id)
    event = {"detail": {"orderId": order_id, "total": 21900, "items": [{"quantity": 1}]}}

    stack.aws.client("sqs").send_message(
        QueueUrl=stack.outputs.queues["review"], MessageBody=json.dumps(event)
    )

    assert order_item(stack, order_id) == before


def test_redrive_moves_dead_letters_back_and_they_are_processed(
    stack: EmbeddedStack, make_order, order_id: str
) -> None:
    sqs = stack.aws.client("sqs")
    message = {"orderId": order_id, "email": "ada@example.com", "status": "PLACED"}
    sqs.send_message(
        QueueUrl=stack.outputs.queues["notifications-dlq"], MessageBody=json.dumps(message)
    )

    moved = redrive(
        sqs, stack.outputs.queues["notifications-dlq"], stack.outputs.queues["notifications"]
    )

    assert moved == 1
    assert [r["messageId"]["S"] for r in outbox(stack, order_id)] == [f"{order_id}#PLACED"]
    assert (
        redrive(
            sqs, stack.outputs.queues["notifications-dlq"], stack.outputs.queues["notifications"]
        )
        == 0
    )


def test_event_for_an_order_not_saved_yet_is_dead_lettered_then_redriven_and_scored(
    stack: EmbeddedStack, order_id: str
) -> None:
    sqs, dynamodb = stack.aws.client("sqs"), stack.aws.client("dynamodb")
    queues = stack.outputs.queues
    event = {"detail": {"orderId": order_id, "total": 60000, "items": [{"quantity": 1}]}}

    sqs.send_message(QueueUrl=queues["review"], MessageBody=json.dumps(event))

    # RiskScreening refuses to invent the order: three receives, then the dead-letter queue.
    dead = sqs.get_queue_attributes(
        QueueUrl=queues["review-dlq"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert dead == "1"
    dynamodb.put_item(
        TableName=stack.outputs.tables["orders"],
        Item={"orderId": {"S": order_id}, "status": {"S": "PLACED"}},
    )

    assert redrive(sqs, queues["review-dlq"], queues["review"]) == 1

    assert int(order_item(stack, order_id)["riskScore"]["N"]) == 40
