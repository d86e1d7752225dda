// Package bigbrotr carries into the binary what the module ships at its
// root: the seed list (Seeds). Its Go code lives in the packages below;
// this one exists because a go:embed directive can only reach files in or
// below its own package's directory, and seeds.txt stays at the root of the
// repository, where operators and the Docker image find it.
package bigbrotr
