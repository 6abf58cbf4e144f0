variable "env" {
  type        = string
  description = "Environment (the workspace name)."
}

resource "aws_sqs_queue" "orders" {
  name = "orders-${var.env}"
}
