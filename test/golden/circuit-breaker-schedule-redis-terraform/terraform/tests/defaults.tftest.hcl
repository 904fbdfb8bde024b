# Offline tests: `npm run tf:test` (terraform test). The AWS provider is mocked, so no
# credentials, no network and no Lambda zip are needed.
#
# `override_during = plan` makes the mocked values below known at plan time, so every run is
# `command = plan`: nothing is created, hence nothing has to be destroyed afterwards (a
# `command = apply` run could not be cleaned up: stateful resources set prevent_destroy).
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:schedule-dlq" }
  }

  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:scheduled" }
  }

  mock_resource "aws_elasticache_serverless_cache" {
    defaults = { endpoint = [{ address = "circuit-abc123.serverless.use1.cache.amazonaws.com", port = 6379 }] }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0cache000000000000" }
  }

  override_resource {
    target = aws_security_group.function
    values = { id = "sg-0function000000000" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]

  downstream_url = "https://downstream.example.com"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.function.runtime == "nodejs24.x" && aws_lambda_function.function.architectures == tolist(["arm64"])
    error_message = "The function runs on nodejs24.x, arm64."
  }

  assert {
    condition     = aws_lambda_function.function.handler == "index.handler" && aws_lambda_function.function.timeout == 10 && aws_lambda_function.function.memory_size == 512
    error_message = "The function's handler, timeout and memory."
  }

  assert {
    condition     = aws_lambda_function.function.logging_config[0].log_format == "JSON" && aws_cloudwatch_log_group.function.retention_in_days == 30
    error_message = "The function logs JSON to its own log group, kept 30 days by default."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test:*"
    error_message = "The function may write to its own log group only."
  }

  assert {
    condition     = aws_scheduler_schedule.run.schedule_expression == "rate(5 minutes)" && aws_scheduler_schedule.run.schedule_expression_timezone == "UTC" && aws_scheduler_schedule.run.state == "ENABLED"
    error_message = "The schedule runs every 5 minutes by default."
  }

  assert {
    condition     = aws_scheduler_schedule.run.target[0].arn == "arn:aws:lambda:us-east-1:123456789012:function:scheduled" && jsondecode(aws_scheduler_schedule.run.target[0].input) == { method = "GET", path = "/", scheduledTime = "<aws.scheduler.scheduled-time>" }
    error_message = "The schedule invokes the function with the method, the path and the scheduled time."
  }

  assert {
    condition     = strcontains(aws_scheduler_schedule.run.target[0].input, "\"<aws.scheduler.scheduled-time>\"")
    error_message = "The scheduler's context attribute is written literally (not as \\u003c...\\u003e)."
  }

  assert {
    condition     = aws_scheduler_schedule.run.target[0].retry_policy[0].maximum_retry_attempts == 2 && aws_scheduler_schedule.run.target[0].retry_policy[0].maximum_event_age_in_seconds == 300
    error_message = "The scheduler retries an undelivered invocation twice within 5 minutes."
  }

  assert {
    condition     = aws_scheduler_schedule.run.target[0].dead_letter_config[0].arn == "arn:aws:sqs:us-east-1:123456789012:schedule-dlq" && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.message_retention_seconds == 1209600
    error_message = "Undelivered runs go to the encrypted dead-letter queue, kept 14 days."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.function.maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.function.destination_config[0].on_failure[0].destination == "arn:aws:sqs:us-east-1:123456789012:schedule-dlq"
    error_message = "A run that throws is not retried by Lambda and goes to the dead-letter queue."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.scheduler.policy).Statement[0].Action == ["lambda:InvokeFunction"] && jsondecode(aws_iam_role_policy.scheduler.policy).Statement[0].Resource == ["arn:aws:lambda:us-east-1:123456789012:function:scheduled", "arn:aws:lambda:us-east-1:123456789012:function:scheduled:*"]
    error_message = "The scheduler may invoke this function only."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.scheduler.policy).Statement[1].Action == ["sqs:SendMessage"] && jsondecode(aws_iam_role_policy.scheduler.policy).Statement[1].Resource == "arn:aws:sqs:us-east-1:123456789012:schedule-dlq" && length(jsondecode(aws_iam_role_policy.scheduler.policy).Statement) == 2
    error_message = "The scheduler may send to this dead-letter queue only."
  }

  assert {
    condition     = jsondecode(aws_iam_role.scheduler.assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com"
    error_message = "Only EventBridge Scheduler assumes the scheduler role."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.function_dead_letter.policy).Statement[0].Action == ["sqs:SendMessage"] && jsondecode(aws_iam_role_policy.function_dead_letter.policy).Statement[0].Resource == "arn:aws:sqs:us-east-1:123456789012:schedule-dlq"
    error_message = "The function may send failed runs to its dead-letter queue only."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.dead_letters.namespace == "AWS/SQS" && aws_cloudwatch_metric_alarm.dead_letters.metric_name == "ApproximateNumberOfMessagesVisible"
    error_message = "An alarm watches the dead-letter queue depth."
  }

  assert {
    condition     = aws_elasticache_serverless_cache.circuit.engine == "valkey" && aws_elasticache_serverless_cache.circuit.major_engine_version == "8"
    error_message = "The circuit state lives in ElastiCache Serverless, Valkey 8."
  }

  assert {
    condition     = aws_elasticache_serverless_cache.circuit.security_group_ids == toset(["sg-0cache000000000000"]) && aws_elasticache_serverless_cache.circuit.subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "The cache sits in the given subnets behind its own security group."
  }

  assert {
    condition     = length(aws_lambda_function.function.vpc_config) == 1 && aws_lambda_function.function.vpc_config[0].security_group_ids == toset(["sg-0function000000000"]) && aws_lambda_function.function.vpc_config[0].subnet_ids == toset(["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"])
    error_message = "The function runs in the given subnets with its own security group."
  }

  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.cache_from_function.security_group_id == "sg-0cache000000000000" &&
      aws_vpc_security_group_ingress_rule.cache_from_function.referenced_security_group_id == "sg-0function000000000" &&
      aws_vpc_security_group_ingress_rule.cache_from_function.ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.cache_from_function.from_port == 6379 &&
      aws_vpc_security_group_ingress_rule.cache_from_function.to_port == 6379 &&
      aws_vpc_security_group_ingress_rule.cache_from_function.cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.cache_from_function.cidr_ipv6 == null
    )
    error_message = "The cache accepts port 6379 from the function's security group only."
  }

  assert {
    condition     = aws_lambda_function.function.environment[0].variables.REDIS_URL == "rediss://circuit-abc123.serverless.use1.cache.amazonaws.com:6379" && aws_lambda_function.function.environment[0].variables.REDIS_CLUSTER == "true"
    error_message = "The function connects over TLS (rediss://) to the cluster-mode endpoint."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.vpc_access.policy_arn == "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    error_message = "The function's role may manage the function's network interfaces in the VPC."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.circuit_opened.metric_name == "CircuitOpened" && aws_cloudwatch_metric_alarm.circuit_opened.namespace == "CircuitBreaker"
    error_message = "An alarm must watch the CircuitOpened metric."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.store_error.metric_name == "StoreError"
    error_message = "An alarm must watch the StoreError metric."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.function_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.function_errors.metric_name == "Errors"
    error_message = "An alarm must watch the function's errors."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.circuit_opened.alarm_actions) == 0
    error_message = "Without alarm_action_arn the alarms notify nobody."
  }

  assert {
    condition     = aws_lambda_function.function.environment[0].variables.DOWNSTREAM_URL == "https://downstream.example.com" && aws_lambda_function.function.environment[0].variables.CB_FAILURE_THRESHOLD == "5"
    error_message = "The function gets the breaker settings as environment variables."
  }
}

run "rejects_an_invalid_name_prefix" {
  command = plan

  variables {
    name_prefix = "1-starts-with-a-digit"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_an_invalid_schedule_expression" {
  command = plan

  variables {
    schedule_expression = "every 5 minutes"
  }

  expect_failures = [var.schedule_expression]
}

run "schedule_input_escapes_the_path" {
  command = plan

  variables {
    schedule_method = "POST"
    schedule_path   = "/jobs/refresh?a=1&b=2"
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.run.target[0].input).path == "/jobs/refresh?a=1&b=2" && jsondecode(aws_scheduler_schedule.run.target[0].input).method == "POST"
    error_message = "The schedule input is valid JSON carrying the configured method and path."
  }
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
      for a in [aws_cloudwatch_metric_alarm.circuit_opened, aws_cloudwatch_metric_alarm.store_error, aws_cloudwatch_metric_alarm.function_errors] :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alerts"])
    ])
    error_message = "Every alarm notifies alarm_action_arn."
  }
}

run "rejects_a_window_that_is_not_a_multiple_of_the_bucket" {
  command = plan

  variables {
    window_seconds = 65
  }

  expect_failures = [var.window_seconds]
}
