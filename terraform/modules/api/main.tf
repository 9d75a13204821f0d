data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.region
  json      = "application/json"
}

resource "aws_api_gateway_rest_api" "this" {
  name        = var.name
  description = "Order workflows: POST /orders runs the order workflow, GET /orders/{orderId} reads an order."
  tags        = var.tags

  endpoint_configuration {
    types = ["REGIONAL"]
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_model" "order_request" {
  rest_api_id  = aws_api_gateway_rest_api.this.id
  name         = "OrderRequest"
  description  = "POST /orders body."
  content_type = local.json
  schema       = file("${var.api_dir}/order_request.schema.json")
}

resource "aws_api_gateway_request_validator" "body" {
  rest_api_id           = aws_api_gateway_rest_api.this.id
  name                  = "body"
  validate_request_body = true
}

resource "aws_api_gateway_request_validator" "parameters" {
  rest_api_id                 = aws_api_gateway_rest_api.this.id
  name                        = "parameters"
  validate_request_parameters = true
}

resource "aws_api_gateway_gateway_response" "bad_request_body" {
  rest_api_id   = aws_api_gateway_rest_api.this.id
  response_type = "BAD_REQUEST_BODY"
  status_code   = "400"

  response_templates = {
    (local.json) = file("${var.api_dir}/bad_request_body.response.vtl")
  }
}

resource "aws_api_gateway_resource" "orders" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_rest_api.this.root_resource_id
  path_part   = "orders"
}

resource "aws_api_gateway_resource" "order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  parent_id   = aws_api_gateway_resource.orders.id
  path_part   = "{orderId}"
}

# POST /orders -> Step Functions StartSyncExecution on the Express workflow.
resource "aws_api_gateway_method" "place_order" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.orders.id
  http_method          = "POST"
  authorization        = "NONE"
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.body.id

  request_models = {
    (local.json) = aws_api_gateway_model.order_request.name
  }
}

resource "aws_api_gateway_integration" "place_order" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.orders.id
  http_method             = aws_api_gateway_method.place_order.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:${local.partition}:apigateway:${local.region}:states:action/StartSyncExecution"
  credentials             = aws_iam_role.this.arn
  passthrough_behavior    = "NEVER"
  timeout_milliseconds    = var.integration_timeout_milliseconds

  request_templates = {
    (local.json) = file("${var.api_dir}/place_order.request.vtl")
  }
}

resource "aws_api_gateway_method_response" "place_order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.orders.id
  http_method = aws_api_gateway_method.place_order.http_method
  status_code = "200"

  response_models = {
    (local.json) = "Empty"
  }
}

# The statuses the response template sets through $context.responseOverride.status, declared so
# the API's documentation and generated SDKs know them.
resource "aws_api_gateway_method_response" "place_order_outcome" {
  for_each = toset(["400", "402", "409", "500"])

  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.orders.id
  http_method = aws_api_gateway_method.place_order.http_method
  status_code = each.key

  response_models = {
    (local.json) = "Error"
  }
}

resource "aws_api_gateway_integration_response" "place_order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.orders.id
  http_method = aws_api_gateway_method.place_order.http_method
  status_code = aws_api_gateway_method_response.place_order.status_code

  # The template sets the HTTP status from the workflow's statusCode.
  response_templates = {
    (local.json) = file("${var.api_dir}/place_order.response.vtl")
  }

  depends_on = [aws_api_gateway_integration.place_order]
}

# GET /orders/{orderId} -> DynamoDB GetItem on the orders table.
resource "aws_api_gateway_method" "get_order" {
  rest_api_id          = aws_api_gateway_rest_api.this.id
  resource_id          = aws_api_gateway_resource.order.id
  http_method          = "GET"
  authorization        = "NONE"
  api_key_required     = true
  request_validator_id = aws_api_gateway_request_validator.parameters.id

  request_parameters = {
    "method.request.path.orderId" = true
  }
}

resource "aws_api_gateway_integration" "get_order" {
  rest_api_id             = aws_api_gateway_rest_api.this.id
  resource_id             = aws_api_gateway_resource.order.id
  http_method             = aws_api_gateway_method.get_order.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:${local.partition}:apigateway:${local.region}:dynamodb:action/GetItem"
  credentials             = aws_iam_role.this.arn
  passthrough_behavior    = "NEVER"

  request_templates = {
    (local.json) = file("${var.api_dir}/get_order.request.vtl")
  }
}

resource "aws_api_gateway_method_response" "get_order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.order.id
  http_method = aws_api_gateway_method.get_order.http_method
  status_code = "200"

  response_models = {
    (local.json) = "Empty"
  }
}

resource "aws_api_gateway_method_response" "order_not_found" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.order.id
  http_method = aws_api_gateway_method.get_order.http_method
  status_code = "404"

  response_models = {
    (local.json) = "Error"
  }
}

resource "aws_api_gateway_integration_response" "get_order" {
  rest_api_id = aws_api_gateway_rest_api.this.id
  resource_id = aws_api_gateway_resource.order.id
  http_method = aws_api_gateway_method.get_order.http_method
  status_code = aws_api_gateway_method_response.get_order.status_code

  # The template answers 404 when there is no such order.
  response_templates = {
    (local.json) = file("${var.api_dir}/get_order.response.vtl")
  }

  depends_on = [aws_api_gateway_integration.get_order]
}
