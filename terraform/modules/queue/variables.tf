variable "name" {
  description = "Name of the queue; its dead-letter queue is named <name>-dlq."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "How long a received message stays invisible: at least six times the consumer's timeout."
  type        = number
  default     = 60
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue."
  type        = number
  default     = 3
}

variable "senders" {
  description = "Who may send to the queue: one service principal and source ARN each (an EventBridge rule, an SNS topic)."
  type = list(object({
    service    = string
    source_arn = string
  }))
  default = []
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}

variable "dead_letter" {
  description = "Whether the queue has a dead-letter queue (false for a queue that is itself a failure destination)."
  type        = bool
  default     = true
}
