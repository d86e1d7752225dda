package node

import (
	"bytes"
	"encoding"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// decodeByKey decodes data over cfg one key at a time. It is the fallback
// for a file the strict decoder refused for a value (a malformed duration,
// a string where a number belongs): that decoder stops at the first such
// value, and the operator would fix the file one error per run. Here every
// bad value becomes a problem naming its key, the keys after it are still
// decoded, and unknown keys are still reported, so the caller can list
// them together with what validation finds. A syntax error, after which
// nothing can be decoded, is returned as err.
func decodeByKey(data []byte, cfg *Config) (problems []string, err error) {
	var root map[string]toml.Primitive
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&root)
	if err != nil {
		return nil, err
	}
	failed, unknown := map[string]bool{}, map[string]bool{}
	decodeTable(md, root, reflect.ValueOf(cfg).Elem(), "", failed, unknown, &problems)
	// Decoding into a map marks its keys decoded, so the tables walked
	// above report their unknown keys themselves; Undecoded still finds
	// those inside values decoded whole (arrays of tables).
	for _, k := range md.Undecoded() {
		if !failed[k.String()] && !underFailed(k.String(), failed) {
			unknown[k.String()] = true
		}
	}
	var out []string
	for k := range unknown {
		out = append(out, "unknown key "+k)
	}
	sort.Strings(out)
	return append(out, problems...), nil
}

// decodeTable decodes the keys of one table into the struct v, recursing
// into sub-tables, and records each key that fails.
func decodeTable(md toml.MetaData, table map[string]toml.Primitive, v reflect.Value, prefix string, failed, unknown map[string]bool, problems *[]string) {
	fields := map[string]reflect.Value{}
	collectFields(v, fields)
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := prefix + k
		f, ok := fields[k]
		if !ok {
			unknown[key] = true
			continue
		}
		if isTable(f) {
			var sub map[string]toml.Primitive
			if err := md.PrimitiveDecode(table[k], &sub); err != nil {
				failed[key] = true
				*problems = append(*problems, keyedProblem(key, f, err))
				continue
			}
			decodeTable(md, sub, f, key+".", failed, unknown, problems)
			continue
		}
		if err := md.PrimitiveDecode(table[k], f.Addr().Interface()); err != nil {
			failed[key] = true
			*problems = append(*problems, keyedProblem(key, f, err))
		}
	}
}

// collectFields maps TOML keys to the fields of struct v, promoting the
// fields of embedded structs as the decoder does.
func collectFields(v reflect.Value, out map[string]reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			collectFields(v.Field(i), out)
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		out[name] = v.Field(i)
	}
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	tomlUnmarshaler = reflect.TypeFor[toml.Unmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
)

// isTable: a struct the decoder fills key by key, not a value type that
// decodes itself.
func isTable(f reflect.Value) bool {
	p := reflect.PointerTo(f.Type())
	return f.Kind() == reflect.Struct && !p.Implements(textUnmarshaler) && !p.Implements(tomlUnmarshaler)
}

// decodeErr is BurntSushi's `toml: line N (last key "k"): message`.
var decodeErr = regexp.MustCompile(`^toml: (line \d+) \(last key "[^"]*"\): (.*)$`)

// keyedProblem states a decode error as "key: message (line N)".
func keyedProblem(key string, f reflect.Value, err error) string {
	msg, line := oneLine(err.Error()), ""
	if m := decodeErr.FindStringSubmatch(msg); m != nil {
		line, msg = m[1], m[2]
	}
	msg = strings.TrimPrefix(msg, "toml: ")
	if f.Type() == durationType {
		msg = `want a duration such as "90s", "5m" or "1h30m" (` + msg + ")"
	}
	if line != "" {
		msg += " (" + line + ")"
	}
	return key + ": " + msg
}

// underFailed reports whether key lies inside a table that failed to decode.
func underFailed(key string, failed map[string]bool) bool {
	for k := range failed {
		if strings.HasPrefix(key, k+".") {
			return true
		}
	}
	return false
}
