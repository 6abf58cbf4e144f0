package greeting

import "testing"

func TestTextDefaultsToWorld(t *testing.T) {
	if got := Text(""); got != "hello, world\n" {
		t.Fatalf("Text(\"\") = %q", got)
	}
}
