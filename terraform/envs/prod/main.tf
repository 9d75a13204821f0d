# The public Powertools for AWS Lambda (Python) layer, looked up by version, so no account id
# is committed.
data "aws_ssm_parameter" "powertools_layer" {
  name = "/aws/service/powertools/python/arm64/python3.13/${var.powertools_version}"
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

module "orders" {
  source = "../../modules/orders"

  environment                             = var.environment
  package_dir                             = var.package_dir
  lambda_layers                           = [data.aws_ssm_parameter.powertools_layer.insecure_value]
  reserved_concurrent_executions          = var.reserved_concurrent_executions
  log_retention_in_days                   = var.log_retention_in_days
  point_in_time_recovery_enabled          = true
  deletion_protection_enabled             = true
  prevent_table_destroy                   = var.prevent_table_destroy
  api_throttling                          = var.api_throttling
  manage_api_gateway_account_logging_role = var.manage_api_gateway_account_logging_role
  log_execution_data                      = var.log_execution_data
  canary_weight                           = var.canary_weight
  stable_versions                         = var.stable_versions
  alarm_email                             = var.alarm_email
  permissions_boundary                    = local.permissions_boundary
}
