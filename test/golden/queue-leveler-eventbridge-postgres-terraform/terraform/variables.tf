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

variable "event_bus_name" {
  type        = string
  description = "Name of the event bus the rule listens on (default = the account's default bus)."
  default     = "default"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,256}$", var.event_bus_name))
    error_message = "event_bus_name must be an event bus name."
  }
}

variable "event_sources" {
  type        = list(string)
  description = "Event sources the rule matches (the event pattern's \"source\"), e.g. com.example.orders. Edit event_pattern in main.tf to match on detail-type or detail too."
  default     = ["com.example.orders"]

  validation {
    condition     = length(var.event_sources) >= 1
    error_message = "event_sources must list at least one source."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the worker, the RDS Proxy and the database."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Two or more PRIVATE subnets of vpc_id in different Availability Zones, for the worker, the proxy and the database. The worker needs no internet access."

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list two or more subnet ids (subnet-...)."
  }
}

variable "db_name" {
  type        = string
  description = "Name of the database the worker writes."
  default     = "work"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must start with a lowercase letter (lowercase letters, digits, _; at most 63)."
  }
}

variable "db_username" {
  type        = string
  description = "Master user of the database (its password is generated and rotated by RDS in Secrets Manager); the worker connects as this user through the proxy with IAM authentication."
  default     = "leveler"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.db_username))
    error_message = "db_username must start with a lowercase letter (lowercase letters, digits, _; at most 16)."
  }
}

variable "db_instance_class" {
  type        = string
  description = "Instance class of the database. Its max_connections bounds how much of the cap the proxy can serve (see the README)."
  default     = "db.t4g.micro"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.db_instance_class))
    error_message = "db_instance_class must be an RDS instance class (db.<family>.<size>)."
  }
}

variable "db_allocated_storage" {
  type        = number
  description = "Storage of the database in GiB (gp3)."
  default     = 20

  validation {
    condition     = var.db_allocated_storage >= 20 && var.db_allocated_storage <= 65536
    error_message = "db_allocated_storage must be between 20 and 65536."
  }
}

variable "db_multi_az" {
  type        = bool
  description = "Run a standby in a second Availability Zone (recommended in production; doubles the cost)."
  default     = false
}

variable "db_deletion_protection" {
  type        = bool
  description = "AWS refuses to delete the database while this is true (set false, apply, then destroy; a final snapshot is kept)."
  default     = true
}

variable "proxy_max_connections_percent" {
  type        = number
  description = "Share of the database's max_connections the proxy may use."
  default     = 50

  validation {
    condition     = var.proxy_max_connections_percent >= 1 && var.proxy_max_connections_percent <= 100
    error_message = "proxy_max_connections_percent must be between 1 and 100."
  }
}

variable "max_concurrency" {
  type        = number
  description = "The cap: most concurrent worker instances the queue may drive (event source mapping scaling_config.maximum_concurrency). Concurrent store operations are at most max_concurrency x worker_parallelism; size it for what the store takes (see the README)."
  default     = 5

  validation {
    condition     = var.max_concurrency >= 2 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 2 and 1000."
  }
}

variable "worker_parallelism" {
  type        = number
  description = "Records of one batch processed at the same time inside one invocation (1-10). Multiplies the store load of the cap."
  default     = 2

  validation {
    condition     = var.worker_parallelism >= 1 && var.worker_parallelism <= 10
    error_message = "worker_parallelism must be between 1 and 10."
  }
}

variable "batch_size" {
  type        = number
  description = "Messages per invocation (1-10)."
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must be between 1 and 10."
  }
}

variable "batching_window_seconds" {
  type        = number
  description = "How long the event source mapping may wait to fill a batch (0-20 s). The queue's visibility timeout is 6 x the function timeout (30 s) + this window."
  default     = 1

  validation {
    condition     = var.batching_window_seconds >= 0 && var.batching_window_seconds <= 20
    error_message = "batching_window_seconds must be between 0 and 20."
  }
}

variable "max_receive_count" {
  type        = number
  description = "Receives before a message that keeps failing (or is invalid) moves to the dead-letter queue. With a 181 s visibility timeout, 5 receives keep a message in play for about 15 minutes, enough to ride out a short store outage."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 5 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 5 and 1000."
  }
}

variable "queue_age_alarm_seconds" {
  type        = number
  description = "Alarm when the oldest message in the queue is older than this (the worker is not keeping up, or the store is down)."
  default     = 900

  validation {
    condition     = var.queue_age_alarm_seconds >= 60
    error_message = "queue_age_alarm_seconds must be at least 60."
  }
}

variable "metrics_namespace" {
  type        = string
  description = "CloudWatch namespace of the worker metrics."
  default     = "QueueLeveler"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metrics_namespace))
    error_message = "metrics_namespace may contain letters, digits and _./#:- (1 to 255 characters)."
  }
}
