resource "aws_sns_topic" "this" {
  name              = var.topic_name
  kms_master_key_id = var.topic_kms_master_key_id
  tags              = var.tags
}

resource "aws_cloudwatch_event_bus" "this" {
  name = var.event_bus_name
  tags = var.tags
}
