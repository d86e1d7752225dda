package bigbrotr

import _ "embed" // for Seeds

// Seeds is seeds.txt as built: some 7,500 public relay URLs, one a line,
// that the node seeds its candidates with when [seeder] file is unset, so
// that a node started with no configuration crawls the real network.
//
//go:embed seeds.txt
var Seeds string
