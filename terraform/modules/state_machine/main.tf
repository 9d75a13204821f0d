resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data carries personal data (customer e-mail); level ALL still logs every state's entry, exit and error. Environments opt in with log_execution_data (local and dev do, prod does not by default).
  name       = var.name
  type       = var.type
  role_arn   = aws_iam_role.this.arn
  definition = templatefile(var.definition_file, var.substitutions)
  publish    = true # every change of the definition or its configuration is a new version
  tags       = var.tags

  logging_configuration {
    level                  = "ALL"
    include_execution_data = var.log_execution_data
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.this]
}
