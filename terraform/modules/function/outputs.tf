output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's IAM role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "alias_arn" {
  description = "ARN of the live alias: what every caller invokes (and what their roles allow)."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "Invoke ARN of the live alias (for an API Gateway Lambda integration)."
  value       = aws_lambda_alias.live.invoke_arn
}

output "version" {
  description = "The latest published version (the canary's during a canary deploy)."
  value       = aws_lambda_function.this.version
}
