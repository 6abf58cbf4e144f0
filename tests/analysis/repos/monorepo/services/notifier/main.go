package main

import (
	"os"

	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	conn, _ := amqp.Dial(os.Getenv("AMQP_URL"))
	defer conn.Close()
}
