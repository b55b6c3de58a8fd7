package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/affar/affar/internal/agreement"
	"github.com/affar/affar/internal/config"
)

// previewLines is how much of the text the publish preview prints before summing up the rest.
const previewLines = 15

// agreementCmd is affar agreement publish: the operator, who runs the installation, sends a version of the
// data processing agreement to the company's admins. It shows what would be sent and asks before sending.
func agreementCmd(ctx context.Context, args []string, cfg config.Config, std IO) error {
	const use = "agreement publish --version V --file F [--yes]"
	if len(args) == 0 || args[0] != "publish" {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	fs := flag.NewFlagSet("agreement publish", flag.ContinueOnError)
	fs.SetOutput(std.Stderr)
	version := fs.String("version", "", "the version's id, e.g. 2027-1 (each id once)")
	file := fs.String("file", "", "the agreement's text, a UTF-8 text file")
	yes := fs.Bool("yes", false, "publish without asking (after printing the preview)")
	if err := fs.Parse(args[1:]); err != nil || *version == "" || *file == "" || fs.NArg() != 0 {
		return fmt.Errorf("%w: %s", errUsage, use)
	}
	body, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	ctx = systemContext(ctx)
	return withServices(ctx, cfg, cfg.DatabaseURL, func(svc Services) error {
		d, err := svc.Agreement.Preview(ctx, *version, string(body))
		if err != nil {
			return describeInput(err)
		}
		printDraft(std, d)
		if len(d.Recipients) == 0 {
			return errors.New("there is no active administrator to send it to; create one first (affar user create --admin)")
		}
		if !*yes && !confirmed(std, fmt.Sprintf("Publish version %s and e-mail it to %d administrator(s)? It cannot be changed afterwards. [y/N] ",
			d.Version, len(d.Recipients))) {
			fmt.Fprintln(std.Stdout, "nothing published")
			return exitError(1)
		}
		if _, err := svc.Agreement.Publish(ctx, *version, string(body)); err != nil {
			return describeInput(err)
		}
		fmt.Fprintf(std.Stdout, "version %s published; %d e-mail(s) queued in the outbox\n", d.Version, len(d.Recipients))
		return nil
	})
}

// printDraft is the preview: the version, its digest, the start of the text and its recipients.
func printDraft(std IO, d agreement.Draft) {
	lines := strings.Split(d.Body, "\n")
	fmt.Fprintf(std.Stdout, "Version:  %s\nSHA-256:  %s\nLength:   %d characters, %d lines\n\n", d.Version, d.SHA256,
		len([]rune(d.Body)), len(lines))
	for i, l := range lines {
		if i == previewLines {
			fmt.Fprintf(std.Stdout, "  … %d more lines\n", len(lines)-previewLines)
			break
		}
		fmt.Fprintf(std.Stdout, "  %s\n", l)
	}
	fmt.Fprintf(std.Stdout, "\nRecipients (%d active administrators):\n", len(d.Recipients))
	for _, u := range d.Recipients {
		fmt.Fprintf(std.Stdout, "  %s <%s>\n", u.Name, u.Email)
	}
}

// confirmed asks a yes/no question on the standard streams; only "y" or "yes" is yes.
func confirmed(std IO, question string) bool {
	fmt.Fprint(std.Stderr, question)
	answer, _ := bufio.NewReader(std.Stdin).ReadString('\n')
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes"
}
