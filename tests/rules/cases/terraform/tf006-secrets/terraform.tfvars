region      = "eu-west-1"
db_password = "Kd93-vQx7-Lm2p"
db_username = "shop"
# near misses: a placeholder and a pointer
api_token      = "replace-me-before-apply"
tls_key_file   = "certs/site.key"
