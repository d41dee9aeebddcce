package pii

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Options configures the pii detectors. It is a plain value: decode it from a
// config file (yaml, toml or json), start from DefaultOptions, and check it
// with Validate. The zero value is not the default; use DefaultOptions.
type Options struct {
	// MinConfidence drops matches whose confidence, after context scoring,
	// is below it. Default 0.5. Range 0..1.
	MinConfidence float64 `yaml:"min_confidence" toml:"min_confidence" json:"min_confidence"`
	// ContextWindow is how many bytes before a match are searched for
	// context terms ("ssn", "电话", "version", ...). Default 48. Range 0..1024.
	ContextWindow int `yaml:"context_window" toml:"context_window" json:"context_window"`
	// PhoneRegions lists the ISO 3166 regions whose national formats
	// (numbers written without a +country code) pii.phone recognises.
	// Numbers with a + country code are recognised for every country.
	// Default ["US", "GB", "DE", "FR", "AU"]. An empty list recognises
	// international numbers only.
	PhoneRegions []string `yaml:"phone_regions" toml:"phone_regions" json:"phone_regions"`
	// IP configures which addresses pii.ip_address suppresses.
	IP IPOptions `yaml:"ip" toml:"ip" json:"ip"`
}

// IPOptions selects which IP addresses pii.ip_address does not report.
// Every switch defaults to true (suppress); set one to false to report that
// class of addresses too.
type IPOptions struct {
	// SuppressPrivate: 10/8, 172.16/12, 192.168/16, 100.64/10 (shared
	// CGNAT space) and IPv6 unique-local fc00::/7. Default true.
	SuppressPrivate bool `yaml:"suppress_private" toml:"suppress_private" json:"suppress_private"`
	// SuppressLoopback: 127/8 and ::1. Default true.
	SuppressLoopback bool `yaml:"suppress_loopback" toml:"suppress_loopback" json:"suppress_loopback"`
	// SuppressLinkLocal: 169.254/16 and fe80::/10. Default true.
	SuppressLinkLocal bool `yaml:"suppress_link_local" toml:"suppress_link_local" json:"suppress_link_local"`
	// SuppressMulticast: 224/4 and ff00::/8. Default true.
	SuppressMulticast bool `yaml:"suppress_multicast" toml:"suppress_multicast" json:"suppress_multicast"`
	// SuppressUnspecified: 0.0.0.0 and ::. Default true.
	SuppressUnspecified bool `yaml:"suppress_unspecified" toml:"suppress_unspecified" json:"suppress_unspecified"`
	// SuppressReserved: 0/8, 192.0.0/24, 198.18/15, 240/4 (incl.
	// 255.255.255.255) and every IPv6 address outside the global unicast
	// block 2000::/3. Default true.
	SuppressReserved bool `yaml:"suppress_reserved" toml:"suppress_reserved" json:"suppress_reserved"`
	// SuppressDocumentation: 192.0.2/24, 198.51.100/24, 203.0.113/24,
	// 2001:db8::/32 and 3fff::/20. Default true.
	SuppressDocumentation bool `yaml:"suppress_documentation" toml:"suppress_documentation" json:"suppress_documentation"`
	// SuppressVersionContext: dotted quads that read as versions, such as
	// "version 1.2.3.4", "v1.2.3.4" or "pkg-1.2.3.4". Default true.
	SuppressVersionContext bool `yaml:"suppress_version_context" toml:"suppress_version_context" json:"suppress_version_context"`
}

// DefaultOptions returns the documented defaults. The result is a fresh
// value the caller owns.
func DefaultOptions() Options {
	return Options{
		MinConfidence: 0.5,
		ContextWindow: 48,
		PhoneRegions:  []string{"US", "GB", "DE", "FR", "AU"},
		IP: IPOptions{
			SuppressPrivate:        true,
			SuppressLoopback:       true,
			SuppressLinkLocal:      true,
			SuppressMulticast:      true,
			SuppressUnspecified:    true,
			SuppressReserved:       true,
			SuppressDocumentation:  true,
			SuppressVersionContext: true,
		},
	}
}

// ErrInvalidOptions is wrapped by every error Validate returns.
var ErrInvalidOptions = errors.New("pii: invalid options")

// Validate reports every invalid field at once, each error wrapping
// ErrInvalidOptions.
func (o Options) Validate() error {
	var errs []error
	if !(o.MinConfidence >= 0 && o.MinConfidence <= 1) {
		errs = append(errs, fmt.Errorf("%w: min_confidence %v is outside 0..1", ErrInvalidOptions, o.MinConfidence))
	}
	if o.ContextWindow < 0 || o.ContextWindow > maxContextWindow {
		errs = append(errs, fmt.Errorf("%w: context_window %d is outside 0..%d", ErrInvalidOptions, o.ContextWindow, maxContextWindow))
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, r := range o.PhoneRegions {
		if !supported[strings.ToUpper(r)] {
			errs = append(errs, fmt.Errorf("%w: phone_regions: unknown region %q", ErrInvalidOptions, r))
		}
	}
	return errors.Join(errs...)
}

const maxContextWindow = 1024

// config is the resolved, immutable form of Options shared by the
// detectors of one Detectors call.
type config struct {
	minConfidence float64
	ctxWindow     int
	phoneRegions  []string
	ip            IPOptions
}

func newConfig(o Options) *config {
	def := DefaultOptions()
	c := &config{minConfidence: o.MinConfidence, ctxWindow: o.ContextWindow, ip: o.IP}
	if !(c.minConfidence >= 0 && c.minConfidence <= 1) {
		c.minConfidence = def.MinConfidence
	}
	if c.ctxWindow < 0 || c.ctxWindow > maxContextWindow {
		c.ctxWindow = def.ContextWindow
	}
	supported := phonenumbers.GetSupportedRegions()
	for _, r := range o.PhoneRegions {
		r = strings.ToUpper(r)
		if supported[r] {
			c.phoneRegions = append(c.phoneRegions, r)
		}
	}
	return c
}
