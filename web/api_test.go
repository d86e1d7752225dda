package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/internal/apitest"
)

func TestAPIMatchesOpenAPI(t *testing.T) {
	v := apitest.New(t, OpenAPI())
	f := newFixture()
	h := newTestHandler(t, f)
	alpha := "/api/v1/relays/" + url.PathEscape(f.relays[0].URL)
	for _, c := range []struct {
		target string
		code   int
		valid  bool
	}{
		{"/api/v1/overview", 200, true},
		{"/api/v1/relays", 200, true},
		{"/api/v1/relays?network=tor&online=true", 200, true},
		{"/api/v1/relays?nip=42&software=strfry&country=de&max_rtt=100&sort=rtt&order=desc&limit=1&offset=0", 200, true},
		{"/api/v1/relays?q=zzz", 200, true},
		{"/api/v1/relays?network=moon", 400, false},
		{"/api/v1/relays?limit=0", 400, false},
		{"/api/v1/relays?sort=name", 400, false},
		{alpha, 200, true},
		{alpha + "?days=30", 200, true},
		{alpha + "?days=91", 400, false},
		{"/api/v1/relays/" + url.PathEscape(f.relays[3].URL), 200, true},
		{"/api/v1/relays/" + url.PathEscape("wss://unknown.example.com"), 404, true},
		{"/api/v1/stats", 200, true},
		{"/api/v1/openapi.json", 200, true},
	} {
		code, body := v.Check(t, apitest.Handler(h), c.target, c.valid)
		if code != c.code {
			t.Errorf("%s: status %d, want %d: %s", c.target, code, c.code, body)
		}
	}

	// Empty and failing sources still answer in the documented shapes.
	empty := newTestHandler(t, &fixture{})
	for _, target := range []string{"/api/v1/overview", "/api/v1/relays", "/api/v1/stats"} {
		if code, body := v.Check(t, apitest.Handler(empty), target, true); code != 200 {
			t.Errorf("empty source %s: status %d: %s", target, code, body)
		}
	}
	broken := newFixture()
	broken.err = errors.New("database on fire")
	bh := newTestHandler(t, broken)
	for _, target := range []string{"/api/v1/overview", "/api/v1/relays", "/api/v1/stats", alpha} {
		code, body := v.Check(t, apitest.Handler(bh), target, true)
		if code != 500 || strings.Contains(string(body), "fire") {
			t.Errorf("failing source %s: status %d body %s; want 500 without the internal error", target, code, body)
		}
	}
	timeout := newFixture()
	timeout.err = context.DeadlineExceeded
	if code, _ := v.Check(t, apitest.Handler(newTestHandler(t, timeout)), "/api/v1/stats", true); code != 504 {
		t.Errorf("timed-out source: status %d, want 504", code)
	}
}

// Every operation of the document is one the handler serves, and the
// reverse: the routes and the document cannot drift apart.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	doc := apitest.New(t, OpenAPI()).Doc
	h := newTestHandler(t, newFixture())
	for path := range doc.Paths.Map() {
		target := "/api/v1" + strings.ReplaceAll(path, "{url}", url.PathEscape("wss://alpha.example.com"))
		if res, _ := get(t, h, target); res.StatusCode == http.StatusNotFound && !strings.Contains(path, "{url}") {
			t.Errorf("documented %s is not served", path)
		}
	}
	for _, target := range []string{"/api/v1/nothing", "/api/v2/relays"} {
		if res, body := get(t, h, target); res.StatusCode != http.StatusNotFound || !strings.Contains(body, "openapi.json") {
			t.Errorf("%s: %d %s; want a JSON 404 pointing at the document", target, res.StatusCode, body)
		}
	}
}

func TestAPIRelayPaging(t *testing.T) {
	h := newTestHandler(t, newFixture())
	var page RelayPage
	for _, c := range []struct {
		query string
		total int
		urls  []string
	}{
		{"", 4, []string{"ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", "wss://alpha.example.com", "wss://beta.example.com", "wss://gamma.example.com/path"}},
		{"?sort=rtt", 4, []string{"wss://alpha.example.com", "ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", "wss://beta.example.com", "wss://gamma.example.com/path"}},
		{"?sort=events&order=desc&limit=2", 4, []string{"wss://alpha.example.com", "wss://beta.example.com"}},
		{"?sort=events&order=desc&limit=2&offset=2", 4, []string{"ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", "wss://gamma.example.com/path"}},
		{"?offset=10", 4, []string{}},
		{"?online=false", 2, []string{"wss://beta.example.com", "wss://gamma.example.com/path"}},
		{"?q=BETA", 1, []string{"wss://beta.example.com"}},
		{"?q=relay", 1, []string{"wss://beta.example.com"}}, // by name
		{"?nip=11&network=clearnet", 2, []string{"wss://alpha.example.com", "wss://beta.example.com"}},
		{"?max_rtt=900", 2, []string{"ws://abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuv.onion", "wss://alpha.example.com"}},
		{"?max_rtt=899", 1, []string{"wss://alpha.example.com"}},
		{"?software=khatru", 1, []string{"wss://beta.example.com"}},
		{"?country=us", 1, []string{"wss://beta.example.com"}},
	} {
		res, body := get(t, h, "/api/v1/relays"+c.query)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.query, res.StatusCode, body)
		}
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want *", c.query, got)
		}
		page = RelayPage{}
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		var urls []string
		for _, r := range page.Relays {
			urls = append(urls, r.URL)
		}
		if page.Total != c.total || strings.Join(urls, " ") != strings.Join(c.urls, " ") {
			t.Errorf("%s: total %d %v, want %d %v", c.query, page.Total, urls, c.total, c.urls)
		}
	}
}

func TestAPICORSPreflight(t *testing.T) {
	h := newTestHandler(t, newFixture())
	req := httptest.NewRequest(http.MethodOptions, "/api/v1/relays", nil)
	req.Header.Set("Origin", "https://client.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
}

func TestRelayListIsCached(t *testing.T) {
	f := newFixture()
	h := newTestHandler(t, f)
	for range 5 {
		get(t, h, "/api/v1/relays")
		get(t, h, "/relays")
	}
	if n := f.relayCall.Load(); n != 1 {
		t.Errorf("Source.Relays called %d times for 10 requests within the cache TTL, want 1", n)
	}
}
