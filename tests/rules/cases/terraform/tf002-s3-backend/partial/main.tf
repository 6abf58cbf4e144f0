terraform {
  # bucket, key, locking and encryption come from -backend-config=prod.s3.tfbackend
  backend "s3" {
    region = "eu-west-1"
  }
}
