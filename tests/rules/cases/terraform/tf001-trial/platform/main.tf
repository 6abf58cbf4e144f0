provider "google" {
  project = "shop-production"
}
