terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "shop.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = "eu-west-1"
}

module "shop" {
  source = "../modules/shop"
}

# Applied once per environment with `-var environment=...`, into the same state.
variable "environment" {
  type        = string
  description = "staging or production"
}
