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

output "state_machine_arns" {
  description = "ARNs of every state machine by logical key (order_processing, order_fulfilment, ...)."
  value       = module.orders.state_machine_arns
}

output "approvals_queue_url" {
  description = "URL of the queue where fulfilment waits for a reviewer's approval."
  value       = module.orders.queue_urls["approvals"]
}

output "table_names" {
  description = "Table names by logical key."
  value       = module.orders.table_names
}

output "imports_bucket_name" {
  description = "Bucket of stock receipts: a CSV uploaded under incoming/ is imported (make import FILE=<csv>)."
  value       = module.orders.bucket_names["imports"]
}

output "topic_arns" {
  description = "SNS topic ARNs by logical key: order-notifications, and inventory-imports (the outcome of each import)."
  value       = module.orders.topic_arns
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (subscribe on-call to it; alarm_email does for one address)."
  value       = module.orders.alarm_topic_arn
}

output "dashboard_name" {
  description = "The environment's CloudWatch dashboard."
  value       = module.orders.dashboard_name
}
