package testnet

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/miekg/dns"
)

const dnsTTL = 60

// zone is the authoritative data for "testnet.": A/AAAA for relay names,
// CNAME aliases, NS and SOA. Names are stored fully qualified, lower case.
type zone struct {
	origin  string
	records map[string][]dns.RR
}

func newZone(plans []*relayPlan, nsIP netip.Addr) *zone {
	z := &zone{origin: dns.Fqdn(Zone), records: map[string][]dns.RR{}}
	ns := "ns1." + z.origin
	z.add(&dns.SOA{Hdr: z.hdr(z.origin, dns.TypeSOA), Ns: ns, Mbox: "hostmaster." + z.origin,
		Serial: 2026110101, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: dnsTTL})
	z.add(&dns.NS{Hdr: z.hdr(z.origin, dns.TypeNS), Ns: ns})
	z.add(&dns.A{Hdr: z.hdr(ns, dns.TypeA), A: nsIP.AsSlice()})
	for _, p := range plans {
		if p.network != Clearnet {
			continue
		}
		name := dns.Fqdn(p.host)
		z.add(&dns.A{Hdr: z.hdr(name, dns.TypeA), A: p.ip.AsSlice()})
		if p.ipv6 {
			z.add(&dns.AAAA{Hdr: z.hdr(name, dns.TypeAAAA), AAAA: net.IPv6loopback})
		}
		for _, a := range p.aliases {
			z.add(&dns.CNAME{Hdr: z.hdr(dns.Fqdn(a), dns.TypeCNAME), Target: name})
		}
	}
	return z
}

func (z *zone) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: dnsTTL}
}

func (z *zone) add(rr dns.RR) {
	name := rr.Header().Name
	z.records[name] = append(z.records[name], rr)
}

func (z *zone) soa() dns.RR { return z.records[z.origin][0] }

// answer fills m for one question, following CNAMEs inside the zone.
func (z *zone) answer(m *dns.Msg, q dns.Question) {
	name := toLowerASCII(q.Name)
	if !dns.IsSubDomain(z.origin, name) {
		m.Rcode = dns.RcodeRefused // not recursive: nothing leaves loopback
		return
	}
	m.Authoritative = true
	for range 8 { // CNAME chain bound
		rrs, exists := z.records[name]
		if !exists {
			m.Rcode = dns.RcodeNameError
			m.Ns = append(m.Ns, z.soa())
			return
		}
		var cname *dns.CNAME
		matched := false
		for _, rr := range rrs {
			if c, ok := rr.(*dns.CNAME); ok {
				cname = c
			}
			if rr.Header().Rrtype == q.Qtype || q.Qtype == dns.TypeANY {
				m.Answer = append(m.Answer, dns.Copy(rr))
				matched = true
			}
		}
		if cname == nil || q.Qtype == dns.TypeCNAME || q.Qtype == dns.TypeANY {
			if !matched {
				m.Ns = append(m.Ns, z.soa()) // NODATA
			}
			return
		}
		if !matched {
			m.Answer = append(m.Answer, dns.Copy(cname))
		}
		name = cname.Target
	}
}

func (z *zone) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
	} else {
		z.answer(m, r.Question[0])
	}
	_ = w.WriteMsg(m)
}

// dnsServer serves the zone on one UDP and one TCP socket, same port.
type dnsServer struct {
	addr    string
	udp     *dns.Server
	tcp     *dns.Server
	stopped sync.WaitGroup
}

func startDNS(ctx context.Context, z *zone, host string, port int) (*dnsServer, error) {
	var lc net.ListenConfig
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for range 20 {
		pc, err = lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, fmt.Sprint(port)))
		if err != nil {
			return nil, fmt.Errorf("dns: listen udp: %w", err)
		}
		p := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err = lc.Listen(ctx, "tcp", net.JoinHostPort(host, fmt.Sprint(p)))
		if err == nil {
			break
		}
		_ = pc.Close()
		if port != 0 {
			return nil, fmt.Errorf("dns: listen tcp: %w", err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dns: listen tcp: %w", err)
	}
	s := &dnsServer{
		addr: ln.Addr().String(),
		udp:  &dns.Server{PacketConn: pc, Handler: z},
		tcp:  &dns.Server{Listener: ln, Handler: z},
	}
	// Shutdown fails on a server that has not started yet, so wait for both.
	started := make(chan struct{}, 2)
	for _, srv := range []*dns.Server{s.udp, s.tcp} {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		s.stopped.Add(1)
		go func() {
			defer s.stopped.Done()
			if err := srv.ActivateAndServe(); err != nil {
				started <- struct{}{}
			}
		}()
	}
	<-started
	<-started
	return s, nil
}

func (s *dnsServer) close() {
	_ = s.udp.Shutdown()
	_ = s.tcp.Shutdown()
	s.stopped.Wait()
}

// toLowerASCII folds case the way DNS does: ASCII letters only.
func toLowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
