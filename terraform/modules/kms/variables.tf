variable "name" {
  description = "Name of the key alias, without the alias/ prefix."
  type        = string
}

variable "description" {
  description = "Description of the key."
  type        = string
  default     = "Encrypts the order workflows' tables, buckets, log groups and alarm topic."
}

variable "deletion_window_in_days" {
  description = "Days a deleted key stays recoverable (7 to 30)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
