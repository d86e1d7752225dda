package transport

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func testZone() zone {
	return zone{
		addrs: map[string][]string{
			"relay.test":    {"127.0.0.1", "::1"},
			"v6.test":       {"::ffff:127.0.0.1"},
			"big.test":      {"127.0.0.5"},
			"target.test":   {"127.0.0.7"},
			"public.test":   {"1.2.3.4"},
			"mixed.test":    {"1.2.3.4", "127.0.0.1"},
			"ten.test":      {"10.0.0.1"},
			"home.test":     {"192.168.1.1"},
			"metadata.test": {"169.254.169.254"},
			"ula.test":      {"fd00::1"},
			"example.test":  {},
		},
		cname:    map[string]string{"alias.test": "target.test", "loop.test": "loop.test"},
		ns:       map[string][]string{"example.test": {"ns1.example.test", "ns2.example.test"}},
		truncate: map[string]bool{"big.test": true},
	}
}

func TestResolverLookupIP(t *testing.T) {
	srv := startDNS(t, testZone())
	r := newResolver(srv.addr, 2*time.Second)
	ctx := context.Background()
	tests := []struct {
		host string
		want []string
	}{
		{"relay.test", []string{"127.0.0.1", "::1"}},
		{"RELAY.test.", []string{"127.0.0.1", "::1"}},
		{"alias.test", []string{"127.0.0.7"}}, // CNAME chased by the client
		{"big.test", []string{"127.0.0.5"}},   // truncated over UDP, answered over TCP
		{"10.9.8.7", []string{"10.9.8.7"}},    // literals are not looked up
		{"[::1]", []string{"::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			got, err := r.LookupIP(ctx, tt.host)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, a := range got {
				s = append(s, a.String())
			}
			if !slices.Equal(s, tt.want) {
				t.Errorf("LookupIP(%s) = %v, want %v", tt.host, s, tt.want)
			}
		})
	}
	if !slices.Contains(srv.queries(), "tcp A big.test") {
		t.Errorf("no TCP retry after truncation; queries: %v", srv.queries())
	}
	if srv.asked("10.9.8.7") {
		t.Error("an IP literal was sent to the DNS server")
	}
}

func TestResolverLookupIPErrors(t *testing.T) {
	srv := startDNS(t, testZone())
	r := newResolver(srv.addr, 2*time.Second)
	ctx := context.Background()

	_, err := r.LookupIP(ctx, "nxdomain.test")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("NXDOMAIN: err = %#v, want a not-found *net.DNSError", err)
	}
	_, err = r.LookupIP(ctx, "example.test") // exists, no addresses
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("no addresses: err = %#v, want a not-found *net.DNSError", err)
	}
	_, err = r.LookupIP(ctx, "loop.test")
	if err == nil || !strings.Contains(err.Error(), "CNAME chain too long") {
		t.Errorf("CNAME loop: err = %v", err)
	}

	// A server that never answers: the deadline comes back as a timeout.
	pc, lerr := net.ListenPacket("udp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer pc.Close()
	silent := newResolver(pc.LocalAddr().String(), 200*time.Millisecond)
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = silent.LookupIP(tctx, "relay.test")
	if !errors.As(err, &de) || !de.IsTimeout {
		t.Errorf("silent server: err = %#v, want a timeout *net.DNSError", err)
	}
}

func TestResolverQuery(t *testing.T) {
	srv := startDNS(t, testZone())
	r := newResolver(srv.addr, 2*time.Second)
	ctx := context.Background()
	tests := []struct {
		name  string
		qtype uint16
		rcode int
		want  []Record
	}{
		{"relay.test", dns.TypeA, dns.RcodeSuccess, []Record{{"relay.test", "A", 300, "127.0.0.1"}}},
		{"relay.test", dns.TypeAAAA, dns.RcodeSuccess, []Record{{"relay.test", "AAAA", 300, "::1"}}},
		{"alias.test", dns.TypeA, dns.RcodeSuccess, []Record{{"alias.test", "CNAME", 300, "target.test"}}},
		{"example.test", dns.TypeNS, dns.RcodeSuccess, []Record{
			{"example.test", "NS", 300, "ns1.example.test"}, {"example.test", "NS", 300, "ns2.example.test"}}},
		{"nxdomain.test", dns.TypeA, dns.RcodeNameError, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+dns.TypeToString[tt.qtype], func(t *testing.T) {
			ans, err := r.Query(ctx, tt.name, tt.qtype)
			if err != nil {
				t.Fatal(err)
			}
			if ans.Rcode != tt.rcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[ans.Rcode], dns.RcodeToString[tt.rcode])
			}
			if !slices.Equal(ans.Records, tt.want) {
				t.Errorf("records = %+v, want %+v", ans.Records, tt.want)
			}
			if ans.Server != srv.addr || ans.Msg == nil || ans.Duration <= 0 {
				t.Errorf("answer metadata: server %q msg %v duration %v", ans.Server, ans.Msg != nil, ans.Duration)
			}
		})
	}
}

func TestToRecord(t *testing.T) {
	for _, tt := range []struct {
		rr   string
		want Record
	}{
		{"1.0.0.127.in-addr.arpa. 60 IN PTR relay.test.", Record{"1.0.0.127.in-addr.arpa", "PTR", 60, "relay.test"}},
		{"x.test. 10 IN TXT \"a\" \"b\"", Record{"x.test", "TXT", 10, "ab"}},
		{"x.test. 10 IN MX 10 mail.x.test.", Record{"x.test", "MX", 10, "10 mail.x.test."}},
	} {
		rr, err := dns.NewRR(tt.rr)
		if err != nil {
			t.Fatal(err)
		}
		if got := toRecord(rr); got != tt.want {
			t.Errorf("toRecord(%s) = %+v, want %+v", tt.rr, got, tt.want)
		}
	}
}

func TestResolverSystemMode(t *testing.T) {
	r := newResolver("", time.Second)
	got, err := r.LookupIP(context.Background(), "127.0.0.3")
	if err != nil || len(got) != 1 || got[0] != netip.MustParseAddr("127.0.0.3") {
		t.Errorf("LookupIP(literal) = %v, %v", got, err)
	}
	// Raw queries need a nameserver from resolv.conf; without one they fail
	// clearly instead of asking somewhere unexpected.
	empty := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(empty, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.resolvConf = empty
	if _, err := r.Query(context.Background(), "relay.test", dns.TypeA); err == nil || !strings.Contains(err.Error(), "no nameserver") {
		t.Errorf("Query without nameserver: err = %v", err)
	}
	if r.Server() != "" {
		t.Errorf("Server() = %q, want empty for the system resolver", r.Server())
	}
}
