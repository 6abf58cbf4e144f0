variable "region" {
  type        = string
  description = "AWS region the shop runs in."
  default     = "eu-west-1"
}

variable "api_instance_type" {
  type    = string
  default = "t3.small"
}

variable "key_name" {
  type        = string
  description = "EC2 key pair used to log in to the API host."
  default     = "shop-admin"
}

variable "environment" {
  type        = string
  description = "staging or production: both are applied from this one root module and state."
  default     = "production"
}
