package tomlstrict

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Wait  time.Duration `toml:"wait"`
	Count int           `toml:"count"`
}

type embedded struct {
	Shared string `toml:"shared"`
}

type item struct {
	URL string `toml:"url"`
}

type testConfig struct {
	Name  string `toml:"name"`
	Inner inner  `toml:"inner"`
	Other struct {
		Enabled bool `toml:"enabled"`
		embedded
	} `toml:"other"`
	Items []item `toml:"items"`
}

func defaults() testConfig {
	c := testConfig{Name: "default", Inner: inner{Wait: time.Second, Count: 3}}
	c.Other.Shared = "s"
	return c
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		name    string
		toml    string
		want    []string // every problem, in order (a prefix of each)
		wantErr string
		check   func(testConfig) bool
	}{
		{"empty is the defaults", "", nil, "", func(c testConfig) bool { return reflect.DeepEqual(c, defaults()) }},
		{"values over the defaults", "name = \"n\"\n[inner]\ncount = 7\n[other]\nshared = \"x\"\n[[items]]\nurl = \"u\"\n", nil, "",
			func(c testConfig) bool {
				return c.Name == "n" && c.Inner.Count == 7 && c.Inner.Wait == time.Second && c.Other.Shared == "x" && len(c.Items) == 1
			}},
		{"unknown keys, sorted", "zz = 1\n[inner]\nnope = 2\n", []string{"unknown key inner.nope", "unknown key zz"}, "", nil},
		{"every bad value and the unknown keys at once", "name = 5\nextra = 1\n[inner]\nwait = \"soon\"\ncount = \"three\"\n[[items]]\nurl = \"u\"\nbad = 1\n",
			[]string{
				"unknown key extra",
				"unknown key items.bad",
				"inner.count: ",
				`inner.wait: want a duration such as "90s", "5m" or "1h30m" (`,
				"name: ",
			}, "",
			// keys after a bad one are still decoded
			func(c testConfig) bool { return len(c.Items) == 1 && c.Items[0].URL == "u" }},
		// The key-by-key pass finds nothing to name here; the strict
		// decoder's own message is the problem.
		{"a table given as a value", "inner = 3\n", nil, "expected table but found int64", nil},
		{"syntax error is the one problem", "name = \"unterminated\n[inner]\ncount = \"x\"\n", nil, "toml: line 1", nil},
	} {
		got, problems, err := Decode([]byte(c.toml), defaults)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: err %v, want one line containing %q", c.name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(problems) != len(c.want) {
			t.Errorf("%s: problems %q, want %d", c.name, problems, len(c.want))
			continue
		}
		for i, w := range c.want {
			if !strings.HasPrefix(problems[i], w) {
				t.Errorf("%s: problem %d = %q, want prefix %q", c.name, i, problems[i], w)
			}
		}
		if c.check != nil && !c.check(got) {
			t.Errorf("%s: decoded %+v", c.name, got)
		}
	}
}

func TestBadValueNamesItsLine(t *testing.T) {
	_, problems, err := Decode([]byte("name = \"ok\"\n\n[inner]\nwait = \"5 parsecs\"\n"), defaults)
	if err != nil || len(problems) != 1 || !strings.HasSuffix(problems[0], "(line 4)") {
		t.Fatalf("problems %q, %v; want one ending (line 4)", problems, err)
	}
}
