data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

# GitHub's OIDC provider. No thumbprint_list: AWS validates GitHub's certificate against its own
# trusted CAs, and provider 6.x no longer requires the argument.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 0 : 1

  url = "https://token.actions.githubusercontent.com"
}

# The Terraform state of every environment (key orders/<environment>/terraform.tfstate), with
# S3-native locking (use_lockfile in the roots' backend.tf): the repository's bucket module,
# so private, versioned (every state version is kept), TLS only and encrypted with a key of
# its own that S3 may use for this account's callers.
module "state_key" {
  source = "../modules/kms"

  name        = "orders-terraform-state"
  description = "Encrypts the Terraform state of the order workflows' environments."
}

module "state_bucket" {
  source = "../modules/bucket"

  name        = "orders-terraform-state"
  kms_key_arn = module.state_key.key_arn
}
