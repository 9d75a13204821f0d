variable "region" {
  description = "Region the emulator reports."
  type        = string
  default     = "eu-west-2"
}

variable "environment" {
  description = "Environment name, part of every physical name."
  type        = string
  default     = "local"
}

variable "endpoint" {
  description = "Endpoint of the emulator for every service."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "package_dir" {
  description = "Directory of the function zips (<FunctionLogicalId>.zip) wrapped for MiniStack by make deploy."
  type        = string
  default     = "../../../.local/terraform-inputs"
}

variable "local_layer_zip" {
  description = "Zip of the emulator's runtime layer (Python, Powertools, bootstrap) for provided.al2023."
  type        = string
  default     = "../../../.local/terraform-inputs/local-layer.zip"
}

variable "log_retention_in_days" {
  description = "Days every log group keeps its events (the emulator keeps nothing that long; 365 keeps the checks the same as in AWS)."
  type        = number
  default     = 365
}
