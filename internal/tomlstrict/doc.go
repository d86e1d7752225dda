// Package tomlstrict decodes a TOML configuration strictly (an unknown key
// is an error) and lists every problem of the file at once, each naming
// its key, where BurntSushi/toml stops at the first bad value.
package tomlstrict
