resource "aws_s3_bucket" "assets" {
  bucket = "shop-assets"
  force_destroy = false
}
