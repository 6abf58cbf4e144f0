// The API server: its main package lives under cmd/, as in many Go repositories.
package main

import (
	"log"
	"net/http"
	"os"

	"example.com/gocmd/internal/greeting"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(greeting.Text(r.URL.Query().Get("name"))))
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
