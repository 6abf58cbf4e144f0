variable "name" {
  type        = string
  description = "Name of the service and its database."
}

variable "vpc_id" {
  type        = string
  description = "VPC to place the database in."
}

variable "app_security_group_id" {
  type        = string
  description = "Security group of the application tasks allowed to reach the database."
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.t4g.medium"
}

variable "multi_az" {
  type        = bool
  description = "Run a standby in a second availability zone."
  default     = false
}
