variable "name_prefix" {
  type        = string
  description = "Start of every resource name (cut to 40 characters); a random suffix chosen at the first apply keeps two stacks with the same prefix apart."
  default     = "my-service"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9-]*$", var.name_prefix))
    error_message = "name_prefix must start with a letter and contain only letters, digits and hyphens."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (the provider's default_tags)."
  default     = {}
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function and access logs, in days."
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "alarm_action_arn" {
  type        = string
  description = "Optional SNS topic ARN notified by the alarms. Empty = no notification."
  default     = ""

  validation {
    condition     = var.alarm_action_arn == "" || can(regex("^arn:aws[a-z-]*:sns:", var.alarm_action_arn))
    error_message = "alarm_action_arn must be empty or an SNS topic ARN."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the authorizer function and of the permission cache (ElastiCache Serverless)."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Two or three PRIVATE subnets of vpc_id, in different Availability Zones, for the authorizer and the cache. They need a route to a NAT gateway: the authorizer fetches the issuer's JWKS over HTTPS."

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 3 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list two or three subnet ids (subnet-...)."
  }
}

variable "jwt_issuer" {
  type        = string
  description = "Expected iss of the access tokens (https). A Cognito user pool is https://cognito-idp.<region>.amazonaws.com/<user pool id>."

  validation {
    condition     = can(regex("^https://[^\\s]+$", var.jwt_issuer))
    error_message = "jwt_issuer must be an https URL."
  }
}

variable "jwt_audience" {
  type        = string
  description = "Comma-separated accepted audiences (aud). For a Cognito user pool, the app client id(s)."

  validation {
    condition     = can(regex("^[^\\s]+$", var.jwt_audience))
    error_message = "jwt_audience must be a non-empty, comma-separated list without spaces."
  }
}

variable "jwt_jwks_uri" {
  type        = string
  description = "JWKS URI of the issuer. Empty = <jwt_issuer>/.well-known/jwks.json (right for Cognito and most OIDC issuers)."
  default     = ""

  validation {
    condition     = can(regex("^(https://[^\\s]+)?$", var.jwt_jwks_uri))
    error_message = "jwt_jwks_uri must be empty or an https URL."
  }
}

variable "jwt_token_use" {
  type        = string
  description = "Which tokens are accepted. access (recommended) rejects ID tokens."
  default     = "access"

  validation {
    condition     = contains(["access", "id"], var.jwt_token_use)
    error_message = "jwt_token_use must be access or id."
  }
}

variable "route_permissions" {
  type        = string
  description = "JSON object, route key -> permissions the caller must ALL hold (token scopes or store grants). Routes not listed are denied."
  default     = "{\"GET /orders\":[\"orders:read\"],\"GET /orders/{id}\":[\"orders:read\"],\"POST /orders\":[\"orders:write\"]}"

  validation {
    condition     = can(keys(jsondecode(var.route_permissions)))
    error_message = "route_permissions must be a JSON object (route key -> list of permissions)."
  }
}

variable "allowed_origin" {
  type        = string
  description = "CORS origin of the browser app (or * for none in particular); also sent on API Gateway's own 401/403 answers."
  default     = "*"

  validation {
    condition     = can(regex("^(\\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$", var.allowed_origin))
    error_message = "allowed_origin must be * or an origin such as https://app.example.com."
  }
}

variable "authorizer_cache_ttl_seconds" {
  type        = number
  description = "How long API Gateway caches a decision per token AND route. Also the longest delay before a revocation takes effect. 0 disables caching."
  default     = 60

  validation {
    condition     = var.authorizer_cache_ttl_seconds >= 0 && var.authorizer_cache_ttl_seconds <= 3600 && floor(var.authorizer_cache_ttl_seconds) == var.authorizer_cache_ttl_seconds
    error_message = "authorizer_cache_ttl_seconds must be a whole number between 0 and 3600."
  }
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the authorizer metrics."
  default     = "Gatekeeper"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace may contain letters, digits and _./#:- (1 to 255 characters)."
  }
}
