data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

# The same statements as devstack/provision.py (_state_machine_statements).
data "aws_iam_policy_document" "this" {
  # The statements that cannot name this stack's resources (log delivery, X-Ray, the managed
  # rule that follows child executions), each with its reason, in terraform/policies/.
  source_policy_documents = concat(
    var.follows_child_executions ? [file("${path.module}/../../policies/sync_execution_events.json")] : [],
    [
      file("${path.module}/../../policies/state_machine_log_delivery.json"),
      file("${path.module}/../../policies/xray_write.json"),
    ],
  )

  # What the definition calls, each action on the resource its placeholder names.
  dynamic "statement" {
    for_each = var.service_calls

    content {
      sid       = statement.key
      actions   = sort(statement.value)
      resources = var.placeholder_resources[statement.key]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
