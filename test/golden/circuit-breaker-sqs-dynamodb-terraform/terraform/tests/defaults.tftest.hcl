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
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:requests" }
  }

  override_resource {
    target = aws_sqs_queue.dead_letter
    values = { arn = "arn:aws:sqs:us-east-1:123456789012:requests-dlq" }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/circuit" }
  }
}

variables {
  downstream_url = "https://downstream.example.com"
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.function.runtime == "nodejs24.x" && aws_lambda_function.function.architectures == tolist(["arm64"])
    error_message = "The function runs on nodejs24.x, arm64."
  }

  assert {
    condition     = aws_lambda_function.function.handler == "index.handler" && aws_lambda_function.function.timeout == 60 && aws_lambda_function.function.memory_size == 512
    error_message = "The queue worker's handler, timeout (60 s: a whole batch) and memory."
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
    condition     = aws_sqs_queue.requests.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "Both queues are encrypted at rest (SSE-SQS)."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.requests.redrive_policy).maxReceiveCount == 5 && jsondecode(aws_sqs_queue.requests.redrive_policy).deadLetterTargetArn == "arn:aws:sqs:us-east-1:123456789012:requests-dlq"
    error_message = "After 5 receives a message moves to the dead-letter queue."
  }

  assert {
    condition     = aws_sqs_queue.requests.visibility_timeout_seconds == 6 * aws_lambda_function.function.timeout + aws_lambda_event_source_mapping.requests.maximum_batching_window_in_seconds && aws_sqs_queue.requests.visibility_timeout_seconds == 360
    error_message = "The visibility timeout is 6 x the function timeout + the batching window (360 s)."
  }

  assert {
    condition     = aws_sqs_queue.requests.message_retention_seconds == 345600 && aws_sqs_queue.dead_letter.message_retention_seconds == 1209600
    error_message = "The queue keeps messages 4 days, the dead-letter queue 14 days."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.requests.function_response_types == toset(["ReportBatchItemFailures"]) && aws_lambda_event_source_mapping.requests.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:requests"
    error_message = "The request queue feeds the function, which reports partial batch failures."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.requests.batch_size == 10 && aws_lambda_event_source_mapping.requests.scaling_config[0].maximum_concurrency == 5
    error_message = "Batches of 10, at most 5 concurrent instances."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.consume_queue.policy).Statement[0].Action == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"] && jsondecode(aws_iam_role_policy.consume_queue.policy).Statement[0].Resource == "arn:aws:sqs:us-east-1:123456789012:requests"
    error_message = "The function may only consume the request queue."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.dead_letters.metric_name == "ApproximateNumberOfMessagesVisible" && aws_cloudwatch_metric_alarm.queue_age.metric_name == "ApproximateAgeOfOldestMessage" && aws_cloudwatch_metric_alarm.queue_age.threshold == 1800
    error_message = "Alarms watch the dead-letter queue depth and the age of the oldest request."
  }

  assert {
    condition     = aws_dynamodb_table.circuit.billing_mode == "PAY_PER_REQUEST" && aws_dynamodb_table.circuit.hash_key == "pk"
    error_message = "The circuit table is pay-per-request with partition key pk."
  }

  assert {
    condition     = aws_dynamodb_table.circuit.ttl[0].enabled && aws_dynamodb_table.circuit.ttl[0].attribute_name == "expiresAt"
    error_message = "TTL on expiresAt removes stale circuits."
  }

  assert {
    condition     = aws_dynamodb_table.circuit.server_side_encryption[0].enabled && aws_dynamodb_table.circuit.point_in_time_recovery[0].enabled
    error_message = "The table is encrypted with KMS and has point-in-time recovery."
  }

  assert {
    condition     = aws_dynamodb_table.circuit.deletion_protection_enabled
    error_message = "AWS refuses to delete the table (lifecycle.prevent_destroy keeps Terraform from planning it)."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.circuit_table.policy).Statement[0].Action == ["dynamodb:GetItem", "dynamodb:UpdateItem"] && length(jsondecode(aws_iam_role_policy.circuit_table.policy).Statement) == 1
    error_message = "The function may only GetItem and UpdateItem."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.circuit_table.policy).Statement[0].Resource == "arn:aws:dynamodb:us-east-1:123456789012:table/circuit"
    error_message = "The DynamoDB permissions are scoped to the circuit table."
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

run "rejects_a_max_receive_count_below_5" {
  command = plan

  variables {
    max_receive_count = 2
  }

  expect_failures = [var.max_receive_count]
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
