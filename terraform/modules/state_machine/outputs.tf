output "arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's IAM role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the execution log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "execution_arns" {
  description = "ARN pattern of the state machine's executions (what a parent that runs it with .sync describes and stops)."
  value       = "${replace(aws_sfn_state_machine.this.arn, ":stateMachine:", ":execution:")}:*"
}
