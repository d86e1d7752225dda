package changes

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

// Observation is what one check of one relay found, decoded from the
// snapshots the monitor stored for it. A part the check did not produce
// (a disabled or failed check) is absent and leaves the relay's tracked
// state for it alone.
type Observation struct {
	Relay schema.RelayURL
	At    time.Time

	HasRTT    bool
	Reachable bool
	Reason    string // why not reachable

	// NIP11 holds the document's top-level keys and their values; nil when
	// this check got no document.
	NIP11 map[string]json.RawMessage
	Info  *probe.NIP11Info

	HasNIPs  bool
	Verified []int

	SSL *probe.SSLOutcome // nil without a certificate check that succeeded
}

// Observe decodes the snapshots of one check of one relay (all of the
// same relay; the newest GeneratedAt is the check's time). A snapshot of
// a type that is not tracked is ignored; a malformed one is an error
// naming the relay and type.
func Observe(snaps []schema.Snapshot) (Observation, error) {
	var o Observation
	for _, s := range snaps {
		if o.Relay.IsZero() {
			o.Relay = s.Relay
		}
		if s.GeneratedAt.After(o.At) {
			o.At = s.GeneratedAt
		}
		if err := o.add(s); err != nil {
			return o, fmt.Errorf("changes: %s snapshot of %s: %w", s.Type, s.Relay, err)
		}
	}
	return o, nil
}

func (o *Observation) add(s schema.Snapshot) error {
	switch probe.Check(s.Type) {
	case probe.CheckRTT:
		var v struct {
			Success bool   `json:"success"`
			Reason  string `json:"reason"`
		}
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return err
		}
		o.HasRTT, o.Reachable, o.Reason = true, v.Success, v.Reason
	case probe.CheckNIP11:
		var v struct {
			Success bool            `json:"success"`
			Info    json.RawMessage `json:"info"`
		}
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return err
		}
		if !v.Success || len(v.Info) == 0 || string(v.Info) == "null" {
			return nil
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(v.Info, &fields); err != nil {
			return err
		}
		var info probe.NIP11Info
		if err := json.Unmarshal(v.Info, &info); err != nil {
			return err
		}
		if fields == nil {
			fields = map[string]json.RawMessage{}
		}
		o.NIP11, o.Info = fields, &info
	case probe.CheckNIPs:
		var v probe.NIPsOutcome
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return err
		}
		if v.Success {
			o.HasNIPs, o.Verified = true, v.Verified
		}
	case probe.CheckSSL:
		var v probe.SSLOutcome
		if err := json.Unmarshal(s.Data, &v); err != nil {
			return err
		}
		if v.Success {
			o.SSL = &v
		}
	}
	return nil
}
