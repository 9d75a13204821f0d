variable "name" {
  description = "Name of the REST API; also the name of its integration role."
  type        = string
}

variable "stage_name" {
  description = "Name of the stage."
  type        = string
  default     = "v1"
}

variable "api_dir" {
  description = "Directory of the API contract files (model, mapping templates)."
  type        = string
}

variable "state_machine_arn" {
  description = "ARN of the Express state machine POST /orders starts: what the integration role may start (IAM authorises a start through an alias against the state machine's own ARN)."
  type        = string
}

variable "state_machine_start_arn" {
  description = "The ARN POST /orders starts (stage variable orderStateMachineArn): the state machine's live alias; null means state_machine_arn."
  type        = string
  default     = null
}

variable "api_key_value" {
  description = "Value of the API key (20 to 128 characters); null lets API Gateway generate one, as in AWS environments."
  type        = string
  default     = null
  sensitive   = true
}

variable "orders_table_name" {
  description = "Name of the orders table GET /orders/{orderId} reads (stage variable ordersTableName)."
  type        = string
}

variable "orders_table_arn" {
  description = "ARN of the orders table."
  type        = string
}

variable "integration_timeout_milliseconds" {
  description = "Timeout of the POST /orders integration (the Express workflow runs synchronously)."
  type        = number
  default     = 29000
}

variable "throttling" {
  description = "Steady-state requests per second and burst, for the stage and the usage plan."
  type = object({
    rate_limit  = optional(number, 50)
    burst_limit = optional(number, 100)
  })
  default = {}
}

variable "quota" {
  description = "Requests each API key may make per period (DAY, WEEK or MONTH)."
  type = object({
    limit  = optional(number, 100000)
    period = optional(string, "DAY")
  })
  default = {}
}

variable "manage_account_logging_role" {
  description = "Create the account-wide API Gateway CloudWatch Logs role (once per account and region)."
  type        = bool
  default     = false
}

variable "log_retention_in_days" {
  description = "Days the access logs are kept."
  type        = number
  default     = 365
}

variable "log_kms_key_arn" {
  description = "ARN of the KMS key that encrypts the access log group."
  type        = string
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as permissions boundary on the API's roles; null for none."
  type        = string
  default     = null
}
