resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"

resource "aws_s3_bucket" "logs" {
  bucket = "shop-logs"
}
