variable "environment" {
  description = "Environment name, part of every physical name (orders-<environment>-<resource>)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.environment))
    error_message = "The environment must be 2 to 12 lowercase letters or digits, starting with a letter."
  }
}

variable "package_dir" {
  description = "Directory holding <FunctionLogicalId>.zip for each function (make build). null means <repository>/.aws-sam/build, seen from a root in terraform/envs/<env>."
  type        = string
  default     = null
}

variable "lambda_runtime" {
  description = "Runtime of every function."
  type        = string
  default     = "python3.13"
}

variable "lambda_layers" {
  description = "Layer version ARNs for every function (the Powertools layer)."
  type        = list(string)
  default     = []
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency of each function; -1 leaves them unreserved (needed in accounts whose whole limit is 10)."
  type        = number
  default     = 10
}

variable "log_retention_in_days" {
  description = "Days every log group keeps its events."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "The retention must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Point-in-time recovery on every table."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "DynamoDB deletion protection on every table."
  type        = bool
  default     = true
}

variable "prevent_table_destroy" {
  description = "Declare the tables with lifecycle prevent_destroy (prod); fixed for the life of a state."
  type        = bool
  default     = false
}

variable "kms_deletion_window_in_days" {
  description = "Days the stack's KMS key stays recoverable after deletion."
  type        = number
  default     = 30
}

variable "api_stage_name" {
  description = "Name of the API stage."
  type        = string
  default     = "v1"
}

variable "api_throttling" {
  description = "API requests per second and burst (stage and usage plan)."
  type = object({
    rate_limit  = optional(number, 50)
    burst_limit = optional(number, 100)
  })
  default = {}
}

variable "api_key_value" {
  description = "Value of the API's key (20 to 128 characters); null lets API Gateway generate one (dev, prod). Only terraform/envs/local sets it: MiniStack rejects the empty value the provider sends otherwise."
  type        = string
  default     = null
  sensitive   = true
}

variable "manage_api_gateway_account_logging_role" {
  description = "Create the account-wide API Gateway logging role; true in one stack per account and region."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "log_execution_data" {
  description = "Whether the state machines' logs include execution data (inputs and outputs, which carry personal data)."
  type        = bool
  default     = false
}

variable "monitoring_enabled" {
  description = "Create the alarms, alarm topic and dashboard (monitoring.tf); false where CloudWatch cannot hold them (the local emulator)."
  type        = bool
  default     = true
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (it must confirm); null subscribes nobody."
  type        = string
  default     = null
}

variable "canary_weight" {
  description = "Canary deploy: share of traffic (0 to under 1) each function's and state machine's live alias sends to what this apply publishes, the rest staying on stable_versions; 0 moves live fully to the new versions (make deploy ENV=... CANARY=0.1, devstack/release.py)."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight < 1
    error_message = "The canary weight is a share of traffic: at least 0 and below 1."
  }
}

variable "stable_versions" {
  description = "What each live alias serves now, read by devstack/release.py for a canary deploy: function key -> version, state machine key -> version ARN. A resource left out (or without a new version) goes live fully."
  type = object({
    functions      = optional(map(string), {})
    state_machines = optional(map(string), {})
  })
  default = {}
}

variable "start_state_machines_through_aliases" {
  description = "Whether the API, the rules and a parent start each state machine through its live alias; false only where the emulator cannot start an alias (terraform/envs/local)."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as permissions boundary on every role of the stack (terraform/bootstrap creates orders-<environment>-boundary, and the pipeline's deploy role may create roles only with it); null for none."
  type        = string
  default     = null
}
