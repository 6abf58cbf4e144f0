# Creates the state bucket; applied once by hand.
provider "aws" {
  region = "eu-west-1"
}

resource "aws_s3_bucket" "state" {
  bucket = "acme-terraform-state"
}
