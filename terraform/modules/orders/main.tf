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

  topics         = { for topic in local.topics : topic => "${local.name_prefix}-${topic}" }
  event_bus_name = "${local.name_prefix}-${local.event_bus}"
  tags           = var.tags
}

# The order notifications topic was the messaging module's only topic, at aws_sns_topic.this.
moved {
  from = module.messaging.aws_sns_topic.this
  to   = module.messaging.aws_sns_topic.this["order-notifications"]
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
  canary_weight                  = var.canary_weight
  stable_version                 = lookup(var.stable_versions.functions, each.key, null)
  tags                           = var.tags
  permissions_boundary           = var.permissions_boundary

  environment_variables = merge(
    { for name, table in each.value.table_variables : name => module.tables.names[table] },
    try(each.value.publishes_events, false) ? { EVENT_BUS_NAME = module.messaging.event_bus_name } : {},
    try(each.value.bucket, null) != null ? { (local.buckets[each.value.bucket].variable) = module.bucket[each.value.bucket].name } : {},
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

  bucket_access = try({
    arn            = module.bucket[each.value.bucket].arn
    object_actions = each.value.object_actions
  }, null)
}

# One module block per state machine in local.state_machines, each reading its own entry.
# local.resources fills the placeholders; a parent reads local.resources_and_children, which
# adds the state machines it starts.
module "order_processing" {
  source = "../state_machine"

  name                     = "${local.name_prefix}-order-processing"
  type                     = local.state_machines.order_processing.type
  definition_file          = local.state_machines.order_processing.definition_file
  service_calls            = local.state_machines.order_processing.service_calls
  follows_child_executions = local.state_machines.order_processing.runs_child_to_completion
  log_retention_in_days    = var.log_retention_in_days
  log_kms_key_arn          = module.kms.key_arn
  log_execution_data       = var.log_execution_data
  canary_weight            = var.canary_weight
  stable_version_arn       = lookup(var.stable_versions.state_machines, "order_processing", null)
  start_through_alias      = var.start_state_machines_through_aliases
  tags                     = var.tags
  permissions_boundary     = var.permissions_boundary

  substitutions = {
    for placeholder, ref in local.state_machines.order_processing.substitutions :
    placeholder => local.resources[ref.kind][ref.key].value
  }
  placeholder_resources = {
    for placeholder, ref in local.state_machines.order_processing.substitutions :
    placeholder => local.resources[ref.kind][ref.key].arns
  }
}

module "pick_pack_label" {
  source = "../state_machine"

  name                     = "${local.name_prefix}-pick-pack-label"
  type                     = local.state_machines.pick_pack_label.type
  definition_file          = local.state_machines.pick_pack_label.definition_file
  service_calls            = local.state_machines.pick_pack_label.service_calls
  follows_child_executions = local.state_machines.pick_pack_label.runs_child_to_completion
  log_retention_in_days    = var.log_retention_in_days
  log_kms_key_arn          = module.kms.key_arn
  log_execution_data       = var.log_execution_data
  canary_weight            = var.canary_weight
  stable_version_arn       = lookup(var.stable_versions.state_machines, "pick_pack_label", null)
  start_through_alias      = var.start_state_machines_through_aliases
  tags                     = var.tags
  permissions_boundary     = var.permissions_boundary

  substitutions = {
    for placeholder, ref in local.state_machines.pick_pack_label.substitutions :
    placeholder => local.resources[ref.kind][ref.key].value
  }
  placeholder_resources = {
    for placeholder, ref in local.state_machines.pick_pack_label.substitutions :
    placeholder => local.resources[ref.kind][ref.key].arns
  }
}

module "order_fulfilment" {
  source = "../state_machine"

  name                     = "${local.name_prefix}-order-fulfilment"
  type                     = local.state_machines.order_fulfilment.type
  definition_file          = local.state_machines.order_fulfilment.definition_file
  service_calls            = local.state_machines.order_fulfilment.service_calls
  follows_child_executions = local.state_machines.order_fulfilment.runs_child_to_completion
  log_retention_in_days    = var.log_retention_in_days
  log_kms_key_arn          = module.kms.key_arn
  log_execution_data       = var.log_execution_data
  canary_weight            = var.canary_weight
  stable_version_arn       = lookup(var.stable_versions.state_machines, "order_fulfilment", null)
  start_through_alias      = var.start_state_machines_through_aliases
  tags                     = var.tags
  permissions_boundary     = var.permissions_boundary

  substitutions = {
    for placeholder, ref in local.state_machines.order_fulfilment.substitutions :
    placeholder => local.resources_and_children[ref.kind][ref.key].value
  }
  placeholder_resources = {
    for placeholder, ref in local.state_machines.order_fulfilment.substitutions :
    placeholder => local.resources_and_children[ref.kind][ref.key].arns
  }
}

module "inventory_import" {
  source = "../state_machine"

  name                     = "${local.name_prefix}-inventory-import"
  type                     = local.state_machines.inventory_import.type
  definition_file          = local.state_machines.inventory_import.definition_file
  service_calls            = local.state_machines.inventory_import.service_calls
  follows_child_executions = local.state_machines.inventory_import.runs_child_to_completion
  log_retention_in_days    = var.log_retention_in_days
  log_kms_key_arn          = module.kms.key_arn
  log_execution_data       = var.log_execution_data
  canary_weight            = var.canary_weight
  stable_version_arn       = lookup(var.stable_versions.state_machines, "inventory_import", null)
  start_through_alias      = var.start_state_machines_through_aliases
  tags                     = var.tags
  permissions_boundary     = var.permissions_boundary

  substitutions = {
    for placeholder, ref in local.state_machines.inventory_import.substitutions :
    placeholder => local.resources[ref.kind][ref.key].value
  }
  placeholder_resources = {
    for placeholder, ref in local.state_machines.inventory_import.substitutions :
    placeholder => local.resources[ref.kind][ref.key].arns
  }
}

module "api" {
  source = "../api"

  name                        = "${local.name_prefix}-api"
  stage_name                  = var.api_stage_name
  api_dir                     = "${path.module}/../../api"
  state_machine_arn           = module.order_processing.arn
  state_machine_start_arn     = module.order_processing.start_arn
  orders_table_name           = module.tables.names["orders"]
  orders_table_arn            = module.tables.arns["orders"]
  throttling                  = var.api_throttling
  api_key_value               = var.api_key_value
  manage_account_logging_role = var.manage_api_gateway_account_logging_role
  log_retention_in_days       = var.log_retention_in_days
  log_kms_key_arn             = module.kms.key_arn
  tags                        = var.tags
  permissions_boundary        = var.permissions_boundary
}
