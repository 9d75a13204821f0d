output "state_bucket" {
  description = "Name of the Terraform state bucket: TF_STATE_BUCKET, for make deploy, make plan and the pipeline."
  value       = module.state_bucket.name
}

output "plan_role_arns" {
  description = "Read-only role per environment (terraform plan), by environment."
  value       = { for environment in keys(var.environments) : environment => aws_iam_role.github["${environment}-plan"].arn }
}

output "deploy_role_arns" {
  description = "Role per environment that applies, trusted only in the GitHub environment of the same name."
  value       = { for environment in keys(var.environments) : environment => aws_iam_role.github["${environment}-deploy"].arn }
}

output "permissions_boundary_arns" {
  description = "Permissions boundary every role of an environment's stack carries, by environment."
  value       = { for environment, policy in aws_iam_policy.boundary : environment => policy.arn }
}

output "github_variables" {
  description = "The GitHub Actions variables .github/workflows/deploy.yml reads: repository variables, and per GitHub environment."
  value = {
    repository = merge(
      { TF_STATE_BUCKET = module.state_bucket.name },
      { for environment in keys(var.environments) : "${upper(environment)}_PLAN_ROLE_ARN" => aws_iam_role.github["${environment}-plan"].arn },
    )
    environments = {
      for environment in keys(var.environments) : environment => {
        DEPLOY_ROLE_ARN = aws_iam_role.github["${environment}-deploy"].arn
      }
    }
  }
}
