resource "aws_db_subnet_group" "main" {
  name       = "shop"
  subnet_ids = module.vpc.private_subnets
}

resource "aws_db_instance" "main" {
  identifier             = "shop"
  engine                 = "postgres"
  engine_version         = "16.4"
  instance_class         = "db.t4g.micro"
  allocated_storage      = 20
  db_name                = "shop"
  username               = "shop"
  password               = "Sup3rS3cret!"
  db_subnet_group_name   = aws_db_subnet_group.main.name
  vpc_security_group_ids = [aws_security_group.db.id]
  storage_encrypted      = true
  skip_final_snapshot    = true
}
