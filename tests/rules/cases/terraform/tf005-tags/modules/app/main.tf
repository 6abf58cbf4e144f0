resource "aws_lb" "this" {
  name               = "shop"
  load_balancer_type = "application"
}
