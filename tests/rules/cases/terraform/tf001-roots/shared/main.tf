# Called from app/ through a local source: a module, not a root.
provider "random" {}

resource "random_id" "suffix" {
  byte_length = 4
}
