variable "name" {
  type        = string
  description = "Queue name."
}
