package backend

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

// checkSnapshots refuses a batch in which any snapshot is not
// content-addressed: ID must be the SHA-256 of Data, Data valid JSON.
func CheckSnapshots(s []schema.Snapshot) error {
	for _, sn := range s {
		if !json.Valid(sn.Data) {
			return fmt.Errorf("snapshot %s of %s: data is not valid JSON", sn.Type, sn.Relay)
		}
		if sha256.Sum256(sn.Data) != sn.ID {
			return fmt.Errorf("snapshot %s of %s: id %x is not the SHA-256 of its data", sn.Type, sn.Relay, sn.ID[:8])
		}
	}
	return nil
}

// checkStates refuses a batch in which any value is not valid JSON.
func CheckStates(st []schema.State) error {
	for _, e := range st {
		if !json.Valid(e.Value) {
			return fmt.Errorf("state %s/%s/%s: value is not valid JSON", e.Service, e.Type, e.Key)
		}
	}
	return nil
}

// Candidates are service_state rows; the literals below must match the
// partial index on candidates of both schemas for the planner to use it.
const CandidateWhere = "service = 'validator' AND type = 'candidate'"

// candidateValue is the JSON value of a candidate row.
type candidateValue struct {
	Network     string `json:"network"`
	Failures    int    `json:"failures"`
	AddedAt     int64  `json:"added_at"`
	LastAttempt int64  `json:"last_attempt"` // 0: never attempted
}

// candidateJSON encodes a new candidate; a zero AddedAt means now.
func CandidateJSON(c schema.Candidate, now time.Time) string {
	v := candidateValue{Network: string(c.Network), Failures: c.Failures, AddedAt: OrNow(c.AddedAt, now)}
	if !c.LastAttempt.IsZero() {
		v.LastAttempt = c.LastAttempt.Unix()
	}
	b, _ := json.Marshal(v) // cannot fail: strings and integers only
	return string(b)
}

// candidateOf rebuilds a Candidate from its row (last 0: never attempted).
func CandidateOf(url schema.RelayURL, network string, failures int, added, last int64) schema.Candidate {
	c := schema.Candidate{URL: url, Network: schema.Network(network), Failures: failures, AddedAt: time.Unix(added, 0)}
	if last != 0 {
		c.LastAttempt = time.Unix(last, 0)
	}
	return c
}

// orNow is t in unix seconds, or now when t is zero.
func OrNow(t, now time.Time) int64 {
	if t.IsZero() {
		return now.Unix()
	}
	return t.Unix()
}
