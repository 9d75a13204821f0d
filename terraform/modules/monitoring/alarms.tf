# One alarm per resource and failure kind, named <prefix>-<resource key with dashes>-<what>.
# Each notifies the topic on ALARM and on OK, and its description names the runbook section
# (docs/runbook.md#<anchor>) that says what it means and what to do. Periods are 5 minutes; no
# data (no traffic) is not breaching.

locals {
  period = 300

  # A function's p95 duration threshold in milliseconds: a share of its timeout.
  duration_thresholds = {
    for key, function in var.functions : key => function.timeout * 1000 * var.duration_percent_of_timeout / 100
  }
}

# Lambda: errors as a share of invocations (a rate, so a busy function and a quiet one alarm
# alike); metric math gives no value without invocations, which is not breaching. Business
# errors the workflows expect and handle (a declined card, a bad order, a rejected file) are
# raised too, so Lambda counts them in Errors; each handler also counts them as BusinessErrors
# (lambdas/shared/observability.py) and they are subtracted here.
resource "aws_cloudwatch_metric_alarm" "lambda_error_rate" {
  for_each = var.functions

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-error-rate"
  alarm_description   = "More than 1 % of ${each.value.name}'s invocations failed in 5 minutes. Runbook: ${var.runbook_url}#lambda-error-rate"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 1
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "error_rate"
    expression  = "100 * (errors - FILL(business_errors, 0)) / invocations"
    label       = "Error rate, business errors aside (%)"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      period      = local.period
      stat        = "Sum"
      dimensions  = { FunctionName = each.value.name }
    }
  }

  metric_query {
    id = "business_errors"

    metric {
      namespace   = var.metrics_namespace
      metric_name = "BusinessErrors"
      period      = local.period
      stat        = "Sum"
      dimensions  = { service = each.value.service }
    }
  }

  metric_query {
    id = "invocations"

    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      period      = local.period
      stat        = "Sum"
      dimensions  = { FunctionName = each.value.name }
    }
  }
}

# Lambda: p95 duration close to the timeout, in two of three periods: slow enough that the
# slowest calls are about to time out.
resource "aws_cloudwatch_metric_alarm" "lambda_p95_duration" {
  for_each = var.functions

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-p95-duration"
  alarm_description   = "${each.value.name}'s p95 duration is above ${var.duration_percent_of_timeout} % of its ${each.value.timeout} s timeout. Runbook: ${var.runbook_url}#lambda-p95-duration"
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = each.value.name }
  extended_statistic  = "p95"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.duration_thresholds[each.key]
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = var.functions

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-throttles"
  alarm_description   = "${each.value.name} was throttled. Runbook: ${var.runbook_url}#lambda-throttles"
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# A message in a dead-letter queue (or an on-failure destination) is work that failed every
# attempt; it stays there for 14 days, and the alarm stays in ALARM until it is gone.
resource "aws_cloudwatch_metric_alarm" "dead_letter_queue_depth" {
  for_each = var.dead_letter_queues

  alarm_name          = "${var.name_prefix}-${each.key}-depth"
  alarm_description   = "${each.value} holds messages that failed processing. Runbook: ${var.runbook_url}#dead-letter-queue-depth"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "executions_failed" {
  for_each = var.state_machines

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-executions-failed"
  alarm_description   = "An execution of ${each.value.name} failed. Runbook: ${var.runbook_url}#executions-failed"
  namespace           = "AWS/States"
  metric_name         = "ExecutionsFailed"
  dimensions          = { StateMachineArn = each.value.arn }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "executions_timed_out" {
  for_each = var.state_machines

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-executions-timed-out"
  alarm_description   = "An execution of ${each.value.name} timed out. Runbook: ${var.runbook_url}#executions-timed-out"
  namespace           = "AWS/States"
  metric_name         = "ExecutionsTimedOut"
  dimensions          = { StateMachineArn = each.value.arn }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# ExecutionThrottled (singular, as Step Functions names it) counts StateEntered events and
# retries that were throttled: the executions' state transitions, not StartExecution calls.
resource "aws_cloudwatch_metric_alarm" "executions_throttled" {
  for_each = var.state_machines

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-executions-throttled"
  alarm_description   = "State transitions of ${each.value.name}'s executions were throttled (ExecutionThrottled). Runbook: ${var.runbook_url}#executions-throttled"
  namespace           = "AWS/States"
  metric_name         = "ExecutionThrottled"
  dimensions          = { StateMachineArn = each.value.arn }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# API: any 5xx, not a rate. Business outcomes (declined, out of stock, invalid) are 4xx or 2xx
# answers of a succeeded execution; the API answers 500 only when the workflow failed or timed
# out, and API Gateway 5xx when the integration broke, so each one is an order a customer could
# not place, and at this API's volumes a 1 % rate would hide it.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name_prefix}-api-5xx"
  alarm_description   = "${var.api.name} (stage ${var.api.stage}) answered with a 5xx. Runbook: ${var.runbook_url}#api-5xx"
  namespace           = "AWS/ApiGateway"
  metric_name         = "5XXError"
  dimensions          = { ApiName = var.api.name, Stage = var.api.stage }
  statistic           = "Sum"
  period              = local.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
