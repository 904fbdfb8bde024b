output "name" {
  description = "Base of every resource name (name_prefix plus the random suffix)."
  value       = local.name
}

output "api_url" {
  description = "Base URL of the HTTP API."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "function_name" {
  description = "The proxy Lambda function."
  value       = aws_lambda_function.function.function_name
}

output "table_name" {
  description = "DynamoDB table holding circuit state."
  value       = aws_dynamodb_table.circuit.name
}
