package relayclient

import (
	"context"
	"errors"
	"fmt"
)

// Sentinels: every way an exchange with a relay ends, for errors.Is. The
// errors returned wrap one of them and carry the relay URL.
var (
	// ErrNoAnswer: nothing answered the request before first_answer.
	ErrNoAnswer = errors.New("no answer")
	// ErrIdle: the request was answered, then nothing more came for idle.
	ErrIdle = errors.New("relay idle")
	// ErrBudget is what every exhausted budget below wraps.
	ErrBudget = errors.New("budget exhausted")
	// ErrReqTime, ErrReqEvents, ErrReqBytes: one request ran past
	// req_time, req_events or req_bytes. The connection stays usable.
	ErrReqTime   = fmt.Errorf("%w: request time", ErrBudget)
	ErrReqEvents = fmt.Errorf("%w: request events", ErrBudget)
	ErrReqBytes  = fmt.Errorf("%w: request bytes", ErrBudget)
	// ErrConnTime, ErrConnEvents, ErrConnBytes: the connection ran past
	// conn_time, conn_events or conn_bytes and has been closed.
	ErrConnTime   = fmt.Errorf("%w: connection time", ErrBudget)
	ErrConnEvents = fmt.Errorf("%w: connection events", ErrBudget)
	ErrConnBytes  = fmt.Errorf("%w: connection bytes", ErrBudget)
	// ErrOverLimit: the relay sent more events than the filter's limit.
	// The events up to the limit were delivered; the request is closed.
	ErrOverLimit = errors.New("more events than the filter's limit")
	// ErrClosed: the relay ended the request with CLOSED (*ClosedError).
	ErrClosed = errors.New("closed by relay")
	// ErrRefused: the relay answered EVENT or AUTH with OK false
	// (*RefusedError).
	ErrRefused = errors.New("refused by relay")
	// ErrAuth: NIP-42 could not be completed: no signer, no challenge, or
	// the relay refused our AUTH.
	ErrAuth = errors.New("authentication failed")
	// ErrNegUnsupported: the relay refused or ignored NEG-OPEN.
	ErrNegUnsupported = errors.New("negentropy not supported")
	// ErrConnLost: the connection ended (read error, close frame).
	ErrConnLost = errors.New("connection lost")
)

// ClosedError is a CLOSED answer; Prefix gives its machine-readable prefix.
type ClosedError struct{ Reason string }

func (e *ClosedError) Error() string {
	if e.Reason == "" {
		return "closed by relay without a message"
	}
	return "closed by relay: " + e.Reason
}

// Is makes errors.Is(err, ErrClosed) hold.
func (e *ClosedError) Is(target error) bool { return target == ErrClosed }

// Prefix is the reason's machine-readable prefix ("auth-required", ...).
func (e *ClosedError) Prefix() string { return Prefix(e.Reason) }

// RefusedError is an OK false.
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string {
	if e.Reason == "" {
		return "refused by relay without a message"
	}
	return "refused by relay: " + e.Reason
}

// Is makes errors.Is(err, ErrRefused) hold.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Prefix is the reason's machine-readable prefix.
func (e *RefusedError) Prefix() string { return Prefix(e.Reason) }

// AuthRequired reports whether err is a CLOSED or OK false whose reason
// starts with "auth-required:".
func AuthRequired(err error) bool { return reasonPrefix(err) == "auth-required" }

// RateLimited reports whether err is a CLOSED or OK false whose reason
// starts with "rate-limited:".
func RateLimited(err error) bool { return reasonPrefix(err) == "rate-limited" }

func reasonPrefix(err error) string {
	var ce *ClosedError
	if errors.As(err, &ce) {
		return ce.Prefix()
	}
	var re *RefusedError
	if errors.As(err, &re) {
		return re.Prefix()
	}
	return ""
}

// Outcome names how an exchange ended, for a bounded metric or log label:
// "ok", "no_answer", "idle", "budget_time", "budget_events",
// "budget_bytes", "over_limit", "closed", "refused", "auth", "lost",
// "canceled" or "error".
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNoAnswer):
		return "no_answer"
	case errors.Is(err, ErrIdle):
		return "idle"
	case errors.Is(err, ErrReqTime), errors.Is(err, ErrConnTime):
		return "budget_time"
	case errors.Is(err, ErrReqEvents), errors.Is(err, ErrConnEvents):
		return "budget_events"
	case errors.Is(err, ErrReqBytes), errors.Is(err, ErrConnBytes):
		return "budget_bytes"
	case errors.Is(err, ErrOverLimit):
		return "over_limit"
	case errors.Is(err, ErrClosed):
		return "closed"
	case errors.Is(err, ErrRefused):
		return "refused"
	case errors.Is(err, ErrAuth):
		return "auth"
	case errors.Is(err, ErrConnLost):
		return "lost"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "canceled"
	}
	return "error"
}
