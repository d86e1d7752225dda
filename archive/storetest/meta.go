package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/bigbrotr/bigbrotr/archive"
	"github.com/bigbrotr/bigbrotr/schema"
)

// jsonEqual compares JSON documents by value: a backend may reformat what it
// stores (PostgreSQL jsonb does), never change its meaning.
func jsonEqual(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Errorf("stored JSON %q does not parse: %v", a, err)
		return false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("test JSON %q does not parse: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

func snap(relay schema.RelayURL, typ, data string, sec int64) schema.Snapshot {
	return schema.Snapshot{Relay: relay, Type: typ, ID: sha256.Sum256([]byte(data)), Data: json.RawMessage(data), GeneratedAt: at(sec)}
}

func testSnapshots(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	addRelays(t, s, relayA, relayB)
	info1 := `{"data":{"name":"one","supported_nips":[1,11]}}`
	info2 := `{"data":{"name":"two"}}`
	rtt := `{"data":{"rtt_open":12},"logs":{"open_success":true}}`

	n, err := s.SaveSnapshots(ctx, []schema.Snapshot{
		snap(relayA, "nip11_info", info1, 1),
		snap(relayB, "nip11_info", info1, 1), // same content: one metadata row, two links
		snap(relayA, "nip66_rtt", rtt, 1),
	})
	if err != nil || n != 3 {
		t.Fatalf("SaveSnapshots = %d, %v; want 3", n, err)
	}
	n, err = s.SaveSnapshots(ctx, []schema.Snapshot{
		snap(relayA, "nip11_info", info1, 1), // same relay, type and time: nothing new
		snap(relayA, "nip11_info", info2, 2),
		snap(relayA, "nip66_rtt", rtt, 2), // same content later: a new point of the series
	})
	if err != nil || n != 2 {
		t.Fatalf("second SaveSnapshots = %d, %v; want 2", n, err)
	}
	bad := snap(relayA, "nip11_info", info2, 3)
	bad.ID[0] ^= 1
	if _, err := s.SaveSnapshots(ctx, []schema.Snapshot{bad}); err == nil {
		t.Error("SaveSnapshots accepted an ID that is not the SHA-256 of Data")
	}

	for _, c := range []struct {
		relay schema.RelayURL
		want  []schema.Snapshot
	}{
		{relayA, []schema.Snapshot{snap(relayA, "nip11_info", info2, 2), snap(relayA, "nip66_rtt", rtt, 2)}},
		{relayB, []schema.Snapshot{snap(relayB, "nip11_info", info1, 1)}},
		{schema.MustRelayURL("wss://unknown.example.com"), nil},
	} {
		got, err := s.LatestSnapshots(ctx, c.relay)
		if err != nil {
			t.Fatalf("LatestSnapshots(%s): %v", c.relay, err)
		}
		if len(got) != len(c.want) {
			t.Errorf("LatestSnapshots(%s) = %d snapshots, want %d", c.relay, len(got), len(c.want))
			continue
		}
		for i, g := range got {
			w := c.want[i]
			if g.Relay != w.Relay || g.Type != w.Type || g.ID != w.ID || !g.GeneratedAt.Equal(w.GeneratedAt) || !jsonEqual(t, g.Data, w.Data) {
				t.Errorf("LatestSnapshots(%s)[%d] = %s %s %x %d %s, want %s %s %x %d %s", c.relay, i,
					g.Relay, g.Type, g.ID[:4], g.GeneratedAt.Unix(), g.Data, w.Relay, w.Type, w.ID[:4], w.GeneratedAt.Unix(), w.Data)
			}
		}
	}
}

func state(service, key, value string) schema.State {
	return schema.State{Service: service, Type: "cursor", Key: key, Value: json.RawMessage(value)}
}

func testState(t *testing.T, open Opener) {
	s := open(t, archive.Full)
	ctx := context.Background()
	put := func(st ...schema.State) {
		t.Helper()
		if err := s.PutState(ctx, st); err != nil {
			t.Fatalf("PutState: %v", err)
		}
	}
	list := func(service string, want ...schema.State) {
		t.Helper()
		got, err := s.ListState(ctx, service, "cursor")
		if err != nil {
			t.Fatalf("ListState: %v", err)
		}
		if len(got) != len(want) {
			t.Errorf("ListState(%s) = %d entries, want %d", service, len(got), len(want))
			return
		}
		for i := range got {
			g, w := got[i], want[i]
			if g.Service != w.Service || g.Type != w.Type || g.Key != w.Key || !jsonEqual(t, g.Value, w.Value) {
				t.Errorf("ListState(%s)[%d] = %s/%s/%s %s, want %s/%s/%s %s", service, i, g.Service, g.Type, g.Key, g.Value, w.Service, w.Type, w.Key, w.Value)
			}
		}
	}

	put(state("sync", "wss://b", `{"timestamp":1}`), state("sync", "wss://a", `{"timestamp":2,"id":"x"}`),
		state("finder", "wss://a", `{"timestamp":3}`))
	put(state("sync", "wss://a", `{"timestamp":4}`), // full replacement: "id" is gone
		state("sync", "wss://c", `{"n":1}`), state("sync", "wss://c", `{"n":2}`)) // last in a batch wins
	list("sync", state("sync", "wss://a", `{"timestamp":4}`), state("sync", "wss://b", `{"timestamp":1}`), state("sync", "wss://c", `{"n":2}`))
	list("finder", state("finder", "wss://a", `{"timestamp":3}`))
	list("nobody")

	got, err := s.GetState(ctx, "finder", "cursor", "wss://a")
	if err != nil || got.Key != "wss://a" || got.Service != "finder" || got.Type != "cursor" || !jsonEqual(t, got.Value, []byte(`{"timestamp":3}`)) {
		t.Errorf("GetState = %+v, %v", got, err)
	}
	if _, err := s.GetState(ctx, "finder", "cursor", "wss://missing"); !errors.Is(err, schema.ErrNotFound) {
		t.Errorf("GetState of a missing key: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteState(ctx, []schema.State{state("sync", "wss://a", ""), state("sync", "wss://missing", "")}); err != nil {
		t.Fatalf("DeleteState: %v", err)
	}
	if _, err := s.GetState(ctx, "sync", "cursor", "wss://a"); !errors.Is(err, schema.ErrNotFound) {
		t.Errorf("GetState after DeleteState: err = %v, want ErrNotFound", err)
	}
	list("sync", state("sync", "wss://b", `{"timestamp":1}`), state("sync", "wss://c", `{"n":2}`))
	list("finder", state("finder", "wss://a", `{"timestamp":3}`))
}
