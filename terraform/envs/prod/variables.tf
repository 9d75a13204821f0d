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
