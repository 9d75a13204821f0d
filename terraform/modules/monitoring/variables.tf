variable "name_prefix" {
  description = "Prefix of every name: the topic is <prefix>-alarms, the dashboard <prefix>-overview, each alarm <prefix>-<resource key with dashes>-<what>."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer managed key that encrypts the alarm topic; its policy must let cloudwatch.amazonaws.com use it (modules/kms does)."
  type        = string
}

variable "functions" {
  description = "Lambda functions by logical key: name, timeout in seconds and Powertools service name (the dimension of its BusinessErrors metric). Each gets an error rate, a p95 duration and a throttles alarm."
  type = map(object({
    name    = string
    timeout = number
    service = string
  }))
}

variable "metrics_namespace" {
  description = "Namespace of the functions' own metrics (POWERTOOLS_METRICS_NAMESPACE), where BusinessErrors is counted."
  type        = string
}

variable "state_machines" {
  description = "State machines by logical key: name and ARN. Each gets an executions failed, timed out and throttled alarm."
  type = map(object({
    name = string
    arn  = string
  }))
}

variable "queues" {
  description = "Queues consumers read, by logical key -> queue name: the dashboard shows their depth and the age of their oldest message."
  type        = map(string)
  default     = {}
}

variable "dead_letter_queues" {
  description = "Where failed messages end up, by logical key -> queue name: every dead-letter queue and every on-failure destination. Each gets a depth alarm."
  type        = map(string)
}

variable "api" {
  description = "The REST API (name and stage) whose 5XXError gets an alarm."
  type = object({
    name  = string
    stage = string
  })
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (it must confirm the subscription); null subscribes nobody."
  type        = string
  default     = null
}

variable "duration_percent_of_timeout" {
  description = "A function's p95 duration alarm fires above this share of its timeout, in percent."
  type        = number
  default     = 80
}

variable "runbook_url" {
  description = "Where the runbook is; each alarm's description names its section (<runbook_url>#<anchor>)."
  type        = string
  default     = "docs/runbook.md"
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
