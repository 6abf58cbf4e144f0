provider "aws" {
  region = "eu-west-1"
}

resource "aws_instance" "web" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.small"
}

resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
  tags   = {}
}

resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
  tags   = local.tags
}

resource "aws_iam_role_policy_attachment" "ssm" {
  role       = "web"
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

locals {
  tags = { Service = "shop" }
}
