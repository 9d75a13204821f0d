# MiniStack (or LocalStack) on one port: every service this stack uses goes to it.
provider "aws" {
  region                      = var.region
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    apigateway = var.endpoint
    dynamodb   = var.endpoint
    events     = var.endpoint
    iam        = var.endpoint
    kms        = var.endpoint
    lambda     = var.endpoint
    logs       = var.endpoint
    s3         = var.endpoint
    sfn        = var.endpoint
    sns        = var.endpoint
    sqs        = var.endpoint
    ssm        = var.endpoint
    sts        = var.endpoint
  }

  default_tags {
    tags = local.tags
  }
}
