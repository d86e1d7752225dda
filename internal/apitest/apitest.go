// Package apitest checks HTTP exchanges against an OpenAPI 3 document, so
// that tests of the JSON API (package web, and a whole node in package
// node) hold every response to what /api/v1/openapi.json promises. It is
// imported by tests only.
package apitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator routes requests against one document.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router
}

// origin is where requests are routed: the document's server is relative
// ("/api/v1"), so it is anchored here.
const origin = "http://api.test"

// New loads doc, fails t unless it is valid OpenAPI 3, and returns a
// validator for it.
func New(t testing.TB, doc []byte) *Validator {
	t.Helper()
	d, err := openapi3.NewLoader().LoadFromData(doc)
	if err != nil {
		t.Fatalf("load OpenAPI document: %v", err)
	}
	if err := d.Validate(context.Background()); err != nil {
		t.Fatalf("not a valid OpenAPI 3 document: %v", err)
	}
	if len(d.Servers) != 1 {
		t.Fatalf("want one (relative) server in the OpenAPI document, got %d", len(d.Servers))
	}
	d.Servers = openapi3.Servers{{URL: origin + d.Servers[0].URL}}
	r, err := legacy.NewRouter(d)
	if err != nil {
		t.Fatal(err)
	}
	return &Validator{Doc: d, router: r}
}

// Client performs one request: a handler in process, or a real server.
type Client func(*http.Request) (*http.Response, error)

// Handler serves requests with h, in process.
func Handler(h http.Handler) Client {
	return func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	}
}

// Server sends requests to the server at base (http://host:port).
func Server(base string) Client {
	return func(r *http.Request) (*http.Response, error) {
		out, err := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), nil)
		if err != nil {
			return nil, err
		}
		out.Header = r.Header.Clone()
		return http.DefaultClient.Do(out)
	}
}

// Check GETs target (path and query, e.g. "/api/v1/relays?limit=5"),
// fails t when the request is not in the document, when the document's
// verdict on the request differs from validRequest, or when the response
// (status, content type, body) does not match it. It returns the status
// and the body.
func (v *Validator) Check(t testing.TB, do Client, target string, validRequest bool) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, origin+target, nil)
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Fatalf("%s: not in the OpenAPI document: %v", target, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if validRequest && reqErr != nil {
		t.Errorf("%s: the document refuses a request the API serves: %v", target, reqErr)
	}
	if !validRequest && reqErr == nil {
		t.Errorf("%s: the document accepts a request the API refuses", target)
	}
	res, err := do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s: read body: %v", target, err)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(bytes.Clone(body))
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s: response %d does not match the OpenAPI document: %v\n%s", target, res.StatusCode, err, body)
	}
	return res.StatusCode, body
}
