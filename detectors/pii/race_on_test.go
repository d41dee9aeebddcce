//go:build race

package pii

// raceEnabled: the race detector makes sync.Pool drop items on purpose (the
// phone validator pools its digit buffer, and package regexp its
// machines), so allocation counts are meaningless.
const raceEnabled = true
