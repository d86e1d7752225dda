package testnet

import (
	"context"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"
)

// TestPublish: an accepted event returns nil once its OK came; a refused
// one is an error naming it.
func TestPublish(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n, err := Start(ctx, Options{Relays: 1, Seed: 3, Specs: []Spec{{Profile: Healthy, Network: Clearnet, TLS: TLSValid}}})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	url := n.Manifest().Relays[0].URL
	ev := &nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Tags: nostr.Tags{}, Content: "published"}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
	if err := n.Publish(ctx, url, ev); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	forged := *ev
	forged.Content = "changed after signing"
	forged.ID = forged.GetID()
	if err := n.Publish(ctx, url, &forged); err == nil || !strings.Contains(err.Error(), forged.ID) {
		t.Errorf("forged event: %v, want a refusal naming it", err)
	}
}
