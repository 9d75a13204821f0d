output "topic_arns" {
  description = "ARNs of the SNS topics by key."
  value       = { for key, topic in aws_sns_topic.this : key => topic.arn }
}

output "event_bus_name" {
  description = "Name of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.name
}

output "event_bus_arn" {
  description = "ARN of the EventBridge bus."
  value       = aws_cloudwatch_event_bus.this.arn
}
