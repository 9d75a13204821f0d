locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = {
    Project   = "serverless-order-workflows"
    Component = "pipeline"
    ManagedBy = "terraform"
  }

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : data.aws_iam_openid_connect_provider.github[0].arn

  # Two roles per environment, each trusting one OIDC subject of this repository's tokens
  # (.github/workflows/deploy.yml): <env>-plan reads (terraform plan), <env>-deploy applies and
  # is trusted only by jobs that run in the GitHub environment of the same name.
  roles = merge(
    {
      for environment, pipeline in var.environments : "${environment}-plan" => {
        environment = environment
        subject     = pipeline.plan_subject
      }
    },
    {
      for environment, pipeline in var.environments : "${environment}-deploy" => {
        environment = environment
        subject     = "environment:${environment}"
      }
    },
  )

  # What the policy templates in policies/ are rendered with, per environment. The state key is
  # the one in terraform/envs/<environment>/backend.tf; the stack's names start with prefix.
  policy_variables = {
    for environment in keys(var.environments) : environment => {
      partition        = local.partition
      region           = var.region
      account_id       = local.account_id
      environment      = environment
      prefix           = "orders-${environment}"
      state_bucket_arn = module.state_bucket.arn
      state_key        = "orders/${environment}/terraform.tfstate"
    }
  }
}
