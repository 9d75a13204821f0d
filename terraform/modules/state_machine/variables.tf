variable "name" {
  description = "Name of the state machine; also the name of its IAM role."
  type        = string
}

variable "type" {
  description = "STANDARD or EXPRESS."
  type        = string
  default     = "STANDARD"
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

variable "policy_statements" {
  description = "IAM statements of the state machine's role for the services its definition calls."
  type = list(object({
    sid       = optional(string)
    actions   = list(string)
    resources = list(string)
  }))
  default = []
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
