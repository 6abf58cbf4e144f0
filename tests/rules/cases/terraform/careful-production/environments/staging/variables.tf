variable "region" {
  type        = string
  description = "AWS region of this environment."
}

variable "private_subnets" {
  type        = list(string)
  description = "Private subnet CIDRs, one per availability zone."
}

variable "azs" {
  type        = list(string)
  description = "Availability zones used by this environment."
}
