package tomlstrict

import (
	"bytes"
	"encoding"
	"errors"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Decode decodes data strictly over defaults() and returns the value and
// every problem found, each naming its key: "unknown key a.b" for a key
// the struct does not have, "a.b: message (line N)" for a value that does
// not decode. err is set only when nothing can be decoded (a syntax
// error), as one line.
//
// The strict decoder stops at the first bad value, and an operator would
// fix a file one error per run; so when it fails, data is decoded again
// one key at a time, each bad value becomes a problem, the keys after it
// are still decoded and unknown keys are still reported.
func Decode[T any](data []byte, defaults func() T) (T, []string, error) {
	v := defaults()
	md, strictErr := toml.NewDecoder(bytes.NewReader(data)).Decode(&v)
	if strictErr == nil {
		var problems []string
		for _, k := range md.Undecoded() {
			problems = append(problems, "unknown key "+k.String())
		}
		sort.Strings(problems)
		return v, problems, nil
	}
	v = defaults()
	problems, err := DecodeByKey(data, &v)
	if err != nil || len(problems) == 0 {
		return v, nil, errors.New(oneLine(strictErr.Error()))
	}
	return v, problems, nil
}

// DecodeByKey is Decode's second pass: it decodes data over the struct
// cfg points to, one key at a time, and returns the problems: unknown keys
// first, sorted, then bad values in the order of the file's keys. A
// syntax error, after which nothing can be decoded, is returned as err.
// On a file without problems it must read what the strict decoder reads
// (the node's configuration test holds it to that over every key).
func DecodeByKey(data []byte, cfg any) (problems []string, err error) {
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

// oneLine keeps a decoder error on a single line for the CLI.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
