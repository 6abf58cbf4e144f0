resource "aws_s3_bucket" "logs" {
  bucket        = "shop-logs"
  force_destroy = false
}
