package schema

// IndexedTagName reports whether a tag name is one NIP-01 filters query:
// a single ASCII letter ("#e", "#t", "#R"). The relay refuses filters on
// other names, the archive indexes only these and the synchronizer's
// configured filters may name only these, so the rule lives once, here.
func IndexedTagName(name string) bool {
	if len(name) != 1 {
		return false
	}
	c := name[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
