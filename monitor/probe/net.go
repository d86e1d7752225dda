package probe

import (
	"context"
	"net/netip"
	"strings"
)

// NetOutcome is the network the relay's addresses belong to, from the
// GeoIP ASN database.
type NetOutcome struct {
	Status
	IPv4  string `json:"ipv4,omitempty"`   // the first IPv4 address
	IPv6  string `json:"ipv6,omitempty"`   // the first IPv6 address
	ASN   uint   `json:"asn,omitempty"`    // autonomous system number
	ASOrg string `json:"as_org,omitempty"` // its organization
}

// Check is CheckNet.
func (*NetOutcome) Check() Check { return CheckNet }

// Net looks up the relay's first IPv4 and first IPv6 address in the ASN
// database; the ASN is the IPv4 address's, or the IPv6 one's when the IPv4
// address has none. Clearnet only; ErrDisabled without an ASN database.
func Net(ctx context.Context, t Target) (*NetOutcome, error) {
	out := &NetOutcome{}
	err := lookupProbe(ctx, t, CheckNet, &out.Status, func(a netip.Addr) (bool, error) {
		if a.Is4() && out.IPv4 == "" {
			out.IPv4 = a.String()
		} else if !a.Is4() && out.IPv6 == "" {
			out.IPv6 = a.String()
		} else {
			return false, nil
		}
		rec, err := t.GeoIP.asn.ASN(a.AsSlice())
		if err != nil {
			return false, err
		}
		if out.ASN == 0 && rec.AutonomousSystemNumber != 0 {
			out.ASN = rec.AutonomousSystemNumber
			out.ASOrg = strings.ReplaceAll(rec.AutonomousSystemOrganization, "\x00", "")
		}
		return false, nil // look at every family before deciding
	})
	if err != nil {
		return nil, err
	}
	if out.ASN != 0 {
		out.Status = Status{Success: true, Took: out.Took}
	}
	return out, nil
}
