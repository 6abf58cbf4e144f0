terraform {
  # terraform init -backend-config=config/production.s3.tfbackend
  backend "s3" {}
}

provider "aws" {
  region = var.region
}

variable "region" {
  type        = string
  description = "AWS region."
}
