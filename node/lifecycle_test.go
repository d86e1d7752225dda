package node

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayserver"
)

func TestGracefulShutdownClosesClients(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	if _, closed := c.req("s", nostr.Filter{Kinds: []int{1}}); closed != "" {
		t.Fatal(closed)
	}
	tn.cancel()
	var ce websocket.CloseError
	if _, err := c.next(); !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
		t.Fatalf("open subscription on shutdown: want close 1001, got %v", err)
	}
	select {
	case err := <-tn.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		tn.done <- nil // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return")
	}
	if _, err := dialErr(tn.URL()); err == nil {
		t.Fatal("listener still accepting after shutdown")
	}
}

func TestPublishRejectsUnsigned(t *testing.T) {
	tn := startNode(t, nil)
	ev := nostr.Event{Kind: 1, CreatedAt: nostr.Now(), Content: "unsigned"}
	if err := tn.Publish(context.Background(), &ev); !errors.Is(err, relayserver.ErrNotSigned) {
		t.Fatalf("unsigned: %v", err)
	}
	// A foreign key is refused by the same rules as over WebSocket.
	foreign := signed(t, nostr.GeneratePrivateKey(), 1, time.Now().Unix(), nil, "x")
	if err := tn.Publish(context.Background(), &foreign); err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("foreign event: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	tn := startNode(t, nil)
	c := dial(t, tn.URL())
	c.publish(signed(t, nostr.GeneratePrivateKey(), 1, time.Now().Unix(), nil, "refused"))
	c.req("bad", map[string]any{"ids": []string{"ab"}})
	resp, err := http.Get("http://" + tn.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		"go_goroutines",
		"process_open_fds",
		`bigbrotr_relay_events_refused_total{reason="restricted"} 1`,
		`bigbrotr_relay_filters_refused_total{reason="invalid"} 1`,
		`bigbrotr_relay_connections_total{outcome="accepted"} 1`,
		"bigbrotr_relay_open_connections 1",
		"bigbrotr_relay_subscriptions",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestMetricsDisabled(t *testing.T) {
	tn := startNode(t, func(c *Config) { c.Metrics.Listen = "" })
	if tn.MetricsAddr() != "" {
		t.Fatalf("metrics listening on %s", tn.MetricsAddr())
	}
}
