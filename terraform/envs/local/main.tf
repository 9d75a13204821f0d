# MiniStack workaround: with a python3.x runtime MiniStack reports every handler exception as
# Runtime.HandlerError, so the ASL's Catch on PaymentDeclined would never fire. Locally the
# functions therefore run on provided.al2023 with a bootstrap that starts AWS's runtime
# interface client (awslambdaric), which reports the exception's class name as AWS does.
# `make deploy` builds the layer (Powertools at the public layer's version, awslambdaric, the
# bootstrap) and the packages wrapped for MiniStack into .local/terraform-inputs/ and passes
# both paths in. AWS environments use python3.13 and the public Powertools layer.
resource "aws_lambda_layer_version" "runtime" {
  layer_name               = "orders-${var.environment}-runtime"
  description              = "Python and Powertools for the emulator (provided.al2023)"
  filename                 = var.local_layer_zip
  source_code_hash         = filebase64sha256(var.local_layer_zip)
  compatible_runtimes      = ["provided.al2023"]
  compatible_architectures = ["arm64"]
}

module "orders" {
  source = "../../modules/orders"

  environment                    = var.environment
  package_dir                    = var.package_dir
  lambda_runtime                 = "provided.al2023"
  lambda_layers                  = [aws_lambda_layer_version.runtime.arn]
  reserved_concurrent_executions = -1
  log_retention_in_days          = var.log_retention_in_days
  point_in_time_recovery_enabled = false
  deletion_protection_enabled    = false
  kms_deletion_window_in_days    = 7
  log_execution_data             = true
  # MiniStack 1.5.33 keeps versions and aliases but starts the latest definition whatever the
  # qualifier, and StartSyncExecution or a startExecution.sync:2 child on an alias ARN answer
  # StateMachineDoesNotExist: locally the API, the rules and fulfilment start the state
  # machines themselves. Lambda aliases work there (Tasks and event source mappings invoke
  # the version live names), so functions go through live as in AWS.
  start_state_machines_through_aliases = false
  # The provider sends CreateApiKey an empty value when none is set, which AWS answers with a
  # generated key and MiniStack 1.5.33 refuses ("API Key value should be at least 20
  # characters"). The local gateway checks a key of its own (make deploy prints it), so this
  # one only has to exist: it guards nothing.
  api_key_value = "${var.environment}-emulator-api-key-not-a-secret"
  # MiniStack stores an alarm's metric math queries as nothing (and evaluates alarms without
  # dimensions): no alarms, topic or dashboard here.
  monitoring_enabled = false
}
