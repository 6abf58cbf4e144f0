provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = { Service = "shop", Team = "platform" }
  }
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

resource "aws_instance" "web" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.small"
}

resource "aws_acm_certificate" "cdn" {
  provider          = aws.us_east_1
  domain_name       = "shop.example.com"
  validation_method = "DNS"
}

module "app" {
  source = "../modules/app"
}

module "edge" {
  source    = "../modules/app"
  providers = { aws = aws.us_east_1 }
}
