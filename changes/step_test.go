package changes

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

var (
	t0    = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rules = Rules{DownAfter: 2, ExpiryWarning: 14 * 24 * time.Hour}
)

func up() Observation   { return Observation{At: t0, HasRTT: true, Reachable: true} }
func down() Observation { return Observation{At: t0, HasRTT: true, Reason: "refused"} }

func doc(fields string) Observation {
	o := Observation{At: t0}
	if err := json.Unmarshal([]byte(fields), &o.NIP11); err != nil {
		panic(err)
	}
	o.Info = &probe.NIP11Info{}
	if err := json.Unmarshal([]byte(fields), o.Info); err != nil {
		panic(err)
	}
	return o
}

func cert(fp string, expiresIn time.Duration, invalid string) Observation {
	return Observation{At: t0, SSL: &probe.SSLOutcome{Fingerprint: fp, NotAfter: t0.Add(expiresIn).Unix(), Invalid: invalid}}
}

func nips(v ...int) Observation { return Observation{At: t0, HasNIPs: true, Verified: v} }

func exp(d time.Duration) *time.Time { t := t0.Add(d); return &t }

// TestStep runs sequences of checks through Step and compares every change
// reported along the way.
func TestStep(t *testing.T) {
	day := 24 * time.Hour
	cases := []struct {
		name  string
		rules Rules
		seq   []Observation
		want  []schema.Change
	}{
		{"reachable relay: nothing", rules, []Observation{up(), up(), up()}, nil},
		{"one failure is not down", rules, []Observation{up(), down(), up()}, nil},
		{"down after two, up once", rules, []Observation{up(), down(), down(), down(), up(), up()}, []schema.Change{
			{Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Reason: "refused", Checks: 2}},
			{Kind: schema.ChangeUp},
		}},
		{"down after one when so configured", Rules{DownAfter: 1}, []Observation{down(), up()}, []schema.Change{
			{Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Reason: "refused", Checks: 1}},
			{Kind: schema.ChangeUp},
		}},
		{"down_after 0 counts as 1", Rules{}, []Observation{down()}, []schema.Change{
			{Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Reason: "refused", Checks: 1}},
		}},
		{"checks without rtt leave the count", rules, []Observation{down(), nips(1), down()}, []schema.Change{
			{Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Reason: "refused", Checks: 2}},
		}},
		{"first document is the baseline", rules, []Observation{doc(`{"name":"a","software":"strfry","version":"1"}`)}, nil},
		{"same document again: nothing", rules, []Observation{doc(`{"name":"a"}`), doc(`{"name":"a"}`)}, nil},
		{"document fields added, removed, changed", rules, []Observation{
			doc(`{"name":"a","contact":"x","icon":"i"}`), doc(`{"name":"b","icon":"i","banner":"z"}`),
		}, []schema.Change{{Kind: schema.ChangeNIP11, Detail: schema.ChangeDetail{Fields: []string{"banner", "contact", "name"}}}}},
		{"software and version", rules, []Observation{
			doc(`{"software":"strfry","version":"1.0"}`), doc(`{"software":"strfry","version":"1.1"}`),
		}, []schema.Change{
			{Kind: schema.ChangeNIP11, Detail: schema.ChangeDetail{Fields: []string{"version"}}},
			{Kind: schema.ChangeSoftware, Detail: schema.ChangeDetail{From: "strfry 1.0", To: "strfry 1.1"}},
		}},
		{"requirement flags", rules, []Observation{
			doc(`{"limitation":{"auth_required":false}}`), doc(`{"limitation":{"auth_required":true,"payment_required":true}}`),
		}, []schema.Change{
			{Kind: schema.ChangeNIP11, Detail: schema.ChangeDetail{Fields: []string{"limitation"}}},
			{Kind: schema.ChangeRequirements, Detail: schema.ChangeDetail{
				From: "auth no, payment -, restricted writes -", To: "auth yes, payment yes, restricted writes -"}},
		}},
		{"verified NIPs gained and lost", rules, []Observation{nips(1, 11, 50), nips(1, 11, 42, 42), nips(1, 11, 42)},
			[]schema.Change{
				{Kind: schema.ChangeNIPsGained, Detail: schema.ChangeDetail{NIPs: []int{42}}},
				{Kind: schema.ChangeNIPsLost, Detail: schema.ChangeDetail{NIPs: []int{50}}},
			}},
		{"first NIPs are the baseline", rules, []Observation{nips(1, 2)}, nil},
		{"certificate renewed", rules, []Observation{cert("AA", 60*day, ""), cert("AA", 60*day, ""), cert("BB", 90*day, "")},
			[]schema.Change{{Kind: schema.ChangeCertRenewed, Detail: schema.ChangeDetail{Expires: exp(90 * day)}}}},
		{"expiring once, then expired once, then renewed", rules, []Observation{
			cert("AA", 20*day, ""), cert("AA", 10*day, ""), cert("AA", 9*day, ""),
			cert("AA", -time.Hour, probe.InvalidExpired), cert("AA", -2*time.Hour, probe.InvalidExpired),
			cert("BB", 90*day, ""),
		}, []schema.Change{
			{Kind: schema.ChangeCertExpiring, Detail: schema.ChangeDetail{Expires: exp(10 * day)}},
			{Kind: schema.ChangeCertExpired, Detail: schema.ChangeDetail{Expires: exp(-time.Hour)}},
			{Kind: schema.ChangeCertRenewed, Detail: schema.ChangeDetail{Expires: exp(90 * day)}},
		}},
		{"renewed into an expiring certificate warns again", rules, []Observation{
			cert("AA", 5*day, ""), cert("BB", 7*day, ""),
		}, []schema.Change{
			{Kind: schema.ChangeCertExpiring, Detail: schema.ChangeDetail{Expires: exp(5 * day)}},
			{Kind: schema.ChangeCertRenewed, Detail: schema.ChangeDetail{Expires: exp(7 * day)}},
			{Kind: schema.ChangeCertExpiring, Detail: schema.ChangeDetail{Expires: exp(7 * day)}},
		}},
		{"expired by date alone", rules, []Observation{cert("AA", 0, "")},
			[]schema.Change{{Kind: schema.ChangeCertExpired, Detail: schema.ChangeDetail{Expires: exp(0)}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st Tracked
			var got []schema.Change
			for _, o := range c.seq {
				var ch []schema.Change
				st, ch = Step(st, o, c.rules)
				got = append(got, ch...)
			}
			for i := range got {
				got[i].At = time.Time{}
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("changes:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestStepStateRoundTrips: the tracked state survives its JSON form (the
// tracker stores it between checks, possibly on another node).
func TestStepStateRoundTrips(t *testing.T) {
	var st Tracked
	for _, o := range []Observation{down(), doc(`{"name":"a"}`), nips(1, 2), cert("AA", time.Hour, "")} {
		st, _ = Step(st, o, rules)
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back Tracked
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, st)
	}
}
