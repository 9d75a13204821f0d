# Operations: alarms for every function, state machine, dead-letter queue and the API, to an
# encrypted alarm topic, and one dashboard (modules/monitoring; docs/runbook.md says what each
# alarm means and what to do). Off where CloudWatch cannot hold them (var.monitoring_enabled:
# the local emulator stores metric math alarms without their queries). Also the one log group
# no module declares: API Gateway's execution logs.

locals {
  # Where failures end up: every queue's dead-letter queue (<key>-dlq, as the queue_urls output
  # names it) and each stream mapping's on-failure queue, which has none of its own.
  dead_letter_queues = merge(
    { for key, queue in local.queues : "${key}-dlq" => module.queue[key].dlq_name if try(queue.dead_letter, true) },
    { for consumer in values(local.stream_consumers) : consumer.on_failure_queue => module.queue[consumer.on_failure_queue].name },
  )
}

module "monitoring" {
  source = "../monitoring"
  count  = var.monitoring_enabled ? 1 : 0

  name_prefix = local.name_prefix
  kms_key_arn = module.kms.key_arn
  alarm_email = var.alarm_email
  tags        = var.tags

  metrics_namespace = local.metrics_namespace
  functions = {
    for key, function in local.functions : key => {
      name    = module.function[key].function_name
      timeout = function.timeout
      service = replace(key, "_", "-") # POWERTOOLS_SERVICE_NAME in main.tf
    }
  }

  # Every block of main.tf that calls ../state_machine, by its key in local.state_machines.
  state_machines = {
    order_processing = { name = module.order_processing.name, arn = module.order_processing.arn }
    pick_pack_label  = { name = module.pick_pack_label.name, arn = module.pick_pack_label.arn }
    order_fulfilment = { name = module.order_fulfilment.name, arn = module.order_fulfilment.arn }
    inventory_import = { name = module.inventory_import.name, arn = module.inventory_import.arn }
  }

  queues             = { for key, queue in local.queues : key => module.queue[key].name if try(queue.dead_letter, true) }
  dead_letter_queues = local.dead_letter_queues

  # The name module.api is given in main.tf (its ApiName metric dimension).
  api = {
    name  = "${local.name_prefix}-api"
    stage = module.api.stage_name
  }
}

# API Gateway writes execution logs (logging level INFO on every method) to
# API-Gateway-Execution-Logs_<API id>/<stage>, which it creates itself, kept forever and
# unencrypted, unless it exists. Declared here with the stack's retention and key; it needs
# only the API's id, so it exists before the stage serves a request. A stack deployed before
# this declaration has the group already: import it once (terraform/README.md).
resource "aws_cloudwatch_log_group" "api_execution" {
  name              = "API-Gateway-Execution-Logs_${module.api.rest_api_id}/${var.api_stage_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = module.kms.key_arn
  tags              = var.tags
}
