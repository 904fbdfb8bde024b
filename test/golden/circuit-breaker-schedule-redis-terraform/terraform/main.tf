# Circuit breaker in front of a flaky downstream service: EventBridge Scheduler → Lambda → downstream,
# circuit state in Redis / Valkey on Amazon ElastiCache (sliding failure window, one half-open probe with a lease).

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

# --- Dead letters ----------------------------------------------------------------------------

# Runs the scheduler could not deliver, or that threw.
resource "aws_sqs_queue" "dead_letter" {
  name                    = "${local.name}-schedule-dlq"
  sqs_managed_sse_enabled = true
  # 14 days, the maximum: time to inspect them.
  message_retention_seconds = 1209600

  # Like DeletionPolicy/UpdateReplacePolicy: Retain.
  lifecycle {
    prevent_destroy = true
  }
}

# --- The function ----------------------------------------------------------------------------

locals {
  # Built by `npm run build && npm run package` (scripts/package.mjs); apply fails without it.
  # fileexists() below lets validate, plan and the mocked tests run before the first build.
  function_package = "${path.module}/../dist/schedule.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}-scheduled"
  retention_in_days = var.log_retention_days
  # Like DeletionPolicy: Retain: a destroy removes the log group from the state, not from AWS.
  skip_destroy = true
}

resource "aws_iam_role" "function" {
  name        = "${local.name}-scheduled"
  description = "Execution role of the circuit-breaker scheduled function."
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

# The on-failure destination below is sent with the function's role.
resource "aws_iam_role_policy" "function_dead_letter" {
  name = "send-to-dead-letter-queue"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "SendFailedRunsToDeadLetterQueue"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = aws_sqs_queue.dead_letter.arn
    }]
  })
}

resource "aws_lambda_function" "function" {
  function_name    = "${local.name}-scheduled"
  description      = "Calls the downstream service on a schedule through the circuit breaker."
  role             = aws_iam_role.function.arn
  filename         = local.function_package
  source_code_hash = fileexists(local.function_package) ? filebase64sha256(local.function_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = 10

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.function.id]
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  environment {
    variables = {
      REDIS_URL     = "rediss://${aws_elasticache_serverless_cache.circuit.endpoint[0].address}:${aws_elasticache_serverless_cache.circuit.endpoint[0].port}"
      REDIS_CLUSTER = "true"

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

# The scheduler invokes asynchronously. A failed or skipped run returns normally (the next run is
# the retry); only a thrown error (invalid input, bug) fails, and goes to the DLQ at once.
resource "aws_lambda_function_event_invoke_config" "function" {
  function_name                = aws_lambda_function.function.function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 300

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }

  # Lambda checks the role's permission on the destination.
  depends_on = [aws_iam_role_policy.function_dead_letter]
}

# --- The schedule ----------------------------------------------------------------------------

resource "aws_iam_role" "scheduler" {
  name        = "${local.name}-scheduler"
  description = "Role EventBridge Scheduler uses to invoke the circuit-breaker scheduled function."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# Invoke this function only, and dead-letter undelivered runs to this queue only.
resource "aws_iam_role_policy" "scheduler" {
  name = "invoke-scheduled-function"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeScheduledFunction"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [aws_lambda_function.function.arn, "${aws_lambda_function.function.arn}:*"]
      },
      {
        Sid      = "SendUndeliveredRunsToDeadLetterQueue"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = aws_sqs_queue.dead_letter.arn
      },
    ]
  })
}

resource "aws_scheduler_schedule" "run" {
  name                         = "${local.name}-run"
  description                  = "Calls the downstream service through the circuit breaker."
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  state                        = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.function.arn
    role_arn = aws_iam_role.scheduler.arn
    # Written out rather than jsonencode()d: jsonencode would escape < and > (\u003c, \u003e)
    # and the scheduler would no longer recognise its context attribute.
    input = "{\"method\":${jsonencode(var.schedule_method)},\"path\":${jsonencode(var.schedule_path)},\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"}"

    # Retries of the invocation itself (throttling, service errors), not of the downstream call.
    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 300
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter.arn
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}

# --- Dead-letter alarm -----------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.name}-dead-letters"
  alarm_description   = "Scheduled runs reached the dead-letter queue (not delivered by the scheduler, or the function threw)."
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

# --- Circuit state: ElastiCache Serverless (Valkey) in your VPC --------------------------------

resource "aws_security_group" "function" {
  name        = "${local.name}-function"
  description = "Circuit-breaker function; connects to the circuit-state cache and the downstream service."
  vpc_id      = var.vpc_id

  # The function's ENIs are created with the role's VPC permissions: attach them first, and
  # (on destroy) keep them until the security group, hence the function, is gone.
  depends_on = [aws_iam_role_policy_attachment.vpc_access]
}

# Terraform removes the default allow-all egress rule of a new security group; the function
# needs it back for the cache and for the downstream service (any host and port below downstream_url).
resource "aws_vpc_security_group_egress_rule" "function_all" {
  security_group_id = aws_security_group.function.id
  description       = "Cache and downstream service"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

# No egress rule at all: the cache never opens connections.
resource "aws_security_group" "cache" {
  name        = "${local.name}-cache"
  description = "Circuit-state cache; accepts TLS connections from the circuit-breaker function only."
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "cache_from_function" {
  security_group_id            = aws_security_group.cache.id
  description                  = "Valkey/Redis over TLS from the circuit-breaker function"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.function.id
}

resource "aws_elasticache_serverless_cache" "circuit" {
  # Lowercase, at most 40 characters, no double hyphens (ElastiCache's naming rules).
  name                 = "${trimsuffix(substr(lower(replace(var.name_prefix, "/-+/", "-")), 0, 30), "-")}-${terraform_data.name_suffix.output}"
  description          = "Circuit-breaker state of ${local.name}"
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

  # Like DeletionPolicy/UpdateReplacePolicy: Retain. It holds nothing that cannot be rebuilt:
  # to drop it with the stack, `terraform state rm` it and delete it in the console.
  lifecycle {
    prevent_destroy = true
  }
}

data "aws_partition" "current" {}

# A function in a VPC needs to create, describe and delete its network interfaces. The managed
# policy is what SAM attaches for VpcConfig; EC2 does not let these calls be scoped to one VPC
# beforehand (Describe* takes no resource), and the function needs no IAM permission for the
# cache itself (network access only).
resource "aws_iam_role_policy_attachment" "vpc_access" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
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
  alarm_description   = "The circuit store (Redis / Valkey on Amazon ElastiCache) is failing; the store-error policy is being applied."
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
