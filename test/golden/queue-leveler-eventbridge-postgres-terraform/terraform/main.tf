# Queue-based load leveling: An EventBridge rule → SQS (with a dead-letter queue) → a Lambda worker with
# capped concurrency → Amazon RDS for PostgreSQL; idempotent writes, partial batch failures.

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

# --- The EventBridge front: a rule -> SQS ----------------------------------------------------

resource "aws_cloudwatch_event_rule" "work" {
  name           = "${local.name}-work"
  description    = "Queues matching events for the worker."
  event_bus_name = var.event_bus_name
  state          = "ENABLED"
  event_pattern = jsonencode({
    source = var.event_sources
  })
}

resource "aws_cloudwatch_event_target" "work_queue" {
  rule           = aws_cloudwatch_event_rule.work.name
  event_bus_name = var.event_bus_name
  target_id      = "work-queue"
  arn            = aws_sqs_queue.work.arn

  # Delivery retries of EventBridge itself; what it still cannot deliver goes to the DLQ.
  retry_policy {
    maximum_retry_attempts       = 185
    maximum_event_age_in_seconds = 86400
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

# Only this rule, in this account, may send to the queue (and, for undeliverable events, to the DLQ).
resource "aws_sqs_queue_policy" "rule" {
  for_each = {
    work        = aws_sqs_queue.work
    dead_letter = aws_sqs_queue.dead_letter
  }

  queue_url = each.value.url
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AllowWorkRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = each.value.arn
      Condition = {
        ArnEquals    = { "aws:SourceArn" = aws_cloudwatch_event_rule.work.arn }
        StringEquals = { "aws:SourceAccount" = local.account_id }
      }
    }]
  })
}

# --- Network: worker -> proxy -> database, port 5432 only ------------------------------------

# Terraform removes the default allow-all egress rule of a security group it creates: each
# group below allows exactly the rules that follow it (the database's none outbound).
resource "aws_security_group" "worker" {
  name        = "${local.name}-worker"
  description = "Queue worker; connects to the RDS Proxy only."
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "proxy" {
  name        = "${local.name}-db-proxy"
  description = "RDS Proxy of the work database; accepts the worker, connects to the database."
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "database" {
  name        = "${local.name}-db"
  description = "Work database; accepts its RDS Proxy only."
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "worker_to_proxy" {
  security_group_id            = aws_security_group.worker.id
  description                  = "PostgreSQL to the RDS Proxy"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.proxy.id
}

resource "aws_vpc_security_group_ingress_rule" "proxy_from_worker" {
  security_group_id            = aws_security_group.proxy.id
  description                  = "PostgreSQL (TLS) from the queue worker"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.worker.id
}

resource "aws_vpc_security_group_egress_rule" "proxy_to_database" {
  security_group_id            = aws_security_group.proxy.id
  description                  = "PostgreSQL to the database"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.database.id
}

resource "aws_vpc_security_group_ingress_rule" "database_from_proxy" {
  security_group_id            = aws_security_group.database.id
  description                  = "PostgreSQL from the RDS Proxy"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = aws_security_group.proxy.id
}

# --- The database (RDS for PostgreSQL) -------------------------------------------------------

resource "aws_db_subnet_group" "database" {
  name        = "${lower(local.name)}-db"
  description = "Private subnets of the work database."
  subnet_ids  = var.subnet_ids
}

# Encrypted at rest; TLS is enforced (rds.force_ssl is on by default from PostgreSQL 15). The master
# password is generated, stored and rotated by RDS in Secrets Manager (manage_master_user_password).
# Deleting or replacing the instance leaves a final snapshot.
resource "aws_db_instance" "database" {
  identifier = "${lower(local.name)}-db"
  engine     = "postgres"
  # A pinned minor version, as in the SAM flavour; auto_minor_version_upgrade moves it on (hence
  # ignore_changes below: Terraform would otherwise try to go back).
  engine_version              = "17.6"
  instance_class              = var.db_instance_class
  allocated_storage           = var.db_allocated_storage
  storage_type                = "gp3"
  storage_encrypted           = true
  db_name                     = var.db_name
  username                    = var.db_username
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.database.name
  vpc_security_group_ids      = [aws_security_group.database.id]
  publicly_accessible         = false
  multi_az                    = var.db_multi_az
  backup_retention_period     = 7
  copy_tags_to_snapshot       = true
  auto_minor_version_upgrade  = true
  deletion_protection         = var.db_deletion_protection
  skip_final_snapshot         = false
  final_snapshot_identifier   = "${lower(local.name)}-db-final"

  # Like DeletionPolicy/UpdateReplacePolicy: Snapshot, and more: Terraform refuses to plan the
  # deletion or replacement. To drop the stack but keep the data, `terraform state rm` it.
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [engine_version]
  }
}

resource "aws_iam_role" "db_proxy" {
  name        = "${local.name}-db-proxy"
  description = "Lets the RDS Proxy read the database credentials, and nothing else."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
}

resource "aws_iam_role_policy" "db_proxy" {
  name = "read-database-secret"
  role = aws_iam_role.db_proxy.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadDatabaseSecret"
      Effect   = "Allow"
      Action   = "secretsmanager:GetSecretValue"
      Resource = aws_db_instance.database.master_user_secret[0].secret_arn
    }]
  })
}

# The worker connects here: TLS required, IAM authentication required (the proxy holds the secret).
# It multiplexes the worker's connections (at most max_concurrency x worker_parallelism) onto its
# own pool of at most proxy_max_connections_percent of the database's max_connections.
resource "aws_db_proxy" "work" {
  name                   = "${lower(local.name)}-proxy"
  engine_family          = "POSTGRESQL"
  role_arn               = aws_iam_role.db_proxy.arn
  require_tls            = true
  idle_client_timeout    = 1800
  vpc_subnet_ids         = var.subnet_ids
  vpc_security_group_ids = [aws_security_group.proxy.id]

  auth {
    auth_scheme = "SECRETS"
    secret_arn  = aws_db_instance.database.master_user_secret[0].secret_arn
    iam_auth    = "REQUIRED"
  }

  depends_on = [aws_iam_role_policy.db_proxy]
}

resource "aws_db_proxy_default_target_group" "work" {
  db_proxy_name = aws_db_proxy.work.name

  connection_pool_config {
    max_connections_percent   = var.proxy_max_connections_percent
    connection_borrow_timeout = 10
  }
}

resource "aws_db_proxy_target" "database" {
  db_proxy_name          = aws_db_proxy.work.name
  target_group_name      = aws_db_proxy_default_target_group.work.name
  db_instance_identifier = aws_db_instance.database.identifier
}

# Connect through the proxy as db_username with an IAM token; no password reaches the function.
resource "aws_iam_role_policy" "connect_through_proxy" {
  name = "connect-through-proxy"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConnectThroughProxy"
      Effect   = "Allow"
      Action   = ["rds-db:connect"]
      Resource = "arn:${local.partition}:rds-db:${local.region}:${local.account_id}:dbuser:${split(":", aws_db_proxy.work.arn)[6]}/${var.db_username}"
    }]
  })
}

# --- The queue and its dead-letter queue -----------------------------------------------------

locals {
  worker_timeout = 30
  # At least 6 x the function timeout + the batching window: a batch in progress never becomes
  # visible to another worker.
  queue_visibility_timeout = 6 * local.worker_timeout + var.batching_window_seconds

  # Partition, region and account of this stack, read from the work queue's ARN (no data
  # sources: the mocked tests can then check the ARNs built from them).
  arn_parts  = split(":", aws_sqs_queue.work.arn)
  partition  = local.arn_parts[1]
  region     = local.arn_parts[3]
  account_id = local.arn_parts[4]
}

resource "aws_sqs_queue" "work" {
  name                       = "${local.name}-work"
  sqs_managed_sse_enabled    = true
  visibility_timeout_seconds = local.queue_visibility_timeout
  # 4 days; the dead-letter queue keeps messages longer (a moved message keeps its enqueue time).
  message_retention_seconds = 345600
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter.arn
    maxReceiveCount     = var.max_receive_count
  })

  # Like DeletionPolicy/UpdateReplacePolicy: Retain: the queue may hold work not yet written.
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_sqs_queue" "dead_letter" {
  name                    = "${local.name}-work-dlq"
  sqs_managed_sse_enabled = true
  # 14 days, the maximum: time to inspect and redrive.
  message_retention_seconds = 1209600

  lifecycle {
    prevent_destroy = true
  }
}

# --- The worker ------------------------------------------------------------------------------

locals {
  # Built by `npm run build && npm run package` (scripts/package.mjs); apply fails without it.
  # fileexists() below lets validate, plan and the mocked tests run before the first build.
  function_package = "${path.module}/../dist/worker.zip"
}

resource "aws_cloudwatch_log_group" "function" {
  name              = "/aws/lambda/${local.name}-worker"
  retention_in_days = var.log_retention_days
  # Like DeletionPolicy: Retain: a destroy removes the log group from the state, not from AWS.
  skip_destroy = true
}

resource "aws_iam_role" "function" {
  name        = "${local.name}-worker"
  description = "Execution role of the queue worker."
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

# The basic execution policy, scoped to the worker's own log group (the managed
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
  name = "consume-work-queue"
  role = aws_iam_role.function.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ConsumeWorkQueue"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
      Resource = aws_sqs_queue.work.arn
    }]
  })
}

resource "aws_lambda_function" "function" {
  function_name    = "${local.name}-worker"
  description      = "Drains the work queue into Amazon RDS for PostgreSQL at a bounded rate (idempotent writes, partial batch failures)."
  role             = aws_iam_role.function.arn
  filename         = local.function_package
  source_code_hash = fileexists(local.function_package) ? filebase64sha256(local.function_package) : null
  handler          = "index.handler"
  runtime          = "nodejs24.x"
  architectures    = ["arm64"]
  memory_size      = 512
  timeout          = local.worker_timeout

  vpc_config {
    subnet_ids         = var.subnet_ids
    security_group_ids = [aws_security_group.worker.id]
  }

  logging_config {
    log_format = "JSON"
    log_group  = aws_cloudwatch_log_group.function.name
  }

  environment {
    variables = {
      DATABASE_URL      = "postgres://${var.db_username}@${aws_db_proxy.work.endpoint}:5432/${var.db_name}"
      DATABASE_SSL      = "verify-full"
      DATABASE_IAM_AUTH = "true"

      WORKER_PARALLELISM           = tostring(var.worker_parallelism)
      POWERTOOLS_SERVICE_NAME      = local.name
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = "INFO"
      NODE_OPTIONS                 = "--enable-source-maps"
    }
  }

  # Logs must be writable from the first invocation.
  depends_on = [aws_iam_role_policy.function_logs]
}

resource "aws_lambda_event_source_mapping" "work" {
  event_source_arn                   = aws_sqs_queue.work.arn
  function_name                      = aws_lambda_function.function.arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  # The handler returns batchItemFailures: only the failed records come back.
  function_response_types = ["ReportBatchItemFailures"]

  # The cap: at most max_concurrency invocations at once, however long the queue.
  scaling_config {
    maximum_concurrency = var.max_concurrency
  }

  # Lambda checks the role's queue permissions when the mapping is created.
  depends_on = [aws_iam_role_policy.consume_queue]
}

# --- Alarms ----------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "queue_age" {
  alarm_name          = "${local.name}-queue-age"
  alarm_description   = "The oldest message in the work queue is older than queue_age_alarm_seconds; the worker is not keeping up (raise the cap if the store allows) or the store is failing."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.work.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = var.queue_age_alarm_seconds
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.name}-dead-letters"
  alarm_description   = "Messages reached the dead-letter queue (invalid, or failed max_receive_count times). Inspect them, fix the cause, then redrive."
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

resource "aws_cloudwatch_metric_alarm" "worker_errors" {
  alarm_name          = "${local.name}-worker-errors"
  alarm_description   = "Whole batches are failing (every record of a batch failed, or the worker crashed or timed out); usually the store is down."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function.function_name }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "store_errors" {
  alarm_name          = "${local.name}-store-errors"
  alarm_description   = "Writes to Amazon RDS for PostgreSQL are failing; the records are retried and reach the dead-letter queue after max_receive_count receives."
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
