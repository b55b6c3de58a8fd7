package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/templates/crm"
)

// sessionTicks keeps the customers ticked on the CRM screen across its pages and filters: ids,
// comma-separated, never a name.
const sessionTicks = "crm_ticks"

// maxTicks bounds the ticks a session keeps; a larger selection is a filter's job ("alla som matchar").
const maxTicks = 1000

// ticks are the customers ticked in this session, in the order they were ticked.
func (s *Server) ticks(ctx context.Context) []domain.CustomerID {
	var out []domain.CustomerID
	for _, v := range strings.Split(s.Sessions.GetString(ctx, sessionTicks), ",") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out = append(out, domain.CustomerID(id))
		}
	}
	return out
}

func (s *Server) storeTicks(ctx context.Context, ids []domain.CustomerID) {
	if len(ids) == 0 {
		s.Sessions.Remove(ctx, sessionTicks)
		return
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(int64(id), 10)
	}
	s.Sessions.Put(ctx, sessionTicks, strings.Join(parts, ","))
}

// formIDs reads the positive customer ids of form field key, each once.
func formIDs(f url.Values, key string) []domain.CustomerID {
	var out []domain.CustomerID
	for _, v := range f[key] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !slices.Contains(out, domain.CustomerID(id)) {
			out = append(out, domain.CustomerID(id))
		}
	}
	return out
}

// applyTicks records what a CRM form says of its page: of the customers it showed ("shown", and any
// ticked "ids"), the ticked ones are kept and the others dropped; ticks made on other pages stay. Ticks
// beyond maxTicks are refused, and full says so.
func (s *Server) applyTicks(ctx context.Context, f url.Values) (ticks []domain.CustomerID, full bool) {
	ticked := formIDs(f, "ids")
	shown := append(formIDs(f, "shown"), ticked...)
	for _, id := range s.ticks(ctx) {
		if !slices.Contains(shown, id) {
			ticks = append(ticks, id)
		}
	}
	for _, id := range ticked {
		if len(ticks) == maxTicks {
			full = true
			break
		}
		ticks = append(ticks, id)
	}
	s.storeTicks(ctx, ticks)
	return ticks, full
}

// crmBack is where a ticks form returns to: the CRM screen as it was ("back"), only ever a CRM address.
func crmBack(f url.Values) string {
	if back := f.Get("back"); back == "/crm" || strings.HasPrefix(back, "/crm?") {
		return back
	}
	return crmURL(nil, nil)
}

// crmTicks records the ticks of the page shown (or clears them all, "clear"), and returns to the screen.
// The screen's script posts each change at once and gets back only the ticks line (HX-Request).
func (s *Server) crmTicks(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	var ticks []domain.CustomerID
	full := false
	if r.PostForm.Get("clear") == "yes" {
		s.storeTicks(ctx, nil)
	} else {
		ticks, full = s.applyTicks(ctx, r.PostForm)
	}
	if r.Header.Get("HX-Request") != "true" {
		if full {
			s.Sessions.Put(ctx, sessionFlash, "crm.ticks_full")
		}
		redirect(w, r, crmBack(r.PostForm))
		return
	}
	seg, _, _ := parseSegment(r.PostForm)
	page, err := s.Customers.Segment(ctx, domain.SegmentQuery{Segment: seg, Limit: 1, Ticked: ticks})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := crm.TicksView{N: len(ticks), InSegment: page.Ticked, Full: full}
	for _, id := range formIDs(r.PostForm, "shown") {
		if slices.Contains(ticks, id) {
			v.PageTicked = append(v.PageTicked, int64(id))
		}
	}
	s.renderPage(w, r, http.StatusOK, crm.Ticks(v))
}
