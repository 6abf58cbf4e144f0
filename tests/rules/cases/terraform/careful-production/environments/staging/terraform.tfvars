region          = "eu-west-1"
private_subnets = ["10.10.1.0/24", "10.10.2.0/24"]
azs             = ["eu-west-1a", "eu-west-1b"]
