terraform {
  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "lockfile.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
    encrypt      = "true"
    kms_key_id   = "alias/terraform-state"
  }
}
