# Queues behind the workflows: EventBridge rules (rules.tf) and SNS subscriptions feed them,
# Lambda event source mappings consume them with partial batch responses, and a state machine
# sends approval requests to one. The stream filter is a JSON file in terraform/events/, which
# the local tooling reads too. Mappings invoke each function's live alias, so a canary or a
# rollback moves queue and stream consumers with everything else.

module "queue" {
  source   = "../queue"
  for_each = local.queues

  name                       = "${local.name_prefix}-${each.key}"
  visibility_timeout_seconds = each.value.visibility_timeout
  max_receive_count          = each.value.max_receive_count
  dead_letter                = try(each.value.dead_letter, true)
  tags                       = var.tags

  senders = concat(
    [
      for key, rule in local.rules : {
        service    = "events.amazonaws.com"
        source_arn = aws_cloudwatch_event_rule.this[key].arn
      } if try(rule.target_queue, null) == each.key
    ],
    [
      for topic, subscription in local.subscriptions : {
        service    = "sns.amazonaws.com"
        source_arn = module.messaging.topic_arns[topic]
      } if subscription.queue == each.key
    ],
  )
}

resource "aws_sns_topic_subscription" "this" {
  for_each = local.subscriptions

  topic_arn            = module.messaging.topic_arns[each.key]
  protocol             = "sqs"
  endpoint             = module.queue[each.value.queue].arn
  raw_message_delivery = true
}

resource "aws_lambda_event_source_mapping" "this" {
  for_each = { for key, function in local.functions : key => function if try(function.consumes_queue, null) != null }

  event_source_arn        = module.queue[each.value.consumes_queue].arn
  function_name           = module.function[each.key].alias_arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}

resource "aws_lambda_event_source_mapping" "stream" {
  for_each = local.stream_consumers

  event_source_arn                   = module.tables.stream_arns[each.value.table]
  function_name                      = module.function[each.key].alias_arn
  starting_position                  = "LATEST"
  batch_size                         = each.value.batch_size
  maximum_retry_attempts             = each.value.maximum_retry_attempts
  bisect_batch_on_function_error     = each.value.bisect_on_error
  function_response_types            = ["ReportBatchItemFailures"]
  maximum_batching_window_in_seconds = 0

  filter_criteria {
    dynamic "filter" {
      for_each = jsondecode(file("${path.module}/../../events/${each.value.filter_file}"))

      content {
        pattern = jsonencode(filter.value)
      }
    }
  }

  destination_config {
    on_failure {
      destination_arn = module.queue[each.value.on_failure_queue].arn
    }
  }
}
