package archive_test

import (
	"context"
	"slices"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/archive/storetest"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// In lil mode the events of Options.Whole authors are stored whole and
// are the only ones QueryServable yields, through every plan shape, with a
// limit counting them; QueryEvents and CountEvents still see everything.
func TestLilWholeAuthors(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			keeper := nostr.GeneratePrivateKey()
			keeperPK, _ := nostr.GetPublicKey(keeper)
			o := archive.Options{Mode: archive.Lil, Whole: []string{keeperPK}}
			if backend == "postgres" {
				o.URL = pgtest.NewDatabase(t)
			} else {
				o.DataDir = t.TempDir()
			}
			// An event of the keeper archived before it was a Whole author
			// stays metadata-only: it must not be served, nor use up a limit.
			early, err := archive.Open(context.Background(), archive.Options{URL: o.URL, DataDir: o.DataDir, Mode: archive.Lil})
			if err != nil {
				t.Fatal(err)
			}
			_, err = early.SaveEvents(context.Background(), []schema.Sighting{{Event: signWith(t, keeper, 1, 1500, nostr.Tags{{"t", "x"}})}})
			if err != nil {
				t.Fatal(err)
			}
			if err := early.Close(); err != nil {
				t.Fatal(err)
			}
			lilWholeAuthors(t, storetest.OpenStore(t, o), keeper)
		})
	}
}

func lilWholeAuthors(t *testing.T, s archive.Store, keeper string) {
	ctx := context.Background()
	keeperPK, _ := nostr.GetPublicKey(keeper)
	sign := func(sk string, kind int, at nostr.Timestamp, tags nostr.Tags) *nostr.Event {
		return signWith(t, sk, kind, at, tags)
	}
	stranger := nostr.GeneratePrivateKey()
	strangerPK, _ := nostr.GetPublicKey(stranger)
	var batch []schema.Sighting
	var whole []*nostr.Event // newest first
	// Strangers' events are newer than the keeper's, so a limit applied
	// before dropping them would leave nothing to serve.
	for i := range 6 {
		at := nostr.Timestamp(2000 - i)
		batch = append(batch,
			schema.Sighting{Event: sign(stranger, 1, at, nostr.Tags{{"t", "x"}})},
			schema.Sighting{Event: sign(stranger, 30000, at, nostr.Tags{{"d", "a"}})})
	}
	for i := range 3 {
		at := nostr.Timestamp(1000 - i)
		ev := sign(keeper, 1, at, nostr.Tags{{"t", "x"}, {"t", "y"}})
		whole = append(whole, ev)
		batch = append(batch, schema.Sighting{Event: ev})
	}
	addr := sign(keeper, 30000, 900, nostr.Tags{{"d", "a"}})
	batch = append(batch, schema.Sighting{Event: addr})
	if _, err := s.SaveEvents(ctx, batch); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		what string
		f    nostr.Filter
		want []*nostr.Event
	}{
		{"kinds limit", nostr.Filter{Kinds: []int{1}, Limit: 2}, whole[:2]},
		{"authors+kinds limit", nostr.Filter{Authors: []string{keeperPK, strangerPK}, Kinds: []int{1}, Limit: 2}, whole[:2]},
		{"single tag limit", nostr.Filter{Tags: nostr.TagMap{"t": {"x"}}, Limit: 2}, whole[:2]},
		{"multi-value tag limit", nostr.Filter{Kinds: []int{1}, Tags: nostr.TagMap{"t": {"x", "y"}}, Limit: 2}, whole[:2]},
		{"address", nostr.Filter{Kinds: []int{30000}, Tags: nostr.TagMap{"d": {"a"}}, Limit: 1}, []*nostr.Event{addr}},
		{"no limit", nostr.Filter{Kinds: []int{1}}, whole},
		{"stranger", nostr.Filter{Authors: []string{strangerPK}}, nil},
	} {
		var got []*nostr.Event
		if err := s.QueryServable(ctx, c.f, func(ev *nostr.Event) error { got = append(got, ev); return nil }); err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %d events, want %d", c.what, len(got), len(c.want))
			continue
		}
		for i, ev := range got {
			if ok, _ := ev.CheckSignature(); !ev.CheckID() || !ok || ev.ID != c.want[i].ID || !slices.EqualFunc(ev.Tags, c.want[i].Tags, slices.Equal) {
				t.Errorf("%s: event %d = %v, want %v whole", c.what, i, ev, c.want[i])
			}
		}
	}
	n, err := s.CountEvents(ctx, nostr.Filter{Kinds: []int{1}})
	if err != nil || n != 10 {
		t.Errorf("CountEvents kind 1 = %d, %v; want 10 (metadata-only events counted)", n, err)
	}
	var meta int
	if err := s.QueryEvents(ctx, nostr.Filter{Kinds: []int{1}}, func(*nostr.Event) error { meta++; return nil }); err != nil || meta != 10 {
		t.Errorf("QueryEvents kind 1 yielded %d, %v; want 10", meta, err)
	}
}

func signWith(t *testing.T, sk string, kind int, at nostr.Timestamp, tags nostr.Tags) *nostr.Event {
	t.Helper()
	ev := &nostr.Event{Kind: kind, CreatedAt: at, Tags: tags, Content: "c"}
	if err := ev.Sign(sk); err != nil {
		t.Fatal(err)
	}
	return ev
}
