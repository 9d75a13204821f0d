# The stack, declared as devstack/stack.py declares it (tests/infra compares the two).
locals {
  name_prefix = "orders-${var.environment}"

  tables = {
    catalogue   = { hash_key = "productId" }
    inventory   = { hash_key = "productId" }
    orders      = { hash_key = "orderId", stream_view_type = "NEW_AND_OLD_IMAGES" }
    payments    = { hash_key = "paymentId" }
    idempotency = { hash_key = "id", ttl_attribute = "expiration" }
    outbox      = { hash_key = "messageId" }
  }

  functions = {
    validate_order = {
      logical_id      = "ValidateOrderFunction"
      memory_size     = 256
      timeout         = 4
      table_variables = { CATALOGUE_TABLE_NAME = "catalogue" }
      table_actions = {
        catalogue = ["dynamodb:GetItem", "dynamodb:BatchGetItem"]
      }
    }
    process_payment = {
      logical_id      = "ProcessPaymentFunction"
      memory_size     = 256
      timeout         = 4
      table_variables = { PAYMENTS_TABLE_NAME = "payments", IDEMPOTENCY_TABLE_NAME = "idempotency" }
      table_actions = {
        payments    = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
        idempotency = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      }
    }
    refund_payment = {
      logical_id      = "RefundPaymentFunction"
      memory_size     = 256
      timeout         = 4
      table_variables = { PAYMENTS_TABLE_NAME = "payments" }
      table_actions = {
        payments = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      }
    }
    risk_screening = {
      logical_id      = "RiskScreeningFunction"
      memory_size     = 256
      timeout         = 10
      table_variables = { ORDERS_TABLE_NAME = "orders" }
      table_actions   = { orders = ["dynamodb:UpdateItem"] }
      consumes_queue  = "review"
    }
    notifier = {
      logical_id      = "NotifierFunction"
      memory_size     = 256
      timeout         = 10
      table_variables = { OUTBOX_TABLE_NAME = "outbox" }
      table_actions   = { outbox = ["dynamodb:PutItem"] }
      consumes_queue  = "notifications"
    }
    order_stream = {
      logical_id       = "OrderStreamFunction"
      memory_size      = 256
      timeout          = 10
      table_variables  = {}
      table_actions    = {}
      publishes_events = true
    }
  }

  # DynamoDB stream mappings, filtered at the source by a JSON list of patterns.
  stream_consumers = {
    order_stream = {
      table                  = "orders"
      filter_file            = "order_status_changes.filter.json"
      on_failure_queue       = "order-stream-failures"
      batch_size             = 10
      maximum_retry_attempts = 3
      bisect_on_error        = true
    }
  }

  # SQS queues (each with a <key>-dlq), what feeds them, and who consumes them.
  queues = {
    review        = { visibility_timeout = 60, max_receive_count = 3 }
    notifications = { visibility_timeout = 60, max_receive_count = 3 }
    # A failure destination is itself where failures end up: no dead-letter queue of its own.
    order-stream-failures = { visibility_timeout = 60, max_receive_count = 3, dead_letter = false }
  }
  rules = {
    high-value-orders = { pattern_file = "high_value_order_placed.json", target_queue = "review" }
  }
  subscriptions = {
    order-notifications = { queue = "notifications" }
  }

  metrics_namespace = "OrderWorkflows"
  topic             = "order-notifications"
  event_bus         = "orders"

  order_processing = {
    key             = "order_processing"
    type            = "EXPRESS"
    definition_file = "${path.module}/../../../statemachines/order_processing.asl.json"
    # ASL placeholder -> the resource whose ARN or name fills it (kind, key).
    substitutions = {
      ValidateOrderFunctionArn   = { kind = "function", key = "validate_order" }
      ProcessPaymentFunctionArn  = { kind = "function", key = "process_payment" }
      RefundPaymentFunctionArn   = { kind = "function", key = "refund_payment" }
      IdempotencyTableName       = { kind = "table", key = "idempotency" }
      InventoryTableName         = { kind = "table", key = "inventory" }
      OrdersTableName            = { kind = "table", key = "orders" }
      OrderNotificationsTopicArn = { kind = "topic", key = "order-notifications" }
      EventBusName               = { kind = "bus", key = "orders" }
    }
    # What the ASL's Tasks call, by the placeholder naming the target (devstack.asl.service_calls).
    service_calls = {
      EventBusName               = ["events:PutEvents"]
      IdempotencyTableName       = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
      InventoryTableName         = ["dynamodb:UpdateItem"]
      OrderNotificationsTopicArn = ["sns:Publish"]
      OrdersTableName            = ["dynamodb:PutItem"]
      ProcessPaymentFunctionArn  = ["lambda:InvokeFunction"]
      RefundPaymentFunctionArn   = ["lambda:InvokeFunction"]
      ValidateOrderFunctionArn   = ["lambda:InvokeFunction"]
    }
  }

  package_dir = coalesce(var.package_dir, "${path.root}/../../../.aws-sam/build")

  # Values that fill placeholders (names for tables and buses, ARNs otherwise) ...
  substitution_values = {
    function = { for key, function in module.function : key => function.arn }
    table    = module.tables.names
    topic    = { (local.topic) = module.messaging.topic_arn }
    bus      = { (local.event_bus) = module.messaging.event_bus_name }
  }

  # ... and the ARNs the role's statements name.
  resource_arns = {
    function = { for key, function in module.function : key => function.arn }
    table    = module.tables.arns
    topic    = { (local.topic) = module.messaging.topic_arn }
    bus      = { (local.event_bus) = module.messaging.event_bus_arn }
  }
}
