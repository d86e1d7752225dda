package node

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/nbd-wtf/go-nostr"

	"github.com/bigbrotr/bigbrotr/relayserver"
)

func fetchNIP11(t *testing.T, tn *testNode) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+tn.Addr()+"/", nil)
	req.Header.Set("Accept", "application/nostr+json")
	req.Header.Set("Origin", "https://example.org")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatalf("NIP-11 body is not JSON: %v", err)
	}
	return resp, doc
}

// conformance: NIP-11 document is provided (Accept: application/nostr+json, CORS headers).
func TestNIP11Provided(t *testing.T) {
	tn := startNode(t, func(c *Config) {
		c.Node.Name = "test node"
		c.Node.Contact = "mailto:ops@example.org"
	})
	resp, doc := fetchNIP11(t, tn)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/nostr+json" {
		t.Fatalf("status %d, content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Headers", "Access-Control-Allow-Methods"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing CORS header %s", h)
		}
	}
	if doc["pubkey"] != tn.PublicKey() || doc["self"] != tn.PublicKey() {
		t.Errorf("pubkey %v / self %v, want the node key %s", doc["pubkey"], doc["self"], tn.PublicKey())
	}
	if !nostr.IsValidPublicKey(tn.PublicKey()) {
		t.Errorf("node pubkey %q is not valid", tn.PublicKey())
	}
	if doc["name"] != "test node" || doc["contact"] != "mailto:ops@example.org" || doc["software"] != relayserver.Software {
		t.Errorf("identity fields wrong: %v", doc)
	}

	// CORS preflight.
	req, _ := http.NewRequest(http.MethodOptions, "http://"+tn.Addr()+"/", nil)
	req.Header.Set("Origin", "https://example.org")
	req.Header.Set("Access-Control-Request-Method", "GET")
	pre, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pre.Body.Close()
	if pre.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight lacks CORS headers: %v", pre.Header)
	}

	// "/" stays free for the status page: a browser request is not NIP-11.
	hreq, _ := http.NewRequest(http.MethodGet, "http://"+tn.Addr()+"/", nil)
	hreq.Header.Set("Accept", "text/html")
	hresp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(hresp.Body)
	hresp.Body.Close()
	if hresp.StatusCode != http.StatusOK || !strings.HasPrefix(hresp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(b), "<h1>Overview</h1>") {
		t.Errorf("text/html on / = %d %s %.200q, want the status page", hresp.StatusCode, hresp.Header.Get("Content-Type"), b)
	}
}

// conformance: supported_nips lists exactly what is implemented.
func TestNIP11SupportedNIPsExact(t *testing.T) {
	tn := startNode(t, nil)
	_, doc := fetchNIP11(t, tn)
	var got []int
	for _, v := range doc["supported_nips"].([]any) {
		got = append(got, int(v.(float64)))
	}
	if want := []int{1, 9, 11, 40, 42, 45, 70, 77}; !reflect.DeepEqual(got, want) {
		t.Fatalf("supported_nips = %v, want %v", got, want)
	}
}

// conformance: limitation tells the truth (restricted_writes, max_limit,
// max_subscriptions, max_message_length). Each advertised number is also
// enforced by its own test: TestNewestEventsWhenLimited (max_limit),
// TestMaxSubscriptions, TestMaxMessageLength.
func TestNIP11LimitationTruthful(t *testing.T) {
	tn := startNode(t, func(c *Config) {
		c.Relay.MaxLimit = 7
		c.Relay.DefaultLimit = 5
		c.Relay.MaxSubscriptions = 3
		c.Relay.MaxMessageLength = 100000
	})
	_, doc := fetchNIP11(t, tn)
	lim, ok := doc["limitation"].(map[string]any)
	if !ok {
		t.Fatalf("no limitation object: %v", doc)
	}
	want := map[string]any{
		"restricted_writes": true, "auth_required": false, "payment_required": false,
		"max_limit": 7.0, "default_limit": 5.0, "max_subscriptions": 3.0, "max_message_length": 100000.0,
		"max_subid_length": 64.0,
	}
	for k, v := range want {
		if lim[k] != v {
			t.Errorf("limitation.%s = %v, want %v", k, lim[k], v)
		}
	}
	for _, k := range []string{"created_at_lower_limit", "created_at_upper_limit", "min_pow_difficulty"} {
		if _, present := lim[k]; present {
			t.Errorf("limitation.%s advertised but not enforced", k)
		}
	}
}
