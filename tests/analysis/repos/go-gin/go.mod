module github.com/acme/payments

go 1.22

toolchain go1.22.5

require (
	github.com/gin-gonic/gin v1.10.0
	github.com/jackc/pgx/v5 v5.7.1
	github.com/segmentio/kafka-go v0.4.47
)

require (
	github.com/bytedance/sonic v1.12.3 // indirect
)
