"""The outbox table: one item per e-mail sent (this sample's stand-in for an e-mail service)."""

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from notifier.logic import Email


class Outbox:
    def __init__(self, table: Any) -> None:
        self._table = table

    def send(self, email: Email) -> bool:
        """Write the e-mail once; False if it was already sent (a duplicate delivery)."""
        try:
            self._table.put_item(
                Item={
                    "messageId": email.message_id,
                    "to": email.to,
                    "subject": email.subject,
                    "body": email.body,
                    "sentAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
                },
                ConditionExpression="attribute_not_exists(messageId)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
