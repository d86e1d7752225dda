package probe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/bigbrotr/bigbrotr/transport"
)

// NIP11Outcome is the relay's information document.
type NIP11Outcome struct {
	Status
	// Info is the parsed document (nil unless Success).
	Info *NIP11Info `json:"info,omitempty"`
	// Raw is the document as served, compacted: the content of a 30166.
	Raw json.RawMessage `json:"-"`
	// HTTPStatus, ContentType and Header describe the response, when one
	// came (also for a refused redirect: the 3xx is the response).
	HTTPStatus  int         `json:"-"`
	ContentType string      `json:"-"`
	Header      http.Header `json:"-"`
	// Timings are the request's phases; Upgrade is the server's time to
	// the first byte.
	Timings transport.Timings `json:"-"`
}

// Check is CheckNIP11.
func (*NIP11Outcome) Check() Check { return CheckNIP11 }

// NIP11 fetches the relay information document: GET on the relay URL over
// HTTP(S) with Accept: application/nostr+json, through the transport's
// guarded client, following redirects on the same host only, reading at
// most Target.NIP11MaxBytes. The body must be a JSON object served as JSON
// (application/json, application/nostr+json, any +json type), or as
// text/plain or without a Content-Type when it parses as an object: relays
// behind misconfigured proxies often send that, and the document is still
// the relay's.
func NIP11(ctx context.Context, t Target) (*NIP11Outcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	start := time.Now()
	out := fetchNIP11(ctx, t)
	out.Took = time.Since(start)
	if err := abandoned(ctx, CheckNIP11, t.URL); err != nil {
		return nil, err
	}
	return out, nil
}

func fetchNIP11(ctx context.Context, t Target) *NIP11Outcome {
	ctx, cancel := bound(ctx)
	defer cancel()
	ctx, timings := transport.WithTimings(ctx)
	out := &NIP11Outcome{}
	defer func() { out.Timings = timings() }()

	client := t.Transport.HTTPClient(transport.SameHostRedirects())
	redirected := false
	check := client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		redirected = true
		return check(req, via)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL.HTTPURL(), nil)
	if err != nil {
		out.Status = failed(ReasonError, err.Error())
		return out
	}
	req.Header.Set("Accept", "application/nostr+json")
	resp, err := client.Do(req)
	if resp != nil {
		out.HTTPStatus, out.Header = resp.StatusCode, resp.Header
		out.ContentType = resp.Header.Get("Content-Type")
	}
	if err != nil {
		r := reasonOf(err)
		if redirected && r == ReasonRefused {
			r = ReasonRedirect
		}
		out.Status = failed(r, err.Error())
		return out
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		out.Status = failed(ReasonHTTPStatus, fmt.Sprintf("HTTP %d", resp.StatusCode))
		return out
	}
	kind := mediaKind(out.ContentType)
	if kind == mediaOther {
		out.Status = failed(ReasonBadContentType, "Content-Type "+out.ContentType)
		return out
	}
	limit := t.NIP11MaxBytes
	if limit <= 0 {
		limit = DefaultNIP11MaxBytes
	}
	if resp.ContentLength > limit {
		out.Status = failed(ReasonTooLarge, fmt.Sprintf("Content-Length %d over %d bytes", resp.ContentLength, limit))
		return out
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		out.Status = failed(reasonOf(err), err.Error())
		return out
	}
	if int64(len(body)) > limit {
		out.Status = failed(ReasonTooLarge, fmt.Sprintf("body over %d bytes", limit))
		return out
	}
	info, err := ParseNIP11(body)
	switch {
	case err != nil && kind == mediaLenient:
		out.Status = failed(ReasonBadContentType, "Content-Type "+out.ContentType+" and "+err.Error())
		return out
	case errors.Is(err, ErrNotObject):
		out.Status = failed(ReasonNotObject, err.Error())
		return out
	case err != nil:
		out.Status = failed(ReasonInvalidJSON, err.Error())
		return out
	}
	var compact bytes.Buffer
	if json.Compact(&compact, bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))) == nil {
		out.Raw = compact.Bytes()
	}
	out.Status, out.Info = ok(), info
	return out
}

type mediaClass int

const (
	mediaJSON    mediaClass = iota // served as JSON
	mediaLenient                   // text/plain or no type: JSON if it parses as an object
	mediaOther                     // anything else (text/html, ...)
)

// mediaKind classifies a Content-Type header; parameters (charset) and case
// do not matter.
func mediaKind(contentType string) mediaClass {
	if strings.TrimSpace(contentType) == "" {
		return mediaLenient
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	switch {
	case mt == "application/json", mt == "text/json", strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return mediaJSON
	case mt == "text/plain", mt == "application/octet-stream":
		return mediaLenient
	}
	return mediaOther
}
