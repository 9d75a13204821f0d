data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  # Every alarm publishes to the topic when it goes into ALARM and when it is OK again.
  alarm_actions = [aws_sns_topic.this.arn]
}

# The alarm topic, encrypted with the stack's customer managed key. Not the AWS managed key
# aws/sns: its policy cannot be changed and does not let CloudWatch use it, so alarms could
# not publish. The key's policy lets cloudwatch.amazonaws.com use it for this account's topics
# (modules/kms).
resource "aws_sns_topic" "this" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

# Only this stack's alarms may publish (the account's principals still may through IAM).
data "aws_iam_policy_document" "topic" {
  statement {
    sid       = "CloudWatchAlarms"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.this.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"]
    }
  }
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = data.aws_iam_policy_document.topic.json
}

# The address must confirm the subscription (the link's token is valid for three days); one
# never confirmed is pending, and destroying it only removes it from the state.
resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
