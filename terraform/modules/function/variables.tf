variable "function_name" {
  description = "Name of the function; also the name of its IAM role."
  type        = string
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = null
}

variable "filename" {
  description = "Path of the deployment package (zip)."
  type        = string
}

variable "handler" {
  description = "Handler, as module.function (e.g. validate_order.handler.lambda_handler)."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.13"
}

variable "architectures" {
  description = "Instruction set architecture."
  type        = list(string)
  default     = ["arm64"]
}

variable "layers" {
  description = "Layer version ARNs, in order."
  type        = list(string)
  default     = []
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 256
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 4
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; -1 leaves the function unreserved."
  type        = number
  default     = -1
}

variable "environment_variables" {
  description = "Environment variables."
  type        = map(string)
  default     = {}
}

variable "table_access" {
  description = "DynamoDB access by table key: the table ARN and the actions allowed on it."
  type = map(object({
    arn     = string
    actions = list(string)
  }))
  default = {}
}

variable "log_retention_in_days" {
  description = "Days the function's logs are kept."
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

variable "consumed_queue_arn" {
  description = "ARN of the SQS queue an event source mapping feeds this function from, if any."
  type        = string
  default     = null
}

variable "event_bus_arn" {
  description = "ARN of the EventBridge bus the function puts events on, if any."
  type        = string
  default     = null
}

variable "consumed_stream" {
  description = "The DynamoDB stream a mapping feeds this function from, and the queue its failures go to, if any."
  type = object({
    stream_arn        = string
    failure_queue_arn = string
  })
  default = null
}

variable "bucket_access" {
  description = "The S3 bucket the function reads and writes objects in, if any: its ARN and the actions allowed on its objects (s3:ListBucket on the bucket comes with them)."
  type = object({
    arn            = string
    object_actions = list(string)
  })
  default = null
}

variable "canary_weight" {
  description = "Share of invocations (0 to under 1) the live alias sends to the version this apply publishes while stable_version keeps the rest; 0 moves live fully to the new version."
  type        = number
  default     = 0

  validation {
    condition     = var.canary_weight >= 0 && var.canary_weight < 1
    error_message = "The canary weight is a share of traffic: at least 0 and below 1."
  }
}

variable "stable_version" {
  description = "The version live serves now (devstack/release.py reads it), kept during a canary; null means no canary."
  type        = string
  default     = null
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as permissions boundary on the function's role; null for none."
  type        = string
  default     = null
}
