package opstest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bigbrotr/bigbrotr/node"
)

const unitPath = "deploy/systemd/bigbrotr.service"

// unitDirectives maps each "Key=" of a unit file to its values in order.
func unitDirectives(src string) map[string][]string {
	out := map[string][]string{}
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "[") {
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = append(out[k], v)
		}
	}
	return out
}

func TestSystemdUnitHardening(t *testing.T) {
	d := unitDirectives(string(repoFile(t, unitPath)))
	for k, want := range map[string]string{
		"DynamicUser":              "yes",
		"StateDirectory":           "bigbrotr",
		"WorkingDirectory":         "/var/lib/bigbrotr",
		"NoNewPrivileges":          "yes",
		"ProtectSystem":            "strict",
		"ProtectHome":              "yes",
		"PrivateTmp":               "yes",
		"PrivateDevices":           "yes",
		"CapabilityBoundingSet":    "",
		"RestrictSUIDSGID":         "yes",
		"KillSignal":               "SIGTERM",
		"RestartPreventExitStatus": "2",
	} {
		if v := d[k]; len(v) == 0 || v[0] != want {
			t.Errorf("%s=%v, want %q", k, v, want)
		}
	}
	execStart := strings.Join(d["ExecStart"], "")
	if !strings.Contains(execStart, "--config /etc/bigbrotr/node.toml") || !strings.HasSuffix(execStart, " node") {
		t.Errorf("ExecStart=%s, want bigbrotr --config /etc/bigbrotr/node.toml node", execStart)
	}
	// ProcSubset=pid would hide /proc/stat, which the process collector
	// reads for process_start_time_seconds.
	if _, ok := d["ProcSubset"]; ok {
		t.Error("ProcSubset hides /proc/stat from the process metrics collector")
	}
}

// TestSystemdUnitVerify runs systemd-analyze on a copy whose binary is
// /bin/true (verify insists that ExecStart exists), and holds the offline
// exposure score under 2.0. Without systemd-analyze the test skips: it is
// an extra check, not one CI must have.
func TestSystemdUnitVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	src := strings.ReplaceAll(string(repoFile(t, unitPath)), "/usr/local/bin/bigbrotr", "/bin/true")
	unit := filepath.Join(t.TempDir(), "bigbrotr.service")
	if err := os.WriteFile(unit, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(sa, "security", "--offline=true", "--no-pager", unit).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Skipf("systemd-analyze security --offline unsupported here: %v\n%s", err, out)
	}
	if score, _ := strconv.ParseFloat(string(m[1]), 64); score > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0:\n%s", score, out)
	}
}

// The node.toml excerpt docs/operations.md tells systemd users to write
// must load (the seed list path mapped to the repository's copy).
func TestOperationsDocConfig(t *testing.T) {
	doc := string(repoFile(t, "docs/operations.md"))
	blocks := regexp.MustCompile("(?s)```toml\n(.*?)```").FindAllStringSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/operations.md has no toml example")
	}
	seeds, err := filepath.Abs(filepath.Join(root, "seeds.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		src := strings.ReplaceAll(b[1], "/usr/local/share/bigbrotr/seeds.txt", seeds)
		if _, err := node.ParseConfig([]byte(src)); err != nil {
			t.Errorf("docs/operations.md example: %v\n%s", err, b[1])
		}
	}
	if !strings.Contains(doc, "pool_mode = transaction") || !strings.Contains(doc, "default_query_exec_mode=exec") {
		t.Error("docs/operations.md must show PgBouncer's transaction mode and the exec query mode")
	}
}
