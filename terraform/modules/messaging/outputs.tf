output "topic_arn" {
  description = "ARN of the SNS topic."
  value       = aws_sns_topic.this.arn
}

output "event_bus_name" {
  description = "Name of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.arn
}
