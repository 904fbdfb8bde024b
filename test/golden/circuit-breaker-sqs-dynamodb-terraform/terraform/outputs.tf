output "name" {
  description = "Base of every resource name (name_prefix plus the random suffix)."
  value       = local.name
}

output "queue_url" {
  description = "URL of the request queue; producers send {\"method\",\"path\",\"headers\"?,\"body\"?} messages here."
  value       = aws_sqs_queue.requests.url
}

output "queue_arn" {
  description = "ARN of the request queue (grant producers sqs:SendMessage on it)."
  value       = aws_sqs_queue.requests.arn
}

output "dead_letter_queue_url" {
  description = "URL of the dead-letter queue of the request queue."
  value       = aws_sqs_queue.dead_letter.url
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue (the source of aws sqs start-message-move-task)."
  value       = aws_sqs_queue.dead_letter.arn
}

output "function_name" {
  description = "The queue worker Lambda function."
  value       = aws_lambda_function.function.function_name
}

output "table_name" {
  description = "DynamoDB table holding circuit state."
  value       = aws_dynamodb_table.circuit.name
}
