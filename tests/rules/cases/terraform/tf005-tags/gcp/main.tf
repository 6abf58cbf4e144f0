provider "google" {
  project = "acme-shop"
}

resource "google_sql_database_instance" "main" {
  name             = "shop"
  database_version = "POSTGRES_16"
  settings {
    tier = "db-custom-2-7680"
  }
}

resource "google_sql_database_instance" "replica" {
  name             = "shop-replica"
  database_version = "POSTGRES_16"
  settings {
    tier        = "db-custom-2-7680"
    user_labels = { service = "shop" }
  }
}

resource "google_container_cluster" "main" {
  name            = "shop"
  location        = "europe-west1"
  resource_labels = { service = "shop" }
}

resource "google_storage_bucket" "assets" {
  name     = "acme-shop-assets"
  location = "EU"
}

resource "google_compute_network" "vpc" {
  name = "shop"
}
