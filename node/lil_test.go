package node

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Issue 13, item 9: in lil mode REQ serves only events it holds whole (the
// node's own and its writers'), each verifying; archived metadata-only
// events are counted by COUNT and never served; a limit counts served
// events; NIP-11 says the archive is metadata-only.
func TestLilServesOnlyVerifiableEvents(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		lilServesOnlyVerifiable(t, startNode(t, func(c *Config) {
			c.Database.URL = url
			c.Database.Mode = "lil"
		}))
	})
}

func lilServesOnlyVerifiable(t *testing.T, tn *testNode) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now().Unix()
	source, err := schema.ParseRelayURL("wss://relay.example.org")
	if err != nil {
		t.Fatal(err)
	}
	synced := func(evs ...nostr.Event) {
		t.Helper()
		batch := make([]schema.Sighting, len(evs))
		for i := range evs {
			batch[i] = schema.Sighting{Event: &evs[i], Relay: source, SeenAt: time.Now()}
		}
		if _, err := tn.store.SaveEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}

	// Third-party notes, newer than every whole one, as the synchronizer
	// archives them: metadata only.
	stranger := nostr.GeneratePrivateKey()
	strangerPK, _ := nostr.GetPublicKey(stranger)
	var third []nostr.Event
	for i := range 5 {
		third = append(third, signed(t, stranger, 1, now-int64(i), nostr.Tags{{"t", "lil"}}, "third party"))
	}
	synced(third...)

	// The writer's notes: three over WebSocket, one only synced from
	// another relay; all kept whole.
	c := dial(t, tn.URL())
	if ok, msg := c.auth(tn.URL(), tn.writerSK, nil); !ok {
		t.Fatalf("writer auth refused: %s", msg)
	}
	var writer []nostr.Event
	for i := range 3 {
		writer = append(writer, signed(t, tn.writerSK, 1, now-100-int64(i), nostr.Tags{{"t", "lil"}}, "writer note"))
	}
	c.mustPublish(writer...)
	writerSynced := signed(t, tn.writerSK, 1, now-200, nostr.Tags{{"t", "lil"}}, "writer note seen elsewhere")
	synced(writerSynced)
	writer = append(writer, writerSynced)

	// The node's own 30166, published as the monitor does.
	own := signed(t, tn.nodeSK, 30166, now-50, nostr.Tags{{"d", "wss://relay.example.org/"}, {"n", "clearnet"}}, "{}")
	if err := tn.Publish(ctx, &own); err != nil {
		t.Fatal(err)
	}

	verify := func(what string, evs []nostr.Event) {
		t.Helper()
		for _, ev := range evs {
			if !ev.CheckID() {
				t.Errorf("%s: event %s does not hash to its id (sig %q, content %q)", what, ev.ID, ev.Sig, ev.Content)
				continue
			}
			if ok, err := ev.CheckSignature(); !ok || err != nil {
				t.Errorf("%s: event %s signature does not verify: %v", what, ev.ID, err)
			}
		}
	}
	wantIDs := func(what string, got []nostr.Event, want []nostr.Event) {
		t.Helper()
		verify(what, got)
		if g, w := ids(got), ids(want); !slices.Equal(g, w) {
			t.Errorf("%s: got %d events %v, want %d %v", what, len(g), g, len(w), w)
		}
	}

	wantIDs("kinds 1", c.query(nostr.Filter{Kinds: []int{1}}), writer)
	// The five newer third-party notes must not use up the limit.
	wantIDs("kinds 1 limit 2", c.query(nostr.Filter{Kinds: []int{1}, Limit: 2}), writer[:2])
	wantIDs("#t limit 3", c.query(nostr.Filter{Tags: nostr.TagMap{"t": {"lil"}}, Limit: 3}), writer[:3])
	wantIDs("third-party ids", c.query(nostr.Filter{IDs: ids(third)}), nil)
	wantIDs("third-party author", c.query(nostr.Filter{Authors: []string{strangerPK}}), nil)
	wantIDs("own 30166", c.query(nostr.Filter{Kinds: []int{30166}}), []nostr.Event{own})
	wantIDs("own by #d", c.query(nostr.Filter{Kinds: []int{30166}, Tags: nostr.TagMap{"d": {"wss://relay.example.org/"}}}), []nostr.Event{own})

	for _, cc := range []struct {
		what string
		f    nostr.Filter
		want int64
	}{
		{"kinds 1", nostr.Filter{Kinds: []int{1}}, int64(len(third) + len(writer))},
		{"third-party author", nostr.Filter{Authors: []string{strangerPK}}, int64(len(third))},
	} {
		if n, closed := c.count("c-"+strings.ReplaceAll(cc.what, " ", "-"), cc.f); n != cc.want {
			t.Errorf("COUNT %s = %d (closed %q), want %d", cc.what, n, closed, cc.want)
		}
	}

	_, doc := fetchNIP11(t, tn)
	if desc, _ := doc["description"].(string); !strings.Contains(desc, "metadata-only") {
		t.Errorf("NIP-11 description %q does not say the archive is metadata-only", desc)
	}
	arch, _ := doc["archive"].(map[string]any)
	if arch["mode"] != "lil" || arch["metadata_only"] != true {
		t.Errorf("NIP-11 archive = %v, want mode lil, metadata_only true", arch)
	}
	resp, err := http.Get("http://" + tn.Addr() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(page), `id="archive-mode"`) || !strings.Contains(string(page), "metadata-only") {
		t.Errorf("status page does not say the archive is metadata-only")
	}
}

// In full mode NIP-11 states the archive is whole.
func TestNIP11ArchiveFull(t *testing.T) {
	tn := startNode(t, nil)
	_, doc := fetchNIP11(t, tn)
	arch, _ := doc["archive"].(map[string]any)
	if arch["mode"] != "full" || arch["metadata_only"] != false {
		t.Errorf("NIP-11 archive = %v, want mode full, metadata_only false", arch)
	}
	if desc, _ := doc["description"].(string); strings.Contains(desc, "metadata-only") {
		t.Errorf("full-mode description %q claims metadata-only", desc)
	}
}
