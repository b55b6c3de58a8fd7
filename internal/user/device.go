package user

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
)

// Device cookies (OWASP's answer to lock-outs as a weapon): a browser that signed in to an account carries
// a token for it, and its later sign-ins to that account are counted on a counter of their own. Failed
// sign-ins from anywhere else lock the account for unknown browsers only, so nobody can lock its owner out
// by guessing. A token is a random nonce and an HMAC of it with the account's address under the service
// secret: it names no account, and nobody without the secret can make one.

// DeviceCookie is the name of the cookie that carries a browser's tokens.
const DeviceCookie = "affar_device"

// maxDevices is how many accounts one browser is remembered for (a shared office computer).
const maxDevices = 5

// knownDevices is how many browsers' worth of failed sign-ins all of an account's known browsers get
// together before they are locked out too.
const knownDevices = 4

var deviceRE = regexp.MustCompile(`^[A-Z2-7]{26}\.[A-Za-z0-9_-]{22}$`)

func (s *Service) deviceMAC(email, nonce string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("device\x00" + email + "\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// knownDevice returns the nonce of the token in cookie that is for the account email, or "".
func (s *Service) knownDevice(cookie, email string) string {
	for _, t := range strings.Split(cookie, "~") {
		nonce, mac, ok := strings.Cut(t, ".")
		if ok && deviceRE.MatchString(t) && hmac.Equal([]byte(mac), []byte(s.deviceMAC(email, nonce))) {
			return nonce
		}
	}
	return ""
}

// rememberDevice returns cookie with the token for email (nonce, or a new one) first and the browser's
// other well-formed tokens after it, at most maxDevices.
func (s *Service) rememberDevice(cookie, email, nonce string) string {
	if nonce == "" {
		nonce = rand.Text()
	}
	own := nonce + "." + s.deviceMAC(email, nonce)
	out := []string{own}
	for _, t := range strings.Split(cookie, "~") {
		if len(out) < maxDevices && t != own && deviceRE.MatchString(t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "~")
}
