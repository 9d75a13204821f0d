output "rest_api_id" {
  description = "ID of the REST API."
  value       = aws_api_gateway_rest_api.this.id
}

output "invoke_url" {
  description = "Base URL of the stage."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "orders_url" {
  description = "URL of POST /orders."
  value       = "${aws_api_gateway_stage.this.invoke_url}/orders"
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_api_gateway_stage.this.stage_name
}

output "api_key_id" {
  description = "ID of the API key (read its value with: aws apigateway get-api-key --include-value --api-key <id>)."
  value       = aws_api_gateway_api_key.this.id
}

output "role_arn" {
  description = "ARN of the integrations' IAM role."
  value       = aws_iam_role.this.arn
}
