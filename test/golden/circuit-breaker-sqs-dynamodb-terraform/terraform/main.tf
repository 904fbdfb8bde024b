# Circuit breaker in front of a flaky downstream service: Amazon SQS queue → Lambda → downstream,
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

# --- The queues ------------------------------------------------------------------------------

locals {
  # A batch is processed sequentially; a record starts only if its full downstream timeout
  # still fits, the others are reported as failures and retried.
  function_timeout         = 60
  batching_window_seconds  = 0
  queue_visibility_timeout = 6 * local.function_timeout + local.batching_window_seconds
}

resource "aws_sqs_queue" "requests" {
  name                    = "${local.name}-requests"
  sqs_managed_sse_enabled = true
  # At least 6 x the function timeout (60 s) + the batching window (0 s) = 360 s.
  visibility_timeout_seconds = local.queue_visibility_timeout
  # 4 days; the dead-letter queue keeps messages longer (a moved message keeps its enqueue time).
  message_retention_seconds = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  # Like DeletionPolicy/UpdateReplacePolicy: Retain: the queue may hold undelivered requests.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_sqs_queue" "dead_letter" {
  name                    = "${local.name}-requests-dlq"
  sqs_managed_sse_enabled = true
  # 14 days, the maximum: time to inspect and redrive.
  message_retention_seconds = 1209600

  lifecycle {
    prevent_destroy = true
  }
}

# --- The function ----------------------------------------------------------------------------

locals {
  # Built by `npm run build && npm run package` (scripts/package.mjs); apply fails without it.
  # fileexists() below lets validate, plan and the mocked tests run before the first build.
  function_package = "${path.module}/../dist/sqs.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}-worker"
  retention_in_days = var.log_retention_days
  # Like DeletionPolicy: Retain: a destroy removes the log group from the state, not from AWS.
  skip_destroy = true
}

resource "aws_iam_role" "function" {
  name        = "${local.name}-worker"
  description = "Execution role of the circuit-breaker queue worker function."
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

# What the event source mapping needs, on this queue only (the managed
# AWSLambdaSQSQueueExecutionRole allows every queue).
resource "aws_iam_role_policy" "consume_queue" {
  name = "consume-request-queue"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConsumeRequestQueue"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = aws_sqs_queue.requests.arn
    }]
  })
}

resource "aws_lambda_function" "function" {
  function_name    = "${local.name}-worker"
  description      = "Sends queued requests to the downstream service through the circuit breaker."
  role             = aws_iam_role.function.arn
  filename         = local.function_package
  source_code_hash = fileexists(local.function_package) ? filebase64sha256(local.function_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = local.function_timeout

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  environment {
    variables = {
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

resource "aws_lambda_event_source_mapping" "requests" {
  event_source_arn                   = aws_sqs_queue.requests.arn
  function_name                      = aws_lambda_function.function.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = local.batching_window_seconds
  # The handler returns batchItemFailures: only the failed records come back.
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.max_concurrency
  }

  # Lambda checks the role's queue permissions when the mapping is created.
  depends_on = [aws_iam_role_policy.consume_queue]
}

# --- Queue alarms ----------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.name}-dead-letters"
  alarm_description   = "Messages reached the dead-letter queue (invalid, or failed max_receive_count times). Inspect them, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letter.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "queue_age" {
  alarm_name          = "${local.name}-queue-age"
  alarm_description   = "The oldest message in the request queue is older than queue_age_alarm_seconds; the worker is not keeping up or the circuit has been open for long."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.requests.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.queue_age_alarm_seconds
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
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
