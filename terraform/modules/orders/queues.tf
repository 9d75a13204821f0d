# Queues behind the order workflow: EventBridge rules and SNS subscriptions feed them, Lambda
# event source mappings consume them with partial batch responses. The event patterns are the
# JSON files in terraform/events/, which the local tooling reads too.

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.rules

  name           = "${local.name_prefix}-${each.key}"
  event_bus_name = module.messaging.event_bus_name
  event_pattern  = file("${path.module}/../../events/${each.value.pattern_file}")
  tags           = var.tags
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = module.messaging.event_bus_name
  target_id      = each.value.target_queue
  arn            = module.queue[each.value.target_queue].arn
}

module "queue" {
  source   = "../queue"
  for_each = local.queues

  name                       = "${local.name_prefix}-${each.key}"
  visibility_timeout_seconds = each.value.visibility_timeout
  max_receive_count          = each.value.max_receive_count
  tags                       = var.tags

  senders = concat(
    [
      for key, rule in local.rules : {
        service    = "events.amazonaws.com"
        source_arn = aws_cloudwatch_event_rule.this[key].arn
      } if rule.target_queue == each.key
    ],
    [
      for topic, subscription in local.subscriptions : {
        service    = "sns.amazonaws.com"
        source_arn = module.messaging.topic_arn
      } if subscription.queue == each.key
    ],
  )
}

resource "aws_sns_topic_subscription" "this" {
  for_each = local.subscriptions

  topic_arn            = module.messaging.topic_arn
  protocol             = "sqs"
  endpoint             = module.queue[each.value.queue].arn
  raw_message_delivery = true
}

resource "aws_lambda_event_source_mapping" "this" {
  for_each = { for key, function in local.functions : key => function if try(function.consumes_queue, null) != null }

  event_source_arn        = module.queue[each.value.consumes_queue].arn
  function_name           = module.function[each.key].arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]
}
