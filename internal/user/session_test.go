package user_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/affar/affar/internal/authz"
	"github.com/affar/affar/internal/domain"
	"github.com/affar/affar/internal/postgres"
	"github.com/affar/affar/internal/testutil/svctest"
	"github.com/affar/affar/internal/user"
)

// TestSessionAndActorInOneStatement: a request that finds its session through the session store
// (WithSessionRead) gets its actor with no statement of its own, the same actor as read alone; a session
// signed out of, or one whose data names no user session, is read as before.
func TestSessionAndActorInOneStatement(t *testing.T) {
	h := svctest.New(t)
	_, u, pw := member(t, h, "kim@example.com", authz.CustomerView, authz.CustomerEdit)
	sess := signIn(t, h, u.Email, pw)
	db, count := h.CountingDB(t)
	s := h.Services.Users
	users := &user.Service{DB: db, Now: s.Now, SessionIdle: s.SessionIdle, SessionLifetime: s.SessionLifetime}
	store := &postgres.SessionStore{Pool: db.Pool, Codec: scs.GobCodec{}, Key: "session_id"}
	commit := func(token string, values map[string]any) {
		t.Helper()
		data, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), values)
		if err == nil {
			err = store.CommitCtx(context.Background(), token, data, time.Now().Add(time.Hour))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	request := func(token, sessionID string) (authz.Actor, int64, error) {
		t.Helper()
		before := count()
		ctx := user.WithSessionRead(context.Background())
		if _, found, err := store.FindCtx(ctx, token); err != nil || !found {
			t.Fatalf("session %s: found %v, %v", token, found, err)
		}
		a, err := users.Actor(ctx, sessionID)
		return a, count() - before, err
	}

	commit("signed-in", map[string]any{"session_id": sess.ID, "flash": ""})
	a, n, err := request("signed-in", sess.ID)
	alone, aloneErr := s.Actor(context.Background(), sess.ID)
	if err != nil || aloneErr != nil {
		t.Fatal(err, aloneErr)
	}
	if n != 1 {
		t.Errorf("the session and its user took %d statements, want 1", n)
	}
	if got, want := fmt.Sprintf("%+v", a), fmt.Sprintf("%+v", alone); got != want {
		t.Errorf("actor read with the session:\n%s\nread alone:\n%s", got, want)
	}

	commit("anonymous", map[string]any{"flash": "x"})
	if _, n, err := request("anonymous", sess.ID); err != nil || n != 2 {
		t.Errorf("a session naming no user session: %d statements, %v; want 2 (the user read on its own), no error", n, err)
	}

	if err := s.SignedOut(authz.WithActor(context.Background(), a), sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := request("signed-in", sess.ID); !errors.Is(err, domain.ErrUnauthenticated) {
		t.Errorf("a session signed out of: %v, want unauthenticated", err)
	}
}
