package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpuTimes is the machine's CPU time so far from /proc/stat: all of it, and the part the hypervisor gave to
// other guests (steal), in clock ticks. A run with much stolen time measured the host's load as much as ours.
type cpuTimes struct{ total, steal float64 }

func cpuSteal() cpuTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var t cpuTimes
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		if i < 8 { // user … steal; guest time is already counted in user
			t.total += v
		}
		if i == 7 {
			t.steal = v
		}
	}
	return t
}

// since is the share of the CPU time since t that was stolen.
func (t cpuTimes) since() float64 {
	now := cpuSteal()
	if now.total <= t.total {
		return 0
	}
	return (now.steal - t.steal) / (now.total - t.total)
}

// cpuSplit is the CPU time, in clock ticks, used so far by PostgreSQL's processes, the server, this load
// generator and the machine as a whole (all its cores, stolen time included).
type cpuSplit struct{ postgres, server, bench, machine, steal float64 }

// cpuNow reads the split from /proc. PostgreSQL's processes that ended between two readings are missed;
// the server's pool keeps its backends, so in a run that is little.
func cpuNow(serverPID int) cpuSplit {
	m := cpuSteal()
	s := cpuSplit{server: procTicks(strconv.Itoa(serverPID)), bench: procTicks("self"), machine: m.total, steal: m.steal}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if comm, err := os.ReadFile(d + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "postgres" {
			s.postgres += procTicks(filepath.Base(d))
		}
	}
	return s
}

// procTicks is a process's user and system time so far, from /proc/<pid>/stat.
func procTicks(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields are counted after its closing one.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return utime + stime
}

// since is the split since before as shares of the machine's CPU time.
func (s cpuSplit) since(before cpuSplit) string {
	m := s.machine - before.machine
	if m <= 0 {
		return "unknown"
	}
	share := func(a, b float64) float64 { return 100 * (a - b) / m }
	return fmt.Sprintf("PostgreSQL %.0f %%, server %.0f %%, load generator %.0f %%, stolen by the host %.0f %% of the machine's CPU time",
		share(s.postgres, before.postgres), share(s.server, before.server), share(s.bench, before.bench), share(s.steal, before.steal))
}
