# Offline tests: `npm run tf:test` (terraform test). The AWS provider is mocked, so no
# credentials, no network and no Lambda zip are needed.
#
# `override_during = plan` makes the mocked values below known at plan time, so every run is
# `command = plan`: nothing is created, hence nothing has to be destroyed afterwards (a
# `command = apply` run could not be cleaned up: stateful resources set prevent_destroy).
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:rule/work" }
  }

  mock_resource "aws_security_group" {
    defaults = { id = "sg-0000000000000000a" }
  }

  override_resource {
    target = aws_security_group.worker
    values = { id = "sg-0worker0000000000" }
  }

  override_resource {
    target = aws_security_group.proxy
    values = { id = "sg-0proxy00000000000" }
  }

  override_resource {
    target = aws_security_group.database
    values = { id = "sg-0database00000000" }
  }

  mock_resource "aws_db_instance" {
    defaults = {
      identifier = "work-db"
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0000-abcdef"
        kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
        secret_status = "active"
      }]
    }
  }

  mock_resource "aws_db_proxy" {
    defaults = {
      arn      = "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0"
      endpoint = "work-proxy.proxy-abcdefghijkl.us-east-1.rds.amazonaws.com"
    }
  }

  mock_resource "aws_db_proxy_default_target_group" {
    defaults = { name = "default" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn  = "arn:aws:sqs:us-east-1:123456789012:work"
      name = "work"
      url  = "https://sqs.us-east-1.amazonaws.com/123456789012/work"
    }
  }

  override_resource {
    target = aws_sqs_queue.dead_letter
    values = {
      arn  = "arn:aws:sqs:us-east-1:123456789012:work-dlq"
      name = "work-dlq"
      url  = "https://sqs.us-east-1.amazonaws.com/123456789012/work-dlq"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/test" }
  }

  mock_resource "aws_lambda_function" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:function:worker" }
  }
}

variables {
  vpc_id     = "vpc-0123456789abcdef0"
  subnet_ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
}

run "defaults" {
  command = plan

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.work.event_pattern).source == ["com.example.orders"] && aws_cloudwatch_event_rule.work.event_bus_name == "default" && aws_cloudwatch_event_rule.work.state == "ENABLED"
    error_message = "The rule matches the configured sources on the default bus."
  }

  assert {
    condition     = aws_cloudwatch_event_target.work_queue.arn == "arn:aws:sqs:us-east-1:123456789012:work" && aws_cloudwatch_event_target.work_queue.dead_letter_config[0].arn == "arn:aws:sqs:us-east-1:123456789012:work-dlq" && aws_cloudwatch_event_target.work_queue.retry_policy[0].maximum_retry_attempts == 185
    error_message = "The rule targets the work queue; what EventBridge cannot deliver goes to the dead-letter queue."
  }

  assert {
    condition = alltrue([
      for p in aws_sqs_queue_policy.rule : jsondecode(p.policy).Statement[0].Condition.ArnEquals["aws:SourceArn"] == "arn:aws:events:us-east-1:123456789012:rule/work" && jsondecode(p.policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012" && jsondecode(p.policy).Statement[0].Action == "sqs:SendMessage"
    ]) && length(aws_sqs_queue_policy.rule) == 2
    error_message = "Only the rule of this account may send to the queue and its dead-letter queue."
  }

  assert {
    condition     = aws_db_instance.database.engine == "postgres" && aws_db_instance.database.engine_version == "17.6" && aws_db_instance.database.storage_encrypted && aws_db_instance.database.manage_master_user_password
    error_message = "PostgreSQL 17.6, encrypted, with a password generated and kept by RDS."
  }

  assert {
    condition     = !aws_db_instance.database.skip_final_snapshot && aws_db_instance.database.deletion_protection && !aws_db_instance.database.publicly_accessible && aws_db_instance.database.vpc_security_group_ids == toset(["sg-0database00000000"])
    error_message = "The database is private, deletion-protected and leaves a final snapshot."
  }

  assert {
    condition     = aws_db_proxy.work.require_tls && one(aws_db_proxy.work.auth).iam_auth == "REQUIRED" && one(aws_db_proxy.work.auth).secret_arn == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0000-abcdef"
    error_message = "The proxy requires TLS and IAM authentication and holds the database secret."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.db_proxy.policy).Statement[0].Action == "secretsmanager:GetSecretValue" && jsondecode(aws_iam_role_policy.db_proxy.policy).Statement[0].Resource == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0000-abcdef"
    error_message = "The proxy's role may only read the database secret."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.connect_through_proxy.policy).Statement[0].Action == ["rds-db:connect"] && jsondecode(aws_iam_role_policy.connect_through_proxy.policy).Statement[0].Resource == "arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-0123456789abcdef0/leveler" && length(jsondecode(aws_iam_role_policy.connect_through_proxy.policy).Statement) == 1
    error_message = "The worker may only connect through the proxy, as db_username."
  }

  assert {
    condition     = aws_vpc_security_group_egress_rule.worker_to_proxy.referenced_security_group_id == "sg-0proxy00000000000" && aws_vpc_security_group_ingress_rule.proxy_from_worker.referenced_security_group_id == "sg-0worker0000000000" && aws_vpc_security_group_egress_rule.proxy_to_database.referenced_security_group_id == "sg-0database00000000" && aws_vpc_security_group_ingress_rule.database_from_proxy.referenced_security_group_id == "sg-0proxy00000000000"
    error_message = "Worker -> proxy -> database, and nothing else."
  }

  assert {
    condition = alltrue([
      for r in [aws_vpc_security_group_egress_rule.worker_to_proxy, aws_vpc_security_group_ingress_rule.proxy_from_worker, aws_vpc_security_group_egress_rule.proxy_to_database, aws_vpc_security_group_ingress_rule.database_from_proxy] :
      r.ip_protocol == "tcp" && r.from_port == 5432 && r.to_port == 5432
    ])
    error_message = "Every rule is PostgreSQL (tcp 5432) only."
  }

  assert {
    condition     = aws_lambda_function.function.vpc_config[0].security_group_ids == toset(["sg-0worker0000000000"]) && aws_lambda_function.function.environment[0].variables.DATABASE_URL == "postgres://leveler@work-proxy.proxy-abcdefghijkl.us-east-1.rds.amazonaws.com:5432/work" && aws_lambda_function.function.environment[0].variables.DATABASE_IAM_AUTH == "true"
    error_message = "The worker runs in the VPC and connects to the proxy with IAM authentication."
  }

  assert {
    condition     = aws_lambda_function.function.runtime == "nodejs24.x" && aws_lambda_function.function.architectures == tolist(["arm64"])
    error_message = "The worker runs on nodejs24.x, arm64."
  }

  assert {
    condition     = aws_lambda_function.function.handler == "index.handler" && aws_lambda_function.function.timeout == 30 && aws_lambda_function.function.memory_size == 512
    error_message = "The worker's handler, timeout (30 s) and memory."
  }

  assert {
    condition     = aws_lambda_function.function.logging_config[0].log_format == "JSON" && aws_cloudwatch_log_group.function.retention_in_days == 30 && aws_cloudwatch_log_group.function.skip_destroy
    error_message = "The worker logs JSON to its own log group, kept 30 days by default and not deleted by a destroy."
  }

  assert {
    condition     = aws_lambda_function.function.environment[0].variables.WORKER_PARALLELISM == "2" && aws_lambda_function.function.environment[0].variables.POWERTOOLS_METRICS_NAMESPACE == "QueueLeveler"
    error_message = "The worker gets its parallelism and metrics namespace as environment variables."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Action == ["logs:CreateLogStream", "logs:PutLogEvents"] && jsondecode(aws_iam_role_policy.function_logs.policy).Statement[0].Resource == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/test:*"
    error_message = "The worker may write to its own log group only."
  }

  assert {
    condition     = aws_sqs_queue.work.sqs_managed_sse_enabled && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "Both queues are encrypted at rest (SSE-SQS)."
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.work.redrive_policy).maxReceiveCount == 5 && jsondecode(aws_sqs_queue.work.redrive_policy).deadLetterTargetArn == "arn:aws:sqs:us-east-1:123456789012:work-dlq"
    error_message = "After 5 receives a message moves to the dead-letter queue."
  }

  assert {
    condition     = aws_sqs_queue.work.visibility_timeout_seconds == 6 * aws_lambda_function.function.timeout + aws_lambda_event_source_mapping.work.maximum_batching_window_in_seconds && aws_sqs_queue.work.visibility_timeout_seconds == 181
    error_message = "The visibility timeout is 6 x the worker timeout + the batching window (181 s)."
  }

  assert {
    condition     = aws_sqs_queue.work.message_retention_seconds == 345600 && aws_sqs_queue.dead_letter.message_retention_seconds == 1209600
    error_message = "The queue keeps messages 4 days, the dead-letter queue 14 days."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.work.function_response_types == toset(["ReportBatchItemFailures"]) && aws_lambda_event_source_mapping.work.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:work"
    error_message = "The work queue feeds the worker, which reports partial batch failures."
  }

  assert {
    condition     = aws_lambda_event_source_mapping.work.batch_size == 10 && aws_lambda_event_source_mapping.work.maximum_batching_window_in_seconds == 1 && aws_lambda_event_source_mapping.work.scaling_config[0].maximum_concurrency == 5
    error_message = "Batches of 10 within 1 s, at most 5 concurrent worker instances (the cap)."
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.consume_queue.policy).Statement[0].Action == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"] && jsondecode(aws_iam_role_policy.consume_queue.policy).Statement[0].Resource == "arn:aws:sqs:us-east-1:123456789012:work"
    error_message = "The worker may only consume the work queue."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.queue_age.metric_name == "ApproximateAgeOfOldestMessage" && aws_cloudwatch_metric_alarm.queue_age.threshold == 900 && aws_cloudwatch_metric_alarm.dead_letters.metric_name == "ApproximateNumberOfMessagesVisible"
    error_message = "Alarms watch the age of the oldest message and the dead-letter queue depth."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.worker_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.store_errors.metric_name == "StoreError" && aws_cloudwatch_metric_alarm.store_errors.namespace == "QueueLeveler"
    error_message = "Alarms watch the worker's errors and the store errors it reports."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.queue_age.alarm_actions) == 0
    error_message = "Without alarm_action_arn the alarms notify nobody."
  }
}

run "rejects_an_invalid_name_prefix" {
  command = plan

  variables {
    name_prefix = "1-starts-with-a-digit"
  }

  expect_failures = [var.name_prefix]
}

run "listens_on_a_custom_bus" {
  command = plan

  variables {
    event_bus_name = "orders"
    event_sources  = ["com.example.orders", "com.example.billing"]
  }

  assert {
    condition     = aws_cloudwatch_event_rule.work.event_bus_name == "orders" && aws_cloudwatch_event_target.work_queue.event_bus_name == "orders" && length(jsondecode(aws_cloudwatch_event_rule.work.event_pattern).source) == 2
    error_message = "The rule and its target follow event_bus_name and event_sources."
  }
}

run "alarms_notify_the_alarm_action" {
  command = plan

  variables {
    alarm_action_arn = "arn:aws:sns:us-east-1:123456789012:alerts"
  }

  assert {
    condition = alltrue([
      for a in [aws_cloudwatch_metric_alarm.queue_age, aws_cloudwatch_metric_alarm.dead_letters, aws_cloudwatch_metric_alarm.worker_errors, aws_cloudwatch_metric_alarm.store_errors] :
      a.alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alerts"])
    ])
    error_message = "Every alarm notifies alarm_action_arn."
  }
}

run "visibility_timeout_follows_the_batching_window" {
  command = plan

  variables {
    batching_window_seconds = 20
    max_concurrency         = 50
  }

  assert {
    condition     = aws_sqs_queue.work.visibility_timeout_seconds == 200 && aws_lambda_event_source_mapping.work.scaling_config[0].maximum_concurrency == 50
    error_message = "A 20 s window gives a 200 s visibility timeout; the cap follows max_concurrency."
  }
}

run "rejects_a_max_receive_count_below_5" {
  command = plan

  variables {
    max_receive_count = 2
  }

  expect_failures = [var.max_receive_count]
}
