variable "name_prefix" {
  description = "Prefix of every table name: <name_prefix>-<table key with dashes>."
  type        = string
}

variable "tables" {
  description = "Tables by logical key: hash key (type S), optional stream view type and TTL attribute."
  type = map(object({
    hash_key         = string
    stream_view_type = optional(string)
    ttl_attribute    = optional(string)
  }))
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the tables."
  type        = string
}

variable "point_in_time_recovery_enabled" {
  description = "Whether point-in-time recovery is on (true in dev and prod)."
  type        = bool
  default     = true
}

variable "deletion_protection_enabled" {
  description = "Whether DynamoDB refuses to delete the tables (true in dev and prod)."
  type        = bool
  default     = true
}

variable "prevent_destroy" {
  description = "Declare the tables with lifecycle prevent_destroy (prod). Fixed for the life of a state: changing it moves the tables to other resource addresses."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every table."
  type        = map(string)
  default     = {}
}
