locals {
  name = "shop"
  port =
}
