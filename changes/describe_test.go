package changes

import (
	"testing"
	"time"

	"github.com/bigbrotr/bigbrotr/schema"
)

func TestDescribe(t *testing.T) {
	exp := time.Date(2027, 1, 2, 3, 4, 0, 0, time.UTC)
	for _, c := range []struct {
		ch   schema.Change
		want string
	}{
		{schema.Change{Kind: schema.ChangeDown, Detail: schema.ChangeDetail{Checks: 2, Reason: "refused"}}, "unreachable for 2 checks in a row (refused)"},
		{schema.Change{Kind: schema.ChangeUp}, "reachable again"},
		{schema.Change{Kind: schema.ChangeNIP11, Detail: schema.ChangeDetail{Fields: []string{"icon", "name"}}}, "NIP-11 document changed: icon, name"},
		{schema.Change{Kind: schema.ChangeSoftware, Detail: schema.ChangeDetail{To: "strfry 1"}}, "software changed from (none) to strfry 1"},
		{schema.Change{Kind: schema.ChangeNIPsLost, Detail: schema.ChangeDetail{NIPs: []int{42, 50}}}, "NIPs no longer verified: 42, 50"},
		{schema.Change{Kind: schema.ChangeCertExpiring, Detail: schema.ChangeDetail{Expires: &exp}}, "certificate expiring on 2027-01-02 03:04 UTC"},
		{schema.Change{Kind: schema.ChangeCertRenewed}, "certificate renewed"},
	} {
		if got := Describe(c.ch); got != c.want {
			t.Errorf("Describe(%s) = %q, want %q", c.ch.Kind, got, c.want)
		}
	}
}
