# Circuit breaker in front of a flaky downstream service: HTTP API → Lambda → downstream,
# circuit state in Amazon DynamoDB (sliding failure window, one half-open probe with a lease).

# A random suffix, chosen once at the first apply and then kept (ignore_changes): names stay
# stable, and two stacks with the same name_prefix fit in one account. terraform_data is
# built into Terraform, so no extra provider (random) is needed.
resource "terraform_data" "name_suffix" {
  input = substr(uuid(), 0, 8)

  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  # Base of every resource name: "<prefix>-<suffix>", at most 49 characters.
  name          = "${substr(var.name_prefix, 0, 40)}-${terraform_data.name_suffix.output}"
  alarm_actions = var.alarm_action_arn == "" ? [] : [var.alarm_action_arn]
}

# --- The function ----------------------------------------------------------------------------

locals {
  # Built by `npm run build && npm run package` (scripts/package.mjs); apply fails without it.
  # fileexists() below lets validate, plan and the mocked tests run before the first build.
  function_package = "${path.module}/../dist/http.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}-proxy"
  retention_in_days = var.log_retention_days
  # Like DeletionPolicy: Retain: a destroy removes the log group from the state, not from AWS.
  skip_destroy = true
}

resource "aws_iam_role" "function" {
  name        = "${local.name}-proxy"
  description = "Execution role of the circuit-breaker proxy function."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The basic execution policy, scoped to the function's own log group (the managed
# AWSLambdaBasicExecutionRole allows every log group).
resource "aws_iam_role_policy" "function_logs" {
  name = "write-own-log-group"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteOwnLogGroup"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.function.arn}:*"
    }]
  })
}

resource "aws_lambda_function" "function" {
  function_name    = "${local.name}-proxy"
  description      = "Proxies requests to the downstream service through the circuit breaker."
  role             = aws_iam_role.function.arn
  filename         = local.function_package
  source_code_hash = fileexists(local.function_package) ? filebase64sha256(local.function_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = 10

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  environment {
    variables = {
      CB_FALLBACK_RESPONSE = var.fallback_response

      TABLE_NAME = aws_dynamodb_table.circuit.name

      DOWNSTREAM_URL               = var.downstream_url
      DOWNSTREAM_TIMEOUT_MS        = tostring(var.downstream_timeout_ms)
      CB_FAILURE_THRESHOLD         = tostring(var.failure_threshold)
      CB_WINDOW_SECONDS            = tostring(var.window_seconds)
      CB_BUCKET_SECONDS            = tostring(var.bucket_seconds)
      CB_COOLDOWN_SECONDS          = tostring(var.cooldown_seconds)
      CB_PROBE_LEASE_SECONDS       = tostring(var.probe_lease_seconds)
      CB_ON_STORE_ERROR            = var.store_error_policy
      POWERTOOLS_SERVICE_NAME      = local.name
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = "INFO"
      NODE_OPTIONS                 = "--enable-source-maps"
    }
  }

  # Logs must be writable from the first invocation.
  depends_on = [aws_iam_role_policy.function_logs]
}

# --- The HTTP API ----------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}/access"
  retention_in_days = var.log_retention_days
  skip_destroy      = true
}

resource "aws_apigatewayv2_api" "http" {
  name          = local.name
  description   = "Circuit-breaker proxy in front of the downstream service."
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "function" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.function.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "proxy" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "ANY /{proxy+}"
  target    = "integrations/${aws_apigatewayv2_integration.function.id}"
}

resource "aws_apigatewayv2_route" "root" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "ANY /"
  target    = "integrations/${aws_apigatewayv2_integration.function.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      integrationLatency = "$context.integrationLatency"
      integrationError   = "$context.integrationErrorMessage"
    })
  }

  default_route_settings {
    throttling_burst_limit = 200
    throttling_rate_limit  = 100
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

# --- Circuit state ---------------------------------------------------------------------------

resource "aws_dynamodb_table" "circuit" {
  name                        = "${local.name}-circuit"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  deletion_protection_enabled = true

  attribute {
    name = "pk"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  server_side_encryption {
    enabled = true
  }

  point_in_time_recovery {
    enabled = true
  }

  # Like DeletionPolicy/UpdateReplacePolicy: Retain: Terraform refuses any plan that would
  # delete or replace the table. To drop the stack but keep the data, `terraform state rm` it.
  lifecycle {
    prevent_destroy = true
  }
}

# Only the two calls the adapter makes, on this table only.
resource "aws_iam_role_policy" "circuit_table" {
  name = "circuit-state-item-access"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "CircuitStateItemAccess"
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:UpdateItem"]
      Resource = aws_dynamodb_table.circuit.arn
    }]
  })
}

# --- Alarms ----------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "circuit_opened" {
  alarm_name          = "${local.name}-circuit-opened"
  alarm_description   = "The circuit breaker opened; the downstream service is failing."
  namespace           = var.metrics_namespace
  metric_name         = "CircuitOpened"
  dimensions          = { service = local.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "store_error" {
  alarm_name          = "${local.name}-store-error"
  alarm_description   = "The circuit store (Amazon DynamoDB) is failing; the store-error policy is being applied."
  namespace           = var.metrics_namespace
  metric_name         = "StoreError"
  dimensions          = { service = local.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  alarm_name          = "${local.name}-function-errors"
  alarm_description   = "The function itself is erroring or timing out."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}
