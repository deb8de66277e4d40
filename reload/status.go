package reload

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Status is what a Reloader knows of its source, for health checks and
// for comparing the instances of a fleet: those that report the same
// Version serve the same routes.
type Status struct {
	Source string `json:"source"`
	// Version is the version of the source whose routes are serving, as
	// Options.LoadVersioned reported it: the last load that applied, or
	// that found the routes serving unchanged. "" before the first load and
	// for a Load function.
	Version string `json:"version"`
	Routes  int    `json:"routes"` // the source's routes serving
	// OK is true when the last reload applied (or found no change) and, for
	// a push source, Watch is connected. When it is false the last good
	// routes keep serving and LastError says why.
	OK        bool      `json:"ok"`
	LastError string    `json:"last_error,omitempty"`
	Applied   time.Time `json:"applied,omitzero"` // when the routes serving were published
}

// status is the Reloader's Status, kept under a lock of its own so that a
// health check never waits for a load.
type status struct {
	mu        sync.Mutex
	version   string // of the routes serving
	loaded    string // read by the last load, applied or not
	routes    int
	applied   time.Time
	ok        bool // a load has applied
	reloadErr string
	watchErr  string
}

// setApplied records a load of version that applied, or that found the routes
// serving unchanged (published false).
func (s *status) setApplied(version string, routes int, published bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version, s.loaded, s.routes, s.ok, s.reloadErr = version, version, routes, true, ""
	if published || s.applied.IsZero() {
		s.applied = time.Now()
	}
}

// setFailed records a reload that failed having read version ("" if it read
// nothing). A reload cut short by its context's end (shutdown) is no
// failure of the source.
func (s *status) setFailed(version string, err error, canceled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version != "" {
		s.loaded = version
	}
	if !canceled {
		s.reloadErr = err.Error()
	}
}

// setLoaded records the version of a load that found the specs that failed
// last time.
func (s *status) setLoaded(version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if version != "" {
		s.loaded = version
	}
}

// loadedVersion is the version the last load read.
func (s *status) loadedVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loaded
}

// watchDown records an outage of the push source.
func (s *status) watchDown(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchErr = "watch: " + err.Error()
}

// watchUp records that the push source is connected again.
func (s *status) watchUp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.watchErr = ""
}

// Version returns the version of the source whose routes are serving
// (Status.Version): "" before the first load, and for a Load function,
// which cannot tell.
func (r *Reloader) Version() string {
	r.st.mu.Lock()
	defer r.st.mu.Unlock()
	return r.st.version
}

// Status returns what the Reloader knows of its source now. It never
// waits for a reload in progress.
func (r *Reloader) Status() Status {
	s := &r.st
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Source: r.source, Version: s.version, Routes: s.routes, Applied: s.applied,
		OK: s.ok && s.reloadErr == "" && s.watchErr == "", LastError: s.reloadErr}
	if st.LastError == "" {
		st.LastError = s.watchErr
	}
	if !s.ok && st.LastError == "" {
		st.LastError = "no load has applied yet"
	}
	return st
}

// StatusHandler returns a handler that answers every request with Status
// as JSON:
//
//	{"source":"/dynroute/routes/","version":"1042","routes":12,"ok":true}
//
// for a health check, or for a script that compares the versions of a
// fleet's instances. It answers 200 also when OK is false: a bad config or
// a lost source is the same for every instance, which all keep serving
// their last good routes, and a load balancer that took them out of
// service for it would serve nothing. Serve it on an admin listener, or
// add it to the Router in code (reloads replace only their source's
// routes).
func (r *Reloader) StatusHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		body, err := json.Marshal(r.Status())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(append(body, '\n'))
	})
}
