terraform {
  backend "gcs" {
    bucket = "acme-terraform-state"
    prefix = "prod/network"
  }
}

provider "google" {
  project = "acme-prod"
}
