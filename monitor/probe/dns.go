package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/bigbrotr/bigbrotr/transport"
)

// DNSOutcome is what the DNS says about the relay's host name.
type DNSOutcome struct {
	// Status: Success when the name has an A or AAAA record.
	Status
	IPv4  []string `json:"ipv4,omitempty"`  // A records, in answer order
	IPv6  []string `json:"ipv6,omitempty"`  // AAAA records
	CNAME string   `json:"cname,omitempty"` // the host's CNAME target
	NS    []string `json:"ns,omitempty"`    // name servers of the zone holding the host, sorted
	Zone  string   `json:"zone,omitempty"`  // that zone
	TTL   uint32   `json:"ttl,omitempty"`   // of the A records (AAAA when there is no A)
	// QueryTime is the A query's round trip; QueryMS the same in whole
	// milliseconds (nil when there was no answer).
	QueryTime time.Duration `json:"-"`
	QueryMS   *int64        `json:"query_ms,omitempty"`
}

// Check is CheckDNS.
func (*DNSOutcome) Check() Check { return CheckDNS }

// Addrs are the A and AAAA addresses, IPv4 first.
func (o *DNSOutcome) Addrs() []netip.Addr {
	var out []netip.Addr
	for _, s := range append(append([]string(nil), o.IPv4...), o.IPv6...) {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// DNS asks the transport's resolver (the configured server, else the first
// of /etc/resolv.conf) for the host's A, AAAA and CNAME records, in
// parallel, and for the NS records of the zone holding it: the host's own
// if it is a zone apex, else the zone named by the SOA of the negative
// answer, so no public-suffix list is needed. Clearnet host names only.
func DNS(ctx context.Context, t Target) (*DNSOutcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	if !Applies(CheckDNS, t.URL) {
		return nil, fmt.Errorf("probe dns %s: %w", t.URL, ErrNotApplicable)
	}
	start := time.Now()
	pctx, cancel := bound(ctx)
	defer cancel()
	out := &DNSOutcome{}
	defer func() { out.Took = time.Since(start) }()

	res := t.Transport.Resolver()
	host := t.URL.Host()
	qtypes := []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME, dns.TypeNS}
	answers := make([]*transport.Answer, len(qtypes))
	errs := make([]error, len(qtypes))
	var wg sync.WaitGroup
	for i, qt := range qtypes {
		wg.Go(func() { answers[i], errs[i] = res.Query(pctx, host, qt) })
	}
	wg.Wait()
	if e := abandoned(ctx, CheckDNS, t.URL); e != nil {
		return nil, e
	}
	a, aaaa, cname, ns := answers[0], answers[1], answers[2], answers[3]
	if a == nil && aaaa == nil {
		err := errors.Join(errs[0], errs[1])
		out.Status = failed(reasonOf(err), err.Error())
		if out.Reason == ReasonError {
			out.Reason = ReasonDNS
		}
		return out, nil
	}
	for _, ans := range []*transport.Answer{a, aaaa} {
		if ans != nil && ans.Rcode == dns.RcodeNameError {
			out.Status = failed(ReasonDNS, "NXDOMAIN from "+ans.Server)
			return out, nil
		}
	}
	if failedRcode(a) && failedRcode(aaaa) {
		ans := a
		if ans == nil {
			ans = aaaa
		}
		out.Status = failed(ReasonDNS, dns.RcodeToString[ans.Rcode]+" from "+ans.Server)
		return out, nil
	}
	if a != nil {
		out.QueryTime = a.Duration
		ms := a.Duration.Milliseconds()
		out.QueryMS = &ms
		out.IPv4, out.TTL = records(a, dns.TypeA)
	}
	if aaaa != nil {
		var ttl uint32
		out.IPv6, ttl = records(aaaa, dns.TypeAAAA)
		if len(out.IPv4) == 0 {
			out.TTL = ttl
		}
	}
	if cname != nil {
		for _, r := range cname.Records {
			if r.Type == "CNAME" && strings.EqualFold(r.Name, host) {
				out.CNAME = strings.ToLower(r.Value)
				break
			}
		}
	}
	out.Zone, out.NS = zoneServers(pctx, res, host, ns)
	if len(out.IPv4) == 0 && len(out.IPv6) == 0 {
		out.Status = failed(ReasonNoRecords, "no A or AAAA record")
		return out, nil
	}
	out.Status = ok()
	return out, nil
}

// failedRcode: no answer, or one with an error code (SERVFAIL, REFUSED...).
func failedRcode(ans *transport.Answer) bool { return ans == nil || ans.Rcode != dns.RcodeSuccess }

// records returns the values of one type in an answer (the CNAME chain's
// targets excluded) and their smallest TTL.
func records(ans *transport.Answer, qtype uint16) ([]string, uint32) {
	var out []string
	var ttl uint32
	for _, r := range ans.Records {
		if r.Type != dns.TypeToString[qtype] {
			continue
		}
		if len(out) == 0 || r.TTL < ttl {
			ttl = r.TTL
		}
		out = append(out, r.Value)
	}
	return out, ttl
}

// zoneServers finds the zone of host and its name servers: host itself
// when its NS answer has records, else the owner of the SOA in the
// authority section of that (negative) answer.
func zoneServers(ctx context.Context, res *transport.Resolver, host string, ans *transport.Answer) (string, []string) {
	if ans == nil || ans.Msg == nil {
		return "", nil
	}
	zone := host
	ns := nsNames(ans)
	if len(ns) == 0 {
		zone = ""
		for _, rr := range ans.Msg.Ns {
			if soa, isSOA := rr.(*dns.SOA); isSOA {
				zone = strings.TrimSuffix(strings.ToLower(soa.Hdr.Name), ".")
			}
		}
		if zone == "" || zone == host {
			return zone, nil
		}
		apex, err := res.Query(ctx, zone, dns.TypeNS)
		if err != nil {
			return zone, nil
		}
		ns = nsNames(apex)
	}
	slices.Sort(ns)
	return zone, slices.Compact(ns)
}

func nsNames(ans *transport.Answer) []string {
	var out []string
	for _, r := range ans.Records {
		if r.Type == "NS" {
			out = append(out, strings.ToLower(r.Value))
		}
	}
	return out
}

// lookupAddrs resolves host through the transport's resolver within the
// lookup timeout, IPv4 first; an IP literal is its own answer.
func lookupAddrs(ctx context.Context, t Target) ([]netip.Addr, error) {
	if len(t.Addrs) > 0 {
		return ipv4First(slices.Clone(t.Addrs)), nil
	}
	if a, err := netip.ParseAddr(t.URL.Host()); err == nil {
		return []netip.Addr{a}, nil
	}
	if t.Transport == nil {
		return nil, fmt.Errorf("probe %s: %w: no transport and no addresses", t.URL, ErrBadTarget)
	}
	d := t.LookupTimeout
	if d <= 0 {
		d = DefaultLookupTimeout
	}
	lctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	addrs, err := t.Transport.Resolver().LookupIP(lctx, t.URL.Host())
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && lctx.Err() != nil {
			de.IsTimeout = true
		}
		return nil, err
	}
	return ipv4First(addrs), nil
}

func ipv4First(addrs []netip.Addr) []netip.Addr {
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int { return boolInt(!a.Unmap().Is4()) - boolInt(!b.Unmap().Is4()) })
	return addrs
}
