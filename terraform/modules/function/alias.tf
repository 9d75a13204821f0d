# Everything that invokes the function (Step Functions Tasks, event source mappings) names this
# alias, never the function, so a deploy can shift traffic gradually and devstack/release.py can
# roll back by moving the alias. During a canary (canary_weight > 0 and a stable_version other
# than the one just published) the alias keeps serving the stable version and sends
# canary_weight of the invocations to the new one; otherwise everything goes to the new one.
locals {
  # Known at plan time unless a canary was asked for and the new version is still unknown.
  canary = var.canary_weight > 0 && var.stable_version != null ? var.stable_version != aws_lambda_function.this.version : false
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "What every caller invokes; moved by deploys and by make rollback."
  function_name    = aws_lambda_function.this.function_name
  function_version = local.canary ? var.stable_version : aws_lambda_function.this.version

  dynamic "routing_config" {
    for_each = local.canary ? [var.canary_weight] : []

    content {
      additional_version_weights = { (aws_lambda_function.this.version) = routing_config.value }
    }
  }
}
