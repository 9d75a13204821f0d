environment                             = "dev"
log_retention_in_days                   = 365
reserved_concurrent_executions          = 10
prevent_table_destroy                   = false
manage_api_gateway_account_logging_role = true
permissions_boundary_policy             = "orders-dev-boundary"
log_execution_data                      = true
api_throttling = {
  rate_limit  = 20
  burst_limit = 40
}
