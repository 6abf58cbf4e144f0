terraform {
  backend "s3" {
    bucket         = "acme-terraform-state"
    key            = "unencrypted.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "terraform-locks"
  }
}
