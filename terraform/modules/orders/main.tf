module "kms" {
  source = "../kms"

  name                    = local.name_prefix
  deletion_window_in_days = var.kms_deletion_window_in_days
  tags                    = var.tags
}

module "tables" {
  source = "../tables"

  name_prefix                    = local.name_prefix
  tables                         = local.tables
  kms_key_arn                    = module.kms.key_arn
  point_in_time_recovery_enabled = var.point_in_time_recovery_enabled
  deletion_protection_enabled    = var.deletion_protection_enabled
  prevent_destroy                = var.prevent_table_destroy
  tags                           = var.tags
}

module "messaging" {
  source = "../messaging"

  topic_name     = "${local.name_prefix}-${local.topic}"
  event_bus_name = "${local.name_prefix}-${local.event_bus}"
  tags           = var.tags
}

module "function" {
  source   = "../function"
  for_each = local.functions

  function_name                  = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  filename                       = "${local.package_dir}/${each.value.logical_id}.zip"
  handler                        = "${each.key}.handler.lambda_handler"
  runtime                        = var.lambda_runtime
  layers                         = var.lambda_layers
  memory_size                    = each.value.memory_size
  timeout                        = each.value.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  log_retention_in_days          = var.log_retention_in_days
  log_kms_key_arn                = module.kms.key_arn
  tags                           = var.tags

  environment_variables = merge(
    { for name, table in each.value.table_variables : name => module.tables.names[table] },
    try(each.value.publishes_events, false) ? { EVENT_BUS_NAME = module.messaging.event_bus_name } : {},
    {
      POWERTOOLS_SERVICE_NAME      = replace(each.key, "_", "-")
      POWERTOOLS_METRICS_NAMESPACE = local.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = "INFO"
    },
  )

  consumed_queue_arn = try(module.queue[each.value.consumes_queue].arn, null)
  event_bus_arn      = try(each.value.publishes_events, false) ? module.messaging.event_bus_arn : null
  consumed_stream = try({
    stream_arn        = module.tables.stream_arns[local.stream_consumers[each.key].table]
    failure_queue_arn = module.queue[local.stream_consumers[each.key].on_failure_queue].arn
  }, null)

  table_access = {
    for table, actions in each.value.table_actions : table => {
      arn     = module.tables.arns[table]
      actions = actions
    }
  }
}

module "order_processing" {
  source = "../state_machine"

  name                  = "${local.name_prefix}-${replace(local.order_processing.key, "_", "-")}"
  type                  = local.order_processing.type
  definition_file       = local.order_processing.definition_file
  log_retention_in_days = var.log_retention_in_days
  log_kms_key_arn       = module.kms.key_arn
  log_execution_data    = var.log_execution_data
  tags                  = var.tags

  substitutions = {
    for placeholder, ref in local.order_processing.substitutions :
    placeholder => local.substitution_values[ref.kind][ref.key]
  }

  policy_statements = [
    for placeholder, actions in local.order_processing.service_calls : {
      sid     = placeholder
      actions = actions
      resources = [
        local.resource_arns[local.order_processing.substitutions[placeholder].kind][local.order_processing.substitutions[placeholder].key],
      ]
    }
  ]
}

module "api" {
  source = "../api"

  name                        = "${local.name_prefix}-api"
  stage_name                  = var.api_stage_name
  api_dir                     = "${path.module}/../../api"
  state_machine_arn           = module.order_processing.arn
  orders_table_name           = module.tables.names["orders"]
  orders_table_arn            = module.tables.arns["orders"]
  throttling                  = var.api_throttling
  manage_account_logging_role = var.manage_api_gateway_account_logging_role
  log_retention_in_days       = var.log_retention_in_days
  log_kms_key_arn             = module.kms.key_arn
  tags                        = var.tags
}
