output "name" {
  description = "Base of every resource name (name_prefix plus the random suffix)."
  value       = local.name
}

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = "${aws_apigatewayv2_stage.default.invoke_url}/"
}

output "authorizer_function_name" {
  description = "The Lambda authorizer."
  value       = aws_lambda_function.function.function_name
}

output "cache_endpoint" {
  description = "ElastiCache Serverless endpoint holding grants and revocations (TLS only, reachable from the authorizer's security group)."
  value       = "${aws_elasticache_serverless_cache.permissions.endpoint[0].address}:${aws_elasticache_serverless_cache.permissions.endpoint[0].port}"
}

output "authorizer_security_group_id" {
  description = "Security group of the authorizer; the only one the cache accepts connections from."
  value       = aws_security_group.authorizer.id
}
