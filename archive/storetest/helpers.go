package storetest

import (
	"context"
	"testing"

	"github.com/nbd-wtf/go-nostr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bigbrotr/bigbrotr/archive"
)

// OpenStore opens a store of either backend and closes it when the test
// ends; a failing Close fails the test.
func OpenStore(t testing.TB, o archive.Options) archive.Store {
	t.Helper()
	s, err := archive.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open %q: %v", o.URL+o.DataDir, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// Signed builds and signs one event with a fresh key.
func Signed(t testing.TB, kind int, createdAt nostr.Timestamp, tags nostr.Tags, content string) *nostr.Event {
	t.Helper()
	ev := &nostr.Event{Kind: kind, CreatedAt: createdAt, Tags: tags, Content: content}
	if err := ev.Sign(nostr.GeneratePrivateKey()); err != nil {
		t.Fatal(err)
	}
	return ev
}

// Samples flattens what reg exports into "name,label=value,..." keys:
// the sample count of a histogram, the value of a counter or gauge.
func Samples(t testing.TB, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.GetHistogram() != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			case m.GetGauge() != nil:
				out[key] = m.GetGauge().GetValue()
			default:
				out[key] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}
