package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
	"github.com/bigbrotr/bigbrotr/testnet"
)

func TestNIP11Testnet(t *testing.T) {
	n := testNet(t)
	tests := []struct {
		profile testnet.Profile
		network testnet.NetworkName
		index   int
		reason  Reason // "" for success
	}{
		{testnet.Healthy, testnet.Clearnet, 0, ""},
		{testnet.Paid, testnet.Clearnet, 0, ""},
		{testnet.Healthy, testnet.Tor, 0, ""},
		{testnet.Healthy, testnet.I2P, 0, ""},
		{testnet.NIP11Missing, testnet.Clearnet, 0, ReasonHTTPStatus},
		{testnet.Echo, testnet.Clearnet, 0, ReasonHTTPStatus},
		{testnet.NIP11Invalid, testnet.Clearnet, 0, ReasonInvalidJSON},
		{testnet.NIP11WrongType, testnet.Clearnet, 0, ReasonBadContentType},
		{testnet.HTTPOnly, testnet.Clearnet, 0, ReasonBadContentType},
		{testnet.NIP11Huge, testnet.Clearnet, 0, ReasonTooLarge},
		{testnet.NIP11Redirect, testnet.Clearnet, 0, ReasonRedirect},
		{testnet.Closed, testnet.Clearnet, 0, ReasonConnect},
		{testnet.Capped, testnet.Clearnet, 0, ReasonTLS}, // expired certificate
		{testnet.Capped, testnet.Clearnet, 1, ReasonTLS}, // self-signed
		{testnet.Capped, testnet.Clearnet, 2, ReasonTLS}, // wrong host
	}
	for _, tc := range tests {
		r := relayOf(t, n, tc.profile, tc.network, tc.index)
		t.Run(string(tc.profile)+"/"+string(tc.network)+"/"+r.Host, func(t *testing.T) {
			t.Parallel()
			out, err := NIP11(probeCtx(t, 10*time.Second), netTarget(t, n, r.URL))
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want reason %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			if out.Check() != CheckNIP11 || out.Took <= 0 {
				t.Errorf("check %q took %v", out.Check(), out.Took)
			}
			if !out.Success {
				if out.Info != nil || out.Raw != nil {
					t.Errorf("failed outcome carries a document")
				}
				return
			}
			var want bytes.Buffer
			if err := json.Compact(&want, r.NIP11); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Raw, want.Bytes()) {
				t.Errorf("raw document differs from the served one:\n got %s\nwant %s", out.Raw, want.Bytes())
			}
			var doc struct {
				Name string `json:"name"`
				Nips []int  `json:"supported_nips"`
			}
			_ = json.Unmarshal(r.NIP11, &doc)
			if out.Info.Name != doc.Name || !equalInts(out.Info.SupportedNIPs, doc.Nips) {
				t.Errorf("info %q %v, want %q %v", out.Info.Name, out.Info.SupportedNIPs, doc.Name, doc.Nips)
			}
			if got := out.Info.PaymentRequired(); got != (tc.profile == testnet.Paid) {
				t.Errorf("payment_required %v for %s", got, tc.profile)
			}
			if tc.profile == testnet.Paid && (out.Info.Fees == nil || len(out.Info.Fees.Subscription) != 1) {
				t.Errorf("fees not parsed: %+v", out.Info.Fees)
			}
		})
	}
}

func TestNIP11Local(t *testing.T) {
	doc := `{"name":"local","supported_nips":[1,"11"]}`
	serve := func(contentType string, status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Accept") != "application/nostr+json" {
				http.Error(w, "want the NIP-11 Accept header", http.StatusNotAcceptable)
				return
			}
			if contentType != "" {
				w.Header().Set("Content-Type", contentType)
			} else {
				w.Header()["Content-Type"] = nil // no sniffing
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	exact := `{"name":"` + strings.Repeat("x", 100-len(`{"name":""}`)) + `"}`
	tests := []struct {
		name    string
		handler http.Handler
		max     int64
		reason  Reason
	}{
		{"nostr+json", serve("application/nostr+json", 200, doc), 0, ""},
		{"json with charset", serve("application/json; charset=utf-8", 200, doc), 0, ""},
		{"upper case type", serve("Application/JSON", 200, doc), 0, ""},
		{"text/plain object", serve("text/plain; charset=utf-8", 200, doc), 0, ""},
		{"no content type", serve("", 200, doc), 0, ""},
		{"text/plain not JSON", serve("text/plain", 200, "hello"), 0, ReasonBadContentType},
		{"text/plain array", serve("text/plain", 200, "[1]"), 0, ReasonBadContentType},
		{"text/html", serve("text/html", 200, doc), 0, ReasonBadContentType},
		{"array", serve("application/json", 200, `[{"name":"x"}]`), 0, ReasonNotObject},
		{"string", serve("application/json", 200, `"x"`), 0, ReasonNotObject},
		{"null", serve("application/json", 200, `null`), 0, ReasonNotObject},
		{"truncated", serve("application/json", 200, `{"name":`), 0, ReasonInvalidJSON},
		{"trailing junk", serve("application/json", 200, doc+`}`), 0, ReasonInvalidJSON},
		{"404", serve("application/json", 404, doc), 0, ReasonHTTPStatus},
		{"500", serve("application/json", 500, doc), 0, ReasonHTTPStatus},
		{"204", serve("application/json", 204, ""), 0, ReasonHTTPStatus},
		{"exactly at the cap", serve("application/json", 200, exact), 100, ""},
		{"one byte over the cap", serve("application/json", 200, exact+" "), 100, ReasonTooLarge},
		{"same-host redirect", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/" {
				http.Redirect(w, r, "/info", http.StatusFound)
				return
			}
			serve("application/json", 200, doc)(w, r)
		}), 0, ""},
		{"other-host redirect", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example.com/", http.StatusMovedPermanently)
		}), 0, ReasonRedirect},
		{"redirect to loopback literal", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://127.0.0.1/", http.StatusFound)
		}), 0, ReasonRedirect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tg := localRelay(t, "nip11", tc.handler)
			tg.NIP11MaxBytes = tc.max
			out, err := NIP11(probeCtx(t, 10*time.Second), tg)
			if err != nil {
				t.Fatal(err)
			}
			if out.Success != (tc.reason == "") || out.Reason != tc.reason {
				t.Fatalf("success %v reason %q (%s), want %q", out.Success, out.Reason, out.Detail, tc.reason)
			}
			if out.Success && out.Info.Name == "" {
				t.Errorf("no name parsed: %+v", out.Info)
			}
		})
	}
}

func TestNIP11Slowloris(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tg := localRelay(t, "slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"name":`))
		w.(http.Flusher).Flush()
		<-release // a body that never ends, even when the client gives up
	}))
	out, err := NIP11(probeCtx(t, 300*time.Millisecond), tg)
	if err != nil {
		t.Fatal(err)
	}
	if out.Reason != ReasonTimeout {
		t.Fatalf("reason %q (%s), want timeout", out.Reason, out.Detail)
	}
}

func TestNIP11Errors(t *testing.T) {
	tg := localRelay(t, "cancel", http.NotFoundHandler())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := NIP11(ctx, tg); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	if _, err := NIP11(context.Background(), Target{}); !errors.Is(err, ErrBadTarget) {
		t.Errorf("empty target: got %v", err)
	}
	if _, err := NIP11(context.Background(), Target{URL: schema.MustRelayURL("wss://relay.example.com")}); !errors.Is(err, ErrBadTarget) {
		t.Errorf("no transport: got %v", err)
	}
}

func TestMediaKind(t *testing.T) {
	for ct, want := range map[string]mediaClass{
		"application/nostr+json": mediaJSON, "application/json": mediaJSON, "APPLICATION/JSON; charset=UTF-8": mediaJSON,
		"application/ld+json": mediaJSON, "text/json": mediaJSON, "text/plain": mediaLenient, "": mediaLenient,
		"application/octet-stream": mediaLenient, "text/html": mediaOther, "application/xml": mediaOther,
		"garbage;;;": mediaOther, "text/plain;;bad": mediaLenient,
	} {
		if got := mediaKind(ct); got != want {
			t.Errorf("mediaKind(%q) = %v, want %v", ct, got, want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzMediaKind(f *testing.F) {
	for _, s := range []string{"application/json; charset=utf-8", "text/plain", "", "a/b+json;q=\"x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ct string) {
		if k := mediaKind(ct); k != mediaJSON && k != mediaLenient && k != mediaOther {
			t.Fatalf("mediaKind(%q) = %v", ct, k)
		}
	})
}
