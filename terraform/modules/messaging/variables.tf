variable "topics" {
  description = "SNS topics: key -> topic name."
  type        = map(string)
}

variable "event_bus_name" {
  description = "Name of the EventBridge bus the workflows publish domain events to."
  type        = string
}

variable "topic_kms_master_key_id" {
  description = "KMS key of the topics. The AWS managed alias/aws/sns (as devstack/provision.py uses) lets in-account publishers such as the state machine publish without KMS permissions."
  type        = string
  default     = "alias/aws/sns"
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
