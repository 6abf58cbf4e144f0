provider "azurerm" {
  features {}
}

resource "azurerm_resource_group" "main" {
  name     = "shop"
  location = "westeurope"
}

resource "azurerm_storage_account" "assets" {
  name                     = "shopassets"
  resource_group_name      = azurerm_resource_group.main.name
  location                 = azurerm_resource_group.main.location
  account_tier             = "Standard"
  account_replication_type = "GRS"
  tags                     = { service = "shop" }
}

resource "azurerm_subnet" "app" {
  name                 = "app"
  resource_group_name  = azurerm_resource_group.main.name
  virtual_network_name = "shop"
  address_prefixes     = ["10.0.1.0/24"]
}
