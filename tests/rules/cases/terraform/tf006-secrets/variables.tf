variable "db_password" {
  type        = string
  description = "Master password of the database."
  default     = "Sup3r-Secret-2024"
}

variable "deploy_settings" {
  type        = map(string)
  description = "Settings of the deploy hook."
  default = {
    url       = "https://hooks.example.com/deploy"
    api_token = "4f9c2b7e1d8a6c3f"
  }
}

variable "ci_bootstrap" {
  type        = string
  description = "Token used once to register the runner."
  default     = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
}

# near misses
variable "admin_password" {
  type        = string
  description = "Given at apply time (TF_VAR_admin_password)."
  sensitive   = true
}

variable "api_key" {
  type        = string
  description = "Empty means the feature is off."
  default     = ""
}

variable "password_length" {
  type        = number
  description = "Length of generated passwords."
  default     = 32
}

variable "secret_name" {
  type        = string
  description = "Name of the secret in Secrets Manager."
  default     = "shop/production/database"
}
