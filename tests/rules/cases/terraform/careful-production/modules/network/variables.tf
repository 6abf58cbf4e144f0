variable "name" {
  type        = string
  description = "Prefix for every network resource."
}

variable "cidr_block" {
  type        = string
  description = "CIDR range of the VPC."
}

variable "private_subnets" {
  type        = list(string)
  description = "One private subnet CIDR per availability zone."
}

variable "azs" {
  type        = list(string)
  description = "Availability zones to spread the subnets over."
}
