variable "region" {}

variable "instance_count" {
  type = number
}

variable "tags" {
  description = "Tags added to every resource."
}

variable "domain" {
  type        = string
  description = ""
}

variable "environment" {
  type        = string
  description = "Deployment environment (staging or production)."

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "Use staging or production."
  }
}

variable "subnets" {
  type = list(object({
    cidr = string
    az   = string
  }))
  description = <<-EOT
    Private subnets, one per availability zone.
  EOT
}
