"""What the stack is made of, declared once.

Provisioning (``devstack.provision``) builds from this description, and the offline checks
compare it with SAM and Terraform, so names, keys, handlers, memory sizes, timeouts and
environment variables have a single source here on the tooling side.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from devstack.paths import STATEMACHINES_DIR

PROJECT = "orders"
DEFAULT_ENVIRONMENT = "local"
DEFAULT_REGION = "eu-west-2"  # London: the data residency the design assumes
METRICS_NAMESPACE = "OrderWorkflows"
LAMBDA_RUNTIME = "python3.13"
LAMBDA_ARCHITECTURE = "arm64"


@dataclass(frozen=True)
class Table:
    key: str
    hash_key: str
    stream_view_type: str | None = None
    ttl_attribute: str | None = None


@dataclass(frozen=True)
class Bucket:
    """An S3 bucket; functions that use it get its name in ``variable``.

    Its physical name adds the account id (bucket names are global): see ``bucket_name``.
    """

    key: str
    variable: str
    eventbridge: bool = False  # object events go to the account's default event bus
    expire_prefixes: tuple[str, ...] = ()  # lifecycle: objects under these expire after a day


@dataclass(frozen=True)
class Function:
    key: str
    memory_mb: int
    timeout_s: int
    table_variables: Mapping[str, str] = field(default_factory=dict)  # env var -> table key
    table_actions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> actions
    consumes_queue: str | None = None  # an SQS event source mapping from this queue
    publishes_events: bool = False  # puts events on the bus (EVENT_BUS_NAME)
    bucket: str | None = None  # a bucket it reads and writes objects in (and may list)
    object_actions: tuple[str, ...] = ()  # on the bucket's objects

    @property
    def handler(self) -> str:
        return f"{self.key}.handler.lambda_handler"

    @property
    def service_name(self) -> str:
        return self.key.replace("_", "-")


@dataclass(frozen=True)
class StateMachine:
    key: str
    type: str
    # ASL placeholder -> (kind, key) of the resource whose ARN or name fills it
    substitutions: Mapping[str, tuple[str, str]]

    @property
    def definition_file(self) -> str:
        return str(STATEMACHINES_DIR / f"{self.key}.asl.json")


TABLES = (
    Table("catalogue", "productId"),
    Table("inventory", "productId"),
    Table("orders", "orderId", stream_view_type="NEW_AND_OLD_IMAGES"),
    Table("payments", "paymentId"),
    Table("idempotency", "id", ttl_attribute="expiration"),
    Table("outbox", "messageId"),
)

_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem")
_LEDGER = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
_IDEMPOTENCY = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)

FUNCTIONS = (
    Function(
        "validate_order",
        256,
        4,
        MappingProxyType({"CATALOGUE_TABLE_NAME": "catalogue"}),
        MappingProxyType({"catalogue": _READ}),
    ),
    Function(
        "process_payment",
        256,
        4,
        MappingProxyType(
            {"PAYMENTS_TABLE_NAME": "payments", "IDEMPOTENCY_TABLE_NAME": "idempotency"}
        ),
        MappingProxyType({"payments": _LEDGER, "idempotency": _IDEMPOTENCY}),
    ),
    Function(
        "refund_payment",
        256,
        4,
        MappingProxyType({"PAYMENTS_TABLE_NAME": "payments"}),
        MappingProxyType({"payments": ("dynamodb:GetItem", "dynamodb:UpdateItem")}),
    ),
    Function(
        "risk_screening",
        256,
        10,
        MappingProxyType({"ORDERS_TABLE_NAME": "orders"}),
        MappingProxyType({"orders": ("dynamodb:UpdateItem",)}),
        consumes_queue="review",
    ),
    Function(
        "notifier",
        256,
        10,
        MappingProxyType({"OUTBOX_TABLE_NAME": "outbox"}),
        MappingProxyType({"outbox": ("dynamodb:PutItem",)}),
        consumes_queue="notifications",
    ),
    Function(
        "order_stream",
        256,
        10,
        publishes_events=True,
    ),
    Function(
        "shipping_label",
        256,
        5,
        MappingProxyType({"IDEMPOTENCY_TABLE_NAME": "idempotency"}),
        MappingProxyType({"idempotency": _IDEMPOTENCY}),
    ),
    Function(
        "inventory_extract",
        1024,  # a 100,000-line file is read and validated in memory in a few seconds
        120,
        bucket="imports",
        # Reads the upload the event names, by version; writes chunks, rejects and reports.
        object_actions=("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"),
    ),
    Function(
        "inventory_load",
        256,
        60,
        MappingProxyType(
            {"INVENTORY_TABLE_NAME": "inventory", "IDEMPOTENCY_TABLE_NAME": "idempotency"}
        ),
        # TransactWriteItems is authorised by the actions of the items it writes.
        MappingProxyType(
            {"inventory": ("dynamodb:UpdateItem",), "idempotency": ("dynamodb:PutItem",)}
        ),
        bucket="imports",
        object_actions=("s3:GetObject",),
    ),
)

BUCKETS = (
    Bucket(
        "imports",
        variable="IMPORT_BUCKET_NAME",
        eventbridge=True,
        expire_prefixes=("work/",),
    ),
)

# Actions a DynamoDB stream event source mapping needs on the stream.
STREAM_CONSUMER_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)

# Actions an SQS event source mapping needs on its queue.
QUEUE_CONSUMER_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
)


@dataclass(frozen=True)
class Queue:
    """An SQS queue with its dead-letter queue (``<key>-dlq``)."""

    key: str
    visibility_timeout_s: int  # at least six times the consumer's timeout, as AWS advises
    max_receive_count: int = 3
    dead_letter: bool = True  # False for a queue that is itself a failure destination

    @property
    def dlq_key(self) -> str:
        return f"{self.key}-dlq"


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule on the bus whose pattern is a shared JSON file.

    It targets one queue or one state machine (started directly, through a role that may
    start only that state machine).
    """

    key: str
    pattern_file: str  # under terraform/events/, read by Terraform with templatefile()
    target_queue: str | None = None
    target_state_machine: str | None = None
    bus: str = "orders"  # or "default": where AWS services such as S3 put their events
    # pattern placeholder -> (kind, key) of the resource whose name fills it
    pattern_substitutions: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.target_queue is None) == (self.target_state_machine is None):
            raise ValueError(f"rule {self.key}: exactly one of a queue or a state machine")


@dataclass(frozen=True)
class Subscription:
    topic: str
    queue: str


@dataclass(frozen=True)
class StreamConsumer:
    """A DynamoDB stream event source mapping, filtered at the source."""

    table: str
    function: str
    filter_file: str  # a JSON list of filter patterns under terraform/events/
    on_failure_queue: str
    batch_size: int = 10
    maximum_retry_attempts: int = 3
    bisect_on_error: bool = True


QUEUES = (
    Queue("review", visibility_timeout_s=60),
    Queue("notifications", 60),
    Queue("order-stream-failures", 60, dead_letter=False),
    # Approval requests wait here for a reviewer (make approvals / approve / reject). The
    # review tools receive messages to find one, so the receive count is no sign of poison.
    Queue("approvals", visibility_timeout_s=30, max_receive_count=50),
)
STREAM_CONSUMERS = (
    StreamConsumer(
        "orders",
        "order_stream",
        "order_status_changes.filter.json",
        on_failure_queue="order-stream-failures",
    ),
)
RULES = (
    Rule("high-value-orders", "high_value_order_placed.json", target_queue="review"),
    Rule("fulfil-placed-orders", "order_placed.json", target_state_machine="order_fulfilment"),
    Rule(
        "import-inventory-files",
        "inventory_file_uploaded.json",
        target_state_machine="inventory_import",
        bus="default",
        pattern_substitutions=MappingProxyType({"ImportBucketName": ("bucket", "imports")}),
    ),
)
SUBSCRIPTIONS = (Subscription("order-notifications", queue="notifications"),)

TOPICS = ("order-notifications", "inventory-imports")
EVENT_BUS = "orders"

STATE_MACHINES = (
    StateMachine(
        "order_processing",
        "EXPRESS",
        MappingProxyType(
            {
                "ValidateOrderFunctionArn": ("function", "validate_order"),
                "ProcessPaymentFunctionArn": ("function", "process_payment"),
                "RefundPaymentFunctionArn": ("function", "refund_payment"),
                "IdempotencyTableName": ("table", "idempotency"),
                "InventoryTableName": ("table", "inventory"),
                "OrdersTableName": ("table", "orders"),
                "OrderNotificationsTopicArn": ("topic", "order-notifications"),
                "EventBusName": ("bus", EVENT_BUS),
            }
        ),
    ),
    # Before order_fulfilment, which starts it.
    StateMachine(
        "pick_pack_label",
        "EXPRESS",
        MappingProxyType(
            {
                "OrdersTableName": ("table", "orders"),
                "ShippingLabelFunctionArn": ("function", "shipping_label"),
            }
        ),
    ),
    StateMachine(
        "order_fulfilment",
        "STANDARD",
        MappingProxyType(
            {
                "OrdersTableName": ("table", "orders"),
                "InventoryTableName": ("table", "inventory"),
                "ApprovalQueueUrl": ("queue", "approvals"),
                "PickPackLabelStateMachineArn": ("state_machine", "pick_pack_label"),
                "RefundPaymentFunctionArn": ("function", "refund_payment"),
                "OrderNotificationsTopicArn": ("topic", "order-notifications"),
            }
        ),
    ),
    StateMachine(
        "inventory_import",
        "STANDARD",
        MappingProxyType(
            {
                "InventoryExtractFunctionArn": ("function", "inventory_extract"),
                "InventoryLoadFunctionArn": ("function", "inventory_load"),
                "InventoryImportsTopicArn": ("topic", "inventory-imports"),
            }
        ),
    ),
)


@dataclass(frozen=True)
class Naming:
    """Physical names: ``<project>-<environment>-<logical-name>``."""

    environment: str = DEFAULT_ENVIRONMENT

    def name(self, key: str) -> str:
        return f"{PROJECT}-{self.environment}-{key.replace('_', '-')}"

    def bucket_name(self, key: str, account: str) -> str:
        """Bucket names are global across AWS, so they end with the account id."""
        return f"{self.name(key)}-{account}"


def function_environment(function: Function, naming: Naming, account: str) -> dict[str, str]:
    """The environment variables a function is deployed with."""
    variables = {name: naming.name(table) for name, table in function.table_variables.items()}
    if function.publishes_events:
        variables["EVENT_BUS_NAME"] = naming.name(EVENT_BUS)
    if function.bucket:
        bucket = bucket_named(function.bucket)
        variables[bucket.variable] = naming.bucket_name(bucket.key, account)
    variables.update(
        {
            "POWERTOOLS_SERVICE_NAME": function.service_name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    )
    return variables


def function_named(key: str) -> Function:
    return next(f for f in FUNCTIONS if f.key == key)


def bucket_named(key: str) -> Bucket:
    return next(b for b in BUCKETS if b.key == key)


def table_named(key: str) -> Table:
    return next(t for t in TABLES if t.key == key)
