package probe

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// HTTPOutcome is what the relay's web server says about itself.
type HTTPOutcome struct {
	// Status: Success when at least one of the two headers was found.
	Status
	Server    string `json:"server,omitempty"`     // the Server header
	PoweredBy string `json:"powered_by,omitempty"` // the X-Powered-By header
}

// Check is CheckHTTP.
func (*HTTPOutcome) Check() Check { return CheckHTTP }

// HTTP reads the Server and X-Powered-By headers of the NIP-11 response
// (Target.NIP11's, or fetched) and, when that lacks one of them, of the
// WebSocket upgrade response, which a reverse proxy may route to another
// program. The first non-empty value wins.
func HTTP(ctx context.Context, t Target) (*HTTPOutcome, error) {
	if err := t.validate(true); err != nil {
		return nil, err
	}
	start := time.Now()
	pctx, cancel := bound(ctx)
	defer cancel()
	out := &HTTPOutcome{}
	defer func() { out.Took = time.Since(start) }()

	doc := t.NIP11
	if doc == nil {
		doc = fetchNIP11(pctx, t)
	}
	out.take(doc.Header)
	if out.Server == "" || out.PoweredBy == "" {
		conn, err := t.Transport.Dial(pctx, t.URL.String())
		switch {
		case err == nil:
			out.take(conn.Header)
			_ = conn.WS.CloseNow()
		case doc.Header == nil && out.Server == "" && out.PoweredBy == "":
			// Neither request got a response: the reason is the relay's.
			if e := abandoned(ctx, CheckHTTP, t.URL); e != nil {
				return nil, e
			}
			r := reasonOf(err)
			if doc.Reason == ReasonRedirect {
				r = ReasonRedirect
			}
			out.Status = failed(r, err.Error())
			return out, nil
		}
	}
	if e := abandoned(ctx, CheckHTTP, t.URL); e != nil {
		return nil, e
	}
	if out.Server == "" && out.PoweredBy == "" {
		out.Status = failed(ReasonNoHeaders, "neither Server nor X-Powered-By")
		return out, nil
	}
	out.Status = ok()
	return out, nil
}

func (o *HTTPOutcome) take(h http.Header) {
	if h == nil {
		return
	}
	if o.Server == "" {
		o.Server = headerValue(h, "Server")
	}
	if o.PoweredBy == "" {
		o.PoweredBy = headerValue(h, "X-Powered-By")
	}
}

// headerValue is the header's value without NULs, trimmed and bounded.
func headerValue(h http.Header, key string) string {
	v := strings.TrimSpace(strings.ReplaceAll(h.Get(key), "\x00", ""))
	return truncate(v, 200)
}
