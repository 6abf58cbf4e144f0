data "aws_ami" "al2023" {
  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-*-x86_64"]
  }
}

resource "aws_instance" "api" {
  ami                    = data.aws_ami.al2023.id
  instance_type          = var.api_instance_type
  subnet_id              = module.vpc.public_subnets[0]
  vpc_security_group_ids = [aws_security_group.api.id]
  key_name               = var.key_name

  user_data = templatefile("${path.module}/user-data.sh", {
    database_url = "postgresql://shop:${aws_db_instance.main.password}@${aws_db_instance.main.address}:5432/shop"
  })
}
