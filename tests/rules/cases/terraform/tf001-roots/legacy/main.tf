terraform {
  backend "local" {
    path = "state/legacy.tfstate"
  }
}

provider "aws" {
  region = "us-east-1"
}
