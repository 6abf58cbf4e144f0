module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = ""
}

module "dns" {
  source = "git::https://github.com/acme/terraform-dns.git"
}

module "alerts" {
  source = "git::https://github.com/acme/terraform-alerts.git?ref=main"
}

module "queue" {
  source = "github.com/acme/terraform-queue"
}

module "cdn" {
  source = "git@github.com:acme/terraform-cdn.git?ref=feature/new-origin"
}

module "iam" {
  source = "git::ssh://git@gitlab.example.com/platform/iam.git//roles?ref=master&depth=1"
}

# near misses below: pinned, local, or nothing to pin
module "rds" {
  source  = "terraform-aws-modules/rds/aws"
  version = "6.10.0"
}

module "private" {
  source  = "app.terraform.io/acme/network/aws"
  version = "~> 2.1"
}

module "zones" {
  source  = "terraform-aws-modules/route53/aws//modules/zones"
  version = "3.1.0"
}

module "logs" {
  source = "git::https://github.com/acme/terraform-logs.git?ref=v1.4.2"
}

module "metrics" {
  source = "git::https://github.com/acme/terraform-metrics.git?ref=0d6b0f2c8c1a4e7f9b3d5a6c7e8f9a0b1c2d3e4f"
}

module "local" {
  source = "./modules/local"
}

module "archive" {
  source = "https://artifacts.example.com/modules/vpc-1.2.0.zip"
}

module "bucket" {
  source = "s3::https://s3-eu-west-1.amazonaws.com/acme-modules/vpc.zip"
}
