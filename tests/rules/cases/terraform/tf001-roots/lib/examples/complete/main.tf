# The usage example of the module above: run by hand, never deployed.
provider "aws" {
  region = "eu-west-1"
}

module "topic" {
  source = "../.."
  name   = "example"
}
