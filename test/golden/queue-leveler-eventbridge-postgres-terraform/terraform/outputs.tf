output "name" {
  description = "Base of every resource name (name_prefix plus the random suffix)."
  value       = local.name
}

output "work_rule_arn" {
  description = "The EventBridge rule that queues matching events."
  value       = aws_cloudwatch_event_rule.work.arn
}

output "db_proxy_endpoint" {
  description = "RDS Proxy endpoint the worker connects to (TLS, IAM authentication); run the migration against it (see the README)."
  value       = aws_db_proxy.work.endpoint
}

output "database_secret_arn" {
  description = "Secrets Manager secret with the generated master credentials (rotated by RDS)."
  value       = aws_db_instance.database.master_user_secret[0].secret_arn
}

output "worker_security_group_id" {
  description = "Security group of the worker; the only one the proxy accepts connections from."
  value       = aws_security_group.worker.id
}

output "work_queue_url" {
  description = "URL of the work queue."
  value       = aws_sqs_queue.work.url
}

output "work_dead_letter_queue_url" {
  description = "URL of the dead-letter queue (inspect with aws sqs receive-message)."
  value       = aws_sqs_queue.dead_letter.url
}

output "work_dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (the source of aws sqs start-message-move-task)."
  value       = aws_sqs_queue.dead_letter.arn
}

output "worker_function_name" {
  description = "The queue worker."
  value       = aws_lambda_function.function.function_name
}
