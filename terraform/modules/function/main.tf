data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions call only AWS APIs (DynamoDB, S3, EventBridge) and need no private network access; a VPC would add NAT or endpoints and cold-start cost for nothing.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile and a signed-artifact pipeline this sample does not have; packages are built and deployed by the same pipeline.
  #checkov:skip=CKV_AWS_116:Step Functions invokes these functions synchronously and handles failures with Retry/Catch; a DLQ applies to asynchronous invocations only.
  #checkov:skip=CKV_AWS_173:The environment holds table, bus and bucket names and Powertools settings only, no secrets; Lambda encrypts it at rest with its AWS managed key.

  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.filename
  source_code_hash               = filebase64sha256(var.filename)
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = var.architectures
  layers                         = var.layers
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrent_executions
  publish                        = true # every code or configuration change is a new version
  tags                           = var.tags

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  depends_on = [aws_iam_role_policy.this]
}
