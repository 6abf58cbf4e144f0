terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "lockfile-off.tfstate"
    region       = "eu-west-1"
    use_lockfile = false
    encrypt      = false
  }
}
