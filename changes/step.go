package changes

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Rules are the thresholds of detection.
type Rules struct {
	// DownAfter is how many checks in a row must fail before a relay is
	// down (at least 1): one lost check is often the network's fault, not
	// the relay's.
	DownAfter int
	// ExpiryWarning is how long before its certificate expires a relay is
	// reported as expiring.
	ExpiryWarning time.Duration
}

// Tracked is what detection remembers of one relay between checks. A
// part never observed is empty and its first observation is the baseline:
// nothing changed from a state the node never saw.
type Tracked struct {
	// Failures counts the checks in a row that did not reach the relay.
	Failures int `json:"failures,omitempty"`
	// Down: a ChangeDown was reported and no ChangeUp since.
	Down bool `json:"down,omitempty"`

	// NIP11 maps each top-level key of the last document to a digest of
	// its value; nil before the first document.
	NIP11        map[string]string `json:"nip11,omitempty"`
	Software     string            `json:"software,omitempty"`
	Requirements string            `json:"requirements,omitempty"`

	HasNIPs  bool  `json:"has_nips,omitempty"`
	Verified []int `json:"verified,omitempty"`

	// Cert is the fingerprint of the last certificate and CertExpires its
	// expiry (unix seconds); Expiring and Expired are set once reported.
	Cert        string `json:"cert,omitempty"`
	CertExpires int64  `json:"cert_expires,omitempty"`
	Expiring    bool   `json:"expiring,omitempty"`
	Expired     bool   `json:"expired,omitempty"`
}

// Step applies one check to a relay's tracked state and returns the new
// state and what changed, in a fixed order (reachability, document,
// software, requirements, NIPs, certificate).
func Step(prev Tracked, o Observation, r Rules) (Tracked, []schema.Change) {
	next := prev
	var out []schema.Change
	add := func(kind string, d schema.ChangeDetail) {
		out = append(out, schema.Change{Relay: o.Relay, At: o.At, Kind: kind, Detail: d})
	}
	if o.HasRTT {
		if o.Reachable {
			if prev.Down {
				add(schema.ChangeUp, schema.ChangeDetail{})
			}
			next.Failures, next.Down = 0, false
		} else {
			next.Failures++
			if !prev.Down && next.Failures >= max(1, r.DownAfter) {
				next.Down = true
				add(schema.ChangeDown, schema.ChangeDetail{Reason: o.Reason, Checks: next.Failures})
			}
		}
	}
	if o.NIP11 != nil {
		digests := digestFields(o.NIP11)
		if prev.NIP11 != nil {
			if fields := changedKeys(prev.NIP11, digests); len(fields) > 0 {
				add(schema.ChangeNIP11, schema.ChangeDetail{Fields: fields})
			}
		}
		sw, req := software(o.Info), requirements(o.Info)
		if prev.NIP11 != nil && sw != prev.Software {
			add(schema.ChangeSoftware, schema.ChangeDetail{From: prev.Software, To: sw})
		}
		if prev.NIP11 != nil && req != prev.Requirements {
			add(schema.ChangeRequirements, schema.ChangeDetail{From: prev.Requirements, To: req})
		}
		next.NIP11, next.Software, next.Requirements = digests, sw, req
	}
	if o.HasNIPs {
		verified := sortedSet(o.Verified)
		if prev.HasNIPs {
			if gained := minus(verified, prev.Verified); len(gained) > 0 {
				add(schema.ChangeNIPsGained, schema.ChangeDetail{NIPs: gained})
			}
			if lost := minus(prev.Verified, verified); len(lost) > 0 {
				add(schema.ChangeNIPsLost, schema.ChangeDetail{NIPs: lost})
			}
		}
		next.HasNIPs, next.Verified = true, verified
	}
	if o.SSL != nil {
		next = stepCert(prev, next, o, r, add)
	}
	return next, out
}

// stepCert follows the certificate: a new fingerprint is a renewal (and
// clears what was reported of the old one); expiring and expired are each
// reported once per certificate, on the first check that sees them, the
// baseline included: a relay first seen with a dying certificate is news.
func stepCert(prev, next Tracked, o Observation, r Rules, add func(string, schema.ChangeDetail)) Tracked {
	c := o.SSL
	var expires *time.Time
	if c.NotAfter > 0 {
		t := time.Unix(c.NotAfter, 0).UTC()
		expires = &t
	}
	if prev.Cert != "" && c.Fingerprint != "" && c.Fingerprint != prev.Cert {
		add(schema.ChangeCertRenewed, schema.ChangeDetail{Expires: expires})
		next.Expiring, next.Expired = false, false
	}
	if c.Fingerprint != "" {
		next.Cert = c.Fingerprint
	}
	next.CertExpires = c.NotAfter
	expired := c.Invalid == probe.InvalidExpired || expires != nil && !o.At.Before(*expires)
	switch {
	case expired:
		if !next.Expired {
			add(schema.ChangeCertExpired, schema.ChangeDetail{Expires: expires})
		}
		next.Expired, next.Expiring = true, true
	case expires != nil && expires.Sub(o.At) <= r.ExpiryWarning:
		if !next.Expiring {
			add(schema.ChangeCertExpiring, schema.ChangeDetail{Expires: expires})
		}
		next.Expiring, next.Expired = true, false
	default:
		// A certificate that is no longer close to expiry (its expiry was
		// extended in place) may warn again later.
		next.Expiring, next.Expired = false, false
	}
	return next
}

// digestFields maps each key to a short digest of its value: enough to
// tell a change, small enough to keep per relay.
func digestFields(doc map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(doc))
	for k, v := range doc {
		sum := sha256.Sum256(v)
		out[k] = hex.EncodeToString(sum[:8])
	}
	return out
}

// changedKeys are the keys added, removed or with another value, sorted.
func changedKeys(a, b map[string]string) []string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func software(i *probe.NIP11Info) string {
	if i == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimSpace(i.Software) + " " + strings.TrimSpace(i.Version))
}

// requirements spells the NIP-11 limitation flags, "-" for one the
// document leaves out.
func requirements(i *probe.NIP11Info) string {
	flag := func(b *bool) string {
		switch {
		case b == nil:
			return "-"
		case *b:
			return "yes"
		}
		return "no"
	}
	var l probe.Limitation
	if i != nil && i.Limitation != nil {
		l = *i.Limitation
	}
	return "auth " + flag(l.AuthRequired) + ", payment " + flag(l.PaymentRequired) + ", restricted writes " + flag(l.RestrictedWrites)
}

func sortedSet(s []int) []int {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// minus is a without b, both sorted.
func minus(a, b []int) []int {
	var out []int
	for _, v := range a {
		if _, found := slices.BinarySearch(b, v); !found {
			out = append(out, v)
		}
	}
	return out
}
