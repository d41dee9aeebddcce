package detectors

import (
	"errors"
	"fmt"
	"sort"
)

// Registry is an explicit, immutable set of detectors sorted by ID. It has no
// global instance: callers build one (see package detectors/defaults) and
// pass it down. A Registry is safe for concurrent use.
type Registry struct {
	dets  []Detector
	kinds []Kind
	owner map[string]string // kind name -> detector ID
}

// NewRegistry returns a registry holding ds sorted by ID. It reports every
// problem at once: duplicate detector IDs, invalid kind names, and kinds
// claimed by two detectors.
func NewRegistry(ds ...Detector) (*Registry, error) {
	r := &Registry{owner: map[string]string{}}
	var errs []error
	seen := map[string]bool{}
	for _, d := range ds {
		if d == nil {
			errs = append(errs, errors.New("nil detector"))
			continue
		}
		if seen[d.ID()] {
			errs = append(errs, fmt.Errorf("detector %q registered twice", d.ID()))
			continue
		}
		seen[d.ID()] = true
		if d.ID() == "" || d.Version() == "" {
			errs = append(errs, fmt.Errorf("detector %q: empty ID or version", d.ID()))
		}
		if len(d.Kinds()) == 0 {
			errs = append(errs, fmt.Errorf("detector %q declares no kinds", d.ID()))
		}
		for _, k := range d.Kinds() {
			if !ValidKindName(k.Name) {
				errs = append(errs, fmt.Errorf("detector %q: invalid kind name %q", d.ID(), k.Name))
			}
			if prev, ok := r.owner[k.Name]; ok && prev != d.ID() {
				// Several detectors may share a kind (e.g. many secret
				// providers report secret.private_key); the first owner's
				// description wins.
				continue
			}
			if _, ok := r.owner[k.Name]; !ok {
				r.owner[k.Name] = d.ID()
				r.kinds = append(r.kinds, k)
			}
		}
		r.dets = append(r.dets, d)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	sort.Slice(r.dets, func(i, j int) bool { return r.dets[i].ID() < r.dets[j].ID() })
	sort.Slice(r.kinds, func(i, j int) bool { return r.kinds[i].Name < r.kinds[j].Name })
	return r, nil
}

// MustRegistry is NewRegistry that panics on error; for fixed, tested lists.
func MustRegistry(ds ...Detector) *Registry {
	r, err := NewRegistry(ds...)
	if err != nil {
		panic(err)
	}
	return r
}

// Detectors returns the detectors sorted by ID. The slice must not be modified.
func (r *Registry) Detectors() []Detector { return r.dets }

// Kinds returns every kind of every detector, sorted by name. The slice must
// not be modified.
func (r *Registry) Kinds() []Kind { return r.kinds }

// Kind looks a kind up by name.
func (r *Registry) Kind(name string) (Kind, bool) {
	i := sort.Search(len(r.kinds), func(i int) bool { return r.kinds[i].Name >= name })
	if i < len(r.kinds) && r.kinds[i].Name == name {
		return r.kinds[i], true
	}
	return Kind{}, false
}

// Select returns a registry of the detectors that report at least one kind
// matching the glob patterns. Empty patterns return r itself.
func (r *Registry) Select(patterns []string) *Registry {
	if len(patterns) == 0 {
		return r
	}
	var keep []Detector
	for _, d := range r.dets {
		for _, k := range d.Kinds() {
			if MatchKind(patterns, k.Name) {
				keep = append(keep, d)
				break
			}
		}
	}
	return MustRegistry(keep...)
}
