output "api_url" {
  description = "URL of POST /orders."
  value       = module.orders.api_url
}

output "api_key_id" {
  description = "ID of the API key (aws apigateway get-api-key --include-value --api-key <id>)."
  value       = module.orders.api_key_id
}

output "state_machine_arn" {
  description = "ARN of the order processing state machine."
  value       = module.orders.state_machine_arn
}

output "table_names" {
  description = "Table names by logical key."
  value       = module.orders.table_names
}
