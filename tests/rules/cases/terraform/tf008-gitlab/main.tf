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
