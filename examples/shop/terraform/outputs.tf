output "api_public_ip" {
  description = "Public address of the API host."
  value       = aws_instance.api.public_ip
}

output "database_endpoint" {
  description = "Endpoint of the PostgreSQL database."
  value       = aws_db_instance.main.address
}
