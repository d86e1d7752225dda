package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// serveOn starts an HTTP server on ip (a loopback address) and returns its
// base URL and a counter of the requests it served.
func serveOn(t *testing.T, ip string, h http.Handler) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h.ServeHTTP(w, r)
	}))
	s.Listener.Close()
	s.Listener = ln
	s.Start()
	t.Cleanup(s.Close)
	return s.URL, &hits
}

func redirectTo(target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	})
}

func ok(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) })
}

func get(ctx context.Context, c *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b), err
}

// TestRedirectToPrivateRefused runs without allow_private. 127.0.0.2 stands
// in for a public relay (exempted from the guard); the redirect targets are
// private and must not be contacted.
func TestRedirectToPrivateRefused(t *testing.T) {
	z := testZone()
	z.addrs["relay.test"] = []string{"127.0.0.2"}
	z.addrs["private.test"] = []string{"127.0.0.1"}
	srv := startDNS(t, z)
	privateURL, privateHits := serveOn(t, "127.0.0.1", ok("secret"))
	_, privatePort, _ := net.SplitHostPort(strings.TrimPrefix(privateURL, "http://"))

	tests := []struct {
		name   string
		target string
		want   error
	}{
		{"ip literal 10.0.0.1", "http://10.0.0.1/", ErrPrivateAddress},
		{"loopback literal", privateURL + "/", ErrPrivateAddress},
		{"mapped loopback", "http://[::ffff:127.0.0.1]:" + privatePort + "/", ErrPrivateAddress},
		{"name resolving to 10.0.0.1", "http://ten.test:" + privatePort + "/", ErrPrivateAddress},
		{"name resolving to 192.168.1.1", "http://home.test/", ErrPrivateAddress},
		{"name resolving to loopback", "http://private.test:" + privatePort + "/", ErrPrivateAddress},
		{"local name", "http://localhost:" + privatePort + "/", ErrPrivateAddress},
		{"other scheme", "ftp://relay.test/", ErrRedirectRefused},
		{"to an overlay", "http://2jsnlhfnelig5acq6iacydmzdbdmg7xwunm4xl6qwbvzacw4lwrjmlyd.onion/", ErrRedirectRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, hits := serveOn(t, "127.0.0.2", redirectTo(tt.target))
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
			tr := newTestTransport(t, srv, nil)
			tr.exempt = map[netip.Addr]bool{netip.MustParseAddr("127.0.0.2"): true}
			_, _, err := get(context.Background(), tr.HTTPClient(), "http://relay.test:"+port+"/")
			if !errors.Is(err, tt.want) || !IsRefused(err) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if hits.Load() != 1 {
				t.Errorf("the first hop served %d requests, want 1", hits.Load())
			}
		})
	}
	if n := privateHits.Load(); n != 0 {
		t.Errorf("the private server was reached %d times", n)
	}
}

func TestRedirectPolicy(t *testing.T) {
	z := testZone()
	z.addrs["other.test"] = []string{"127.0.0.3"}
	srv := startDNS(t, z)
	tr := newTestTransport(t, srv, allowPrivate)
	ctx := context.Background()

	final, _ := serveOn(t, "127.0.0.3", ok("final"))
	_, finalPort, _ := net.SplitHostPort(strings.TrimPrefix(final, "http://"))
	sameHost, _ := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/there" {
			fmt.Fprint(w, "same host")
			return
		}
		http.Redirect(w, r, "/there", http.StatusMovedPermanently)
	}))
	_, samePort, _ := net.SplitHostPort(strings.TrimPrefix(sameHost, "http://"))
	crossHost, _ := serveOn(t, "127.0.0.1", redirectTo("http://other.test:"+finalPort+"/"))
	_, crossPort, _ := net.SplitHostPort(strings.TrimPrefix(crossHost, "http://"))
	var loopURL string
	loop, _ := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loopURL, http.StatusFound)
	}))
	loopURL = loop + "/"

	t.Run("cross host followed by default", func(t *testing.T) {
		code, body, err := get(ctx, tr.HTTPClient(), "http://relay.test:"+crossPort+"/")
		if err != nil || code != 200 || body != "final" {
			t.Fatalf("got %d %q %v", code, body, err)
		}
	})
	t.Run("cross host refused on request", func(t *testing.T) {
		_, _, err := get(ctx, tr.HTTPClient(SameHostRedirects()), "http://relay.test:"+crossPort+"/")
		if !errors.Is(err, ErrRedirectRefused) {
			t.Fatalf("err = %v, want ErrRedirectRefused", err)
		}
	})
	t.Run("same host followed", func(t *testing.T) {
		code, body, err := get(ctx, tr.HTTPClient(SameHostRedirects()), "http://relay.test:"+samePort+"/")
		if err != nil || code != 200 || body != "same host" {
			t.Fatalf("got %d %q %v", code, body, err)
		}
	})
	t.Run("no redirects", func(t *testing.T) {
		code, _, err := get(ctx, tr.HTTPClient(MaxRedirects(0)), "http://relay.test:"+samePort+"/")
		if err != nil || code != http.StatusMovedPermanently {
			t.Fatalf("got %d %v, want the 301 itself", code, err)
		}
	})
	t.Run("too many", func(t *testing.T) {
		_, _, err := get(ctx, tr.HTTPClient(MaxRedirects(3)), loopURL)
		if !errors.Is(err, ErrRedirectRefused) || !strings.Contains(err.Error(), "more than 3 redirects") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestHTTPClientIgnoresEnvironmentProxy(t *testing.T) {
	// A proxy from the environment would bypass routing and the guard.
	t.Setenv("HTTP_PROXY", "http://127.0.0.9:1")
	t.Setenv("http_proxy", "http://127.0.0.9:1")
	srv := startDNS(t, testZone())
	base, hits := serveOn(t, "127.0.0.1", ok("direct"))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	tr := newTestTransport(t, srv, allowPrivate)
	code, body, err := get(context.Background(), tr.HTTPClient(), "http://relay.test:"+port+"/")
	if err != nil || code != 200 || body != "direct" || hits.Load() != 1 {
		t.Fatalf("got %d %q %v (hits %d)", code, body, err, hits.Load())
	}
}

func TestWithTimingsFeedsClientTrace(t *testing.T) {
	srv := startDNS(t, testZone())
	base, _ := serveOn(t, "127.0.0.1", ok("x"))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	tr := newTestTransport(t, srv, allowPrivate)
	var dnsHost string
	var dnsAddrs []net.IPAddr
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		DNSStart: func(i httptrace.DNSStartInfo) { dnsHost = i.Host },
		DNSDone:  func(i httptrace.DNSDoneInfo) { dnsAddrs = i.Addrs },
	})
	ctx, timings := WithTimings(ctx)
	if _, _, err := get(ctx, tr.HTTPClient(), "http://relay.test:"+port+"/"); err != nil {
		t.Fatal(err)
	}
	if dnsHost != "relay.test" || len(dnsAddrs) != 2 {
		t.Errorf("httptrace DNS hooks saw %q %v", dnsHost, dnsAddrs)
	}
	tm := timings()
	if tm.DNS <= 0 || tm.Connect <= 0 || tm.Upgrade <= 0 || tm.Total <= 0 || tm.TLS != 0 {
		t.Errorf("timings: %+v", tm)
	}
}
