# A module that still configures its own provider (an old habit): not a root module.
provider "aws" {
  region = "eu-west-1"
}

resource "aws_db_subnet_group" "this" {
  name       = "db"
  subnet_ids = []
}
