# Offline tests: `npm run tf:test` (terraform test). The AWS provider is mocked, so no
# credentials, no network and no Lambda zip are needed.
#
# `override_during = plan` makes the mocked values below known at plan time, so every run is
# `command = plan`: nothing is created, hence nothing has to be destroyed afterwards (a
# `command = apply` run could not be cleaned up: stateful resources set prevent_destroy).
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
    }
  }

  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = { id = "auth01" }
  }

  mock_resource "aws_elasticache_serverless_cache" {
    defaults = { endpoint = [{ address = "permissions-abc123.serverless.use1.cache.amazonaws.com", port = 6379 }] }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0cache000000000000" }
  }

  override_resource {
    target = aws_security_group.authorizer
    values = { id = "sg-0authorizer0000000" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test" }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:authorizer"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authorizer/invocations"
    }
  }

  override_resource {
    target = aws_lambda_function.backend
    values = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:backend"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:backend/invocations"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      id  = "authorizer-role"
      arn = "arn:aws:iam::123456789012:role/authorizer"
    }
  }

  override_resource {
    target = aws_iam_role.backend
    values = {
      id  = "backend-role"
      arn = "arn:aws:iam::123456789012:role/backend"
    }
  }
}

variables {
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]

  jwt_issuer   = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE"
  jwt_audience = "my-api"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_authorizer.gatekeeper.authorizer_type == "REQUEST" && aws_apigatewayv2_authorizer.gatekeeper.authorizer_payload_format_version == "2.0" && aws_apigatewayv2_authorizer.gatekeeper.enable_simple_responses
    error_message = "The authorizer is a REQUEST authorizer, payload 2.0, simple responses."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.gatekeeper.authorizer_uri == aws_lambda_function.function.invoke_arn
    error_message = "API Gateway calls the authorizer function."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.gatekeeper.identity_sources == toset(["$request.header.Authorization", "$context.routeKey"])
    error_message = "Decisions are cached per token AND route (a decision for one route is never reused for another)."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.gatekeeper.authorizer_result_ttl_in_seconds == 60
    error_message = "Decisions are cached authorizer_cache_ttl_seconds (60 by default)."
  }

  assert {
    condition = alltrue([
      for r in aws_apigatewayv2_route.backend : r.authorization_type == "CUSTOM" && r.authorizer_id == "auth01"
    ]) && length(aws_apigatewayv2_route.backend) == 3
    error_message = "Every route is protected by the Lambda authorizer."
  }

  assert {
    condition     = alltrue([for k in keys(aws_apigatewayv2_route.backend) : contains(keys(jsondecode(var.route_permissions)), k)])
    error_message = "Every route of the API has an entry in route_permissions."
  }

  assert {
    condition     = aws_lambda_permission.authorizer.principal == "apigateway.amazonaws.com" && aws_lambda_permission.authorizer.source_arn == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/auth01"
    error_message = "API Gateway may invoke the authorizer, from this API's authorizer only."
  }

  assert {
    condition     = aws_lambda_permission.backend.principal == "apigateway.amazonaws.com" && aws_lambda_permission.backend.source_arn == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*"
    error_message = "API Gateway may invoke the backend."
  }

  assert {
    condition     = aws_apigatewayv2_api.http.cors_configuration[0].allow_origins == toset(["*"])
    error_message = "CORS answers the configured origin, including on API Gateway's own 401/403."
  }

  assert {
    condition     = length(aws_apigatewayv2_stage.default.access_log_settings) == 1 && !strcontains(lower(aws_apigatewayv2_stage.default.access_log_settings[0].format), "authorization") && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit > 0
    error_message = "The stage writes access logs without the Authorization header, and throttles."
  }

  assert {
    condition     = aws_elasticache_serverless_cache.permissions.engine == "valkey" && aws_elasticache_serverless_cache.permissions.major_engine_version == "8"
    error_message = "Grants and revocations live in ElastiCache Serverless, Valkey 8."
  }

  assert {
    condition     = aws_elasticache_serverless_cache.permissions.security_group_ids == toset(["sg-0cache000000000000"]) && aws_elasticache_serverless_cache.permissions.subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "The cache sits in the given subnets behind its own security group."
  }

  assert {
    condition     = length(aws_lambda_function.function.vpc_config) == 1 && aws_lambda_function.function.vpc_config[0].security_group_ids == toset(["sg-0authorizer0000000"]) && aws_lambda_function.function.vpc_config[0].subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "The authorizer runs in the given subnets with its own security group."
  }

  assert {
    condition     = length(aws_lambda_function.backend.vpc_config) == 0
    error_message = "The backend stays out of the VPC: it never talks to the cache."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.authorizer_https.security_group_id == "sg-0authorizer0000000" &&
      aws_vpc_security_group_egress_rule.authorizer_https.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.authorizer_https.from_port == 443 &&
      aws_vpc_security_group_egress_rule.authorizer_https.to_port == 443 &&
      aws_vpc_security_group_egress_rule.authorizer_https.cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "The authorizer may open HTTPS (443) connections, for the issuer's JWKS."
  }

  assert {
    condition = (
      aws_vpc_security_group_egress_rule.authorizer_to_cache.security_group_id == "sg-0authorizer0000000" &&
      aws_vpc_security_group_egress_rule.authorizer_to_cache.referenced_security_group_id == "sg-0cache000000000000" &&
      aws_vpc_security_group_egress_rule.authorizer_to_cache.ip_protocol == "tcp" &&
      aws_vpc_security_group_egress_rule.authorizer_to_cache.from_port == 6379 &&
      aws_vpc_security_group_egress_rule.authorizer_to_cache.to_port == 6379 &&
      aws_vpc_security_group_egress_rule.authorizer_to_cache.cidr_ipv4 == null
    )
    error_message = "The authorizer may reach port 6379 of the cache's security group only."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.security_group_id == "sg-0cache000000000000" &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.referenced_security_group_id == "sg-0authorizer0000000" &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.from_port == 6379 &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.to_port == 6379 &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.cache_from_authorizer.cidr_ipv6 == null
    )
    error_message = "The cache accepts port 6379 from the authorizer's security group only."
  }

  assert {
    condition     = aws_lambda_function.function.environment[0].variables.REDIS_URL == "rediss://permissions-abc123.serverless.use1.cache.amazonaws.com:6379" && aws_lambda_function.function.environment[0].variables.REDIS_CLUSTER == "true"
    error_message = "The authorizer connects over TLS (rediss://) to the cluster-mode endpoint."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.vpc_access.policy_arn == "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    error_message = "The authorizer's role may manage the function's network interfaces in the VPC."
  }

  assert {
    condition     = aws_lambda_function.function.runtime == "nodejs24.x" && aws_lambda_function.function.architectures == tolist(["arm64"]) && aws_lambda_function.function.timeout == 5 && aws_lambda_function.function.memory_size == 512
    error_message = "The authorizer runs on nodejs24.x, arm64, 512 MB, with a 5 s timeout."
  }

  assert {
    condition     = aws_lambda_function.function.handler == "index.handler" && aws_lambda_function.backend.handler == "index.handler" && aws_lambda_function.backend.runtime == "nodejs24.x"
    error_message = "Both functions run the bundles of npm run build (dist/<function>/index.mjs)."
  }

  assert {
    condition = (
      aws_lambda_function.function.environment[0].variables.JWT_ISSUER == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_EXAMPLE" &&
      aws_lambda_function.function.environment[0].variables.JWT_AUDIENCE == "my-api" &&
      aws_lambda_function.function.environment[0].variables.JWT_TOKEN_USE == "access" &&
      jsondecode(aws_lambda_function.function.environment[0].variables.ROUTE_PERMISSIONS)["POST /orders"] == ["orders:write"]
    )
    error_message = "The authorizer is configured from the variables, never a hard-coded issuer."
  }

  assert {
    condition     = aws_lambda_function.backend.environment[0].variables.ALLOWED_ORIGIN == "*" && length(aws_lambda_function.backend.environment[0].variables) == 2
    error_message = "The backend gets only the CORS origin (and NODE_OPTIONS): no issuer, no store."
  }

  assert {
    condition     = aws_lambda_function.function.logging_config[0].log_format == "JSON" && aws_cloudwatch_log_group.function.retention_in_days == 30 && aws_cloudwatch_log_group.backend.retention_in_days == 30
    error_message = "Both functions log JSON to their own log groups, kept 30 days by default."
  }

  # Least privilege: the authorizer's role holds its log policy plus the store's (see the store
  # assertions); the backend's role only its log policy.
  assert {
    condition     = jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test:*" && length(jsondecode(aws_iam_role_policy.function_logs.policy).Statement) == 1
    error_message = "The authorizer may write to its own log group only."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.backend_logs.policy).Statement[0].Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && length(jsondecode(aws_iam_role_policy.backend_logs.policy).Statement) == 1
    error_message = "The backend may write to its own log group and do nothing else."
  }

  assert {
    condition     = aws_iam_role_policy.function_logs.role == "authorizer-role" && aws_iam_role_policy.backend_logs.role == "backend-role" && aws_lambda_function.backend.role == "arn:aws:iam::123456789012:role/backend" && aws_lambda_function.function.role == "arn:aws:iam::123456789012:role/authorizer"
    error_message = "The backend does not share the authorizer's role (and its store access)."
  }

  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.authorizer_errors, aws_cloudwatch_metric_alarm.store_error, aws_cloudwatch_metric_alarm.keys_unavailable, aws_cloudwatch_metric_alarm.backend_errors] :
      length(a.alarm_actions) == 0
    ])
    error_message = "Without alarm_action_arn the alarms notify nobody."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.store_error.metric_name == "StoreError" && aws_cloudwatch_metric_alarm.keys_unavailable.metric_name == "KeysUnavailable" && aws_cloudwatch_metric_alarm.keys_unavailable.namespace == "Gatekeeper"
    error_message = "Alarms watch the StoreError and KeysUnavailable metrics of the authorizer."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.authorizer_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.authorizer_errors.metric_name == "Errors" && aws_cloudwatch_metric_alarm.backend_errors.metric_name == "Errors"
    error_message = "Alarms watch the Lambda errors of the authorizer and of the backend."
  }
}

run "rejects_an_invalid_name_prefix" {
  command = plan

  variables {
    name_prefix = "1-starts-with-a-digit"
  }

  expect_failures = [var.name_prefix]
}

run "caches_for_the_configured_ttl" {
  command = plan

  variables {
    authorizer_cache_ttl_seconds = 0
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.gatekeeper.authorizer_result_ttl_in_seconds == 0
    error_message = "authorizer_cache_ttl_seconds = 0 disables the decision cache."
  }
}

run "refuses_a_route_missing_from_route_permissions" {
  command = plan

  variables {
    route_permissions = "{\"GET /orders\":[\"orders:read\"]}"
  }

  expect_failures = [aws_apigatewayv2_route.backend]
}

run "rejects_a_single_subnet" {
  command = plan

  variables {
    subnet_ids = ["subnet-0123456789abcdef0"]
  }

  expect_failures = [var.subnet_ids]
}

run "alarms_notify_the_alarm_action" {
  command = plan

  variables {
    alarm_action_arn = "arn:aws:sns:us-east-1:123456789012:alerts"
  }

  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.authorizer_errors, aws_cloudwatch_metric_alarm.store_error, aws_cloudwatch_metric_alarm.keys_unavailable, aws_cloudwatch_metric_alarm.backend_errors] :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alerts"])
    ])
    error_message = "Every alarm notifies alarm_action_arn."
  }
}

run "rejects_a_plain_http_issuer" {
  command = plan

  variables {
    jwt_issuer = "http://issuer.example.com"
  }

  expect_failures = [var.jwt_issuer]
}

run "rejects_route_permissions_that_are_not_a_json_object" {
  command = plan

  variables {
    route_permissions = "[\"GET /orders\"]"
  }

  expect_failures = [var.route_permissions]
}

run "rejects_a_cache_ttl_above_one_hour" {
  command = plan

  variables {
    authorizer_cache_ttl_seconds = 3601
  }

  expect_failures = [var.authorizer_cache_ttl_seconds]
}
