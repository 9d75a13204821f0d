data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# The same statements as devstack/provision.py: the function's table actions on the named
# tables, its object actions in its bucket, its own log group, and X-Ray.
data "aws_iam_policy_document" "this" {
  # X-Ray has no resource-level permissions: its "*" statement lives in terraform/policies/.
  source_policy_documents = [file("${path.module}/../../policies/xray_write.json")]

  dynamic "statement" {
    for_each = var.table_access

    content {
      sid       = replace(title(replace(statement.key, "_", " ")), " ", "")
      actions   = statement.value.actions
      resources = [statement.value.arn]
    }
  }

  dynamic "statement" {
    for_each = var.consumed_queue_arn == null ? [] : [var.consumed_queue_arn]

    content {
      sid = "ConsumeQueue"
      actions = [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        "sqs:ChangeMessageVisibility",
      ]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.event_bus_arn == null ? [] : [var.event_bus_arn]

    content {
      sid       = "PutEvents"
      actions   = ["events:PutEvents"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.consumed_stream == null ? [] : [var.consumed_stream]

    content {
      sid = "ConsumeStream"
      actions = [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
      ]
      resources = [statement.value.stream_arn]
    }
  }

  dynamic "statement" {
    for_each = var.consumed_stream == null ? [] : [var.consumed_stream]

    content {
      sid       = "SendStreamFailures"
      actions   = ["sqs:SendMessage"]
      resources = [statement.value.failure_queue_arn]
    }
  }

  dynamic "statement" {
    for_each = var.bucket_access == null ? [] : [var.bucket_access]

    content {
      sid       = "BucketObjects"
      actions   = statement.value.object_actions
      resources = ["${statement.value.arn}/*"]
    }
  }

  # Without ListBucket a missing key answers 403 instead of 404 (NoSuchKey).
  dynamic "statement" {
    for_each = var.bucket_access == null ? [] : [var.bucket_access]

    content {
      sid       = "ListBucket"
      actions   = ["s3:ListBucket"]
      resources = [statement.value.arn]
    }
  }

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
