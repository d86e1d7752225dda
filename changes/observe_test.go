package changes

import (
	"reflect"
	"testing"

	"github.com/bigbrotr/bigbrotr/monitor/probe"
	"github.com/bigbrotr/bigbrotr/schema"
)

func snap(t testing.TB, relay schema.RelayURL, check probe.Check, o any) schema.Snapshot {
	data, id, err := schema.Canonical(o)
	if err != nil {
		t.Fatal(err)
	}
	return schema.Snapshot{Relay: relay, Type: string(check), ID: id, Data: data, GeneratedAt: t0}
}

// TestObserveDecodesTheMonitorsSnapshots: the outcomes as the monitor
// stores them come back as one Observation.
func TestObserveDecodesTheMonitorsSnapshots(t *testing.T) {
	relay, _ := schema.ParseRelayURL("wss://relay.example.com")
	yes := true
	snaps := []schema.Snapshot{
		snap(t, relay, probe.CheckRTT, &probe.RTTOutcome{Status: probe.Status{Reason: probe.Reason("refused")}}),
		snap(t, relay, probe.CheckNIP11, &probe.NIP11Outcome{Status: probe.Status{Success: true},
			Info: &probe.NIP11Info{Name: "x", Software: "strfry", Limitation: &probe.Limitation{AuthRequired: &yes}}}),
		snap(t, relay, probe.CheckNIPs, &probe.NIPsOutcome{Status: probe.Status{Success: true}, Claimed: []int{1, 50}, Verified: []int{1}}),
		snap(t, relay, probe.CheckSSL, &probe.SSLOutcome{Status: probe.Status{Success: true}, Fingerprint: "AB", NotAfter: 99}),
		snap(t, relay, probe.CheckGeo, &probe.GeoOutcome{Status: probe.Status{Success: true}}),
	}
	o, err := Observe(snaps)
	if err != nil {
		t.Fatal(err)
	}
	if o.Relay != relay || !o.At.Equal(t0) || !o.HasRTT || o.Reachable || o.Reason != "refused" {
		t.Errorf("rtt part: %+v", o)
	}
	if o.Info == nil || o.Info.Software != "strfry" || len(o.NIP11) != 3 || o.NIP11["limitation"] == nil {
		t.Errorf("nip11 part: %v %+v", o.NIP11, o.Info)
	}
	if !o.HasNIPs || !reflect.DeepEqual(o.Verified, []int{1}) {
		t.Errorf("nips part: %v %v", o.HasNIPs, o.Verified)
	}
	if o.SSL == nil || o.SSL.Fingerprint != "AB" || o.SSL.NotAfter != 99 {
		t.Errorf("ssl part: %+v", o.SSL)
	}
	bad := snaps[0]
	bad.Data = []byte(`{"success":"yes"}`)
	if _, err := Observe([]schema.Snapshot{bad}); err == nil {
		t.Error("a malformed rtt snapshot decoded")
	}
}

// FuzzObserve: any stored bytes give an Observation or an error, never a
// panic.
func FuzzObserve(f *testing.F) {
	for _, s := range []string{`{"success":true}`, `{"success":true,"info":{"name":"a","limitation":{"auth_required":true}}}`,
		`{"success":true,"verified":[1,2]}`, `{"success":true,"not_after":5,"fingerprint":"A"}`, `null`, `[]`, `{"info":1}`} {
		for _, c := range []probe.Check{probe.CheckRTT, probe.CheckNIP11, probe.CheckNIPs, probe.CheckSSL} {
			f.Add(string(c), s)
		}
	}
	relay, _ := schema.ParseRelayURL("wss://relay.example.com")
	f.Fuzz(func(t *testing.T, typ, data string) {
		o, err := Observe([]schema.Snapshot{{Relay: relay, Type: typ, Data: []byte(data), GeneratedAt: t0}})
		if err == nil {
			Step(Tracked{}, o, rules)
		}
	})
}
