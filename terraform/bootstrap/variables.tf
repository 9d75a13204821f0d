variable "github_repository" {
  description = "The GitHub repository whose workflows may assume the roles, as owner/name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository is owner/name, e.g. my-org/serverless-order-workflows."
  }
}

variable "environments" {
  description = "The environments the pipeline deploys, each with the OIDC subject (what follows repo:<owner>/<name>: in the token's sub claim) that may plan it read-only. Each deploy role trusts environment:<name> only."
  type = map(object({
    plan_subject = string
  }))
  default = {
    dev  = { plan_subject = "pull_request" }
    prod = { plan_subject = "ref:refs/heads/main" }
  }

  validation {
    condition     = alltrue([for name in keys(var.environments) : contains(["dev", "prod"], name)])
    error_message = "The environments are the roots under terraform/envs that keep their state in S3: dev and prod."
  }
}

variable "region" {
  description = "AWS region of the state bucket and of the stacks (the region in terraform/envs/*/backend.tf)."
  type        = string
  default     = "eu-west-2"
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false where the account has one already (one per URL per account), which is then looked up."
  type        = bool
  default     = true
}
