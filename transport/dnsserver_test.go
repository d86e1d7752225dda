package transport

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// zone is a test DNS server's data: names (lower case, no trailing dot) to
// the addresses, CNAME target and NS names it answers with.
type zone struct {
	addrs map[string][]string // A and AAAA by the address family of each entry
	cname map[string]string   // answered alone: the client must chase it
	ns    map[string][]string
	// truncate answers over UDP with TC set and no records, so that only
	// the TCP retry gets the data.
	truncate map[string]bool
}

// dnsServer is a miekg/dns server on loopback (UDP and TCP, same port) that
// remembers every question it was asked.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	seen []string // "udp A name" entries
}

func (s *dnsServer) queries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func (s *dnsServer) asked(name string) bool {
	for _, q := range s.queries() {
		if strings.HasSuffix(q, " "+name) {
			return true
		}
	}
	return false
}

func startDNS(t *testing.T, z zone) *dnsServer {
	t.Helper()
	s := &dnsServer{}
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		q := req.Question[0]
		name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
		proto := w.RemoteAddr().Network()
		s.mu.Lock()
		s.seen = append(s.seen, proto+" "+dns.TypeToString[q.Qtype]+" "+name)
		s.mu.Unlock()
		hdr := func(t uint16) dns.RR_Header {
			return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
		}
		_, known := z.addrs[name]
		_, hasCNAME := z.cname[name]
		_, hasNS := z.ns[name]
		switch {
		case !known && !hasCNAME && !hasNS:
			m.Rcode = dns.RcodeNameError
		case z.truncate[name] && proto == "udp":
			m.Truncated = true
		case hasCNAME:
			m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(dns.TypeCNAME), Target: dns.Fqdn(z.cname[name])})
		case q.Qtype == dns.TypeNS:
			for _, n := range z.ns[name] {
				m.Answer = append(m.Answer, &dns.NS{Hdr: hdr(dns.TypeNS), Ns: dns.Fqdn(n)})
			}
		default:
			for _, a := range z.addrs[name] {
				ip := net.ParseIP(a)
				if ip4 := ip.To4(); ip4 != nil && !strings.Contains(a, ":") && q.Qtype == dns.TypeA {
					m.Answer = append(m.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: ip4})
				} else if strings.Contains(a, ":") && q.Qtype == dns.TypeAAAA {
					m.Answer = append(m.Answer, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: ip})
				}
			}
		}
		_ = w.WriteMsg(m)
	})

	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		pc = nil
	}
	if pc == nil {
		t.Fatal("no free UDP+TCP port pair")
	}
	s.addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: handler}
	tcp := &dns.Server{Listener: ln, Handler: handler}
	started := make(chan struct{}, 2)
	udp.NotifyStartedFunc = func() { started <- struct{}{} }
	tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go func() { _ = udp.ActivateAndServe() }()
	go func() { _ = tcp.ActivateAndServe() }()
	for range 2 {
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("dns server did not start")
		}
	}
	t.Cleanup(func() {
		_ = udp.Shutdown()
		_ = tcp.Shutdown()
	})
	return s
}
