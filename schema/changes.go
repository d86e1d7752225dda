package schema

import "time"

// Kinds of Change.
const (
	ChangeDown         = "down"          // unreachable for the configured number of checks in a row
	ChangeUp           = "up"            // reachable again after a ChangeDown
	ChangeNIP11        = "nip11"         // the NIP-11 document changed (Fields: which top-level keys)
	ChangeSoftware     = "software"      // NIP-11 software or version changed (From, To)
	ChangeCertRenewed  = "cert_renewed"  // a different certificate is served (Expires: the new one's)
	ChangeCertExpiring = "cert_expiring" // the certificate expires within the warning window
	ChangeCertExpired  = "cert_expired"  // the certificate has expired
	ChangeNIPsGained   = "nips_gained"   // NIPs newly verified (NIPs)
	ChangeNIPsLost     = "nips_lost"     // NIPs no longer verified (NIPs)
	ChangeRequirements = "requirements"  // auth, payment or restricted-writes flags changed (From, To)
)

// ChangeKinds lists every kind, in the order the documentation gives them.
var ChangeKinds = []string{ChangeDown, ChangeUp, ChangeNIP11, ChangeSoftware, ChangeCertRenewed,
	ChangeCertExpiring, ChangeCertExpired, ChangeNIPsGained, ChangeNIPsLost, ChangeRequirements}

// Change is one state transition of one relay, seen by a check at At.
// ID is assigned by the store when it is saved and only grows, so it
// orders changes and pages through them.
type Change struct {
	ID    int64
	Relay RelayURL
	At    time.Time
	Kind  string // one of the Change* constants
	// Detail says what changed; which fields are set depends on Kind.
	Detail ChangeDetail
}

// ChangeDetail is the kind-specific part of a Change, stored as JSON.
type ChangeDetail struct {
	// Reason is why the relay was not reached (ChangeDown).
	Reason string `json:"reason,omitempty"`
	// Checks is how many checks in a row failed (ChangeDown).
	Checks int `json:"checks,omitempty"`
	// From and To are the old and new values (software, requirements).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Fields are the NIP-11 keys added, removed or changed, sorted.
	Fields []string `json:"fields,omitempty"`
	// NIPs gained or lost, ascending.
	NIPs []int `json:"nips,omitempty"`
	// Expires is the certificate's expiry (certificate kinds).
	Expires *time.Time `json:"expires,omitempty"`
}

// ChangeQuery selects changes newest first: of Relay (every relay when
// zero), with ID below Before (no bound when 0), at most Limit.
type ChangeQuery struct {
	Relay  RelayURL
	Before int64
	Limit  int
}

// DayUptime counts one relay's checks on one UTC day (Day is its
// midnight) and how many of them reached the relay.
type DayUptime struct {
	Relay     RelayURL
	Day       time.Time
	Checks    int
	Reachable int
}
