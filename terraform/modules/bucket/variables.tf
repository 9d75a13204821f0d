variable "name" {
  description = "Name of the bucket without the account id: the bucket is <name>-<account id> (bucket names are global)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the objects."
  type        = string
}

variable "expire_prefixes" {
  description = "Key prefixes whose objects (and their noncurrent versions) expire after a day."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for prefix in var.expire_prefixes : endswith(prefix, "/")])
    error_message = "Each prefix is a folder: it ends with /."
  }
}

variable "eventbridge" {
  description = "Whether object events go to the account's default EventBridge bus."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
