locals {
  tags = {
    Project     = "serverless-order-workflows"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
