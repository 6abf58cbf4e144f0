terraform {
  backend "gcs" {
    bucket = "acme-terraform-state"
    prefix = "shop"
  }
}
