terraform {
  required_version = ">= 1.6, < 2.0"
  backend "s3" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
    google = "~> 6.0"
  }
}

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

provider "google" {
  project = "acme-shop"
}

module "child" {
  source = "../modules/child"
}
