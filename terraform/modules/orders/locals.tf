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
    shipping_label = {
      logical_id      = "ShippingLabelFunction"
      memory_size     = 256
      timeout         = 5
      table_variables = { IDEMPOTENCY_TABLE_NAME = "idempotency" }
      table_actions = {
        idempotency = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      }
    }
    inventory_extract = {
      logical_id      = "InventoryExtractFunction"
      memory_size     = 1024 # a 100,000-line file is read and validated in memory in a few seconds
      timeout         = 120
      table_variables = {}
      table_actions   = {}
      # Reads the upload the event names, by version; writes chunks, rejects and reports.
      bucket         = "imports"
      object_actions = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]
    }
    inventory_load = {
      logical_id      = "InventoryLoadFunction"
      memory_size     = 256
      timeout         = 60
      table_variables = { INVENTORY_TABLE_NAME = "inventory", IDEMPOTENCY_TABLE_NAME = "idempotency" }
      # TransactWriteItems is authorised by the actions of the items it writes.
      table_actions = {
        inventory   = ["dynamodb:UpdateItem"]
        idempotency = ["dynamodb:PutItem"]
      }
      bucket         = "imports"
      object_actions = ["s3:GetObject"]
    }
  }

  # S3 buckets (buckets.tf), named <name_prefix>-<key>-<account id>: functions that use one get
  # its name in `variable`; `eventbridge` sends object events to the account's default bus, and
  # objects under `expire_prefixes` expire after a day.
  buckets = {
    imports = { variable = "IMPORT_BUCKET_NAME", eventbridge = true, expire_prefixes = ["work/"] }
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
    # Approval requests wait here for a reviewer, who receives messages to find one: the
    # receive count is no sign of poison, hence the high max_receive_count.
    approvals = { visibility_timeout = 30, max_receive_count = 50 }
  }
  # EventBridge rules (rules.tf): each targets one queue (target_queue) or starts one state
  # machine (target_state_machine, through a role that may start only that one). A rule listens
  # on the orders bus unless `bus = "default"` (the account's default bus, where AWS services
  # such as S3 put their events); `pattern_substitutions` fill the pattern file's placeholders
  # (placeholder -> the resource whose name fills it).
  rules = {
    high-value-orders    = { pattern_file = "high_value_order_placed.json", target_queue = "review" }
    fulfil-placed-orders = { pattern_file = "order_placed.json", target_state_machine = "order_fulfilment" }
    import-inventory-files = {
      pattern_file          = "inventory_file_uploaded.json"
      target_state_machine  = "inventory_import"
      bus                   = "default"
      pattern_substitutions = { ImportBucketName = { kind = "bucket", key = "imports" } }
    }
  }
  subscriptions = {
    order-notifications = { queue = "notifications" }
  }

  metrics_namespace = "OrderWorkflows"
  topics            = ["order-notifications", "inventory-imports"]
  event_bus         = "orders"

  # The state machines, in the order devstack/stack.py declares them. Each has its own module
  # block in main.tf (named by its key), because a parent needs its child's ARN: a for_each over
  # this map could not refer to one of its own instances.
  statemachines_dir = "${path.module}/../../../statemachines"
  state_machines = {
    order_processing = {
      type            = "EXPRESS"
      definition_file = "${local.statemachines_dir}/order_processing.asl.json"
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
        OrdersTableName            = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
        ProcessPaymentFunctionArn  = ["lambda:InvokeFunction"]
        RefundPaymentFunctionArn   = ["lambda:InvokeFunction"]
        ValidateOrderFunctionArn   = ["lambda:InvokeFunction"]
      }
      # Whether a Task runs a child execution to completion (devstack.asl.runs_child_to_completion).
      runs_child_to_completion = false
    }
    pick_pack_label = {
      type            = "EXPRESS"
      definition_file = "${local.statemachines_dir}/pick_pack_label.asl.json"
      substitutions = {
        OrdersTableName          = { kind = "table", key = "orders" }
        ShippingLabelFunctionArn = { kind = "function", key = "shipping_label" }
      }
      service_calls = {
        OrdersTableName          = ["dynamodb:UpdateItem"]
        ShippingLabelFunctionArn = ["lambda:InvokeFunction"]
      }
      runs_child_to_completion = false
    }
    order_fulfilment = {
      type            = "STANDARD"
      definition_file = "${local.statemachines_dir}/order_fulfilment.asl.json"
      substitutions = {
        OrdersTableName              = { kind = "table", key = "orders" }
        InventoryTableName           = { kind = "table", key = "inventory" }
        ApprovalQueueUrl             = { kind = "queue", key = "approvals" }
        PickPackLabelStateMachineArn = { kind = "state_machine", key = "pick_pack_label" }
        RefundPaymentFunctionArn     = { kind = "function", key = "refund_payment" }
        OrderNotificationsTopicArn   = { kind = "topic", key = "order-notifications" }
      }
      service_calls = {
        ApprovalQueueUrl             = ["sqs:SendMessage"]
        InventoryTableName           = ["dynamodb:UpdateItem"]
        OrderNotificationsTopicArn   = ["sns:Publish"]
        OrdersTableName              = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
        PickPackLabelStateMachineArn = ["states:DescribeExecution", "states:StartExecution", "states:StopExecution"]
        RefundPaymentFunctionArn     = ["lambda:InvokeFunction"]
      }
      runs_child_to_completion = true
    }
    inventory_import = {
      type            = "STANDARD"
      definition_file = "${local.statemachines_dir}/inventory_import.asl.json"
      substitutions = {
        InventoryExtractFunctionArn = { kind = "function", key = "inventory_extract" }
        InventoryLoadFunctionArn    = { kind = "function", key = "inventory_load" }
        InventoryImportsTopicArn    = { kind = "topic", key = "inventory-imports" }
      }
      service_calls = {
        InventoryExtractFunctionArn = ["lambda:InvokeFunction"]
        InventoryImportsTopicArn    = ["sns:Publish"]
        InventoryLoadFunctionArn    = ["lambda:InvokeFunction"]
      }
      runs_child_to_completion = false
    }
  }

  package_dir = coalesce(var.package_dir, "${path.root}/../../../.aws-sam/build")

  # What fills a placeholder of each kind, by key: the value (names for tables and buses, the
  # URL for queues, ARNs otherwise) and the ARNs an IAM statement about it names. Both come
  # from devstack/provision.py (StackOutputs.resolve and resource_arns). A function is always
  # invoked through its live alias, and a role may invoke only that (Lambda authorises the
  # qualified ARN a caller names).
  resources = {
    function = { for key, function in module.function : key => { value = function.alias_arn, arns = [function.alias_arn] } }
    table    = { for key, name in module.tables.names : key => { value = name, arns = [module.tables.arns[key]] } }
    topic    = { for key, arn in module.messaging.topic_arns : key => { value = arn, arns = [arn] } }
    bus      = { (local.event_bus) = { value = module.messaging.event_bus_name, arns = [module.messaging.event_bus_arn] } }
    queue    = { for key, queue in module.queue : key => { value = queue.url, arns = [queue.arn] } }
  }

  # The same, plus the state machines others start (kind state_machine: the ARN to start, its
  # live alias; the statement names the state machine itself, which is what IAM authorises a
  # start through an alias against, and its executions, which .sync describes and stops). Only
  # a parent's module block reads this; a child's reads local.resources, or its own ARN would
  # be a cycle.
  resources_and_children = merge(local.resources, {
    state_machine = {
      for key, machine in { pick_pack_label = module.pick_pack_label } :
      key => { value = machine.start_arn, arns = [machine.arn, machine.execution_arns] }
    }
  })

  # Every state machine's ARN by key, for the roles of rules that start one and for the outputs.
  state_machine_arns = {
    order_processing = module.order_processing.arn
    pick_pack_label  = module.pick_pack_label.arn
    order_fulfilment = module.order_fulfilment.arn
    inventory_import = module.inventory_import.arn
  }

  # The ARN each is started with (its live alias, unless var.start_state_machines_through_aliases
  # is false), for the rule targets and the API.
  state_machine_start_arns = {
    order_processing = module.order_processing.start_arn
    pick_pack_label  = module.pick_pack_label.start_arn
    order_fulfilment = module.order_fulfilment.start_arn
    inventory_import = module.inventory_import.start_arn
  }
}
