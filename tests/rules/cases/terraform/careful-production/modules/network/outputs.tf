output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "IDs of the private subnets."
  value       = aws_subnet.private[*].id
}

output "lb_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.lb.id
}
