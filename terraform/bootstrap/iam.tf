# Each role trusts GitHub's OIDC tokens for sts.amazonaws.com whose subject is exactly one of
# this repository's (local.roles): no wildcard, so no other repository, branch or event.
data "aws_iam_policy_document" "github_trust" {
  for_each = local.roles

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:${each.value.subject}"]
    }
  }
}

resource "aws_iam_role" "github" {
  for_each = local.roles

  name                 = "github-orders-${each.key}"
  description          = "GitHub Actions (${var.github_repository}, ${each.value.subject}): ${endswith(each.key, "-plan") ? "terraform plan" : "terraform apply"} of orders-${each.value.environment}."
  assume_role_policy   = data.aws_iam_policy_document.github_trust[each.key].json
  max_session_duration = 3600
}

# What terraform plan needs for one environment: its state (read) and lock file, and read-only
# calls on the resources named orders-<environment>-*. No data: no GetItem, GetObject or
# ReceiveMessage on the stack's tables, buckets or queues.
resource "aws_iam_policy" "read" {
  for_each = var.environments

  name        = "github-orders-${each.key}-read"
  description = "terraform plan of orders-${each.key}: state, lock file, read-only calls on orders-${each.key}-* resources."
  policy      = templatefile("${path.module}/policies/read.json.tftpl", local.policy_variables[each.key])
}

# What terraform apply adds, in two policies (a managed policy holds 6,144 characters): writing
# the state, and creating, changing and deleting the resources named orders-<environment>-*;
# then the roles (only within the boundary below) and the KMS key (tagged with the environment).
resource "aws_iam_policy" "deploy" {
  for_each = var.environments

  name        = "github-orders-${each.key}-deploy"
  description = "terraform apply of orders-${each.key}: state, and orders-${each.key}-* resources."
  policy      = templatefile("${path.module}/policies/deploy.json.tftpl", local.policy_variables[each.key])
}

resource "aws_iam_policy" "deploy_roles_and_keys" {
  for_each = var.environments

  name        = "github-orders-${each.key}-deploy-roles-and-keys"
  description = "terraform apply of orders-${each.key}: roles within orders-${each.key}-boundary, and its KMS key."
  policy      = templatefile("${path.module}/policies/deploy_roles_and_keys.json.tftpl", merge(local.policy_variables[each.key], { boundary_arn = aws_iam_policy.boundary[each.key].arn }))
}

# The permissions boundary of every role the stack creates (permissions_boundary_policy in
# terraform/envs/<environment>): the most any of them may do, whatever policy the deploy role
# writes into it. So a role created by the pipeline cannot do more than use the stack's own
# resources, write logs and traces, and follow child executions.
resource "aws_iam_policy" "boundary" {
  for_each = var.environments

  name        = "orders-${each.key}-boundary"
  description = "Permissions boundary of the orders-${each.key} stack's roles: its own resources, logs and traces only."
  policy      = templatefile("${path.module}/policies/boundary.json.tftpl", local.policy_variables[each.key])
}

resource "aws_iam_role_policy_attachment" "read" {
  for_each = local.roles

  role       = aws_iam_role.github[each.key].name
  policy_arn = aws_iam_policy.read[each.value.environment].arn
}

resource "aws_iam_role_policy_attachment" "deploy" {
  for_each = var.environments

  role       = aws_iam_role.github["${each.key}-deploy"].name
  policy_arn = aws_iam_policy.deploy[each.key].arn
}

resource "aws_iam_role_policy_attachment" "deploy_roles_and_keys" {
  for_each = var.environments

  role       = aws_iam_role.github["${each.key}-deploy"].name
  policy_arn = aws_iam_policy.deploy_roles_and_keys[each.key].arn
}
