# EventBridge rules, as devstack/provision.py puts them (_route_to_queues,
# _route_to_state_machines), on the orders bus or on the account's default bus (where S3 sends
# object events). The event patterns are the JSON files in terraform/events/, which the local
# tooling reads too, rendered with templatefile (a file may name a resource of the stack with a
# ${PascalCase} placeholder, as provision.event_pattern fills it). A rule targets one queue
# (which lets that rule send, queues.tf) or starts one state machine through a role of its own
# that may start only that one.

locals {
  # Each rule's target, whichever kind it is: its id (the target's key, as provisioning names
  # it) and ARN (a state machine's live alias: EventBridge starts the version it routes to; the
  # role below names the state machine, as IAM authorises a start through an alias against it).
  rule_targets = {
    for key, rule in local.rules : key => {
      id  = try(rule.target_queue, rule.target_state_machine)
      arn = try(rule.target_queue, null) != null ? module.queue[rule.target_queue].arn : local.state_machine_start_arns[rule.target_state_machine]
    }
  }

  # The bus each rule listens on: the orders bus, or the one it names ("default").
  rule_buses = {
    for key, rule in local.rules : key => try(rule.bus, local.event_bus) == local.event_bus ? module.messaging.event_bus_name : rule.bus
  }

  # What fills a pattern placeholder of each kind, by key (names only; local.resources cannot
  # serve here, as it reads the queues, which read these rules).
  pattern_values = {
    bucket = { for key, bucket in module.bucket : key => bucket.name }
  }

  # The rules that start a state machine: each gets a role for the target to assume.
  state_machine_rules = { for key, rule in local.rules : key => rule if try(rule.target_state_machine, null) != null }
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each = local.rules

  name           = "${local.name_prefix}-${each.key}"
  event_bus_name = local.rule_buses[each.key]
  tags           = var.tags

  event_pattern = templatefile("${path.module}/../../events/${each.value.pattern_file}", {
    for placeholder, ref in try(each.value.pattern_substitutions, {}) :
    placeholder => local.pattern_values[ref.kind][ref.key]
  })
}

resource "aws_cloudwatch_event_target" "this" {
  for_each = local.rules

  rule           = aws_cloudwatch_event_rule.this[each.key].name
  event_bus_name = local.rule_buses[each.key]
  target_id      = local.rule_targets[each.key].id
  arn            = local.rule_targets[each.key].arn
  role_arn       = try(aws_iam_role.start_state_machine[each.key].arn, null)
}

data "aws_iam_policy_document" "events_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "start_state_machine" {
  for_each = local.state_machine_rules

  statement {
    sid       = "StartExecution"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arns[each.value.target_state_machine]]
  }
}

# Named after the rule, as provisioning names it: orders-<environment>-<rule key>.
resource "aws_iam_role" "start_state_machine" {
  for_each = local.state_machine_rules

  name                 = "${local.name_prefix}-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.events_assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

resource "aws_iam_role_policy" "start_state_machine" {
  for_each = local.state_machine_rules

  name   = "${local.name_prefix}-${each.key}-access"
  role   = aws_iam_role.start_state_machine[each.key].id
  policy = data.aws_iam_policy_document.start_state_machine[each.key].json
}
