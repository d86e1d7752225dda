// Package testdns serves DNS to tests: every name under example.com
// resolves to 127.0.0.1, except names starting "nxdomain." (NXDOMAIN) and
// "servfail." (SERVFAIL), for the resolver's failure paths. Relay URLs pass schema.ParseRelayURL only with a
// public-looking host (loopback IP literals are refused, as a public relay
// list must), so tests name their loopback servers wss://example.com:port
// or wss://x.example.com:port and point transport's dns_resolver here,
// with allow_private on. It is imported by tests only.
package testdns

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Example starts the server for the test's lifetime and returns its
// host:port (UDP).
func Example(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if len(r.Question) != 1 {
			m.Rcode = dns.RcodeFormatError
			_ = w.WriteMsg(m)
			return
		}
		q := r.Question[0]
		name := strings.ToLower(q.Name)
		switch {
		case !dns.IsSubDomain("example.com.", name) || strings.HasPrefix(name, "nxdomain."):
			m.Rcode = dns.RcodeNameError
		case strings.HasPrefix(name, "servfail."):
			m.Rcode = dns.RcodeServerFailure
		case q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA,
				Class: dns.ClassINET, Ttl: 30}, A: net.IPv4(127, 0, 0, 1)})
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
