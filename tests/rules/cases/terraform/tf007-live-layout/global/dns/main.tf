terraform {
  backend "gcs" {
    bucket = "acme-terraform-state"
    prefix = "global/dns"
  }
}

provider "google" {
  project = "acme-shared"
}
