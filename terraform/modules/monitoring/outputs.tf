output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (on ALARM and on OK)."
  value       = aws_sns_topic.this.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Names of the alarms by kind (the runbook's sections) and resource key."
  value = {
    lambda_error_rate       = { for key, alarm in aws_cloudwatch_metric_alarm.lambda_error_rate : key => alarm.alarm_name }
    lambda_p95_duration     = { for key, alarm in aws_cloudwatch_metric_alarm.lambda_p95_duration : key => alarm.alarm_name }
    lambda_throttles        = { for key, alarm in aws_cloudwatch_metric_alarm.lambda_throttles : key => alarm.alarm_name }
    dead_letter_queue_depth = { for key, alarm in aws_cloudwatch_metric_alarm.dead_letter_queue_depth : key => alarm.alarm_name }
    executions_failed       = { for key, alarm in aws_cloudwatch_metric_alarm.executions_failed : key => alarm.alarm_name }
    executions_timed_out    = { for key, alarm in aws_cloudwatch_metric_alarm.executions_timed_out : key => alarm.alarm_name }
    executions_throttled    = { for key, alarm in aws_cloudwatch_metric_alarm.executions_throttled : key => alarm.alarm_name }
    api_5xx                 = { api = aws_cloudwatch_metric_alarm.api_5xx.alarm_name }
  }
}
