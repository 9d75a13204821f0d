variable "name" {
  description = "Name of the state machine; also the name of its IAM role."
  type        = string
}

variable "type" {
  description = "STANDARD or EXPRESS."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.type)
    error_message = "The type must be STANDARD or EXPRESS."
  }
}

variable "definition_file" {
  description = "Path of the ASL file, rendered with templatefile."
  type        = string
}

variable "substitutions" {
  description = "Values of the definition placeholders: exactly the placeholders the file holds."
  type        = map(string)
  default     = {}
}

variable "service_calls" {
  description = "What the definition's Tasks call: ASL placeholder naming the target -> IAM actions (devstack.asl.service_calls)."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for placeholder in keys(var.service_calls) : length(lookup(var.placeholder_resources, placeholder, [])) > 0])
    error_message = "Every placeholder in service_calls needs its ARNs in placeholder_resources."
  }
}

variable "placeholder_resources" {
  description = "The ARNs a statement about each placeholder's resource names (a state machine's: the state machine and its executions)."
  type        = map(list(string))
  default     = {}
}

variable "follows_child_executions" {
  description = "Whether a Task runs a child execution to completion (.sync, .sync:2): adds the managed EventBridge rule Step Functions uses to follow it (policies/sync_execution_events.json)."
  type        = bool
  default     = false
}

variable "log_retention_in_days" {
  description = "Days the execution logs are kept."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "log_execution_data" {
  description = "Whether execution logs include each state's input and output (order and customer data). Off unless an environment opts in."
  type        = bool
  default     = false
}

variable "canary_weight" {
  description = "Share of new executions (0 to under 1, applied in whole percent) the live alias sends to the version this apply publishes while stable_version_arn keeps the rest; 0 moves live fully to the new version."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight < 1
    error_message = "The canary weight is a share of traffic: at least 0 and below 1."
  }
}

variable "stable_version_arn" {
  description = "ARN of the version live serves now (devstack/release.py reads it), kept during a canary; null means no canary."
  type        = string
  default     = null
}

variable "start_through_alias" {
  description = "Whether start_arn is the live alias (callers start through it) or the state machine's own ARN, for an emulator that cannot start an alias (MiniStack: see terraform/envs/local)."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as permissions boundary on the state machine's role; null for none."
  type        = string
  default     = null
}
