package probe

import (
	"encoding/json"
	"strconv"
)

// NIP11Info is a relay information document as ParseNIP11 understood it:
// every field of the current NIP-11 and the retired ones still found in the
// wild (privacy_policy, posting_policy, retention, relay_countries,
// language_tags, tags, limitation.max_filters), plus the non-standard
// attributes list. A field the relay sent with the wrong type is absent, as
// if it had not been sent. Its JSON form uses the NIP-11 names, so it is
// itself a valid NIP-11 document.
type NIP11Info struct {
	Name           string `json:"name,omitempty"`
	Description    string `json:"description,omitempty"`
	Banner         string `json:"banner,omitempty"`
	Icon           string `json:"icon,omitempty"`
	PubKey         string `json:"pubkey,omitempty"`
	Self           string `json:"self,omitempty"`
	Contact        string `json:"contact,omitempty"`
	Software       string `json:"software,omitempty"`
	Version        string `json:"version,omitempty"`
	TermsOfService string `json:"terms_of_service,omitempty"`
	PaymentsURL    string `json:"payments_url,omitempty"`
	PrivacyPolicy  string `json:"privacy_policy,omitempty"` // retired 2026-02
	PostingPolicy  string `json:"posting_policy,omitempty"` // retired

	// SupportedNIPs is sorted and without duplicates; numeric strings
	// ("11") count, bools and fractions do not.
	SupportedNIPs []int `json:"supported_nips,omitempty"`

	RelayCountries []string `json:"relay_countries,omitempty"` // retired
	LanguageTags   []string `json:"language_tags,omitempty"`   // retired
	Tags           []string `json:"tags,omitempty"`            // retired
	Attributes     []string `json:"attributes,omitempty"`      // non-standard (PascalCase self-description)

	Limitation *Limitation `json:"limitation,omitempty"`
	Retention  []Retention `json:"retention,omitempty"` // retired
	Fees       *Fees       `json:"fees,omitempty"`
}

// Limitation is NIP-11's limitation object. Pointers tell "absent" from
// 0/false, which are data. Numbers must be integers (16384.0 counts, 1.5
// and "16384" do not); booleans must be JSON booleans (0/1 do not count).
type Limitation struct {
	MaxMessageLength    *int64 `json:"max_message_length,omitempty"`
	MaxSubscriptions    *int64 `json:"max_subscriptions,omitempty"`
	MaxFilters          *int64 `json:"max_filters,omitempty"` // retired 2025-04
	MaxLimit            *int64 `json:"max_limit,omitempty"`
	MaxSubidLength      *int64 `json:"max_subid_length,omitempty"`
	MaxEventTags        *int64 `json:"max_event_tags,omitempty"`
	MaxContentLength    *int64 `json:"max_content_length,omitempty"`
	MinPowDifficulty    *int64 `json:"min_pow_difficulty,omitempty"`
	CreatedAtLowerLimit *int64 `json:"created_at_lower_limit,omitempty"`
	CreatedAtUpperLimit *int64 `json:"created_at_upper_limit,omitempty"`
	DefaultLimit        *int64 `json:"default_limit,omitempty"`
	AuthRequired        *bool  `json:"auth_required,omitempty"`
	PaymentRequired     *bool  `json:"payment_required,omitempty"`
	RestrictedWrites    *bool  `json:"restricted_writes,omitempty"`
}

// Retention is one entry of the retired retention list.
type Retention struct {
	Kinds []KindRange `json:"kinds,omitempty"`
	// Time is seconds kept: 0 means not stored. A null time (kept forever)
	// and an absent one both leave it nil.
	Time  *int64 `json:"time,omitempty"`
	Count *int64 `json:"count,omitempty"`
}

// KindRange is a kind (From == To) or an inclusive range of kinds. It is
// written back as NIP-11 writes it: 1 or [10000, 19999].
type KindRange struct{ From, To int64 }

// MarshalJSON writes a single kind as a number and a range as a pair.
func (k KindRange) MarshalJSON() ([]byte, error) {
	if k.From == k.To {
		return strconv.AppendInt(nil, k.From, 10), nil
	}
	return json.Marshal([2]int64{k.From, k.To})
}

// Fees is NIP-11's fees object.
type Fees struct {
	Admission    []Fee `json:"admission,omitempty"`
	Subscription []Fee `json:"subscription,omitempty"`
	Publication  []Fee `json:"publication,omitempty"`
}

// Fee is one fee schedule entry.
type Fee struct {
	Amount *int64 `json:"amount,omitempty"`
	Unit   string `json:"unit,omitempty"`
	Period *int64 `json:"period,omitempty"`
	Kinds  []int  `json:"kinds,omitempty"`
}

// AuthRequired is limitation.auth_required, false when absent.
func (i *NIP11Info) AuthRequired() bool {
	return i.flag(func(l *Limitation) *bool { return l.AuthRequired })
}

// PaymentRequired is limitation.payment_required, false when absent.
func (i *NIP11Info) PaymentRequired() bool {
	return i.flag(func(l *Limitation) *bool { return l.PaymentRequired })
}

// RestrictedWrites is limitation.restricted_writes, false when absent.
func (i *NIP11Info) RestrictedWrites() bool {
	return i.flag(func(l *Limitation) *bool { return l.RestrictedWrites })
}

// MinPoW is limitation.min_pow_difficulty, 0 when absent.
func (i *NIP11Info) MinPoW() int64 {
	if i == nil || i.Limitation == nil || i.Limitation.MinPowDifficulty == nil {
		return 0
	}
	return *i.Limitation.MinPowDifficulty
}

// Supports reports whether nip is in supported_nips.
func (i *NIP11Info) Supports(nip int) bool {
	if i == nil {
		return false
	}
	for _, n := range i.SupportedNIPs {
		if n == nip {
			return true
		}
	}
	return false
}

func (i *NIP11Info) flag(get func(*Limitation) *bool) bool {
	if i == nil || i.Limitation == nil {
		return false
	}
	p := get(i.Limitation)
	return p != nil && *p
}
