terraform {
  required_version = "~> 1.9"
}

provider "aws" {
  region = "eu-west-1"
}

module "shared" {
  source = "../shared"
}
