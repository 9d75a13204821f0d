# Plan mode with a mocked provider (make terraform-validate): the policy templates render, each
# role trusts its one subject, and the deploy role's role-creating statement names the boundary.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  # The trust and key policies are checked offline (tests/infra/test_deploy_pipeline.py, checkov).
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{}" }
  }

  mock_resource "aws_iam_policy" {
    defaults = { arn = "arn:aws:iam::123456789012:policy/orders-prod-boundary" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn    = "arn:aws:s3:::orders-terraform-state-123456789012"
      bucket = "orders-terraform-state-123456789012"
    }
  }
}

variables {
  github_repository = "my-org/serverless-order-workflows"
}

run "two_roles_per_environment" {
  command = plan

  assert {
    condition     = toset(keys(aws_iam_role.github)) == toset(["dev-deploy", "dev-plan", "prod-deploy", "prod-plan"])
    error_message = "Each environment gets a plan role and a deploy role."
  }

  assert {
    condition     = aws_iam_role.github["prod-deploy"].name == "github-orders-prod-deploy"
    error_message = "The pipeline's roles are named github-orders-<env>-<kind>, outside the stack's orders-<env>-* names."
  }

  assert {
    condition     = length(aws_iam_role_policy_attachment.deploy) == 2 && length(aws_iam_role_policy_attachment.read) == 4
    error_message = "Every role may read; only the deploy roles may write."
  }
}

run "policies_render" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_policy.read["dev"].policy).Statement[0].Resource == "arn:aws:s3:::orders-terraform-state-123456789012/orders/dev/terraform.tfstate"
    error_message = "The read policy names dev's state object (the key in terraform/envs/dev/backend.tf)."
  }

  assert {
    condition     = jsondecode(aws_iam_policy.deploy_roles_and_keys["prod"].policy).Statement[0].Condition.StringEquals["iam:PermissionsBoundary"] == "arn:aws:iam::123456789012:policy/orders-prod-boundary"
    error_message = "The deploy role creates roles only with the boundary."
  }

  assert {
    condition     = length(jsondecode(aws_iam_policy.boundary["dev"].policy).Statement) > 0
    error_message = "The boundary renders."
  }
}
