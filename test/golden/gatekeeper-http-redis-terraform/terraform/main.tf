# Gatekeeper: every request to the HTTP API passes a Lambda authorizer (JWT verified against
# the issuer's JWKS, route scopes, revocation list in Redis / Valkey on Amazon ElastiCache) before the protected backend runs.

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

# --- The HTTP API, guarded by the Lambda authorizer -----------------------------------------

locals {
  # The backend's routes. Each must have an entry in route_permissions (checked below): a route
  # without one is denied for everyone by the authorizer.
  routes = toset(["GET /orders", "GET /orders/{id}", "POST /orders"])
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${local.name}/access"
  retention_in_days = var.log_retention_days
  skip_destroy      = true
}

resource "aws_apigatewayv2_api" "http" {
  name          = local.name
  description   = "Gatekeeper: a Lambda authorizer in front of the sample backend."
  protocol_type = "HTTP"

  # API Gateway answers CORS preflights itself (before any authorizer) and adds these headers to
  # every response, including its own 401/403.
  cors_configuration {
    allow_origins = [var.allowed_origin]
    allow_headers = ["authorization", "content-type"]
    allow_methods = ["GET", "POST", "OPTIONS"]
    max_age       = 600
  }
}

resource "aws_apigatewayv2_authorizer" "gatekeeper" {
  api_id                            = aws_apigatewayv2_api.http.id
  name                              = "gatekeeper"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.function.invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  # The decision depends on the token AND the route: both are the cache key.
  identity_sources                 = ["$request.header.Authorization", "$context.routeKey"]
  authorizer_result_ttl_in_seconds = var.authorizer_cache_ttl_seconds
}

resource "aws_apigatewayv2_integration" "backend" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.backend.invoke_arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "backend" {
  for_each = local.routes

  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.backend.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.gatekeeper.id

  lifecycle {
    precondition {
      condition     = contains(keys(jsondecode(var.route_permissions)), each.key)
      error_message = "route_permissions has no entry for ${each.key}: the authorizer would deny it for everyone."
    }
  }
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  # Never the Authorization header: only ids, route, status and the authorizer's outcome.
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
      authorizerError    = "$context.authorizer.error"
      sub                = "$context.authorizer.sub"
    })
  }

  default_route_settings {
    throttling_burst_limit = 200
    throttling_rate_limit  = 100
  }
}

# Without it API Gateway cannot call the authorizer and every request fails with 500.
resource "aws_lambda_permission" "authorizer" {
  statement_id  = "AllowHttpApiAuthorizerInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.gatekeeper.id}"
}

resource "aws_lambda_permission" "backend" {
  statement_id  = "AllowHttpApiInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.backend.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The HTTP API answers 5xx (authorizer failures included)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

# --- Grants and revocations: ElastiCache Serverless (Valkey) in your VPC ---------------------

# Terraform removes the default allow-all egress of a new security group: the authorizer may
# reach the issuer's JWKS (HTTPS) and the cache, nothing else.
resource "aws_security_group" "authorizer" {
  name        = "${local.name}-authorizer"
  description = "Gatekeeper authorizer; reaches the permission cache and the JWKS of the issuer (HTTPS) only."
  vpc_id      = var.vpc_id

  # The function's ENIs are created with the role's VPC permissions: attach them first, and
  # (on destroy) keep them until the security group, hence the function, is gone.
  depends_on = [aws_iam_role_policy_attachment.vpc_access]
}

resource "aws_vpc_security_group_egress_rule" "authorizer_https" {
  security_group_id = aws_security_group.authorizer.id
  description       = "HTTPS to the issuer's JWKS endpoint (through the subnets' NAT gateway)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "authorizer_to_cache" {
  security_group_id            = aws_security_group.authorizer.id
  description                  = "Valkey/Redis over TLS to the permission cache"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.cache.id
}

# No egress rule at all: the cache never opens connections.
resource "aws_security_group" "cache" {
  name        = "${local.name}-cache"
  description = "Gatekeeper permission cache; accepts TLS connections from the authorizer only."
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_authorizer" {
  security_group_id            = aws_security_group.cache.id
  description                  = "Valkey/Redis over TLS from the authorizer"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.authorizer.id
}

resource "aws_elasticache_serverless_cache" "permissions" {
  # Lowercase, at most 40 characters, no double hyphens (ElastiCache's naming rules).
  name                 = "${trimsuffix(substr(lower(replace(var.name_prefix, "/-+/", "-")), 0, 30), "-")}-${terraform_data.name_suffix.output}"
  description          = "Gatekeeper grants and revocations of ${local.name}"
  engine               = "valkey"
  major_engine_version = "8"
  # Encryption in transit (TLS) and at rest are always on for ElastiCache Serverless.
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.cache.id]

  cache_usage_limits {
    data_storage {
      maximum = 1
      unit    = "GB"
    }
  }

  # Like DeletionPolicy/UpdateReplacePolicy: Retain. To drop it with the stack, `terraform state rm`
  # it and delete it in the console.
  lifecycle {
    prevent_destroy = true
  }
}

data "aws_partition" "current" {}

# A function in a VPC needs to create, describe and delete its network interfaces. The managed
# policy is what SAM attaches for VpcConfig; EC2 does not let these calls be scoped to one VPC
# beforehand (Describe* takes no resource), and the authorizer needs no IAM permission for the
# cache itself (network access only).
resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

# --- The Lambda authorizer -------------------------------------------------------------------

locals {
  # Built by `npm run build && npm run package` (scripts/package.mjs); apply fails without them.
  # fileexists() below lets validate, plan and the mocked tests run before the first build.
  function_package = "${path.module}/../dist/authorizer.zip"
  backend_package  = "${path.module}/../dist/backend.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}-authorizer"
  retention_in_days = var.log_retention_days
  # Like DeletionPolicy: Retain: a destroy removes the log group from the state, not from AWS.
  skip_destroy = true
}

resource "aws_iam_role" "function" {
  name        = "${local.name}-authorizer"
  description = "Execution role of the gatekeeper Lambda authorizer."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The basic execution policy, scoped to the authorizer's own log group (the managed
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
  function_name    = "${local.name}-authorizer"
  description      = "Gatekeeper Lambda authorizer (JWT, route scopes, revocation list); denies by default."
  role             = aws_iam_role.function.arn
  filename         = local.function_package
  source_code_hash = fileexists(local.function_package) ? filebase64sha256(local.function_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = 5

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.authorizer.id]
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  environment {
    variables = {
      JWT_ISSUER                   = var.jwt_issuer
      JWT_AUDIENCE                 = var.jwt_audience
      JWT_JWKS_URI                 = var.jwt_jwks_uri
      JWT_TOKEN_USE                = var.jwt_token_use
      ROUTE_PERMISSIONS            = var.route_permissions
      POWERTOOLS_SERVICE_NAME      = local.name
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = "INFO"
      NODE_OPTIONS                 = "--enable-source-maps"

      REDIS_URL     = "rediss://${aws_elasticache_serverless_cache.permissions.endpoint[0].address}:${aws_elasticache_serverless_cache.permissions.endpoint[0].port}"
      REDIS_CLUSTER = "true"
    }
  }

  # Logs must be writable from the first invocation.
  depends_on = [aws_iam_role_policy.function_logs]
}

# --- The sample protected backend ------------------------------------------------------------

resource "aws_cloudwatch_log_group" "backend" {
  name              = "/aws/lambda/${local.name}-backend"
  retention_in_days = var.log_retention_days
  skip_destroy      = true
}

resource "aws_iam_role" "backend" {
  name        = "${local.name}-backend"
  description = "Execution role of the gatekeeper's sample backend (no AWS access besides its logs)."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "backend_logs" {
  name = "write-own-log-group"
  role = aws_iam_role.backend.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteOwnLogGroup"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.backend.arn}:*"
    }]
  })
}

resource "aws_lambda_function" "backend" {
  function_name    = "${local.name}-backend"
  description      = "Sample protected backend; receives only the caller's subject and scopes from the authorizer."
  role             = aws_iam_role.backend.arn
  filename         = local.backend_package
  source_code_hash = fileexists(local.backend_package) ? filebase64sha256(local.backend_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 256
  timeout          = 10

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.backend.name
  }

  environment {
    variables = {
      ALLOWED_ORIGIN = var.allowed_origin
      NODE_OPTIONS   = "--enable-source-maps"
    }
  }

  depends_on = [aws_iam_role_policy.backend_logs]
}

# --- Alarms ----------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "authorizer_errors" {
  alarm_name          = "${local.name}-authorizer-errors"
  alarm_description   = "The authorizer function is erroring or timing out (API Gateway answers 500; nobody gets in)."
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

resource "aws_cloudwatch_metric_alarm" "store_error" {
  alarm_name          = "${local.name}-store-error"
  alarm_description   = "The permission store (Redis / Valkey on Amazon ElastiCache) is failing; the authorizer is denying every request that reaches it."
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

resource "aws_cloudwatch_metric_alarm" "keys_unavailable" {
  alarm_name          = "${local.name}-keys-unavailable"
  alarm_description   = "The issuer's JWKS cannot be fetched; no token can be verified."
  namespace           = var.metrics_namespace
  metric_name         = "KeysUnavailable"
  dimensions          = { service = local.name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "backend_errors" {
  alarm_name          = "${local.name}-backend-errors"
  alarm_description   = "The protected backend function is erroring or timing out."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.backend.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}
