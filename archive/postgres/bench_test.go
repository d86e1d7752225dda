package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
	"github.com/bigbrotr/bigbrotr/schema"
)

// mixCorpus builds n unsigned events shaped like relay traffic: mostly
// notes and reactions with e/p tags, some profiles, follow lists (hundreds
// of p tags), relay lists, articles and deletions, from a pool of authors.
// SaveEvents does not verify signatures, so random ids and sigs will do.
func mixCorpus(n int, seed uint64) []*nostr.Event {
	r := mrand.New(mrand.NewPCG(seed, 1))
	hexN := func(k int) string {
		b := make([]byte, k)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return hex.EncodeToString(b)
	}
	authors := make([]string, 2000)
	for i := range authors {
		authors[i] = hexN(32)
	}
	var recent []string
	evs := make([]*nostr.Event, 0, n)
	for i := range n {
		pk := authors[r.IntN(len(authors))]
		ev := &nostr.Event{ID: hexN(32), PubKey: pk, Sig: hexN(64), CreatedAt: nostr.Timestamp(1_700_000_000 + i)}
		ref := func() string {
			if len(recent) == 0 {
				return hexN(32)
			}
			return recent[r.IntN(len(recent))]
		}
		switch p := r.IntN(100); {
		case p < 55:
			ev.Kind, ev.Content = 1, "a note of ordinary length, a sentence or two about something on nostr today"
			ev.Tags = nostr.Tags{{"e", ref(), "wss://relay.example.com", "reply"}, {"p", authors[r.IntN(len(authors))]}}
		case p < 80:
			ev.Kind, ev.Content = 7, "+"
			ev.Tags = nostr.Tags{{"e", ref()}, {"p", authors[r.IntN(len(authors))]}, {"k", "1"}}
		case p < 86:
			ev.Kind, ev.Content = 0, `{"name":"someone","about":"a profile","picture":"https://example.com/p.jpg"}`
		case p < 89:
			ev.Kind = 3
			for range 100 + r.IntN(300) {
				ev.Tags = append(ev.Tags, nostr.Tag{"p", authors[r.IntN(len(authors))]})
			}
		case p < 93:
			ev.Kind = 10002
			ev.Tags = nostr.Tags{{"r", "wss://a.example.com"}, {"r", "wss://b.example.com", "read"}}
		case p < 96:
			ev.Kind, ev.Content = 30023, "a long article body"
			ev.Tags = nostr.Tags{{"d", fmt.Sprint("art", r.IntN(5))}, {"title", "t"}, {"t", "go"}}
		case p < 97:
			ev.Kind = 5
			ev.Tags = nostr.Tags{{"e", ref()}, {"k", "1"}}
		default:
			ev.Kind, ev.Content = 9735, ""
			ev.Tags = nostr.Tags{{"p", authors[r.IntN(len(authors))]}, {"e", ref()}, {"bolt11", "lnbc1..."}}
		}
		if ev.Kind == 1 {
			recent = append(recent, ev.ID)
		}
		evs = append(evs, ev)
	}
	return evs
}

// BenchmarkPostgresSave saves batches of 1000 sightings, 30% of them events
// already stored (seen on another relay), with provenance for every one.
// Reports events/s; the node's target is >= 20,000.
func BenchmarkPostgresSave(b *testing.B) {
	for _, mode := range []archive.Mode{archive.Full, archive.Lil} {
		b.Run(string(mode), func(b *testing.B) {
			s := openPostgres(b, pgtest.NewDatabase(b), mode)
			ctx := context.Background()
			const batch, total = 1000, 30000
			relays := []schema.Relay{}
			for i := range 5 {
				relays = append(relays, schema.Relay{URL: schema.MustRelayURL(fmt.Sprintf("wss://r%d.example.com", i)), Network: schema.Clearnet, DiscoveredAt: time.Unix(1, 0)})
			}
			if _, err := s.AddRelays(ctx, relays); err != nil {
				b.Fatal(err)
			}
			var seed [8]byte
			rand.Read(seed[:])
			fresh := mixCorpus(total, uint64(seed[0])<<8|uint64(seed[1]))
			b.ResetTimer()
			saved := 0
			pg0, go0 := clusterCPU(), selfCPU()
			for range b.N {
				for off := 0; off+batch <= len(fresh); off += batch {
					sights := make([]schema.Sighting, 0, batch)
					for i := range batch {
						ev := fresh[off+i]
						if i%10 < 3 && off > 0 { // 30% already stored
							ev = fresh[off-batch+i]
						}
						sights = append(sights, schema.Sighting{Event: ev, Relay: relays[(off/batch)%5].URL, SeenAt: time.Unix(int64(off), 0)})
					}
					if _, err := s.SaveEvents(ctx, sights); err != nil {
						b.Fatal(err)
					}
					saved += batch
				}
				b.StopTimer()
				// Next iteration: a fresh corpus, so the 70% stay new.
				fresh = mixCorpus(total, uint64(time.Now().UnixNano()))
				b.StartTimer()
			}
			b.ReportMetric(float64(saved)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric((clusterCPU() - pg0).Seconds(), "pg-cpu-s")
			b.ReportMetric((selfCPU() - go0).Seconds(), "go-cpu-s")
		})
	}
}
