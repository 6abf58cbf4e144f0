// Package greeting holds what the API answers, apart from its wiring.
package greeting

// Text is the body of the root route.
func Text(name string) string {
	if name == "" {
		name = "world"
	}
	return "hello, " + name + "\n"
}
