variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "eu-west-2"
}

variable "environment" {
  description = "Environment name, part of every physical name."
  type        = string
}

variable "package_dir" {
  description = "Directory of the function zips (<FunctionLogicalId>.zip); null means <repository>/.aws-sam/build."
  type        = string
  default     = null
}

variable "powertools_version" {
  description = "Version of the public Powertools layer (matches aws-lambda-powertools in pyproject.toml)."
  type        = string
  default     = "3.37.0"
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency of each function; -1 for unreserved."
  type        = number
  default     = 10
}

variable "log_retention_in_days" {
  description = "Days every log group keeps its events."
  type        = number
  default     = 365
}

variable "prevent_table_destroy" {
  description = "Declare the tables with lifecycle prevent_destroy."
  type        = bool
  default     = false
}

variable "api_throttling" {
  description = "API requests per second and burst."
  type = object({
    rate_limit  = optional(number, 50)
    burst_limit = optional(number, 100)
  })
  default = {}
}

variable "manage_api_gateway_account_logging_role" {
  description = "Create the account-wide API Gateway logging role (one stack per account and region)."
  type        = bool
  default     = false
}

variable "log_execution_data" {
  description = "Whether the state machines' logs include execution data (personal data); off by default."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (it must confirm the subscription); null subscribes nobody."
  type        = string
  default     = null
}

variable "canary_weight" {
  description = "Canary deploy: share of traffic (0 to under 1) the new versions get, the rest staying on stable_versions; 0 (the default) moves live fully to what this apply publishes. Set by make deploy ENV=... CANARY=0.1."
  type        = number
  default     = 0
}

variable "stable_versions" {
  description = "What each live alias serves now (function key -> version, state machine key -> version ARN), read by devstack/release.py for a canary deploy."
  type = object({
    functions      = optional(map(string), {})
    state_machines = optional(map(string), {})
  })
  default = {}
}

variable "permissions_boundary_policy" {
  description = "Name of the IAM policy every role of the stack carries as permissions boundary: terraform/bootstrap creates orders-<environment>-boundary, and the pipeline's deploy role may create roles only with it. null for none (a stack deployed without terraform/bootstrap)."
  type        = string
  default     = null
}
