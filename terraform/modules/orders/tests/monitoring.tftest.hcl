# Plan-only tests of the alarms, alarm topic and dashboard (monitoring.tf, modules/monitoring),
# with the mocked AWS provider of orders.tftest.hcl: no credentials, no resources. Run from the
# orders module: terraform -chdir=terraform/modules/orders test
# Values a plan cannot know (ARNs, the topic an alarm notifies) are checked offline by
# tests/infra/test_monitoring.py.

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

run "every_resource_has_its_alarms" {
  command = plan

  assert {
    condition = alltrue([
      for kind in ["lambda_error_rate", "lambda_p95_duration", "lambda_throttles"] :
      keys(module.monitoring[0].alarm_names[kind]) == keys(output.function_names)
    ])
    error_message = "Every function has an error rate, a p95 duration and a throttles alarm."
  }

  assert {
    condition     = module.monitoring[0].alarm_names.lambda_error_rate["validate_order"] == "orders-test-validate-order-error-rate" && module.monitoring[0].alarm_names.lambda_p95_duration["inventory_load"] == "orders-test-inventory-load-p95-duration"
    error_message = "Function alarms are orders-<environment>-<function key with dashes>-<what>."
  }

  assert {
    condition = module.monitoring[0].alarm_names.dead_letter_queue_depth == {
      "review-dlq"            = "orders-test-review-dlq-depth"
      "notifications-dlq"     = "orders-test-notifications-dlq-depth"
      "approvals-dlq"         = "orders-test-approvals-dlq-depth"
      "order-stream-failures" = "orders-test-order-stream-failures-depth"
    }
    error_message = "Every dead-letter queue, and the stream mapping's on-failure queue, has a depth alarm."
  }

  assert {
    condition = alltrue([
      for kind in ["executions_failed", "executions_timed_out", "executions_throttled"] :
      keys(module.monitoring[0].alarm_names[kind]) == keys(output.state_machine_arns)
    ])
    error_message = "Every state machine has an executions failed, timed out and throttled alarm."
  }

  assert {
    condition     = module.monitoring[0].alarm_names.executions_timed_out["order_fulfilment"] == "orders-test-order-fulfilment-executions-timed-out"
    error_message = "State machine alarms are orders-<environment>-<state machine key with dashes>-<what>."
  }

  assert {
    condition     = module.monitoring[0].alarm_names.api_5xx == { api = "orders-test-api-5xx" }
    error_message = "The API has one 5xx alarm."
  }

  assert {
    condition     = sum([for kind, names in module.monitoring[0].alarm_names : length(names)]) == 3 * 9 + 4 + 3 * 4 + 1
    error_message = "44 alarms: three per function, one per dead-letter queue, three per state machine, one for the API."
  }

  assert {
    condition     = output.dashboard_name == "orders-test-overview"
    error_message = "One dashboard per environment, named orders-<environment>-overview."
  }

  assert {
    condition     = aws_cloudwatch_log_group.api_execution.retention_in_days == 365
    error_message = "API Gateway's execution log group keeps events as long as every other log group."
  }
}

run "monitoring_can_be_turned_off" {
  command = plan

  variables {
    monitoring_enabled = false
  }

  assert {
    condition     = length(module.monitoring) == 0 && output.alarm_topic_arn == null && output.dashboard_name == null
    error_message = "With monitoring off (the local root) there is no topic, alarm or dashboard."
  }
}

run "alarm_topic_and_alarms" {
  command = plan

  module {
    source = "../monitoring"
  }

  variables {
    name_prefix       = "orders-test"
    kms_key_arn       = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    metrics_namespace = "OrderWorkflows"
    functions = {
      validate_order = { name = "orders-test-validate-order", timeout = 4, service = "validate-order" }
    }
    state_machines = {
      order_processing = {
        name = "orders-test-order-processing"
        arn  = "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-order-processing"
      }
    }
    queues             = { review = "orders-test-review" }
    dead_letter_queues = { "review-dlq" = "orders-test-review-dlq" }
    api                = { name = "orders-test-api", stage = "v1" }
  }

  assert {
    condition     = aws_sns_topic.this.name == "orders-test-alarms" && aws_sns_topic.this.kms_master_key_id == "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    error_message = "The alarm topic is encrypted with the customer managed key it is given (not aws/sns, which CloudWatch cannot use)."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.email) == 0
    error_message = "Without alarm_email nobody is subscribed."
  }

  assert {
    condition = (
      one([for query in aws_cloudwatch_metric_alarm.lambda_error_rate["validate_order"].metric_query : query.expression if query.id == "error_rate"]) == "100 * (errors - FILL(business_errors, 0)) / invocations"
      && one(flatten([for query in aws_cloudwatch_metric_alarm.lambda_error_rate["validate_order"].metric_query : [for metric in query.metric : "${metric.namespace}/${metric.metric_name}/${metric.dimensions.service}"] if query.id == "business_errors"])) == "OrderWorkflows/BusinessErrors/validate-order"
      && aws_cloudwatch_metric_alarm.lambda_error_rate["validate_order"].threshold == 1
      && aws_cloudwatch_metric_alarm.lambda_error_rate["validate_order"].treat_missing_data == "notBreaching"
    )
    error_message = "The error rate is 100 * (Errors - BusinessErrors) / Invocations (BusinessErrors from the functions' own namespace, by service), above 1 %, and no invocations is not breaching."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.lambda_p95_duration["validate_order"].extended_statistic == "p95" && aws_cloudwatch_metric_alarm.lambda_p95_duration["validate_order"].threshold == 3200
    error_message = "The p95 duration alarm fires above 80 % of the timeout (4 s: 3200 ms)."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.executions_throttled["order_processing"].metric_name == "ExecutionThrottled" && aws_cloudwatch_metric_alarm.executions_throttled["order_processing"].dimensions.StateMachineArn == "arn:aws:states:eu-west-2:123456789012:stateMachine:orders-test-order-processing"
    error_message = "Step Functions names the throttling metric ExecutionThrottled, by StateMachineArn."
  }

  assert {
    condition     = endswith(aws_cloudwatch_metric_alarm.dead_letter_queue_depth["review-dlq"].alarm_description, "Runbook: docs/runbook.md#dead-letter-queue-depth")
    error_message = "Each alarm's description names its runbook section."
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "orders-test-overview"
    error_message = "The dashboard is named after the environment."
  }
}

run "alarm_email_is_subscribed" {
  command = plan

  module {
    source = "../monitoring"
  }

  variables {
    name_prefix        = "orders-test"
    kms_key_arn        = "arn:aws:kms:eu-west-2:123456789012:key/00000000-0000-0000-0000-000000000000"
    metrics_namespace  = "OrderWorkflows"
    functions          = {}
    state_machines     = {}
    dead_letter_queues = {}
    api                = { name = "orders-test-api", stage = "v1" }
    alarm_email        = "on-call@example.com"
  }

  assert {
    condition     = aws_sns_topic_subscription.email[0].protocol == "email" && aws_sns_topic_subscription.email[0].endpoint == "on-call@example.com"
    error_message = "alarm_email subscribes that address by e-mail."
  }
}
