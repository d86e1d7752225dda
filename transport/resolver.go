package transport

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Resolver answers the names the transport dials and the raw record queries
// of the DNS probe. With a configured server it speaks DNS itself (UDP, TCP
// when the answer is truncated); otherwise LookupIP uses the system resolver
// and Query asks the first nameserver of /etc/resolv.conf, since the system
// resolver does not expose TTLs.
type Resolver struct {
	server  string // host:port; empty means the system resolver
	timeout time.Duration
	system  *net.Resolver
	// resolvConf is read on the first raw query without a configured server.
	resolvConf string
}

// Answer is the outcome of one raw DNS query.
type Answer struct {
	Server   string        // the server that answered, host:port
	Rcode    int           // dns.RcodeSuccess, dns.RcodeNameError (NXDOMAIN), ...
	Records  []Record      // the answer section, in order
	Duration time.Duration // round-trip time of the exchange that answered
	Msg      *dns.Msg      // the whole response, for anything Records omits
}

// Record is one resource record of an answer section.
type Record struct {
	Name  string // owner name, without the trailing dot
	Type  string // "A", "AAAA", "CNAME", "NS", "PTR", ...
	TTL   uint32
	Value string // address, target name (no trailing dot) or the RR's data
}

func newResolver(server string, timeout time.Duration) *Resolver {
	return &Resolver{server: server, timeout: timeout, system: net.DefaultResolver, resolvConf: "/etc/resolv.conf"}
}

// Server returns the configured DNS server, or "" for the system resolver.
func (r *Resolver) Server() string { return r.server }

// LookupIP returns the IPv4 and IPv6 addresses of host. An IP literal is
// returned as is. Failures are *net.DNSError in both modes, so callers test
// IsNotFound and IsTimeout the same way whichever resolver is configured.
func (r *Resolver) LookupIP(ctx context.Context, host string) ([]netip.Addr, error) {
	host = strings.Trim(host, "[]")
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, nil
	}
	if r.server == "" {
		return r.system.LookupNetIP(ctx, "ip", host)
	}
	var (
		wg     sync.WaitGroup
		addrs  [2][]netip.Addr
		errs   [2]error
		qtypes = [2]uint16{dns.TypeA, dns.TypeAAAA}
	)
	for i, qt := range qtypes {
		wg.Go(func() { addrs[i], errs[i] = r.lookupType(ctx, host, qt) })
	}
	wg.Wait()
	all := append(addrs[0], addrs[1]...)
	if len(all) > 0 {
		return all, nil
	}
	for _, err := range errs {
		var de *net.DNSError
		if errors.As(err, &de) && !de.IsNotFound {
			return nil, err // a failure says more than an empty answer
		}
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, Server: r.server, IsNotFound: true}
}

// lookupType queries one address type, following a CNAME chain the server
// left unresolved.
func (r *Resolver) lookupType(ctx context.Context, host string, qtype uint16) ([]netip.Addr, error) {
	name := host
	for range 8 {
		ans, err := r.exchange(ctx, r.server, name, qtype)
		if err != nil {
			return nil, dnsError(host, r.server, err)
		}
		switch ans.Rcode {
		case dns.RcodeSuccess:
		case dns.RcodeNameError:
			return nil, &net.DNSError{Err: "no such host", Name: host, Server: r.server, IsNotFound: true}
		default:
			return nil, &net.DNSError{Err: "server answered " + dns.RcodeToString[ans.Rcode], Name: host, Server: r.server, IsTemporary: ans.Rcode == dns.RcodeServerFailure}
		}
		var out []netip.Addr
		next := ""
		for _, rr := range ans.Msg.Answer {
			switch v := rr.(type) {
			case *dns.A:
				if a, ok := netip.AddrFromSlice(v.A.To4()); ok {
					out = append(out, a)
				}
			case *dns.AAAA:
				if a, ok := netip.AddrFromSlice(v.AAAA.To16()); ok {
					out = append(out, a)
				}
			case *dns.CNAME:
				next = v.Target
			}
		}
		if len(out) > 0 || next == "" {
			return out, nil
		}
		name = next
	}
	return nil, &net.DNSError{Err: "CNAME chain too long", Name: host, Server: r.server}
}

// Query sends one query for name and qtype (dns.TypeA, dns.TypeNS, ...)
// and returns the answer whatever its rcode: NXDOMAIN is data for a probe.
// Use dns.ReverseAddr to build the name of a PTR query.
func (r *Resolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	server := r.server
	if server == "" {
		cc, err := dns.ClientConfigFromFile(r.resolvConf)
		if err != nil || len(cc.Servers) == 0 {
			return nil, fmt.Errorf("dns query %s: no nameserver in %s: %v", name, r.resolvConf, err)
		}
		server = net.JoinHostPort(cc.Servers[0], cc.Port)
	}
	ans, err := r.exchange(ctx, server, name, qtype)
	if err != nil {
		return nil, fmt.Errorf("dns query %s %s: %w", dns.TypeToString[qtype], name, dnsError(name, server, err))
	}
	return ans, nil
}

// exchange sends one query over UDP and repeats it over TCP when the answer
// was truncated.
func (r *Resolver) exchange(ctx context.Context, server, name string, qtype uint16) (*Answer, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false) // the DNS flag day 2020 size: no IP fragmentation
	// Two UDP tries, each with half the budget: a lost datagram is common
	// and must not cost the whole dial timeout.
	c := &dns.Client{Net: "udp", Timeout: r.timeout / 2}
	resp, rtt, err := c.ExchangeContext(ctx, m, server)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
		resp, rtt, err = c.ExchangeContext(ctx, m, server)
	}
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, rtt, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, err
	}
	ans := &Answer{Server: server, Rcode: resp.Rcode, Duration: rtt, Msg: resp}
	for _, rr := range resp.Answer {
		ans.Records = append(ans.Records, toRecord(rr))
	}
	return ans, nil
}

func toRecord(rr dns.RR) Record {
	h := rr.Header()
	rec := Record{Name: strings.TrimSuffix(h.Name, "."), Type: dns.TypeToString[h.Rrtype], TTL: h.Ttl}
	switch v := rr.(type) {
	case *dns.A:
		rec.Value = v.A.String()
	case *dns.AAAA:
		rec.Value = v.AAAA.String()
	case *dns.CNAME:
		rec.Value = strings.TrimSuffix(v.Target, ".")
	case *dns.NS:
		rec.Value = strings.TrimSuffix(v.Ns, ".")
	case *dns.PTR:
		rec.Value = strings.TrimSuffix(v.Ptr, ".")
	case *dns.TXT:
		rec.Value = strings.Join(v.Txt, "")
	default:
		// The RR's text form minus its header: "10 mail.example.com." for MX.
		rec.Value = strings.TrimPrefix(rr.String(), h.String())
	}
	return rec
}

// dnsError turns a transport failure into a *net.DNSError, the type the
// system resolver returns too.
func dnsError(name, server string, err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		return err
	}
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	return &net.DNSError{Err: err.Error(), Name: name, Server: server, IsTimeout: timeout, UnwrapErr: err}
}
