provider "aws" {
  region     = "eu-west-1"
  access_key = "AKIA5TQ2WZ7RXN4KM3PB"
  secret_key = "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"
}

resource "aws_db_instance" "main" {
  engine   = "postgres"
  username = "shop"
  password = "Sup3r-Secret-2024"
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id = aws_secretsmanager_secret.api.id
  secret_string = jsonencode({
    username = "api"
    password = "correct-horse-battery"
  })
}

resource "aws_ssm_parameter" "stripe" {
  name  = "/shop/stripe/key"
  type  = "SecureString"
  value = "rk_test_51Habcdefghijklmnop"
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name  = "app"
    image = "shop:1.4.2"
    environment = [
      { name = "DATABASE_URL", value = "postgres://shop:hunter22@db.internal:5432/shop" },
    ]
  }])
}

locals {
  signing_key = "9b1de3f0a7c44e21"
}

resource "tls_private_key" "deploy" {
  algorithm = "ED25519"
}

output "deploy_key" {
  value = <<-EOT
    -----BEGIN OPENSSH PRIVATE KEY-----
    pU3KGCUwux1tEyze1iN7LtkeP3IfyxlxF0SU1kk8nVw0YL4xIB5p/tqg7ui5mX9cfCmZ/a
    /lkyU81lSvTfrXFCegrrP+6SMvivIhH57kkcWxC+y1Vjv8Hm+TQn7LyP4pVeXNjkbcjtS3
    wnZNKlpNdncG+F2GkAJK1r2jQBvpyMvMyTX2zR9hImrhUziuGjQATTO6DSRq
    -----END OPENSSH PRIVATE KEY-----
  EOT
}

# near misses
resource "random_password" "db" {
  length  = 32
  special = false
}

resource "aws_db_instance" "replica" {
  engine                      = "postgres"
  username                    = var.db_username
  password                    = random_password.db.result
  manage_master_user_password = false
}

resource "aws_rds_cluster" "main" {
  master_username             = "shop"
  manage_master_user_password = true
}

resource "aws_instance" "bastion" {
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.micro"

  connection {
    type        = "ssh"
    user        = "ec2-user"
    private_key = file("~/.ssh/bastion.pem")
    password    = lookup(var.credentials, "password")
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name         = "web"
  user_pool_id = "eu-west-1_example"
  token_validity_units {
    access_token  = "hours"
    id_token      = "hours"
    refresh_token = "days"
  }
}

resource "google_cloud_run_v2_service" "api" {
  name     = "api"
  location = "europe-west1"
  template {
    containers {
      image = "europe-docker.pkg.dev/acme/shop/api:1.4.2"
      env {
        name = "DB_PASSWORD"
        value_source {
          secret_key_ref {
            secret  = "db-password"
            version = "latest"
          }
        }
      }
      env {
        name  = "DATABASE_URL"
        value = "postgres://shop:${var.db_password}@10.0.0.5/shop"
      }
    }
  }
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/shop/db/endpoint"
  type  = "String"
  value = "db.internal:5432"
}
