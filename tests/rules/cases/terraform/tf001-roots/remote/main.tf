terraform {
  # partial configuration: terraform init -backend-config=production.s3.tfbackend
  backend "s3" {}
}

provider "aws" {
  region = "eu-west-1"
}
