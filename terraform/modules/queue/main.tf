# SQS-managed encryption (SSE-SQS) rather than a KMS key: SNS and EventBridge can deliver to it
# without a key policy of their own, and it encrypts at rest all the same.
resource "aws_sqs_queue" "dlq" {
  count = var.dead_letter ? 1 : 0

  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600 # 14 days, the maximum: time to inspect and redrive
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = var.visibility_timeout_seconds
  sqs_managed_sse_enabled    = true
  tags                       = var.tags

  redrive_policy = var.dead_letter ? jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[0].arn
    maxReceiveCount     = var.max_receive_count
  }) : null
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count = var.dead_letter ? 1 : 0

  queue_url = aws_sqs_queue.dlq[0].id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

data "aws_iam_policy_document" "senders" {
  count = length(var.senders) > 0 ? 1 : 0

  dynamic "statement" {
    for_each = var.senders

    content {
      sid       = "Allow${statement.key}"
      actions   = ["sqs:SendMessage"]
      resources = [aws_sqs_queue.this.arn]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      condition {
        test     = "ArnEquals"
        variable = "aws:SourceArn"
        values   = [statement.value.source_arn]
      }
    }
  }
}

resource "aws_sqs_queue_policy" "this" {
  count = length(var.senders) > 0 ? 1 : 0

  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.senders[0].json
}
