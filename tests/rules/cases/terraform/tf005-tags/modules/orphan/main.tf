# No root module in this repository calls it: its callers may set default_tags.
resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}

resource "azurerm_resource_group" "orphan" {
  name     = "orphan"
  location = "westeurope"
}
