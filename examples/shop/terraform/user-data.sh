#!/bin/bash
set -euo pipefail
echo "DATABASE_URL=${database_url}" > /etc/shop.env
systemctl restart shop-api
