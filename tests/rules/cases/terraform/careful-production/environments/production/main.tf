terraform {
  required_version = "~> 1.9"

  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "shop/production.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Service     = "shop"
      Environment = "production"
      Team        = "platform"
      ManagedBy   = "terraform"
    }
  }
}

module "network" {
  source = "../../modules/network"

  name            = "shop-production"
  cidr_block      = "10.20.0.0/16"
  private_subnets = var.private_subnets
  azs             = var.azs
}

module "service" {
  source = "../../modules/service"

  name                  = "shop-production"
  vpc_id                = module.network.vpc_id
  app_security_group_id = module.network.lb_security_group_id
  multi_az              = true
}

module "alerts" {
  source = "git::https://github.com/acme/terraform-aws-alerts.git?ref=v2.3.1"

  name = "shop-production"
}

module "dns" {
  source  = "terraform-aws-modules/route53/aws//modules/zones"
  version = "3.1.0"

  zones = {
    "production.shop.example.com" = {
      comment = "shop production"
    }
  }
}
