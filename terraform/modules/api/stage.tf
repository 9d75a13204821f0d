resource "aws_api_gateway_deployment" "this" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  description = "Order workflows API"

  # A new deployment whenever a route, integration, template or model changes.
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_model.order_request,
      aws_api_gateway_request_validator.body,
      aws_api_gateway_request_validator.parameters,
      aws_api_gateway_gateway_response.bad_request_body,
      aws_api_gateway_resource.orders,
      aws_api_gateway_resource.order,
      aws_api_gateway_method.place_order,
      aws_api_gateway_integration.place_order,
      aws_api_gateway_integration_response.place_order,
      aws_api_gateway_method_response.place_order_outcome,
      aws_api_gateway_method_response.order_not_found,
      aws_api_gateway_method.get_order,
      aws_api_gateway_integration.get_order,
      aws_api_gateway_integration_response.get_order,
    ]))
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}/${var.stage_name}/access"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:Responses are per order and must be fresh (an order's status changes); caching would serve stale orders and add a cache cluster's cost.
  #checkov:skip=CKV2_AWS_29:No WAF in this sample: every method needs an API key and the usage plan throttles each key; attach a WAF web ACL (aws_wafv2_web_acl_association) where the API is public.
  #checkov:skip=CKV2_AWS_51:Backends are AWS service integrations (Step Functions, DynamoDB) signed with the integration role, not HTTP backends that could check a client certificate.
  rest_api_id          = aws_api_gateway_rest_api.this.id
  deployment_id        = aws_api_gateway_deployment.this.id
  stage_name           = var.stage_name
  xray_tracing_enabled = true
  tags                 = var.tags

  # The mapping templates read these, so the VTL files need no templating.
  variables = {
    orderStateMachineArn = coalesce(var.state_machine_start_arn, var.state_machine_arn)
    ordersTableName      = var.orders_table_name
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      extendedRequestId  = "$context.extendedRequestId"
      ip                 = "$context.identity.sourceIp"
      apiKeyId           = "$context.identity.apiKeyId"
      requestTime        = "$context.requestTime"
      httpMethod         = "$context.httpMethod"
      resourcePath       = "$context.resourcePath"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationStatus  = "$context.integration.status"
      integrationLatency = "$context.integration.latency"
      errorMessage       = "$context.error.message"
      xrayTraceId        = "$context.xrayTraceId"
    })
  }

  depends_on = [aws_api_gateway_account.this]
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is off on purpose; see the stage (orders change status, responses must be fresh).
  rest_api_id = aws_api_gateway_rest_api.this.id
  stage_name  = aws_api_gateway_stage.this.stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = true
    logging_level          = "INFO"
    data_trace_enabled     = false
    throttling_rate_limit  = var.throttling.rate_limit
    throttling_burst_limit = var.throttling.burst_limit
  }
}

resource "aws_api_gateway_api_key" "this" {
  name  = "${var.name}-default"
  value = var.api_key_value
  tags  = var.tags
}

resource "aws_api_gateway_usage_plan" "this" {
  name = var.name
  tags = var.tags

  api_stages {
    api_id = aws_api_gateway_rest_api.this.id
    stage  = aws_api_gateway_stage.this.stage_name
  }

  throttle_settings {
    rate_limit  = var.throttling.rate_limit
    burst_limit = var.throttling.burst_limit
  }

  quota_settings {
    limit  = var.quota.limit
    period = var.quota.period
  }
}

resource "aws_api_gateway_usage_plan_key" "this" {
  key_id        = aws_api_gateway_api_key.this.id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.this.id
}

# API Gateway writes execution and access logs with one role per account and region. Manage it
# here only where no other stack does (var.manage_account_logging_role).
resource "aws_api_gateway_account" "this" {
  count = var.manage_account_logging_role ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.account_logging[0].arn
}
