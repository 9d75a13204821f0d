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

output "alias_arn" {
  description = "ARN of the live alias."
  value       = aws_sfn_alias.live.arn
}

output "version_arn" {
  description = "ARN of the latest published version (the canary's during a canary deploy)."
  value       = aws_sfn_state_machine.this.state_machine_version_arn
}

output "start_arn" {
  description = "The ARN callers start executions with: the live alias, or the state machine itself where start_through_alias is false. IAM statements name arn (a start through an alias is authorised against the state machine's ARN)."
  value       = var.start_through_alias ? aws_sfn_alias.live.arn : aws_sfn_state_machine.this.arn
}
