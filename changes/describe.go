package changes

import (
	"strconv"
	"strings"

	"github.com/bigbrotr/bigbrotr/schema"
)

// Describe is one line saying what a change means, for people: the feed
// entries, the pages and the operator alerts all use it.
func Describe(c schema.Change) string {
	d := c.Detail
	switch c.Kind {
	case schema.ChangeDown:
		s := "unreachable for " + strconv.Itoa(d.Checks) + " checks in a row"
		if d.Reason != "" {
			s += " (" + d.Reason + ")"
		}
		return s
	case schema.ChangeUp:
		return "reachable again"
	case schema.ChangeNIP11:
		return "NIP-11 document changed: " + strings.Join(d.Fields, ", ")
	case schema.ChangeSoftware:
		return "software changed from " + orNone(d.From) + " to " + orNone(d.To)
	case schema.ChangeRequirements:
		return "requirements changed from " + d.From + " to " + d.To
	case schema.ChangeNIPsGained:
		return "NIPs now verified: " + joinInts(d.NIPs)
	case schema.ChangeNIPsLost:
		return "NIPs no longer verified: " + joinInts(d.NIPs)
	case schema.ChangeCertRenewed:
		return "certificate renewed" + expiry(d, ", expires ")
	case schema.ChangeCertExpiring:
		return "certificate expiring" + expiry(d, " on ")
	case schema.ChangeCertExpired:
		return "certificate expired" + expiry(d, " on ")
	}
	return c.Kind
}

func expiry(d schema.ChangeDetail, prefix string) string {
	if d.Expires == nil {
		return ""
	}
	return prefix + d.Expires.UTC().Format("2006-01-02 15:04 UTC")
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}
