package opstest

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/bigbrotr/bigbrotr/node"
)

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Ports       []any             `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
	Environment map[string]string `yaml:"environment"`
}

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

// composeServiceKeys are the compose-spec service keys this stack may use;
// anything else is most likely a typo compose would reject.
var composeServiceKeys = []string{
	"build", "cap_drop", "command", "depends_on", "entrypoint", "environment", "expose", "healthcheck", "image",
	"init", "logging", "networks", "ports", "read_only", "restart", "security_opt", "shm_size",
	"stop_grace_period", "stop_signal", "tmpfs", "ulimits", "user", "volumes",
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	src := repoFile(t, "docker/compose.yml")
	var c composeFile
	if err := yaml.Unmarshal(src, &c); err != nil {
		t.Fatalf("docker/compose.yml: %v", err)
	}
	var raw struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(src, &raw); err != nil {
		t.Fatalf("docker/compose.yml: %v", err)
	}
	for name, svc := range raw.Services {
		for k := range svc {
			if !slices.Contains(composeServiceKeys, k) {
				t.Errorf("docker/compose.yml: service %s: unknown key %q", name, k)
			}
		}
	}
	return c
}

// envExample reads docker/.env.example as KEY=value pairs.
func envExample(t *testing.T) map[string]string {
	env := map[string]string{}
	for _, l := range strings.Split(string(repoFile(t, "docker/.env.example")), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			t.Errorf(".env.example: %q is not KEY=value", l)
		}
		env[k] = v
	}
	return env
}

// interpolate expands ${VAR}, ${VAR:-default} and ${VAR:?message} the way
// compose does, from env; $$ is a literal $.
var interpolation = regexp.MustCompile(`\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}`)

func interpolate(s string, env map[string]string) string {
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		p := interpolation.FindStringSubmatch(m)
		if v := env[p[1]]; v != "" || p[2] == "" {
			return v
		}
		if strings.HasSuffix(p[2], "-") {
			return p[3]
		}
		return "" // ${VAR:?message}: compose refuses to start; the test sets VAR
	})
}

func TestComposeServices(t *testing.T) {
	c := loadCompose(t)
	env := envExample(t)
	want := []string{"grafana", "node", "pgbouncer", "postgres", "prometheus", "tor"}
	if got := slices.Sorted(maps.Keys(c.Services)); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	for name, s := range c.Services {
		for _, p := range s.Ports {
			ps, ok := p.(string)
			ps = interpolate(ps, env)
			if !ok || !strings.HasPrefix(ps, "127.0.0.1:") || strings.Count(ps, ":") != 2 {
				t.Errorf("%s: port %v must be \"127.0.0.1:HOST:CONTAINER\"", name, p)
			}
		}
		if s.Build == nil {
			image, tag, _ := strings.Cut(s.Image, ":")
			if image == "" || tag == "" || tag == "latest" {
				t.Errorf("%s: image %q must be pinned to a version tag", name, s.Image)
			}
		}
		for _, v := range s.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, ".") {
				if _, err := os.Stat(filepath.Join(root, "docker", src)); err != nil {
					t.Errorf("%s: volume %s: %v", name, v, err)
				}
			} else if _, ok := c.Volumes[src]; !ok {
				t.Errorf("%s: named volume %s is not declared", name, src)
			}
		}
		switch b := s.Build.(type) {
		case nil:
		case string:
			if _, err := os.Stat(filepath.Join(root, "docker", b, "Dockerfile")); err != nil {
				t.Errorf("%s: build %s: %v", name, b, err)
			}
		case map[string]any:
			ctx, _ := b["context"].(string)
			df, _ := b["dockerfile"].(string)
			if _, err := os.Stat(filepath.Join(root, "docker", ctx, df)); err != nil {
				t.Errorf("%s: build %v: %v", name, b, err)
			}
		}
	}
}

// Every variable compose reads is in .env.example, and every example
// variable is read; passwords have no default (compose refuses to start).
func TestComposeEnvExample(t *testing.T) {
	src := string(repoFile(t, "docker/compose.yml"))
	env := envExample(t)
	used := map[string]bool{}
	for _, m := range interpolation.FindAllStringSubmatch(src, -1) {
		if m[0] == "$$" {
			continue
		}
		used[m[1]] = true
		if _, ok := env[m[1]]; !ok {
			t.Errorf("compose.yml reads ${%s}, which .env.example does not list", m[1])
		}
		if strings.Contains(m[1], "PASSWORD") && m[2] != ":?" {
			t.Errorf("${%s} must be required (${%s:?...}), not defaulted", m[1], m[1])
		}
	}
	for k, v := range env {
		if !used[k] {
			t.Errorf(".env.example lists %s, which compose.yml never reads", k)
		}
		if strings.Contains(k, "PASSWORD") && v != "" {
			t.Errorf(".env.example ships a value for %s: leave passwords empty", k)
		}
	}
}

func TestComposeInterpolate(t *testing.T) {
	env := map[string]string{"A": "x", "E": ""}
	for in, want := range map[string]string{
		"${A}": "x", "${A:-d}": "x", "${E:-d}": "d", "${N:-d}": "d", "${N:?m e}": "", "$${A}": "${A}",
		"u:${A:?set A in docker/.env}@h": "u:x@h",
	} {
		if got := interpolate(in, env); got != want {
			t.Errorf("interpolate(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestComposeNodeConfig loads docker/node.toml as the node in the image
// would: image paths mapped back to the files the Dockerfile copies there,
// and the database URL compose passes (example values plus a password).
func TestComposeNodeConfig(t *testing.T) {
	c := loadCompose(t)
	env := envExample(t)
	env["POSTGRES_PASSWORD"] = "secret"
	svc := c.Services["node"]
	dbURL := interpolate(svc.Environment[node.EnvDatabaseURL], env)
	if !strings.Contains(dbURL, "@pgbouncer:6432/") || !strings.Contains(dbURL, "default_query_exec_mode=exec") {
		t.Errorf("node's %s = %s: want PgBouncer with default_query_exec_mode=exec", node.EnvDatabaseURL, dbURL)
	}
	t.Setenv(node.EnvDatabaseURL, dbURL)
	t.Setenv(node.EnvPrivateKey, "")

	cfgText := string(repoFile(t, "docker/node.toml"))
	ins := parseDockerfile(string(repoFile(t, "docker/Dockerfile")))
	var configPath string
	for _, cp := range copies(ins, false) {
		if cp.Sources[0] == "docker/node.toml" {
			configPath = cp.Dest
		}
		cfgText = strings.ReplaceAll(cfgText, `"`+cp.Dest+`"`, `"`+filepath.Join(root, cp.Sources[0])+`"`)
	}
	var cmd []string
	for _, in := range finalStage(ins) {
		if in.Cmd == "CMD" {
			yaml.Unmarshal([]byte(in.Args), &cmd) // JSON is YAML
		}
	}
	if i := slices.Index(cmd, "--config"); configPath == "" || i < 0 || cmd[i+1] != configPath {
		t.Errorf("the image copies docker/node.toml to %q but runs %v", configPath, cmd)
	}
	path := filepath.Join(t.TempDir(), "node.toml")
	if err := os.WriteFile(path, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := node.LoadConfig(path)
	if err != nil {
		t.Fatalf("docker/node.toml: %v", err)
	}
	if cfg.Database.URL != dbURL {
		t.Errorf("database.url = %q, want the environment's", cfg.Database.URL)
	}
	checks := []struct{ what, got, want string }{
		{"node.listen", cfg.Node.Listen, "0.0.0.0:7447"},
		{"metrics.listen", cfg.Metrics.Listen, "0.0.0.0:9464"},
		{"node.data_dir", cfg.Node.DataDir, "/var/lib/bigbrotr"},
		{"network.tor.proxy", cfg.Network.Tor.Proxy, "socks5://tor:9050"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("docker/node.toml %s = %q, want %q", ch.what, ch.got, ch.want)
		}
	}
	if !cfg.Network.Tor.Enabled {
		t.Error("docker/node.toml: the stack runs tor, network.tor.enabled should be true")
	}
	// The other files agree with the config.
	if !slices.ContainsFunc(svc.Ports, func(p any) bool { s, _ := p.(string); return strings.HasSuffix(s, ":7447") }) {
		t.Errorf("node ports %v do not publish node.listen's 7447", svc.Ports)
	}
	if !strings.Contains(string(repoFile(t, "docker/prometheus/prometheus.yml")), `"node:9464"`) {
		t.Error("prometheus.yml does not scrape node:9464 (metrics.listen)")
	}
	if !strings.Contains(string(repoFile(t, "docker/tor/torrc")), "SocksPort 0.0.0.0:9050") {
		t.Error("torrc does not listen on 9050 (network.tor.proxy)")
	}
	if !slices.Contains(svc.Volumes, "node:"+cfg.Node.DataDir) {
		t.Errorf("node volumes %v do not keep data_dir %s", svc.Volumes, cfg.Node.DataDir)
	}
}

func TestComposePgBouncerTransactionMode(t *testing.T) {
	ini := map[string]string{}
	for _, l := range strings.Split(string(repoFile(t, "docker/pgbouncer/pgbouncer.ini")), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(strings.TrimSpace(l), ";") {
			ini[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for k, want := range map[string]string{"pool_mode": "transaction", "listen_port": "6432", "*": "host=postgres port=5432"} {
		if ini[k] != want {
			t.Errorf("pgbouncer.ini %s = %q, want %q", k, ini[k], want)
		}
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	c := loadCompose(t)
	var ds struct {
		Datasources []struct {
			UID, Type, URL string
		} `yaml:"datasources"`
	}
	decodeYAML(t, "docker/grafana/provisioning/datasources/prometheus.yml", &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("datasources %+v: want the compose prometheus service", ds.Datasources)
	}
	var dash struct {
		Providers []struct {
			Options struct{ Path string } `yaml:"options"`
		} `yaml:"providers"`
	}
	decodeYAML(t, "docker/grafana/provisioning/dashboards/bigbrotr.yml", &dash)
	g := c.Services["grafana"]
	if len(dash.Providers) != 1 || !slices.Contains(g.Volumes, "./grafana/dashboards:"+dash.Providers[0].Options.Path+":ro") {
		t.Errorf("dashboard provider %+v is not where compose mounts grafana/dashboards (%v)", dash.Providers, g.Volumes)
	}
	home := g.Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if filepath.Base(home) != filepath.Base(dashboardPath) {
		t.Errorf("home dashboard %s is not %s", home, dashboardPath)
	}
}
