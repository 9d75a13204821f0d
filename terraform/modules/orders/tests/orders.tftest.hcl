# Plan-only tests with a mocked AWS provider: no credentials, no resources.
# Run from the orders module (see terraform/README.md); Terraform reads tests/ there itself:
#   terraform -chdir=terraform/modules/orders init -backend=false
#   terraform -chdir=terraform/modules/orders test
# Paths below are relative to terraform/modules/orders, the configuration under test.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "eu-west-2"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  environment = "test"
  # filebase64sha256 needs real files: any small file stands in for the packages.
  package_dir = "tests/fixtures"
}

run "orders_names_follow_the_stack" {
  command = plan

  assert {
    condition = output.table_names == {
      catalogue   = "orders-test-catalogue"
      inventory   = "orders-test-inventory"
      orders      = "orders-test-orders"
      payments    = "orders-test-payments"
      idempotency = "orders-test-idempotency"
      outbox      = "orders-test-outbox"
    }
    error_message = "Table names must be orders-<environment>-<key>."
  }

  assert {
    condition = output.function_names == {
      validate_order    = "orders-test-validate-order"
      process_payment   = "orders-test-process-payment"
      refund_payment    = "orders-test-refund-payment"
      risk_screening    = "orders-test-risk-screening"
      notifier          = "orders-test-notifier"
      order_stream      = "orders-test-order-stream"
      shipping_label    = "orders-test-shipping-label"
      inventory_extract = "orders-test-inventory-extract"
      inventory_load    = "orders-test-inventory-load"
    }
    error_message = "Function names must be orders-<environment>-<key with dashes>."
  }

  assert {
    condition     = output.state_machine_name == "orders-test-order-processing"
    error_message = "The state machine is orders-<environment>-order-processing."
  }

  assert {
    condition     = module.order_fulfilment.name == "orders-test-order-fulfilment" && module.pick_pack_label.name == "orders-test-pick-pack-label" && module.inventory_import.name == "orders-test-inventory-import"
    error_message = "State machine names are orders-<environment>-<key with dashes>."
  }

  assert {
    condition     = toset(keys(aws_iam_role.start_state_machine)) == toset(["fulfil-placed-orders", "import-inventory-files"]) && aws_iam_role.start_state_machine["fulfil-placed-orders"].name == "orders-test-fulfil-placed-orders"
    error_message = "Only a rule that starts a state machine has a role, named after the rule."
  }

  assert {
    condition     = output.bucket_names == { imports = "orders-test-imports-123456789012" }
    error_message = "Bucket names are orders-<environment>-<key>-<account id>."
  }

  assert {
    condition     = toset(keys(output.topic_arns)) == toset(["order-notifications", "inventory-imports"])
    error_message = "Both topics of the stack are declared."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this["import-inventory-files"].event_bus_name == "default" && aws_cloudwatch_event_target.this["import-inventory-files"].event_bus_name == "default"
    error_message = "The import rule and its target are on the account's default bus, where S3 sends its events."
  }

  assert {
    condition     = aws_cloudwatch_event_rule.this["fulfil-placed-orders"].event_bus_name == "orders-test-orders" && aws_cloudwatch_event_target.this["high-value-orders"].event_bus_name == "orders-test-orders"
    error_message = "The other rules are on the orders bus."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this["import-inventory-files"].event_pattern).detail.bucket.name == ["orders-test-imports-123456789012"]
    error_message = "The import rule's pattern names the imports bucket (templatefile fills $${ImportBucketName})."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.this["high-value-orders"].event_pattern) == jsondecode(file("../../events/high_value_order_placed.json"))
    error_message = "A pattern without placeholders is the file as it is."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["import-inventory-files"].target_id == "inventory_import"
    error_message = "The import rule starts the inventory import state machine."
  }

  assert {
    condition     = aws_cloudwatch_event_target.this["high-value-orders"].role_arn == null && aws_cloudwatch_event_target.this["fulfil-placed-orders"].target_id == "order_fulfilment"
    error_message = "A queue target needs no role; a state machine target is identified by its key."
  }
}

run "environment_name_is_validated" {
  command = plan

  variables {
    environment = "Not Valid"
  }

  expect_failures = [var.environment]
}

run "tables" {
  command = plan

  module {
    source = "../tables"
  }

  variables {
    name_prefix = "orders-test"
    kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    tables = {
      orders      = { hash_key = "orderId", stream_view_type = "NEW_AND_OLD_IMAGES" }
      idempotency = { hash_key = "id", ttl_attribute = "expiration" }
    }
  }

  assert {
    condition     = aws_dynamodb_table.this["orders"].stream_enabled && aws_dynamodb_table.this["orders"].stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The orders table streams new and old images."
  }

  assert {
    condition     = aws_dynamodb_table.this["orders"].billing_mode == "PAY_PER_REQUEST"
    error_message = "Tables are on demand."
  }

  assert {
    condition     = one(aws_dynamodb_table.this["idempotency"].ttl).attribute_name == "expiration"
    error_message = "The idempotency table expires items on 'expiration'."
  }

  assert {
    condition     = length(aws_dynamodb_table.protected) == 0
    error_message = "prevent_destroy defaults to false."
  }
}

run "function" {
  command = plan

  module {
    source = "../function"
  }

  variables {
    function_name   = "orders-test-validate-order"
    filename        = "tests/fixtures/ValidateOrderFunction.zip"
    handler         = "validate_order.handler.lambda_handler"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.13" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "Functions run python3.13 on arm64 by default."
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "X-Ray tracing is active."
  }
}

run "state_machine" {
  command = plan

  module {
    source = "../state_machine"
  }

  variables {
    name            = "orders-test-order-processing"
    type            = "EXPRESS"
    definition_file = "../../../statemachines/order_processing.asl.json"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    substitutions = {
      ValidateOrderFunctionArn   = "arn:aws:lambda:eu-west-2:123456789012:function:v"
      ProcessPaymentFunctionArn  = "arn:aws:lambda:eu-west-2:123456789012:function:p"
      RefundPaymentFunctionArn   = "arn:aws:lambda:eu-west-2:123456789012:function:r"
      IdempotencyTableName       = "orders-test-idempotency"
      InventoryTableName         = "orders-test-inventory"
      OrdersTableName            = "orders-test-orders"
      OrderNotificationsTopicArn = "arn:aws:sns:eu-west-2:123456789012:orders-test-order-notifications"
      EventBusName               = "orders-test-orders"
    }
  }

  assert {
    condition     = aws_sfn_state_machine.this.type == "EXPRESS"
    error_message = "The order workflow is an Express state machine."
  }

  assert {
    condition     = aws_sfn_state_machine.this.logging_configuration[0].level == "ALL" && !aws_sfn_state_machine.this.logging_configuration[0].include_execution_data
    error_message = "Executions are logged at ALL, without execution data unless an environment opts in (log_execution_data)."
  }
}

run "state_machine_standard_following_a_child" {
  command = plan

  module {
    source = "../state_machine"
  }

  variables {
    name            = "orders-test-order-fulfilment"
    type            = "STANDARD"
    definition_file = "../../../statemachines/order_fulfilment.asl.json"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    substitutions = {
      OrdersTableName              = "orders-test-orders"
      InventoryTableName           = "orders-test-inventory"
      ApprovalQueueUrl             = "https://sqs.eu-west-2.amazonaws.com/123456789012/orders-test-approvals"
      PickPackLabelStateMachineArn = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label"
      RefundPaymentFunctionArn     = "arn:aws:lambda:eu-west-2:123456789012:function:orders-test-refund-payment"
      OrderNotificationsTopicArn   = "arn:aws:sns:eu-west-2:123456789012:orders-test-order-notifications"
    }
    service_calls = {
      PickPackLabelStateMachineArn = ["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]
    }
    placeholder_resources = {
      PickPackLabelStateMachineArn = [
        "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label",
        "arn:aws:states:eu-west-2:123456789012:execution:orders-test-pick-pack-label:*",
      ]
    }
    follows_child_executions = true
  }

  assert {
    condition     = aws_sfn_state_machine.this.type == "STANDARD" && aws_sfn_state_machine.this.tracing_configuration[0].enabled
    error_message = "Fulfilment is a Standard state machine, traced."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/vendedlogs/states/orders-test-order-fulfilment"
    error_message = "Standard and Express state machines log to /aws/vendedlogs/states/<name>."
  }
}

run "service_calls_need_their_resources" {
  command = plan

  module {
    source = "../state_machine"
  }

  variables {
    name            = "orders-test-pick-pack-label"
    type            = "EXPRESS"
    definition_file = "../../../statemachines/pick_pack_label.asl.json"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    substitutions = {
      OrdersTableName          = "orders-test-orders"
      ShippingLabelFunctionArn = "arn:aws:lambda:eu-west-2:123456789012:function:orders-test-shipping-label"
    }
    service_calls = {
      ShippingLabelFunctionArn = ["lambda:InvokeFunction"]
    }
  }

  expect_failures = [var.service_calls]
}

run "bucket" {
  command = plan

  module {
    source = "../bucket"
  }

  variables {
    name            = "orders-test-imports"
    kms_key_arn     = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    eventbridge     = true
    expire_prefixes = ["work/"]
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "orders-test-imports-123456789012"
    error_message = "A bucket's name ends with the account id."
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.this.versioning_configuration).status == "Enabled"
    error_message = "Buckets are versioned."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "Objects are encrypted with the KMS key."
  }

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "Public access is blocked."
  }

  assert {
    condition     = [for rule in aws_s3_bucket_lifecycle_configuration.this.rule : [rule.id, one(rule.filter).prefix, one(rule.expiration).days, one(rule.noncurrent_version_expiration).noncurrent_days] if rule.id != "abort-incomplete-uploads"] == [["expire-work", "work/", 1, 1]]
    error_message = "Objects under work/ and their noncurrent versions expire after a day."
  }

  assert {
    condition     = one([for rule in aws_s3_bucket_lifecycle_configuration.this.rule : one(rule.abort_incomplete_multipart_upload).days_after_initiation if rule.id == "abort-incomplete-uploads"]) == 7
    error_message = "Incomplete multipart uploads are aborted after 7 days."
  }

  assert {
    condition     = aws_s3_bucket_notification.this[0].eventbridge
    error_message = "Object events go to EventBridge."
  }
}

run "bucket_prefixes_are_folders" {
  command = plan

  module {
    source = "../bucket"
  }

  variables {
    name            = "orders-test-imports"
    kms_key_arn     = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    expire_prefixes = ["work"]
  }

  expect_failures = [var.expire_prefixes]
}

# Live aliases (safe rollouts). The version a plan publishes is unknown until apply, so these
# runs override it during plan (override_during, Terraform 1.11+: the pipeline's 1.11.4).

run "function_live_alias_without_a_canary" {
  command = plan

  module {
    source = "../function"
  }

  override_resource {
    target          = aws_lambda_function.this
    override_during = plan
    values = {
      version = "8"
    }
  }

  variables {
    function_name   = "orders-test-validate-order"
    filename        = "tests/fixtures/ValidateOrderFunction.zip"
    handler         = "validate_order.handler.lambda_handler"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    stable_version  = "7" # without a canary weight, live still moves to the new version
  }

  assert {
    condition     = aws_lambda_function.this.publish
    error_message = "Every change of a function publishes a version."
  }

  assert {
    condition     = aws_lambda_alias.live.name == "live" && aws_lambda_alias.live.function_version == "8" && length(aws_lambda_alias.live.routing_config) == 0
    error_message = "With canary_weight 0, live is the version just published, with no routing."
  }
}

run "function_live_alias_during_a_canary" {
  command = plan

  module {
    source = "../function"
  }

  override_resource {
    target          = aws_lambda_function.this
    override_during = plan
    values = {
      version = "8"
    }
  }

  variables {
    function_name   = "orders-test-validate-order"
    filename        = "tests/fixtures/ValidateOrderFunction.zip"
    handler         = "validate_order.handler.lambda_handler"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    canary_weight   = 0.1
    stable_version  = "7"
  }

  assert {
    condition     = aws_lambda_alias.live.function_version == "7"
    error_message = "During a canary, live keeps serving the stable version."
  }

  assert {
    condition     = toset(keys(aws_lambda_alias.live.routing_config[0].additional_version_weights)) == toset(["8"]) && abs(aws_lambda_alias.live.routing_config[0].additional_version_weights["8"] - 0.1) < 0.000001
    error_message = "During a canary, live sends canary_weight of the invocations to the new version."
  }
}

run "function_canary_without_a_new_version_is_no_canary" {
  command = plan

  module {
    source = "../function"
  }

  override_resource {
    target          = aws_lambda_function.this
    override_during = plan
    values = {
      version = "7"
    }
  }

  variables {
    function_name   = "orders-test-validate-order"
    filename        = "tests/fixtures/ValidateOrderFunction.zip"
    handler         = "validate_order.handler.lambda_handler"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    canary_weight   = 0.1
    stable_version  = "7"
  }

  assert {
    condition     = aws_lambda_alias.live.function_version == "7" && length(aws_lambda_alias.live.routing_config) == 0
    error_message = "A function whose code and configuration did not change keeps its version, without routing."
  }
}

run "function_canary_weight_is_a_share" {
  command = plan

  module {
    source = "../function"
  }

  variables {
    function_name   = "orders-test-validate-order"
    filename        = "tests/fixtures/ValidateOrderFunction.zip"
    handler         = "validate_order.handler.lambda_handler"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    canary_weight   = 1
  }

  expect_failures = [var.canary_weight]
}

run "state_machine_live_alias_without_a_canary" {
  command = plan

  module {
    source = "../state_machine"
  }

  override_resource {
    target          = aws_sfn_state_machine.this
    override_during = plan
    values = {
      arn                       = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label"
      state_machine_version_arn = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:8"
    }
  }

  override_resource {
    target          = aws_sfn_alias.live
    override_during = plan
    values = {
      arn = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:live"
    }
  }

  variables {
    name            = "orders-test-pick-pack-label"
    type            = "EXPRESS"
    definition_file = "../../../statemachines/pick_pack_label.asl.json"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    substitutions = {
      OrdersTableName          = "orders-test-orders"
      ShippingLabelFunctionArn = "arn:aws:lambda:eu-west-2:123456789012:function:orders-test-shipping-label:live"
    }
    stable_version_arn = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:7"
  }

  assert {
    condition     = aws_sfn_state_machine.this.publish && aws_sfn_alias.live.name == "live"
    error_message = "Every change of a state machine publishes a version, behind the alias live."
  }

  assert {
    condition     = [for route in aws_sfn_alias.live.routing_configuration : "${route.state_machine_version_arn}=${route.weight}"] == ["arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:8=100"]
    error_message = "With canary_weight 0, live routes every execution to the version just published."
  }

  assert {
    condition     = output.start_arn == "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:live"
    error_message = "Callers start the live alias."
  }
}

run "state_machine_live_alias_during_a_canary" {
  command = plan

  module {
    source = "../state_machine"
  }

  override_resource {
    target          = aws_sfn_state_machine.this
    override_during = plan
    values = {
      arn                       = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label"
      state_machine_version_arn = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:8"
    }
  }

  variables {
    name            = "orders-test-pick-pack-label"
    type            = "EXPRESS"
    definition_file = "../../../statemachines/pick_pack_label.asl.json"
    log_kms_key_arn = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    substitutions = {
      OrdersTableName          = "orders-test-orders"
      ShippingLabelFunctionArn = "arn:aws:lambda:eu-west-2:123456789012:function:orders-test-shipping-label:live"
    }
    canary_weight       = 0.1
    stable_version_arn  = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:7"
    start_through_alias = false
  }

  assert {
    condition = toset([for route in aws_sfn_alias.live.routing_configuration : "${route.state_machine_version_arn}=${route.weight}"]) == toset([
      "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:7=90",
      "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label:8=10",
    ])
    error_message = "During a canary, live keeps 90 % on the stable version and sends 10 % to the new one."
  }

  assert {
    condition     = output.start_arn == "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-pick-pack-label"
    error_message = "With start_through_alias false (the emulator), callers start the state machine itself."
  }
}
