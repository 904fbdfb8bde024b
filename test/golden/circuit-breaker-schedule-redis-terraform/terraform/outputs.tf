output "name" {
  description = "Base of every resource name (name_prefix plus the random suffix)."
  value       = local.name
}

output "function_name" {
  description = "The scheduled Lambda function."
  value       = aws_lambda_function.function.function_name
}

output "schedule_name" {
  description = "The EventBridge Scheduler schedule (default group)."
  value       = aws_scheduler_schedule.run.name
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue for runs that were not delivered or that threw."
  value       = aws_sqs_queue.dead_letter.url
}

output "cache_endpoint" {
  description = "ElastiCache Serverless endpoint holding circuit state (TLS only, reachable from the function's security group)."
  value       = "${aws_elasticache_serverless_cache.circuit.endpoint[0].address}:${aws_elasticache_serverless_cache.circuit.endpoint[0].port}"
}

output "function_security_group_id" {
  description = "Security group of the function; the only one the cache accepts connections from."
  value       = aws_security_group.function.id
}
