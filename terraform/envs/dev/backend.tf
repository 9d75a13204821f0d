# State in S3 with S3-native locking (use_lockfile; no DynamoDB lock table). The bucket is not
# committed: pass it at init, e.g.
#   terraform init -backend-config="bucket=<your-state-bucket>"
# (see terraform/README.md). The key separates environments sharing one bucket.
terraform {
  backend "s3" {
    key          = "orders/dev/terraform.tfstate"
    region       = "eu-west-2"
    encrypt      = true
    use_lockfile = true
  }
}
