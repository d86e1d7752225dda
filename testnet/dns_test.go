package testnet

import (
	"net"
	"slices"
	"testing"

	"github.com/miekg/dns"
)

func TestDNSAnswers(t *testing.T) {
	n := startNet(t, Options{Relays: 60, Seed: 5, NetworkMix: map[NetworkName]float64{Clearnet: 9, Tor: 1}})
	m := n.Manifest()
	var plain, dual, aliased, overlay RelayInfo
	for _, r := range m.Relays {
		switch {
		case r.Network != Clearnet:
			overlay = r
		case r.IPv6 != "" && dual.URL == "":
			dual = r
		case len(r.Aliases) > 0 && aliased.URL == "":
			aliased = r
		case plain.URL == "":
			plain = r
		}
	}
	if dual.URL == "" || aliased.URL == "" || overlay.URL == "" {
		t.Fatalf("network lacks a dual-stack, aliased or overlay relay")
	}
	tests := []struct {
		name    string
		qname   string
		qtype   uint16
		rcode   int
		answers []string // rendered RR data, in order
		auth    bool     // an SOA in the authority section
	}{
		{"A", plain.Host, dns.TypeA, dns.RcodeSuccess, []string{plain.IP}, false},
		{"A upper case", "RELAY-" + plain.Host[len("relay-"):], dns.TypeA, dns.RcodeSuccess, []string{plain.IP}, false},
		{"AAAA dual-stack", dual.Host, dns.TypeAAAA, dns.RcodeSuccess, []string{"::1"}, false},
		{"AAAA v4-only is NODATA", plain.Host, dns.TypeAAAA, dns.RcodeSuccess, nil, true},
		{"CNAME then A", aliased.Aliases[0], dns.TypeA, dns.RcodeSuccess, []string{aliased.Host + ".", aliased.IP}, false},
		{"CNAME only", aliased.Aliases[0], dns.TypeCNAME, dns.RcodeSuccess, []string{aliased.Host + "."}, false},
		{"NS", Zone, dns.TypeNS, dns.RcodeSuccess, []string{"ns1." + Zone + "."}, false},
		{"NS glue", "ns1." + Zone, dns.TypeA, dns.RcodeSuccess, []string{serviceIP(n.opts.Octet).String()}, false},
		{"SOA", Zone, dns.TypeSOA, dns.RcodeSuccess, []string{"ns1." + Zone + "."}, false},
		{"NXDOMAIN", "gone-1." + Zone, dns.TypeA, dns.RcodeNameError, nil, true},
		{"overlay names are not in DNS", overlay.Host, dns.TypeA, dns.RcodeRefused, nil, false},
		{"no recursion", "example.com", dns.TypeA, dns.RcodeRefused, nil, false},
	}
	for _, proto := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: proto}
		for _, tt := range tests {
			t.Run(proto+"/"+tt.name, func(t *testing.T) {
				q := new(dns.Msg)
				q.SetQuestion(dns.Fqdn(tt.qname), tt.qtype)
				resp, _, err := c.Exchange(q, n.DNSAddr())
				if err != nil {
					t.Fatal(err)
				}
				if resp.Rcode != tt.rcode {
					t.Fatalf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[tt.rcode])
				}
				var got []string
				for _, rr := range resp.Answer {
					switch v := rr.(type) {
					case *dns.A:
						got = append(got, v.A.String())
					case *dns.AAAA:
						got = append(got, v.AAAA.String())
					case *dns.CNAME:
						got = append(got, v.Target)
					case *dns.NS:
						got = append(got, v.Ns)
					case *dns.SOA:
						got = append(got, v.Ns)
					}
				}
				if !slices.Equal(got, tt.answers) {
					t.Errorf("answers %v, want %v", got, tt.answers)
				}
				hasSOA := len(resp.Ns) == 1 && resp.Ns[0].Header().Rrtype == dns.TypeSOA
				if hasSOA != tt.auth {
					t.Errorf("authority %v", resp.Ns)
				}
				if tt.rcode != dns.RcodeRefused && !resp.Authoritative {
					t.Errorf("answer not authoritative")
				}
			})
		}
	}
	t.Run("resolver", func(t *testing.T) {
		addrs, err := n.Resolver().LookupHost(testCtx(t), plain.Host)
		if err != nil || !slices.Equal(addrs, []string{plain.IP}) {
			t.Errorf("LookupHost = %v, %v", addrs, err)
		}
		if _, err := n.Resolver().LookupHost(testCtx(t), "gone-1."+Zone); err == nil {
			t.Errorf("gone host resolved")
		} else if de, ok := err.(*net.DNSError); !ok || !de.IsNotFound {
			t.Errorf("error %v is not NotFound", err)
		}
	})
}

func FuzzZoneAnswer(f *testing.F) {
	p := &relayPlan{idx: 0, network: Clearnet, host: relayHost(0), ip: relayIP(77, 0), ipv6: true,
		aliases: []string{aliasHost(0)}}
	z := newZone([]*relayPlan{p}, relayIP(77, 1))
	f.Add("relay-1.testnet.", uint16(dns.TypeA))
	f.Add("www.relay-1.testnet.", uint16(dns.TypeAAAA))
	f.Add("testnet.", uint16(dns.TypeANY))
	f.Add("x.example.", uint16(dns.TypeMX))
	f.Fuzz(func(t *testing.T, name string, qtype uint16) {
		m := new(dns.Msg)
		z.answer(m, dns.Question{Name: name, Qtype: qtype, Qclass: dns.ClassINET})
		inZone := dns.IsSubDomain(z.origin, toLowerASCII(name))
		if inZone != m.Authoritative {
			t.Fatalf("%q: in zone %v, authoritative %v", name, inZone, m.Authoritative)
		}
		if !inZone && m.Rcode != dns.RcodeRefused {
			t.Fatalf("%q outside the zone answered rcode %d", name, m.Rcode)
		}
	})
}
