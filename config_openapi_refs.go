package dynroute

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxOpenAPIFiles caps the files one LoadOpenAPIFS reads; their bytes
// together are capped at LoadOpenAPI's 16 MiB.
const maxOpenAPIFiles = 4096

// maxOARefDepth caps how many $refs lead from a path item or an operation
// to the one read.
const maxOARefDepth = 16

// LoadOpenAPIFS is LoadOpenAPI for a document split into files, as
// DigitalOcean's and Redocly's are: it reads the document name from fsys
// and follows the $refs of path items and operations to other files of
// fsys (resources/apps/apps_list.yml, ../shared/items.yml#/paths/~1items),
// relative to the file that holds the $ref. $refs that LoadOpenAPI does
// not read (parameters, request bodies, responses) are not followed.
//
// Each file is read once. Specs of an operation in another file have
// their Source there. A $ref that cannot be followed (no such file, a file
// that does not parse, a pointer to nothing or to something that is not a
// mapping, a cycle of $refs, a path that leaves fsys) is a *RouteError
// wrapping ErrInvalidConfig, at the file and line of the $ref, and its path
// item or operation is left out. The files may hold 16 MiB in all, in at
// most 4096 files.
func LoadOpenAPIFS(fsys fs.FS, name string) ([]RouteSpec, error) {
	if fsys == nil {
		return nil, fmt.Errorf("dynroute: read %s: nil fs.FS", name)
	}
	r, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("dynroute: read %s: %w", name, err)
	}
	defer r.Close()
	data, err := readConfig(r, name, maxConfigBytes)
	if err != nil {
		return nil, err
	}
	l := newOpenAPILoader(fsys, name)
	l.read = len(data)
	return l.run(data)
}

// oaFile is one file of a document.
type oaFile struct {
	name string // as Source names it: the path in the FS, or LoadOpenAPI's name
	root *yaml.Node
	err  error // why the file cannot be read, for every $ref to it
}

func (f *oaFile) src(n *yaml.Node) Source {
	return Source{File: f.name, Line: n.Line}
}

// oaRefPair returns the $ref of a mapping's pairs, or nil.
func oaRefPair(pairs []oaPair) *oaPair {
	for i := range pairs {
		if pairs[i].key == "$ref" {
			return &pairs[i]
		}
	}
	return nil
}

// follow resolves the $ref refNode of file f to the mapping it names and
// the file that holds it; seen are the mappings whose $refs led here.
func (l *openAPILoader) follow(f *oaFile, refNode *yaml.Node, seen []*yaml.Node) (*oaFile, *yaml.Node, error) {
	tf, target, err := l.resolveRef(f, refNode)
	switch {
	case err != nil:
		return nil, nil, err
	case slices.Contains(seen, l.node(target)):
		ref, _ := oaString(refNode)
		return nil, nil, fmt.Errorf("$ref %q leads back to where it is (a cycle of $refs)", ref)
	case len(seen) > maxOARefDepth:
		return nil, nil, fmt.Errorf("$refs nest more than %d deep", maxOARefDepth)
	}
	if l.node(target).Kind != yaml.MappingNode {
		ref, _ := oaString(refNode)
		return nil, nil, fmt.Errorf("$ref %q is %s, want a mapping", ref, oaKind(target))
	}
	return tf, l.node(target), nil
}

// resolveRef finds the node a $ref of file f names: a local one
// ("#/components/pathItems/pets") in f, another file ("items.yml",
// "items.yml#/get") in l.fsys.
func (l *openAPILoader) resolveRef(f *oaFile, refNode *yaml.Node) (*oaFile, *yaml.Node, error) {
	ref, ok := oaString(refNode)
	if !ok {
		return nil, nil, fmt.Errorf("$ref is %s, want a string", oaKind(refNode))
	}
	file, frag, _ := strings.Cut(ref, "#")
	switch {
	case file == "" && !strings.HasPrefix(frag, "/"):
		return nil, nil, fmt.Errorf("$ref %q is not supported: only references into the same document (#/...) or to files are followed", ref)
	case file != "" && l.fsys == nil:
		return nil, nil, fmt.Errorf("$ref %q is not supported: only references into the same document (#/...) are followed; "+
			"LoadOpenAPIFS follows references to other files", ref)
	case file != "":
		var err error
		if f, err = l.openFile(f, file); err != nil {
			return nil, nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		if frag == "" {
			return f, f.root, nil
		}
		if !strings.HasPrefix(frag, "/") {
			return nil, nil, fmt.Errorf("$ref %q: the part after # is not a JSON pointer (#/...)", ref)
		}
	}
	n := f.root
	for tok := range strings.SplitSeq(frag[1:], "/") {
		if t, err := url.PathUnescape(tok); err == nil {
			tok = t
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		n = l.node(n)
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			next = l.lookup(n, tok)
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		}
		if next == nil {
			return nil, nil, fmt.Errorf("$ref %q: %q not found", ref, tok)
		}
		n = next
	}
	return f, n, nil
}

// openFile returns the file rel names relative to file from, reading and
// parsing it the first time.
func (l *openAPILoader) openFile(from *oaFile, rel string) (*oaFile, error) {
	if p, err := url.PathUnescape(rel); err == nil {
		rel = p
	}
	if path.IsAbs(rel) || strings.Contains(rel, ":") {
		return nil, errors.New("only relative references to files of the FS are followed")
	}
	name := path.Join(path.Dir(from.name), rel)
	if name == ".." || strings.HasPrefix(name, "../") || !fs.ValidPath(name) {
		return nil, fmt.Errorf("%s is outside the FS", name)
	}
	if f, ok := l.files[name]; ok {
		return f, f.err
	}
	f := &oaFile{name: name}
	l.files[name] = f
	if len(l.files) > maxOpenAPIFiles {
		f.err = fmt.Errorf("the document has more than %d files", maxOpenAPIFiles)
		return f, f.err
	}
	data, err := l.readFile(name)
	if err != nil {
		f.err = err
		return f, err
	}
	l.budget += 2*len(data) + 1024
	root, err := oaParseDocument(data, l.skipped)
	switch {
	case err != nil:
		line := 0
		if je, ok := err.(*oaJSONError); ok {
			line = je.line
		}
		f.err = fmt.Errorf("%s: %w", Source{File: name, Line: line}, err)
	case root == nil:
		f.err = fmt.Errorf("%s is empty", name)
	}
	f.root = root
	return f, f.err
}

// readFile reads name from l.fsys, within the bytes left of the cap on
// all files.
func (l *openAPILoader) readFile(name string) ([]byte, error) {
	r, err := l.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	left := maxConfigBytes - l.read
	data, err := io.ReadAll(io.LimitReader(r, int64(left)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	l.read += len(data)
	if len(data) > left {
		return nil, fmt.Errorf("the files are larger than %d MiB in all", maxConfigBytes>>20)
	}
	return data, nil
}
