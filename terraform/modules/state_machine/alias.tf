# Callers start executions through this alias (EventBridge targets, API Gateway's
# StartSyncExecution, a parent's startExecution.sync:2), so a deploy can shift traffic gradually
# and devstack/release.py can roll back by moving the alias. During a canary (canary_weight > 0
# and a stable_version_arn other than the version just published) the stable version keeps
# 100 - canary percent of the new executions and the new version gets the canary percent;
# otherwise the new version gets them all. IAM authorises a start through an alias against the
# state machine's own ARN, so roles keep naming that ARN (and its executions, for .sync).
locals {
  new_version_arn = aws_sfn_state_machine.this.state_machine_version_arn
  # Whole percent (Step Functions weights are integers); floor(x + 0.5) rounds 0.1 * 100 to 10.
  canary_percent = floor(var.canary_weight * 100 + 0.5)
  # Known at plan time unless a canary was asked for and the new version is still unknown.
  canary = var.canary_weight > 0 && var.stable_version_arn != null ? var.stable_version_arn != local.new_version_arn : false

  routes = local.canary ? [
    { version_arn = var.stable_version_arn, weight = 100 - local.canary_percent },
    { version_arn = local.new_version_arn, weight = local.canary_percent },
  ] : [{ version_arn = local.new_version_arn, weight = 100 }]
}

resource "aws_sfn_alias" "live" {
  name        = "live"
  description = "What every caller starts; moved by deploys and by make rollback."

  dynamic "routing_configuration" {
    for_each = local.routes

    content {
      state_machine_version_arn = routing_configuration.value.version_arn
      weight                    = routing_configuration.value.weight
    }
  }
}
