terraform {
  cloud {
    organization = "acme"

    workspaces {
      name = "shop-production"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}
