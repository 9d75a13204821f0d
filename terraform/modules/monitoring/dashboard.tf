# One dashboard per environment, named <prefix>-overview: a header, the state of every alarm,
# then one graph each for the API, every function, every state machine, every queue and every
# dead-letter queue, two to a row.

locals {
  graph = { region = local.region, view = "timeSeries", stacked = false, period = local.period }

  # The graphs' properties, in the order they appear.
  graphs = concat(
    [
      merge(local.graph, {
        title = "API ${var.api.name} (${var.api.stage})"
        metrics = [
          ["AWS/ApiGateway", "Count", "ApiName", var.api.name, "Stage", var.api.stage, { stat = "Sum", label = "Requests" }],
          ["AWS/ApiGateway", "4XXError", "ApiName", var.api.name, "Stage", var.api.stage, { stat = "Sum", label = "4xx" }],
          ["AWS/ApiGateway", "5XXError", "ApiName", var.api.name, "Stage", var.api.stage, { stat = "Sum", label = "5xx" }],
          ["AWS/ApiGateway", "Latency", "ApiName", var.api.name, "Stage", var.api.stage, { stat = "p95", label = "Latency p95 (ms)", yAxis = "right" }],
        ]
      }),
    ],
    [
      for key, function in var.functions : merge(local.graph, {
        title = "Function ${function.name}"
        metrics = [
          ["AWS/Lambda", "Invocations", "FunctionName", function.name, { stat = "Sum" }],
          ["AWS/Lambda", "Errors", "FunctionName", function.name, { stat = "Sum" }],
          [var.metrics_namespace, "BusinessErrors", "service", function.service, { stat = "Sum", label = "Business errors (in Errors)" }],
          ["AWS/Lambda", "Throttles", "FunctionName", function.name, { stat = "Sum" }],
          ["AWS/Lambda", "Duration", "FunctionName", function.name, { stat = "p95", label = "Duration p95 (ms)", yAxis = "right" }],
        ]
        annotations = {
          horizontal = [{ label = "p95 duration alarm", value = local.duration_thresholds[key], yAxis = "right" }]
        }
      })
    ],
    [
      for machine in var.state_machines : merge(local.graph, {
        title = "State machine ${machine.name}"
        metrics = [
          for name in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"] :
          ["AWS/States", name, "StateMachineArn", machine.arn, { stat = "Sum" }]
        ]
      })
    ],
    [
      for name in var.queues : merge(local.graph, {
        title = "Queue ${name}"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name, { stat = "Maximum", label = "Messages waiting" }],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", name, { stat = "Maximum", label = "Oldest message (s)", yAxis = "right" }],
        ]
      })
    ],
    [
      for name in var.dead_letter_queues : merge(local.graph, {
        title = "Dead letters ${name}"
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name, { stat = "Maximum", label = "Messages (alarm above 0)" }],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", name, { stat = "Maximum", label = "Oldest message (s)", yAxis = "right" }],
        ]
      })
    ],
  )

  alarm_arns = concat(
    [aws_cloudwatch_metric_alarm.api_5xx.arn],
    [for alarm in aws_cloudwatch_metric_alarm.lambda_error_rate : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.lambda_p95_duration : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.lambda_throttles : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.executions_failed : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.executions_timed_out : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.executions_throttled : alarm.arn],
    [for alarm in aws_cloudwatch_metric_alarm.dead_letter_queue_depth : alarm.arn],
  )
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.name_prefix}-overview"

  dashboard_body = jsonencode({
    start = "-PT6H"
    widgets = concat(
      [
        {
          type   = "text"
          x      = 0
          y      = 0
          width  = 24
          height = 2
          properties = {
            markdown = "# ${var.name_prefix}\nAlarms notify the topic `${aws_sns_topic.this.name}`. What each alarm means and what to do: `${var.runbook_url}`."
          }
        },
        {
          type   = "alarm"
          x      = 0
          y      = 2
          width  = 24
          height = 6
          properties = {
            title  = "Alarms"
            alarms = local.alarm_arns
          }
        },
      ],
      [
        for index, properties in local.graphs : {
          type       = "metric"
          x          = (index % 2) * 12
          y          = 8 + floor(index / 2) * 6
          width      = 12
          height     = 6
          properties = properties
        }
      ],
    )
  })
}
