environment                    = "prod"
log_retention_in_days          = 731
reserved_concurrent_executions = 50
prevent_table_destroy          = true
# Set to true if prod has an account of its own (dev's stack manages the role otherwise).
manage_api_gateway_account_logging_role = false
permissions_boundary_policy             = "orders-prod-boundary"
api_throttling = {
  rate_limit  = 100
  burst_limit = 200
}
