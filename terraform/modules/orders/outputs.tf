output "api_url" {
  description = "URL of POST /orders (GET /orders/{orderId} below it)."
  value       = module.api.orders_url
}

output "api_key_id" {
  description = "ID of the API key the methods require."
  value       = module.api.api_key_id
}

output "state_machine_arn" {
  description = "ARN of the order processing state machine."
  value       = module.order_processing.arn
}

output "state_machine_name" {
  description = "Name of the order processing state machine."
  value       = module.order_processing.name
}

output "state_machine_arns" {
  description = "ARNs of every state machine by logical key."
  value       = local.state_machine_arns
}

output "queue_urls" {
  description = "Queue URLs by logical key (dead-letter queues: <key>-dlq)."
  value = merge(
    { for key, queue in module.queue : key => queue.url },
    { for key, queue in module.queue : "${key}-dlq" => queue.dlq_url if try(local.queues[key].dead_letter, true) },
  )
}

output "table_names" {
  description = "Table names by logical key."
  value       = module.tables.names
}

output "function_names" {
  description = "Function names by logical key."
  value       = { for key, function in module.function : key => function.function_name }
}

output "topic_arn" {
  description = "ARN of the order notifications topic."
  value       = module.messaging.topic_arns["order-notifications"]
}

output "topic_arns" {
  description = "ARNs of every SNS topic by logical key (order-notifications, inventory-imports)."
  value       = module.messaging.topic_arns
}

output "bucket_names" {
  description = "Bucket names by logical key (imports: upload stock files under incoming/)."
  value       = { for key, bucket in module.bucket : key => bucket.name }
}

output "event_bus_name" {
  description = "Name of the orders event bus."
  value       = module.messaging.event_bus_name
}

output "kms_key_arn" {
  description = "ARN of the stack's KMS key."
  value       = module.kms.key_arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (null with monitoring off)."
  value       = one(module.monitoring[*].alarm_topic_arn)
}

output "dashboard_name" {
  description = "Name of the environment's CloudWatch dashboard (null with monitoring off)."
  value       = one(module.monitoring[*].dashboard_name)
}
