resource "aws_sns_topic" "this" {
  for_each = var.topics

  name              = each.value
  kms_master_key_id = var.topic_kms_master_key_id
  tags              = var.tags
}

resource "aws_cloudwatch_event_bus" "this" {
  name = var.event_bus_name
  tags = var.tags
}
