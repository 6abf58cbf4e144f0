// A standard-library web service with its main package at the module root.
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

// envOr reads a setting from the environment, with the value used when it is unset.
func envOr(key, fallback string) string {
	if value, ok := os.LookupEnv(key); ok && value != "" {
		return value
	}
	return fallback
}

func main() {
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ok, up %s\n", time.Since(started).Round(time.Second))
	})
	server := &http.Server{
		Addr:              ":" + envOr("PORT", "9000"),
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
	}
	log.Printf("listening on %s", server.Addr)
	log.Fatal(server.ListenAndServe())
}
