provider "aws" {
  region = "eu-west-1"
}

resource "aws_ecr_repository" "tools" {
  name = "tools"
}
