terraform {
  backend "s3" {
    bucket = "acme-terraform-state"
    key    =
  }
}
