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

variable "schedule_expression" {
  type        = string
  description = "When to call the downstream, as an EventBridge Scheduler expression, e.g. rate(5 minutes), cron(0 3 * * ? *) or at(2030-01-01T00:00:00)."
  default     = "rate(5 minutes)"

  validation {
    condition     = can(regex("^(rate|cron|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must be a rate(...), cron(...) or at(...) expression."
  }
}

variable "schedule_timezone" {
  type        = string
  description = "IANA time zone of cron and at expressions, e.g. Europe/Paris."
  default     = "UTC"
}

variable "schedule_method" {
  type        = string
  description = "HTTP method of the scheduled call."
  default     = "GET"

  validation {
    condition     = contains(["GET", "POST", "PUT", "PATCH", "DELETE"], var.schedule_method)
    error_message = "schedule_method must be GET, POST, PUT, PATCH or DELETE."
  }
}

variable "schedule_path" {
  type        = string
  description = "Path (and query) of the scheduled call, below downstream_url, e.g. /jobs/refresh."
  default     = "/"

  validation {
    condition     = can(regex("^/[-A-Za-z0-9/_.~%?=&+:,;@!*()]*$", var.schedule_path))
    error_message = "schedule_path must start with / and contain only URL path and query characters."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the function and of the circuit-state cache (ElastiCache Serverless)."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Two or three PRIVATE subnets of vpc_id, in different Availability Zones, for the function and the cache. If the downstream service is on the internet they need a route to a NAT gateway."

  validation {
    condition     = length(var.subnet_ids) >= 2 && length(var.subnet_ids) <= 3 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list two or three subnet ids (subnet-...)."
  }
}

variable "downstream_url" {
  type        = string
  description = "Base URL of the protected downstream service (http or https). Requests are proxied below it."

  validation {
    condition     = can(regex("^https?://[^\\s]+$", var.downstream_url))
    error_message = "downstream_url must be an absolute http(s) URL."
  }
}

variable "downstream_timeout_ms" {
  type        = number
  description = "Timeout for one downstream call, in milliseconds. At most 8000, so that one call and the circuit writes after it fit well inside the function timeout."
  default     = 3000

  validation {
    condition     = var.downstream_timeout_ms >= 50 && var.downstream_timeout_ms <= 8000
    error_message = "downstream_timeout_ms must be between 50 and 8000."
  }
}

variable "failure_threshold" {
  type        = number
  description = "Health failures (timeouts, network errors, 5xx, 429) inside the window that open the circuit."
  default     = 5

  validation {
    condition     = var.failure_threshold >= 1
    error_message = "failure_threshold must be at least 1."
  }
}

variable "window_seconds" {
  type        = number
  description = "Length of the sliding failure window in seconds (a multiple of bucket_seconds)."
  default     = 60

  validation {
    condition     = var.window_seconds >= 1 && var.window_seconds % var.bucket_seconds == 0
    error_message = "window_seconds must be a positive multiple of bucket_seconds."
  }
}

variable "bucket_seconds" {
  type        = number
  description = "Width of one window bucket in seconds; the window slides one bucket at a time."
  default     = 10

  validation {
    condition     = var.bucket_seconds >= 1
    error_message = "bucket_seconds must be at least 1."
  }
}

variable "cooldown_seconds" {
  type        = number
  description = "How long the circuit stays open before a single probe is let through."
  default     = 30

  validation {
    condition     = var.cooldown_seconds >= 1
    error_message = "cooldown_seconds must be at least 1."
  }
}

variable "probe_lease_seconds" {
  type        = number
  description = "Lease of the half-open probe; after it expires another caller may probe. Must exceed the downstream timeout."
  default     = 10

  validation {
    condition     = var.probe_lease_seconds * 1000 > var.downstream_timeout_ms
    error_message = "probe_lease_seconds must exceed downstream_timeout_ms."
  }
}

variable "store_error_policy" {
  type        = string
  description = "What to do when the circuit store is unreachable: fail-open lets calls through, fail-closed rejects them."
  default     = "fail-open"

  validation {
    condition     = contains(["fail-open", "fail-closed"], var.store_error_policy)
    error_message = "store_error_policy must be fail-open or fail-closed."
  }
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the breaker metrics."
  default     = "CircuitBreaker"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace may contain letters, digits and _./#:- (1 to 255 characters)."
  }
}
