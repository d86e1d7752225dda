package relayserver

import (
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip19"
)

func TestConfigValidate(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	pk, _ := nostr.GetPublicKey(nostr.GeneratePrivateKey())
	npub, _ := nip19.EncodePublicKey(pk)
	c.Writers = []string{npub, pk}
	if err := c.Validate(); err != nil || c.Writers[0] != pk || c.Writers[1] != pk {
		t.Fatalf("writers %q, %v; want the npub rewritten to hex", c.Writers, err)
	}
	bad := DefaultConfig()
	bad.Writers = []string{"abc"}
	bad.MaxLimit, bad.DefaultLimit = 10, 20
	bad.MaxConnectionsPerIP, bad.MaxQueuedBytes, bad.QueryRatePerIP = -1, 1, -1
	bad.MaxNegentropySessions = 0
	bad.MaxQueriesPerIP, bad.MaxQueuedBytesTotal = -1, 1<<41
	bad.IdleTimeout = 0
	err := bad.Validate()
	if err == nil {
		t.Fatal("a config wrong in nine keys passed")
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{"relay.writers[0]: ", "relay.default_limit: must not exceed relay.max_limit (10)", "relay.max_connections_per_ip: ",
		"relay.max_queued_bytes: ", "relay.max_queries_per_ip: ", "relay.max_queued_bytes_total: ",
		"relay.query_rate_per_ip: ", "relay.max_negentropy_sessions: must be between 1 and 1000, got 0",
		"relay.idle_timeout: "}
	if len(got) != len(want) {
		t.Fatalf("problems %q, want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
