package dynroute

import (
	"fmt"
	"net/http"
	"strings"
)

// Tx is a batch of route changes that Router.Update publishes in one atomic
// swap. Its methods work on a private copy of the routes: nothing is served
// until Update returns, and if any step fails the Router is left as it was.
//
// A Tx is only valid inside the function passed to Update, and that function
// must not call the Router's own methods (they would wait for the Update).
type Tx struct {
	rt      *Router
	set     *routeSet
	added   int
	removed int
}

// Update runs fn with a Tx and, if fn returns nil, publishes every change it
// made in one step: requests see either the old table or the new one, never
// a mix, and requests in flight finish on the table they started on. If fn
// returns an error, nothing changes and the error is returned.
func (rt *Router) Update(fn func(tx *Tx) error) error {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	tx := &Tx{rt: rt, set: rt.set.clone()}
	if err := fn(tx); err != nil {
		return err
	}
	if tx.added == 0 && tx.removed == 0 {
		return nil
	}
	rt.set = tx.set
	rt.publishLocked()
	return nil
}

// Added returns how many routes the Tx has added so far.
func (tx *Tx) Added() int { return tx.added }

// Removed returns how many routes the Tx has removed so far.
func (tx *Tx) Removed() int { return tx.removed }

// AddAPIRoute is Router.AddAPIRoute inside the Tx.
func (tx *Tx) AddAPIRoute(path string, methods []string, h http.Handler, opts *RouteOptions) error {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC()
	}
	return tx.add(path, methods, h, "", opts, pc[0])
}

// AddAPIRouteByName is Router.AddAPIRouteByName inside the Tx.
func (tx *Tx) AddAPIRouteByName(path string, methods []string, handlerName string, opts *RouteOptions) error {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC()
	}
	h, err := tx.rt.reg.resolve(handlerName)
	if err != nil {
		return tx.rt.routeError(path, methods, opts, err, pc[0])
	}
	return tx.add(path, methods, h, handlerName, opts, pc[0])
}

func (tx *Tx) add(path string, methods []string, h http.Handler, handlerName string, opts *RouteOptions, pc uintptr) error {
	rec, err := tx.rt.newRec(new(routeRec), path, methods, h, handlerName, opts, pc)
	if err != nil {
		return err
	}
	return tx.insert(rec)
}

// insert adds rec to the Tx's routes, counting it, if it fits.
func (tx *Tx) insert(rec *routeRec) error {
	if err := tx.set.insert(rec); err != nil {
		return err
	}
	tx.added++
	return nil
}

// AddRoutes is Router.AddRoutes inside the Tx. In strict mode an error
// leaves the Tx as it was before the call.
func (tx *Tx) AddRoutes(specs []RouteSpec, opts *ApplyOptions) ([]Skipped, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	recs, problems := tx.rt.specRecs(specs, &o)
	skipped, added, err := applySpecs(tx.set, specs, recs, problems, &o)
	tx.added += added
	return skipped, err
}

// RemoveRoute removes the named route. An unknown name is an error wrapping
// ErrUnknownRoute.
func (tx *Tx) RemoveRoute(name string) error {
	rec := tx.set.names.get(indexKeyOf(name))
	if rec == nil {
		return fmt.Errorf("dynroute: remove route: %w %q", ErrUnknownRoute, name)
	}
	tx.set.remove(rec)
	tx.removed++
	return nil
}

// RemoveSource removes every route that came from source and returns how
// many there were. source is a config file name as the loader was given it
// (Source.File), a SQL table (Source.Table), an environment prefix (the
// routes whose Source.Env starts with source + "_"), or a name that ends in
// "/", a key prefix or directory, which holds every Source.File under it
// (the routes of etcd keys /dynroute/routes/users, ... for "/dynroute/routes/").
func (tx *Tx) RemoveSource(source string) int {
	var gone []*routeRec
	for _, rec := range tx.set.recs {
		if rec.route.Source.From(source) {
			gone = append(gone, rec)
		}
	}
	tx.set.remove(gone...)
	tx.removed += len(gone)
	return len(gone)
}

// From reports whether s lies in source, as Tx.RemoveSource and
// Router.ReplaceSource match routes to a source: source is a config file
// name as the loader was given it (File), a SQL table (Table), an
// environment prefix (an Env that starts with source + "_"), or a name
// ending in "/", a key prefix or directory, that File starts with.
func (s Source) From(source string) bool {
	if source == "" {
		return false
	}
	return s.File == source || s.Table == source || (s.Env != "" && strings.HasPrefix(s.Env, source+"_")) ||
		(strings.HasSuffix(source, "/") && strings.HasPrefix(s.File, source))
}

// RemoveRoute removes the named route at once. Requests that arrive after it
// returns get 404 (or 405) for it; requests in flight are not disturbed.
func (rt *Router) RemoveRoute(name string) error {
	return rt.Update(func(tx *Tx) error { return tx.RemoveRoute(name) })
}

// ReplaceRoute replaces the named route with a new one in one step. The new
// route keeps the name unless opts gives another. On error the old route
// stays.
func (rt *Router) ReplaceRoute(name string, path string, methods []string, h http.Handler, opts *RouteOptions) error {
	var pc [1]uintptr
	if opts == nil || opts.Source.IsZero() {
		pc = callerPC()
	}
	var o RouteOptions
	if opts != nil {
		o = *opts
	}
	if o.Name == "" {
		o.Name = name
	}
	return rt.Update(func(tx *Tx) error {
		if err := tx.RemoveRoute(name); err != nil {
			return err
		}
		return tx.add(path, methods, h, "", &o, pc[0])
	})
}

// ReplaceSource swaps every route that came from source (see
// Tx.RemoveSource) for the routes of specs, in one step: the reload of a
// config file or table. In strict mode (opts nil or not Lenient) any problem
// leaves the old routes serving and returns every problem; in lenient mode
// bad specs are skipped and returned.
func (rt *Router) ReplaceSource(source string, specs []RouteSpec, opts *ApplyOptions) ([]Skipped, error) {
	var skipped []Skipped
	err := rt.Update(func(tx *Tx) error {
		tx.RemoveSource(source)
		var err error
		skipped, err = tx.AddRoutes(specs, opts)
		return err
	})
	return skipped, err
}
