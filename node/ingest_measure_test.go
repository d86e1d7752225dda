package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/internal/pgtest"
)

// TestIngestThroughput measures EVENT ingest over WebSocket: 8
// connections, each writing its share of BIGBROTR_INGEST_EVENTS signed
// events pipelined (without waiting for OKs), against a node on the
// embedded store and on PostgreSQL. It prints events/s with OK after
// commit. A measurement, not a check: it runs only when asked.
//
//	BIGBROTR_INGEST_EVENTS=20000 go test -run TestIngestThroughput -v ./node/
func TestIngestThroughput(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv("BIGBROTR_INGEST_EVENTS"))
	if total <= 0 {
		t.Skip("set BIGBROTR_INGEST_EVENTS to measure")
	}
	const conns = 8
	sk := nostr.GeneratePrivateKey()
	pk, _ := nostr.GetPublicKey(sk)
	now := time.Now().Unix()
	shares := make([][]nostr.Event, conns)
	for i := range total {
		tags := nostr.Tags{{"t", "ingest"}, {"p", pk}}
		if i%3 == 0 {
			tags = append(tags, nostr.Tag{"e", fmt.Sprintf("%064x", i)})
		}
		ev := signed(t, sk, 1, now-int64(i%86400), tags, fmt.Sprintf("ingest event %d with some text to carry", i))
		shares[i%conns] = append(shares[i%conns], ev)
	}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			url := ""
			if backend == "postgres" {
				url = pgtest.NewDatabase(t)
			}
			tn := startNode(t, func(c *Config) { c.Database.URL = url; c.Relay.Writers = []string{pk} })
			clients := make([]*client, conns)
			for i := range clients {
				clients[i] = dial(t, tn.URL())
			}
			results := make([]pubResult, conns)
			var wg sync.WaitGroup
			start := time.Now()
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i] = publishPipelined(clients[i], shares[i], nil, 0)
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			accepted := 0
			for _, r := range results {
				if r.err != nil {
					t.Fatal(r.err)
				}
				accepted += len(r.accepted)
			}
			load, _ := os.ReadFile("/proc/loadavg")
			t.Logf("%s: %d of %d events accepted over %d connections in %v: %.0f events/s (loadavg %s)",
				backend, accepted, total, conns, elapsed.Round(time.Millisecond), float64(accepted)/elapsed.Seconds(), string(load[:min(len(load), 14)]))
			if accepted != total {
				t.Fatalf("%d refused", total-accepted)
			}
		})
	}
}

type pubResult struct {
	accepted      []string
	refused       map[string]string // id -> OK message
	notStoredAtOK []string
	err           error
}

// publishPipelined writes EVENTs without waiting for their OKs, at most
// window unanswered at once (0: no bound), while reading the OKs; each OK
// true is checked against st (when not nil) as it arrives.
func publishPipelined(c *client, evs []nostr.Event, st archive.Store, window int) pubResult {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	werr := make(chan error, 1)
	if window <= 0 {
		window = len(evs)
	}
	room := make(chan struct{}, window)
	go func() {
		for _, ev := range evs {
			select {
			case room <- struct{}{}:
			case <-ctx.Done():
				werr <- ctx.Err()
				return
			}
			b, _ := json.Marshal([]any{"EVENT", ev})
			if err := c.c.Write(ctx, websocket.MessageText, b); err != nil {
				werr <- err
				return
			}
		}
		werr <- nil
	}()
	r := pubResult{refused: map[string]string{}}
	for answered := 0; answered < len(evs); {
		_, b, err := c.c.Read(ctx)
		if err != nil {
			r.err = err
			return r
		}
		var ok struct {
			label, id string
			ok        bool
			msg       string
		}
		var arr []json.RawMessage
		if err := json.Unmarshal(b, &arr); err != nil || len(arr) == 0 {
			r.err = fmt.Errorf("not a message: %s", b)
			return r
		}
		_ = json.Unmarshal(arr[0], &ok.label)
		if ok.label == "AUTH" || ok.label == "NOTICE" {
			continue
		}
		if len(arr) != 4 {
			r.err = fmt.Errorf("not an OK: %s", b)
			return r
		}
		answered++
		<-room
		_ = json.Unmarshal(arr[1], &ok.id)
		_ = json.Unmarshal(arr[2], &ok.ok)
		_ = json.Unmarshal(arr[3], &ok.msg)
		if ok.label != "OK" {
			r.err = fmt.Errorf("not an OK: %s", b)
			return r
		}
		if !ok.ok {
			r.refused[ok.id] = ok.msg
			continue
		}
		r.accepted = append(r.accepted, ok.id)
		if st == nil {
			continue
		}
		found := false
		if err := st.QueryEvents(ctx, nostr.Filter{IDs: []string{ok.id}}, func(*nostr.Event) error { found = true; return nil }); err != nil {
			r.err = err
			return r
		}
		if !found {
			r.notStoredAtOK = append(r.notStoredAtOK, ok.id)
		}
	}
	r.err = <-werr
	return r
}
