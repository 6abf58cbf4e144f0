resource "aws_sqs_queue" "orders" {
  name = "orders"
}
