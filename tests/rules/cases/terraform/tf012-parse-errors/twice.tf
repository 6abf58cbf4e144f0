resource "aws_sqs_queue" "jobs" {
  name = "jobs"
  name = "jobs-v2"
}
