package probe

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/nbd-wtf/go-nostr"
	"github.com/nbd-wtf/go-nostr/nip77"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy"
	"github.com/nbd-wtf/go-nostr/nip77/negentropy/storage/empty"
)

// NIPVerdict is the result of testing one claimed NIP.
type NIPVerdict string

const (
	// NIPVerified: the relay answered the test as the NIP says.
	NIPVerified NIPVerdict = "verified"
	// NIPRefused: the relay refused the test (CLOSED, NOTICE, NEG-ERR) or
	// did not answer it in time: the claim is not honoured.
	NIPRefused NIPVerdict = "refused"
	// NIPUntested: the test could not tell (AUTH needed and not given, the
	// connection lost, or for NIP-42 no challenge seen).
	NIPUntested NIPVerdict = "untested"
)

// TestedNIPs are the claims cheap enough to test on every check.
var TestedNIPs = []int{42, 45, 50, 77}

// NIPTest is one claimed NIP put to the test.
type NIPTest struct {
	NIP     int        `json:"nip"`
	Verdict NIPVerdict `json:"verdict"`
	Reason  Reason     `json:"reason,omitempty"`
	Message string     `json:"message,omitempty"`
}

// NIPsOutcome compares what a relay claims with what it does.
type NIPsOutcome struct {
	// Status: Success when the claims could be read and tested (whatever
	// the verdicts); ReasonNoDocument without a NIP-11 document.
	Status
	Claimed  []int     `json:"claimed,omitempty"`  // NIP-11 supported_nips
	Verified []int     `json:"verified,omitempty"` // claimed and shown to work
	Tests    []NIPTest `json:"tests,omitempty"`    // one per claimed NIP of TestedNIPs
}

// Check is CheckNIPs.
func (*NIPsOutcome) Check() Check { return CheckNIPs }

// Published is what a 30166 should carry as "N": the claimed NIPs minus the
// refused ones, that is the verified ones plus the claims no test covers.
func (o *NIPsOutcome) Published() []int {
	if o == nil {
		return nil
	}
	var out []int
	for _, n := range o.Claimed {
		if !slices.ContainsFunc(o.Tests, func(t NIPTest) bool { return t.NIP == n && t.Verdict == NIPRefused }) {
			out = append(out, n)
		}
	}
	return out
}

// NIPs tests the claims of supported_nips (from Target.NIP11, or fetched)
// that are cheap to test, on one WebSocket, each test with an equal share
// of the budget left:
//
//   - 45: COUNT {"kinds":[1]} must get a COUNT reply;
//   - 50: REQ {"search":"nostr","limit":1} must get EVENT or EOSE;
//   - 77: NEG-OPEN (empty set, kind 1 of the last hour) must get NEG-MSG;
//   - 42: an AUTH challenge must come, on its own or in answer to a
//     NIP-70 protected event signed by Target.Signer (a relay honouring
//     NIP-42 and NIP-70 refuses it with auth-required and a challenge).
//
// CLOSED, NOTICE or NEG-ERR, or silence until the share ends, refuse a
// claim. "auth-required:" is answered with AUTH when Target.Auth is set and
// the test repeated once; otherwise the claim stays untested.
func NIPs(ctx context.Context, t Target) (*NIPsOutcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	start := time.Now()
	pctx, cancel := bound(ctx)
	defer cancel()
	out := &NIPsOutcome{}
	defer func() { out.Took = time.Since(start) }()

	doc := t.NIP11
	if doc == nil {
		doc = fetchNIP11(pctx, t)
	}
	if !doc.Success || doc.Info == nil {
		if e := abandoned(ctx, CheckNIPs, t.URL); e != nil {
			return nil, e
		}
		out.Status = failed(ReasonNoDocument, "nip11: "+string(doc.Reason))
		return out, nil
	}
	out.Claimed = doc.Info.SupportedNIPs
	var todo []int
	for _, n := range TestedNIPs {
		if doc.Info.Supports(n) {
			todo = append(todo, n)
		}
	}
	out.Status = ok()
	if len(todo) == 0 {
		return out, nil
	}
	// NIP-42 last: the other tests may bring a challenge on their own.
	slices.SortFunc(todo, func(a, b int) int { return boolInt(a == 42) - boolInt(b == 42) })

	var s *session
	defer func() {
		if s != nil {
			s.close()
		}
	}()
	for i, n := range todo {
		if s == nil || s.dead != nil { // first test, or the relay hung up on the last one
			if s != nil {
				s.close()
				s = nil
			}
			fresh, _, err := openSession(pctx, t)
			if err != nil {
				if i == 0 {
					out.Status = failed(reasonOf(err), err.Error())
				}
				for _, m := range todo[i:] {
					out.Tests = append(out.Tests, NIPTest{NIP: m, Verdict: NIPUntested, Reason: reasonOf(err),
						Message: truncate(err.Error(), maxDetail)})
				}
				break
			}
			s = fresh
		}
		tctx, tcancel := phaseCtx(pctx, 1/float64(len(todo)-i))
		out.Tests = append(out.Tests, s.testNIP(tctx, n))
		tcancel()
	}
	if e := abandoned(ctx, CheckNIPs, t.URL); e != nil {
		return nil, e
	}
	for _, tst := range out.Tests {
		if tst.Verdict == NIPVerified {
			out.Verified = append(out.Verified, tst.NIP)
		}
	}
	slices.Sort(out.Verified)
	return out, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testNIP runs the test of one NIP, retrying once after AUTH.
func (s *session) testNIP(ctx context.Context, nip int) NIPTest {
	res := NIPTest{NIP: nip}
	if nip == 42 {
		return s.testAuth(ctx, res)
	}
	for attempt := 1; ; attempt++ {
		sub := s.subID("nip" + strconv.Itoa(nip))
		var msg any
		var answer func(relayMsg) bool
		switch nip {
		case 45:
			msg = nostr.CountEnvelope{SubscriptionID: sub, Filter: nostr.Filter{Kinds: []int{1}}}
			answer = func(m relayMsg) bool { return m.Label == "COUNT" && m.SubID == sub }
		case 50:
			msg = nostr.ReqEnvelope{SubscriptionID: sub, Filters: nostr.Filters{{Search: "nostr", Limit: 1}}}
			answer = func(m relayMsg) bool { return (m.Label == "EVENT" || m.Label == "EOSE") && m.SubID == sub }
		case 77:
			since := nostr.Timestamp(s.t.now().Add(-time.Hour).Unix())
			msg = nip77.OpenEnvelope{SubscriptionID: sub, Filter: nostr.Filter{Kinds: []int{1}, Since: &since},
				Message: emptyNegentropyMessage()}
			answer = func(m relayMsg) bool { return m.Label == "NEG-MSG" && m.SubID == sub }
		}
		refused := func(m relayMsg) bool {
			return (m.Label == "CLOSED" || m.Label == "NEG-ERR") && m.SubID == sub || m.Label == "NOTICE"
		}
		refusal, err := s.exchange(ctx, msg, answer, refused)
		switch nip {
		case 50:
			_ = s.send(ctx, nostr.CloseEnvelope(sub))
		case 77:
			_ = s.send(ctx, nip77.CloseEnvelope{SubscriptionID: sub})
		}
		switch {
		case err != nil:
			r := s.waitErrReason(err)
			res.Verdict, res.Reason, res.Message = NIPUntested, r, truncate(err.Error(), maxDetail)
			if r == ReasonTimeout || r == ReasonNotNostr {
				res.Verdict = NIPRefused
			}
			return res
		case refusal == "":
			res.Verdict, res.Reason, res.Message = NIPVerified, "", ""
			return res
		}
		r := Classify(refusal)
		res.Verdict, res.Reason, res.Message = NIPRefused, r, truncate(refusal, maxDetail)
		if r != ReasonAuthRequired {
			return res
		}
		res.Verdict = NIPUntested
		if attempt > 1 || !s.canAuth() || s.authenticate(ctx) != nil {
			return res
		}
	}
}

// testAuth verifies NIP-42: a challenge seen on this session, or provoked
// by a protected event (NIP-70) that only an authenticated author may
// publish.
func (s *session) testAuth(ctx context.Context, res NIPTest) NIPTest {
	verified := func() NIPTest { res.Verdict, res.Reason, res.Message = NIPVerified, "", ""; return res }
	if s.challenged {
		return verified()
	}
	res.Verdict = NIPUntested
	if s.t.Signer == nil {
		res.Message = "no challenge seen, and no signer to provoke one"
		return res
	}
	now := s.t.now()
	ev := nostr.Event{
		CreatedAt: nostr.Timestamp(now.Unix()),
		Kind:      nostr.KindTextNote,
		Tags:      nostr.Tags{{"-"}, {"expiration", strconv.FormatInt(now.Add(DefaultWriteTTL).Unix(), 10)}},
		Content:   "bigbrotr relay monitor: NIP-42 test (protected event)",
	}
	if err := s.t.Signer.SignEvent(ctx, &ev); err != nil {
		res.Reason, res.Message = ReasonError, "sign: "+err.Error()
		return res
	}
	refusal, err := s.exchange(ctx, nostr.EventEnvelope{Event: ev},
		func(m relayMsg) bool { return m.Label == "OK" && m.EventID == ev.ID && m.OK },
		func(m relayMsg) bool { return m.Label == "OK" && m.EventID == ev.ID && !m.OK })
	switch {
	case s.challenged, err == nil && Classify(refusal) == ReasonAuthRequired:
		return verified()
	case err != nil:
		res.Reason, res.Message = s.waitErrReason(err), truncate(err.Error(), maxDetail)
	default:
		res.Message = "no AUTH challenge, even for a protected event"
	}
	return res
}

// exchange sends msg and waits until answer or refused matches a message.
// It returns the refusal's text ("" when answered) or the wait's error.
func (s *session) exchange(ctx context.Context, msg any, answer, refused func(relayMsg) bool) (string, error) {
	if err := s.send(ctx, msg); err != nil {
		return "", err
	}
	for {
		m, err := s.next(ctx)
		if err != nil {
			return "", err
		}
		switch {
		case answer(m):
			return "", nil
		case refused(m):
			if m.Text == "" {
				return m.Label + " without a message", nil
			}
			return m.Text, nil
		}
	}
}

// emptyNegentropyMessage is the opening message of a client holding no
// events: one range up to infinity with the empty set's fingerprint.
func emptyNegentropyMessage() string {
	return negentropy.New(empty.Empty{}, 0).Start()
}
