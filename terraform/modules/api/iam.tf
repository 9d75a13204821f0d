data "aws_iam_policy_document" "assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

# The integrations' role: start the order workflow and read orders, nothing else. Starting it
# through its live alias is authorised against the state machine's own ARN
# (https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html).
data "aws_iam_policy_document" "this" {
  statement {
    sid       = "StartOrderWorkflow"
    actions   = ["states:StartSyncExecution"]
    resources = [var.state_machine_arn]
  }

  statement {
    sid       = "ReadOrders"
    actions   = ["dynamodb:GetItem"]
    resources = [var.orders_table_arn]
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

resource "aws_iam_role" "account_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  name                 = "${var.name}-apigateway-logging"
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "account_logging" {
  count = var.manage_account_logging_role ? 1 : 0

  role       = aws_iam_role.account_logging[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}
