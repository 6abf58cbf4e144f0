package main

import (
	"os"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"
)

var dbURL = os.Getenv("DATABASE_URL")
var brokers = os.Getenv("KAFKA_BROKERS")

func createPayment(c *gin.Context) {
	_, _ = pgxpool.New(c, dbURL)
}
