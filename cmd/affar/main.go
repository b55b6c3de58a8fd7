// Command affar is Affär's single binary: server, migrations and administration. See `affar help`.
package main

import (
	"context"
	"os"
	_ "time/tzdata" // dates are shown in Europe/Stockholm, also in a scratch container

	"github.com/affar/affar/internal/app"
)

func main() {
	os.Exit(app.Main(context.Background(), os.Args[1:], app.IO{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
	}))
}
