resource "aws_sqs_queue" "jobs" {
  name = var.queue_name
}

variable "queue_name" {
  type        = string
  description = "Name of the job queue."
}
