package ledger

import "testing"

func TestLedger(t *testing.T) {}
