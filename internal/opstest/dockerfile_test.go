package opstest

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper case
	Args string
	Line int
}

func parseDockerfile(src string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasPrefix(trimmed, "#") {
			continue // a comment inside a continued instruction
		}
		if s, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(strings.TrimSpace(s) + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args), Line: start})
		cur.Reset()
	}
	return out
}

// copySpec is a COPY without --from: sources in the build context, one
// destination.
type copySpec struct {
	Sources []string
	Dest    string
}

func copies(ins []instruction, fromStage bool) []copySpec {
	var out []copySpec
	for _, in := range ins {
		if in.Cmd != "COPY" {
			continue
		}
		f := strings.Fields(in.Args)
		var paths []string
		from := false
		for _, a := range f {
			if strings.HasPrefix(a, "--") {
				from = from || strings.HasPrefix(a, "--from=")
				continue
			}
			paths = append(paths, a)
		}
		if from != fromStage || len(paths) < 2 {
			continue
		}
		out = append(out, copySpec{Sources: paths[:len(paths)-1], Dest: paths[len(paths)-1]})
	}
	return out
}

// finalStage returns the instructions of the last FROM onwards.
func finalStage(ins []instruction) []instruction {
	last := 0
	for i, in := range ins {
		if in.Cmd == "FROM" {
			last = i
		}
	}
	return ins[last:]
}

// ignored applies .dockerignore rules (last match wins, ! re-includes) to a
// context-relative path and to each of its parent directories.
func ignored(rules []string, p string) bool {
	match := func(pattern, name string) bool {
		ok, _ := path.Match(pattern, name)
		if !ok && strings.HasPrefix(pattern, "**/") {
			ok, _ = path.Match(strings.TrimPrefix(pattern, "**/"), path.Base(name))
		}
		return ok
	}
	out := false
	for _, r := range rules {
		neg := strings.HasPrefix(r, "!")
		r = strings.TrimPrefix(r, "!")
		for q := p; q != "." && q != "/"; q = path.Dir(q) {
			if match(r, q) {
				out = !neg
				break
			}
		}
	}
	return out
}

func readIgnore(t *testing.T, rel string) []string {
	var rules []string
	for _, l := range strings.Split(string(repoFile(t, rel)), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			rules = append(rules, l)
		}
	}
	return rules
}

// staticGoBuild reports whether a RUN line builds a binary that needs no
// libc at run time: pure Go, or cgo linked statically with the Go name
// resolver (glibc's would load NSS modules at run time).
func staticGoBuild(run string) bool {
	if !strings.Contains(run, "go build") {
		return false
	}
	return strings.Contains(run, "CGO_ENABLED=0") ||
		strings.Contains(run, "CGO_ENABLED=1") && strings.Contains(run, "-extldflags -static") && strings.Contains(run, "netgo")
}

func TestNodeDockerfile(t *testing.T) {
	ins := parseDockerfile(string(repoFile(t, "docker/Dockerfile")))
	rules := readIgnore(t, "docker/Dockerfile.dockerignore")
	var froms []string
	buildStatic := false
	for _, in := range ins {
		switch in.Cmd {
		case "FROM":
			froms = append(froms, in.Args)
		case "RUN":
			buildStatic = buildStatic || staticGoBuild(in.Args)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a multi-stage build, got FROM %v", froms)
	}
	if !buildStatic {
		t.Error("no RUN builds a static binary (CGO_ENABLED=0, or cgo with -extldflags -static and netgo): the final stage has no libc")
	}
	final := finalStage(ins)
	if !strings.HasPrefix(final[0].Args, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %s, want distroless/static", final[0].Args)
	}
	user := ""
	var entry, cmd []string
	for _, in := range final {
		switch in.Cmd {
		case "USER":
			user = in.Args
		case "ENTRYPOINT", "CMD":
			var v []string
			if err := json.Unmarshal([]byte(in.Args), &v); err != nil {
				t.Errorf("line %d: %s must be in exec form (a JSON array) so that signals reach the binary: %v", in.Line, in.Cmd, err)
			}
			if in.Cmd == "ENTRYPOINT" {
				entry = v
			} else {
				cmd = v
			}
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("final stage USER %q: the node must not run as root", user)
	}
	if len(entry) == 0 || entry[0] != "/usr/local/bin/bigbrotr" {
		t.Errorf("ENTRYPOINT %v, want the bigbrotr binary", entry)
	}
	if i := slices.Index(cmd, "--config"); i < 0 || i+1 >= len(cmd) || !slices.Contains(cmd, "node") {
		t.Errorf("CMD %v, want --config PATH node", cmd)
	}
	for _, c := range copies(ins, false) {
		for _, src := range c.Sources {
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("COPY %s: %v", src, err)
			}
			if src != "." && ignored(rules, src) {
				t.Errorf("COPY %s: excluded by Dockerfile.dockerignore", src)
			}
		}
	}
	// What the build stage compiles must be in the context.
	for _, p := range []string{"go.mod", "go.sum", "cmd/bigbrotr/main.go", "schema/migrations", "docker/node.toml"} {
		if ignored(rules, p) {
			t.Errorf("%s is excluded by Dockerfile.dockerignore", p)
		}
	}
	for _, p := range []string{".git", "data/x", "interop/node_modules/x", "docker/compose.yml", "node.toml"} {
		if !ignored(rules, p) {
			t.Errorf("%s is sent to the build context", p)
		}
	}
}

// The helper images: Debian packages, a non-root user, files that exist.
func TestHelperDockerfiles(t *testing.T) {
	for _, dir := range []string{"docker/pgbouncer", "docker/tor"} {
		ins := parseDockerfile(string(repoFile(t, dir+"/Dockerfile")))
		user := ""
		for _, in := range ins {
			if in.Cmd == "USER" {
				user = in.Args
			}
		}
		if user == "" || user == "root" || user == "0" {
			t.Errorf("%s: USER %q, want a non-root user", dir, user)
		}
		for _, c := range copies(ins, false) {
			for _, src := range c.Sources {
				if _, err := os.Stat(filepath.Join(root, dir, src)); err != nil {
					t.Errorf("%s: COPY %s: %v", dir, src, err)
				}
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "docker/pgbouncer/entrypoint.sh")); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("docker/pgbouncer/entrypoint.sh must be executable: %v", err)
	}
}

func TestParseDockerfile(t *testing.T) {
	src := "# c\nFROM a AS b\n\nRUN x \\\n  # inner\n  && y\nCOPY --from=b /o /p\nCOPY s1 s2 /d/\n"
	ins := parseDockerfile(src)
	want := []instruction{{"FROM", "a AS b", 2}, {"RUN", "x && y", 4}, {"COPY", "--from=b /o /p", 7}, {"COPY", "s1 s2 /d/", 8}}
	if !slices.Equal(ins, want) {
		t.Fatalf("got %+v, want %+v", ins, want)
	}
	if c := copies(ins, false); len(c) != 1 || !slices.Equal(c[0].Sources, []string{"s1", "s2"}) || c[0].Dest != "/d/" {
		t.Errorf("copies = %+v", c)
	}
	rules := []string{".git", "docker/*", "!docker/node.toml", "**/*.test"}
	for p, want := range map[string]bool{
		".git/HEAD": true, "docker/compose.yml": true, "docker/node.toml": false, "a/b.test": true, "go.mod": false,
	} {
		if got := ignored(rules, p); got != want {
			t.Errorf("ignored(%s) = %v, want %v", p, got, want)
		}
	}
}
