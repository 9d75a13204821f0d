output "name" {
  description = "Name of the bucket (<name>-<account id>)."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "ARN of the bucket (its objects: <arn>/*)."
  value       = aws_s3_bucket.this.arn
}
