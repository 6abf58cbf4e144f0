terraform {
  backend "s3" {
    bucket = "acme-terraform-state"
    key    = "unlocked.tfstate"
    region = "eu-west-1"
  }
}
