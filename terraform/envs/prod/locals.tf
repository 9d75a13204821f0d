locals {
  tags = {
    Project     = "serverless-order-workflows"
    Environment = var.environment
    ManagedBy   = "terraform"
  }

  permissions_boundary = var.permissions_boundary_policy == null ? null : "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:policy/${var.permissions_boundary_policy}"
}
