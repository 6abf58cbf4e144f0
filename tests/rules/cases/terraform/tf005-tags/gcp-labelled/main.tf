provider "google" {
  project        = "acme-shop"
  default_labels = { service = "shop", team = "platform" }
}

resource "google_compute_instance" "worker" {
  name         = "worker"
  machine_type = "e2-small"
  zone         = "europe-west1-b"
}
