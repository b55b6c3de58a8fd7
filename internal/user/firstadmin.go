package user

import (
	"context"

	"github.com/affar/affar/internal/i18n"
)

// FirstAdmin is the account made on an empty database (make run): an admin named in the installation's
// language lang, which the admin renames on their profile page. Its interface language follows the
// browser, as an invited user's does unless chosen.
func FirstAdmin(email, password, lang string) NewUser {
	name := i18n.T(i18n.WithLang(context.Background(), lang), "users.first_admin")
	return NewUser{Email: email, Name: name, Password: password, IsAdmin: true}
}
