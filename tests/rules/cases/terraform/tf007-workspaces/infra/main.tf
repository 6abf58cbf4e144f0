terraform {
  backend "s3" {
    bucket               = "acme-terraform-state"
    key                  = "shop.tfstate"
    workspace_key_prefix = "shop"
    region               = "eu-west-1"
    use_lockfile         = true
    encrypt              = true
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "shop" {
  source = "./shop"
  env    = terraform.workspace
}
