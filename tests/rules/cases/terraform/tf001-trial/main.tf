provider "google" {
  project = var.project_id
}

variable "project_id" {
  type        = string
  description = "The project to try the shop in"
}
