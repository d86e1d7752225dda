package schema

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Sentinel errors of ParseRelayURL (and of Canonical, for ErrNullByte).
// They arrive wrapped with a detail and the offending input; branch on them
// with errors.Is and label metrics with Reason.
var (
	ErrEmpty         = errors.New("empty relay url")
	ErrInvalidScheme = errors.New("invalid scheme: must be ws or wss")
	ErrInvalidHost   = errors.New("invalid host")
	ErrLocalAddress  = errors.New("local addresses not allowed")
	ErrTooLong       = errors.New("exceeds maximum length")
	ErrInvalidPort   = errors.New("invalid port")
	ErrNullByte      = errors.New("null bytes not allowed")
	// ErrNotCanonical comes only from ParseCanonicalRelayURL: the input is a
	// valid relay URL but not spelled in its canonical form.
	ErrNotCanonical = errors.New("not in canonical form")
)

// reasons maps each sentinel to its metrics label. The labels are part of
// the metrics contract: never rename one, only add.
var reasons = []struct {
	err   error
	label string
}{
	{ErrEmpty, "empty"},
	{ErrNullByte, "null_byte"},
	{ErrInvalidScheme, "invalid_scheme"},
	{ErrTooLong, "too_long"},
	{ErrInvalidPort, "invalid_port"},
	{ErrLocalAddress, "local_address"},
	{ErrInvalidHost, "invalid_host"},
	{ErrNotCanonical, "not_canonical"},
}

// ReasonOther labels an error that wraps none of the sentinels.
const ReasonOther = "other"

// RejectReasons lists every label Reason can return for a non-nil error, so
// that a metrics vector can be pre-initialised with all of them.
func RejectReasons() []string {
	out := make([]string, 0, len(reasons)+1)
	for _, r := range reasons {
		out = append(out, r.label)
	}
	return append(out, ReasonOther)
}

// Reason maps an error to a short, fixed label for "rejects by reason"
// metrics: "" for nil, one label per sentinel, ReasonOther for the rest.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return ReasonOther
}

// maxQuoted bounds how much of an untrusted input an error message repeats:
// enough to recognise it in a log, never a 2 MB URL.
const maxQuoted = 100

// quoteInput returns raw quoted (so control characters are escaped),
// truncated to maxQuoted bytes on a rune boundary.
func quoteInput(raw string) string {
	if len(raw) <= maxQuoted {
		return fmt.Sprintf("%q", raw)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return fmt.Sprintf("%q...(%d bytes)", raw[:cut], len(raw))
}

// reject wraps a sentinel with a detail and the raw input.
func reject(sentinel error, raw, detail string) error {
	if detail == "" {
		return fmt.Errorf("%w: relay url %s", sentinel, quoteInput(raw))
	}
	return fmt.Errorf("%w: %s: relay url %s", sentinel, detail, quoteInput(raw))
}
