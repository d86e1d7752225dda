package probe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Errors of ParseNIP11.
var (
	ErrInvalidJSON = errors.New("invalid JSON")
	ErrNotObject   = errors.New("JSON value is not an object")
)

// maxNIP is the largest NIP number taken from supported_nips; anything
// larger is junk, not a NIP.
const maxNIP = 9999

// ParseNIP11 reads a relay information document tolerantly: unknown fields
// are ignored and a field of the wrong type is dropped, never fatal. Only
// a body that is not JSON (ErrInvalidJSON) or not a JSON object
// (ErrNotObject) is an error. A UTF-8 byte order mark is skipped, NUL
// characters are removed from strings (they cannot be stored), and empty
// strings count as absent.
func ParseNIP11(body []byte) (*NIP11Info, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the document", ErrInvalidJSON)
	}
	doc, isObj := v.(map[string]any)
	if !isObj {
		return nil, fmt.Errorf("%w: got %s", ErrNotObject, jsonKind(v))
	}
	info := &NIP11Info{}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"name", &info.Name}, {"description", &info.Description}, {"banner", &info.Banner},
		{"icon", &info.Icon}, {"pubkey", &info.PubKey}, {"self", &info.Self}, {"contact", &info.Contact},
		{"software", &info.Software}, {"version", &info.Version}, {"terms_of_service", &info.TermsOfService},
		{"payments_url", &info.PaymentsURL}, {"privacy_policy", &info.PrivacyPolicy},
		{"posting_policy", &info.PostingPolicy},
	} {
		*f.dst, _ = str(doc[f.key])
	}
	info.SupportedNIPs = nips(doc["supported_nips"])
	info.RelayCountries = strList(doc["relay_countries"])
	info.LanguageTags = strList(doc["language_tags"])
	info.Tags = strList(doc["tags"])
	info.Attributes = strList(doc["attributes"])
	info.Limitation = limitation(doc["limitation"])
	info.Retention = retention(doc["retention"])
	info.Fees = fees(doc["fees"])
	return info, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an unknown value"
}

// str accepts a non-empty JSON string, without its NUL characters.
func str(v any) (string, bool) {
	s, isStr := v.(string)
	if !isStr {
		return "", false
	}
	s = strings.ReplaceAll(s, "\x00", "")
	return s, s != ""
}

// integer accepts a JSON number with an integral value that fits int64:
// 5000, -1, 16384.0 and 1e5 do; 1.5, 1e300, "5000" and true do not.
func integer(v any) (int64, bool) {
	n, isNum := v.(json.Number)
	if !isNum {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

func intPtr(v any) *int64 {
	if i, isInt := integer(v); isInt {
		return &i
	}
	return nil
}

func boolPtr(v any) *bool {
	if b, isBool := v.(bool); isBool {
		return &b
	}
	return nil
}

// strList keeps the non-empty strings of a JSON array, in order.
func strList(v any) []string {
	arr, _ := v.([]any)
	var out []string
	for _, e := range arr {
		if s, isStr := str(e); isStr {
			out = append(out, s)
		}
	}
	return out
}

// nips reads supported_nips: integers and numeric strings ("11", as many
// relays write them) in 0..maxNIP, sorted, without duplicates.
func nips(v any) []int {
	arr, _ := v.([]any)
	var out []int
	for _, e := range arr {
		n, isInt := integer(e)
		if s, isStr := e.(string); isStr && isDecimal(s) {
			n, isInt = parseSmall(s)
		}
		if isInt && n >= 0 && n <= maxNIP {
			out = append(out, int(n))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseSmall(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func limitation(v any) *Limitation {
	m, isObj := v.(map[string]any)
	if !isObj {
		return nil
	}
	l := &Limitation{
		MaxMessageLength:    intPtr(m["max_message_length"]),
		MaxSubscriptions:    intPtr(m["max_subscriptions"]),
		MaxFilters:          intPtr(m["max_filters"]),
		MaxLimit:            intPtr(m["max_limit"]),
		MaxSubidLength:      intPtr(m["max_subid_length"]),
		MaxEventTags:        intPtr(m["max_event_tags"]),
		MaxContentLength:    intPtr(m["max_content_length"]),
		MinPowDifficulty:    intPtr(m["min_pow_difficulty"]),
		CreatedAtLowerLimit: intPtr(m["created_at_lower_limit"]),
		CreatedAtUpperLimit: intPtr(m["created_at_upper_limit"]),
		DefaultLimit:        intPtr(m["default_limit"]),
		AuthRequired:        boolPtr(m["auth_required"]),
		PaymentRequired:     boolPtr(m["payment_required"]),
		RestrictedWrites:    boolPtr(m["restricted_writes"]),
	}
	if *l == (Limitation{}) {
		return nil
	}
	return l
}

func retention(v any) []Retention {
	arr, _ := v.([]any)
	var out []Retention
	for _, e := range arr {
		m, isObj := e.(map[string]any)
		if !isObj {
			continue
		}
		r := Retention{Time: intPtr(m["time"]), Count: intPtr(m["count"])}
		kinds, _ := m["kinds"].([]any)
		for _, k := range kinds {
			if kr, isKind := kindRange(k); isKind {
				r.Kinds = append(r.Kinds, kr)
			}
		}
		if r.Time != nil || r.Count != nil || len(r.Kinds) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// kindRange accepts a kind or a [from, to] pair with from <= to.
func kindRange(v any) (KindRange, bool) {
	if k, isInt := integer(v); isInt {
		return KindRange{k, k}, validKind(k)
	}
	pair, _ := v.([]any)
	if len(pair) != 2 {
		return KindRange{}, false
	}
	from, ok1 := integer(pair[0])
	to, ok2 := integer(pair[1])
	return KindRange{from, to}, ok1 && ok2 && validKind(from) && validKind(to) && from <= to
}

func validKind(k int64) bool { return k >= 0 && k <= math.MaxUint16 }

func fees(v any) *Fees {
	m, isObj := v.(map[string]any)
	if !isObj {
		return nil
	}
	f := &Fees{
		Admission:    feeList(m["admission"]),
		Subscription: feeList(m["subscription"]),
		Publication:  feeList(m["publication"]),
	}
	if f.Admission == nil && f.Subscription == nil && f.Publication == nil {
		return nil
	}
	return f
}

func feeList(v any) []Fee {
	arr, _ := v.([]any)
	var out []Fee
	for _, e := range arr {
		m, isObj := e.(map[string]any)
		if !isObj {
			continue
		}
		fee := Fee{Amount: intPtr(m["amount"]), Period: intPtr(m["period"])}
		fee.Unit, _ = str(m["unit"])
		kinds, _ := m["kinds"].([]any)
		for _, k := range kinds {
			if n, isInt := integer(k); isInt && validKind(n) {
				fee.Kinds = append(fee.Kinds, int(n))
			}
		}
		if fee.Amount != nil || fee.Unit != "" || fee.Period != nil || len(fee.Kinds) > 0 {
			out = append(out, fee)
		}
	}
	return out
}
