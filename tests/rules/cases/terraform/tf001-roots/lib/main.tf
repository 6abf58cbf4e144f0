resource "aws_sns_topic" "this" {
  name = var.name
}

variable "name" {
  type        = string
  description = "Topic name."
}
