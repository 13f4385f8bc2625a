package docs

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The engines of docs/sharding.md, "Engines": the CI, Kubernetes and
// container files of docs/engines/, which no engine runs here. This test
// parses each and checks every jpkisim command line in it against the real
// CLI — the binary built from ./cmd/jpkisim, asked with the hidden
// `jpkisim commands --json` — and the structure that makes the shards add up:
// a matrix, parallel: or Indexed Job of N copies for --shard K/N, and a merge
// that depends on them.

// cli is the command tree of the jpkisim built from this checkout.
type cli struct {
	commands map[string]map[string]string // path ("report merge") → flag name → pflag type; shorthands as "-v"
	groups   map[string]bool              // paths with subcommands
	profiles []string                     // jpkisim profiles, the card profiles
}

var (
	cliOnce sync.Once
	cliTree cli
	cliErr  error
)

// theCLI builds jpkisim once per test binary and reads its command tree.
func theCLI(t *testing.T) cli {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "engines-test")
		if err != nil {
			cliErr = err
			return
		}
		defer os.RemoveAll(dir)
		bin := filepath.Join(dir, "jpkisim")
		if out, err := exec.Command("go", "build", "-o", bin, "../cmd/jpkisim").CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		out, err := exec.Command(bin, "commands", "--json").Output()
		if err != nil {
			cliErr = fmt.Errorf("jpkisim commands --json: %v", err)
			return
		}
		var tree struct {
			Format   string
			Commands []struct {
				Path  string
				Flags []struct{ Name, Shorthand, Type string }
			}
		}
		if err := json.Unmarshal(out, &tree); err != nil || tree.Format != "jpkisim-commands" {
			cliErr = fmt.Errorf("jpkisim commands --json: %v %.200q", err, out)
			return
		}
		c := cli{commands: map[string]map[string]string{}, groups: map[string]bool{}}
		for _, cmd := range tree.Commands {
			flags := map[string]string{}
			for _, f := range cmd.Flags {
				flags[f.Name] = f.Type
				if f.Shorthand != "" {
					flags["-"+f.Shorthand] = f.Type
				}
			}
			c.commands[cmd.Path] = flags
			if i := strings.LastIndex(cmd.Path, " "); i >= 0 {
				c.groups[cmd.Path[:i]] = true
			} else if cmd.Path != "" {
				c.groups[""] = true
			}
		}
		out, err = exec.Command(bin, "profiles").Output()
		if err != nil {
			cliErr = fmt.Errorf("jpkisim profiles: %v", err)
			return
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if f := strings.Fields(line); len(f) > 0 {
				c.profiles = append(c.profiles, f[0])
			}
		}
		cliTree = c
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliTree
}

// invocation is one jpkisim command line found in a file.
type invocation struct {
	path  string            // the command path, "report merge"
	flags map[string]string // --flag → its value as written ("" for a bool)
	args  []string          // the words after jpkisim, as written
}

func (v invocation) String() string { return "jpkisim " + strings.Join(v.args, " ") }

// check resolves the words after "jpkisim" against the tree: the longest
// command path they start with, which must not be a group, and every
// --flag, --flag=VALUE, -x a flag of that command. Shell expansions are left
// as written; a word after a flag that takes a value is that value.
func (c cli) check(args []string) (invocation, []string) {
	v := invocation{flags: map[string]string{}, args: args}
	i := 0
	for i < len(args) && !strings.HasPrefix(args[i], "-") {
		next := strings.TrimSpace(v.path + " " + args[i])
		if _, ok := c.commands[next]; !ok {
			break
		}
		v.path, i = next, i+1
	}
	var problems []string
	if v.path == "" {
		word := "nothing"
		if len(args) > 0 {
			word = strconv.Quote(args[0])
		}
		return v, []string{fmt.Sprintf("%s: no such command (%s)", v, word)}
	}
	if c.groups[v.path] {
		problems = append(problems, fmt.Sprintf("%s: %q needs a subcommand", v, v.path))
	}
	flags := c.commands[v.path]
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue // an argument
		}
		name, value, hasValue := strings.Cut(a, "=")
		key := strings.TrimPrefix(name, "--")
		if !strings.HasPrefix(name, "--") {
			key = name[:2] // -x, or -xVALUE
		}
		typ, ok := flags[key]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: jpkisim %s has no flag %s", v, v.path, name))
			// Kept, with the word after it, so that one unknown flag is one problem.
			if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				i++
				value = args[i]
			}
			v.flags["--"+strings.TrimPrefix(key, "-")] = value
			continue
		}
		if typ != "bool" && !hasValue {
			if i+1 >= len(args) {
				problems = append(problems, fmt.Sprintf("%s: %s wants a value", v, name))
				break
			}
			i++
			value = args[i]
		}
		v.flags["--"+strings.TrimPrefix(key, "-")] = value
	}
	return v, problems
}

// shellWords splits shell text into simple commands of words: quotes
// removed, backslash-newlines joined, comments dropped; $(...), $((...)),
// ${...} and GitHub's ${{ ... }} kept whole inside their word, and the
// commands inside $(...) returned too.
func shellWords(s string) [][]string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	var cmds [][]string
	var words []string
	var w strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	endCmd := func() {
		endWord()
		if len(words) > 0 {
			cmds = append(cmds, words)
		}
		words = nil
	}
	// balanced returns the end of the group opened at s[i:] by open.
	balanced := func(i int, open, close string) int {
		depth := 0
		for j := i; j < len(s); j++ {
			switch {
			case strings.HasPrefix(s[j:], open):
				depth++
				j += len(open) - 1
			case strings.HasPrefix(s[j:], close):
				depth--
				if depth == 0 {
					return j + len(close)
				}
				j += len(close) - 1
			}
		}
		return len(s)
	}
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '$' && quote != '\'' {
			var end int
			switch {
			case strings.HasPrefix(s[i:], "${{"):
				end = balanced(i+1, "{{", "}}")
			case strings.HasPrefix(s[i:], "$(("):
				end = balanced(i+1, "((", "))")
			case strings.HasPrefix(s[i:], "$("):
				end = balanced(i+1, "(", ")")
				cmds = append(cmds, shellWords(s[i+2:max(i+2, end-1)])...)
			case strings.HasPrefix(s[i:], "${"):
				end = balanced(i+1, "{", "}")
			default:
				end = i + 1
			}
			w.WriteString(s[i:end])
			inWord = true
			i = end - 1
			continue
		}
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				w.WriteByte(ch)
			}
		case ch == '\'' || ch == '"':
			quote, inWord = ch, true
		case ch == '#' && !inWord:
			for i < len(s) && s[i] != '\n' {
				i++
			}
			endCmd()
		case ch == '\n' || ch == ';' || ch == '|' || ch == '&' || ch == '(' || ch == ')':
			endCmd()
		case ch == ' ' || ch == '\t':
			endWord()
		default:
			w.WriteByte(ch)
			inWord = true
		}
	}
	endCmd()
	return cmds
}

// jpkisimCalls are the jpkisim command lines of shell text: simple commands
// whose command word (after assignments and do, then, exec and the like) is
// jpkisim or a path ending in /jpkisim, as the words after it.
func jpkisimCalls(script string) [][]string {
	var out [][]string
	for _, words := range shellWords(script) {
		for len(words) > 0 && (slices.Contains([]string{"do", "then", "else", "exec", "time", "!", "{", "if", "while", "until"}, words[0]) ||
			regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(words[0])) {
			words = words[1:]
		}
		if len(words) > 0 && path.Base(words[0]) == "jpkisim" {
			out = append(out, words[1:])
		}
	}
	return out
}

// checkCalls checks every jpkisim call of script, returning what it found.
func (c cli) checkCalls(where, script string, problems *[]string) []invocation {
	var found []invocation
	for _, args := range jpkisimCalls(script) {
		v, p := c.check(args)
		for _, q := range p {
			*problems = append(*problems, where+": "+q)
		}
		found = append(found, v)
	}
	return found
}

// shardN is N of a --shard value K/N whose N is a number; -1 otherwise.
func shardN(v string) int {
	_, n, ok := strings.Cut(v, "/")
	if !ok {
		return -1
	}
	if x, err := strconv.Atoi(n); err == nil {
		return x
	}
	return -1
}

var shardCommands = []string{"run", "props", "diff", "certify"}

// imageProblems refuses an image named with a registry host: the files name
// public images only.
func imageProblems(where, image string) []string {
	first, _, hasSlash := strings.Cut(image, "/")
	if hasSlash && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return []string{fmt.Sprintf("%s: image %q names a registry host", where, image)}
	}
	return nil
}

// githubProblems checks a GitHub Actions workflow.
func githubProblems(c cli, raw []byte) []string {
	var wf struct {
		Jobs map[string]struct {
			Needs    any `yaml:"needs"`
			If       string
			Strategy struct {
				FailFast *bool          `yaml:"fail-fast"`
				Matrix   map[string]any `yaml:"matrix"`
			}
			Container any
			Steps     []struct {
				Uses, Run, If string
				With          map[string]any
			}
		}
	}
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		return []string{err.Error()}
	}
	var problems []string
	sharded := map[string]bool{}
	merges := 0
	mergeNeeds := map[string][]string{} // merge job → its needs
	for _, name := range sortedKeys(wf.Jobs) {
		job := wf.Jobs[name]
		where := "job " + name
		var calls []invocation
		uploads, downloads := 0, 0
		for _, st := range job.Steps {
			calls = append(calls, c.checkCalls(where, st.Run, &problems)...)
			uploads += boolInt(strings.HasPrefix(st.Uses, "actions/upload-artifact@"))
			downloads += boolInt(strings.HasPrefix(st.Uses, "actions/download-artifact@"))
		}
		for _, v := range calls {
			if v.path == "report merge" {
				merges++
				mergeNeeds[name] = asStrings(job.Needs)
				if job.If != "always()" {
					problems = append(problems, where+": the merge does not run when a shard failed (if: always())")
				}
				if downloads == 0 || uploads == 0 {
					problems = append(problems, where+": the merge neither downloads the evidence nor uploads the merged reports")
				}
			}
			shard, ok := v.flags["--shard"]
			if !slices.Contains(shardCommands, v.path) {
				continue
			}
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s without --shard", where, v))
				continue
			}
			sharded[name] = true
			n := shardN(shard)
			if !strings.HasPrefix(shard, "${{ matrix.shard }}/") || n < 1 {
				problems = append(problems, fmt.Sprintf("%s: --shard %s, want ${{ matrix.shard }}/N", where, shard))
			}
			var want []string
			for k := 1; k <= n; k++ {
				want = append(want, strconv.Itoa(k))
			}
			if got := asStrings(job.Strategy.Matrix["shard"]); !slices.Equal(got, want) {
				problems = append(problems, fmt.Sprintf("%s: matrix.shard %v with --shard K/%d, want %v", where, got, n, want))
			}
			if job.Strategy.FailFast == nil || *job.Strategy.FailFast {
				problems = append(problems, where+": the matrix has no fail-fast: false (one failed shard would cancel the others)")
			}
			if uploads == 0 {
				problems = append(problems, where+": the shard uploads no artifact")
			}
			if v.path == "run" {
				if !strings.Contains(v.flags["--format"], "evidence:") {
					problems = append(problems, fmt.Sprintf("%s: %s writes no evidence file", where, v))
				}
				if p := v.flags["--profile"]; p != "${{ matrix.profile }}" {
					problems = append(problems, fmt.Sprintf("%s: --profile %q, want ${{ matrix.profile }}", where, p))
				}
				profiles := asStrings(job.Strategy.Matrix["profile"])
				if len(profiles) == 0 {
					problems = append(problems, where+": no matrix.profile")
				}
				for _, p := range profiles {
					if !slices.Contains(c.profiles, p) {
						problems = append(problems, fmt.Sprintf("%s: matrix.profile %q is not a profile of jpkisim profiles", where, p))
					}
				}
			}
		}
	}
	if len(sharded) < 2 || merges == 0 {
		problems = append(problems, fmt.Sprintf("want a sharded run job, a sharded props job and a merge; found sharded %v, %d merges", sortedKeys(sharded), merges))
	}
	for _, name := range sortedKeys(mergeNeeds) {
		for _, other := range sortedKeys(sharded) {
			if !slices.Contains(mergeNeeds[name], other) {
				problems = append(problems, fmt.Sprintf("job %s: the merge does not need the shards of job %s", name, other))
			}
		}
	}
	return problems
}

// gitlabProblems checks a .gitlab-ci.yml.
func gitlabProblems(c cli, raw []byte) []string {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(raw, &top); err != nil {
		return []string{err.Error()}
	}
	var stages []string
	if n, ok := top["stages"]; ok {
		if err := n.Decode(&stages); err != nil {
			return []string{"stages: " + err.Error()}
		}
	}
	type job struct {
		Stage     string
		Image     string
		Needs     []any
		Parallel  any
		When      string
		Script    []string
		Artifacts struct {
			When  string
			Paths []string
		}
	}
	jobs := map[string]job{}
	for name, n := range top {
		if strings.HasPrefix(name, ".") || slices.Contains([]string{"stages", "variables", "default", "workflow", "include"}, name) {
			continue
		}
		var j job
		if err := n.Decode(&j); err != nil {
			return []string{"job " + name + ": " + err.Error()}
		}
		jobs[name] = j
	}
	var problems []string
	sharded := map[string]bool{}
	type merge struct {
		name string
		job  job
	}
	var merges []merge
	for _, name := range sortedKeys(jobs) {
		j := jobs[name]
		where := "job " + name
		problems = append(problems, imageProblems(where, j.Image)...)
		for _, v := range c.checkCalls(where, strings.Join(j.Script, "\n"), &problems) {
			if v.path == "report merge" {
				merges = append(merges, merge{name, j})
			}
			if !slices.Contains(shardCommands, v.path) {
				continue
			}
			shard, ok := v.flags["--shard"]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s without --shard", where, v))
				continue
			}
			sharded[name] = true
			parallel, _ := j.Parallel.(int)
			k, n, _ := strings.Cut(shard, "/")
			if k != "$CI_NODE_INDEX" && k != "${CI_NODE_INDEX}" {
				problems = append(problems, fmt.Sprintf("%s: --shard %s, want $CI_NODE_INDEX/...", where, shard))
			}
			if (n != "$CI_NODE_TOTAL" && n != "${CI_NODE_TOTAL}" && shardN(shard) != parallel) || parallel < 2 {
				problems = append(problems, fmt.Sprintf("%s: parallel: %v with --shard %s", where, j.Parallel, shard))
			}
			if len(j.Artifacts.Paths) == 0 || j.Artifacts.When != "always" {
				problems = append(problems, where+": the shard keeps no artifacts (artifacts: paths, when: always)")
			}
		}
	}
	if len(sharded) < 2 || len(merges) == 0 {
		problems = append(problems, fmt.Sprintf("want a sharded run job, a sharded props job and a merge; found sharded %v, %d merges", sortedKeys(sharded), len(merges)))
	}
	for _, m := range merges {
		var needs []string
		for _, n := range m.job.Needs {
			switch n := n.(type) {
			case string:
				needs = append(needs, n)
			case map[string]any:
				needs = append(needs, fmt.Sprint(n["job"]))
			}
		}
		at := slices.Index(stages, m.job.Stage)
		for other := range sharded {
			if !slices.Contains(needs, other) {
				problems = append(problems, fmt.Sprintf("job %s: the merge does not need the shards of job %s", m.name, other))
			}
			if at <= slices.Index(stages, jobs[other].Stage) {
				problems = append(problems, fmt.Sprintf("job %s: stage %q is not after job %s's stage %q", m.name, m.job.Stage, other, jobs[other].Stage))
			}
		}
		if m.job.When != "always" {
			problems = append(problems, fmt.Sprintf("job %s: the merge does not run when a shard failed (when: always)", m.name))
		}
	}
	return problems
}

// kubernetesProblems checks a manifest of an Indexed Job and a merge Job.
func kubernetesProblems(c cli, raw []byte) []string {
	type container struct {
		Name, Image   string
		Command, Args []string
		VolumeMounts  []struct{ Name, MountPath string } `yaml:"volumeMounts"`
	}
	type doc struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    *int
			Parallelism    *int
			Template       struct {
				Spec struct {
					Containers []container
					Volumes    []struct {
						Name                  string
						PersistentVolumeClaim struct{ ClaimName string } `yaml:"persistentVolumeClaim"`
					}
				}
			}
		}
	}
	var docs []doc
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	for {
		var d doc
		if err := dec.Decode(&d); err != nil {
			if err.Error() == "EOF" {
				break
			}
			return []string{err.Error()}
		}
		docs = append(docs, d)
	}
	var problems []string
	shardN, merges := 0, 0
	var shardClaims, mergeClaims []string
	var mergeScripts []string
	for _, d := range docs {
		if d.Kind != "Job" {
			continue
		}
		where := "Job " + d.Metadata.Name
		var claims []string
		for _, v := range d.Spec.Template.Spec.Volumes {
			claims = append(claims, v.PersistentVolumeClaim.ClaimName)
		}
		for _, ct := range d.Spec.Template.Spec.Containers {
			problems = append(problems, imageProblems(where, ct.Image)...)
			script := ""
			if len(ct.Command) == 2 && path.Base(ct.Command[0]) == "sh" && ct.Command[1] == "-c" && len(ct.Args) > 0 {
				script = ct.Args[0]
			} else {
				// The image's ENTRYPOINT is jpkisim (Containerfile.embedded).
				words := append(slices.Clone(ct.Command), ct.Args...)
				if len(ct.Command) == 0 {
					words = append([]string{"jpkisim"}, words...)
				}
				script = strings.Join(words, " ")
			}
			for _, v := range c.checkCalls(where, script, &problems) {
				if v.path == "report merge" {
					merges++
					mergeClaims = append(mergeClaims, claims...)
					mergeScripts = append(mergeScripts, script)
				}
				if !slices.Contains(shardCommands, v.path) {
					continue
				}
				shard := v.flags["--shard"]
				n := -1
				if k, rest, ok := strings.Cut(shard, "/"); ok && k == "$((JOB_COMPLETION_INDEX+1))" {
					n, _ = strconv.Atoi(rest)
				}
				if n < 1 {
					problems = append(problems, fmt.Sprintf("%s: --shard %q, want $((JOB_COMPLETION_INDEX+1))/N", where, shard))
				}
				if d.Spec.CompletionMode != "Indexed" || d.Spec.Completions == nil || d.Spec.Parallelism == nil || *d.Spec.Completions != n || *d.Spec.Parallelism != n {
					problems = append(problems, fmt.Sprintf("%s: completionMode %q, completions %v, parallelism %v with --shard %s; want Indexed, %d, %d",
						where, d.Spec.CompletionMode, deref(d.Spec.Completions), deref(d.Spec.Parallelism), shard, n, n))
				}
				if len(ct.VolumeMounts) == 0 || !strings.Contains(v.flags["--format"], "evidence:"+ct.VolumeMounts[0].MountPath+"/") {
					problems = append(problems, fmt.Sprintf("%s: %s does not write its evidence to the shared volume", where, v))
				}
				shardN = n
				shardClaims = append(shardClaims, claims...)
			}
		}
	}
	if shardN < 1 || merges == 0 {
		return append(problems, fmt.Sprintf("want an Indexed Job of shards and a merge Job; found %d shards, %d merges", shardN, merges))
	}
	for _, claim := range shardClaims {
		if !slices.Contains(mergeClaims, claim) {
			problems = append(problems, fmt.Sprintf("the merge Job does not mount the shards' volume %s", claim))
		}
	}
	// Kubernetes has no order between Jobs: the merge waits for the shards.
	for _, s := range mergeScripts {
		if m := regexp.MustCompile(`\.done .*-ge (\d+)`).FindStringSubmatch(s); m == nil || m[1] != strconv.Itoa(shardN) {
			problems = append(problems, fmt.Sprintf("the merge Job does not wait for the %d shards' .done files", shardN))
		}
	}
	return problems
}

// containerfile is one parsed build file: its instructions in order, with
// the stage each belongs to.
type instruction struct {
	stage    int
	op, rest string
}

func parseContainerfile(raw []byte) []instruction {
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	var out []instruction
	stage := -1
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, rest, _ := strings.Cut(line, " ")
		op = strings.ToUpper(op)
		if op == "FROM" {
			stage++
		}
		out = append(out, instruction{stage, op, strings.TrimSpace(rest)})
	}
	return out
}

// execForm is the words of an exec-form (JSON array) ENTRYPOINT or CMD, or
// ["sh", "-c", rest] for the shell form.
func execForm(rest string) []string {
	var words []string
	if json.Unmarshal([]byte(rest), &words) == nil {
		return words
	}
	return []string{"sh", "-c", rest}
}

// containerfileProblems checks a build file: its images, the jpkisim
// commands of its RUN lines and of ENTRYPOINT with CMD, and with served the
// entrypoint script it copies (read from dir, relative to the build context
// at the top of the repository).
func containerfileProblems(c cli, raw []byte, embedded bool, readScript func(string) ([]byte, error)) []string {
	ins := parseContainerfile(raw)
	var problems []string
	last := 0
	var finalImage string
	var entrypoint, cmd []string
	copied := map[string]string{} // destination → source, final stage
	for _, in := range ins {
		last = in.stage
	}
	builtStatic, built := false, false
	installed := ""
	for _, in := range ins {
		where := fmt.Sprintf("stage %d %s", in.stage, in.op)
		switch in.op {
		case "FROM":
			image := strings.Fields(in.rest)[0]
			problems = append(problems, imageProblems(where, image)...)
			if in.stage == last {
				finalImage = image
			}
		case "RUN":
			c.checkCalls(where, in.rest, &problems)
			if strings.Contains(in.rest, "go build") && strings.Contains(in.rest, "./cmd/jpkisim") {
				built = true
				builtStatic = builtStatic || regexp.MustCompile(`(^|[\s;&])CGO_ENABLED=0 go build`).MatchString(in.rest)
			}
			if in.stage == last && strings.Contains(in.rest, "apt-get install") {
				installed += " " + in.rest + " "
			}
		case "COPY":
			f := strings.Fields(in.rest)
			if in.stage == last && len(f) == 2 {
				copied[f[1]] = f[0]
			}
		case "ENTRYPOINT":
			entrypoint = execForm(in.rest)
		case "CMD":
			cmd = execForm(in.rest)
		}
	}
	if !built {
		problems = append(problems, "no RUN builds ./cmd/jpkisim")
	}
	whole := append(slices.Clone(entrypoint), cmd...)
	if embedded {
		if !builtStatic {
			problems = append(problems, "./cmd/jpkisim is not built with CGO_ENABLED=0")
		}
		if strings.HasPrefix(finalImage, "golang") || strings.HasPrefix(finalImage, "debian") {
			problems = append(problems, fmt.Sprintf("final image %s is not a minimal one", finalImage))
		}
		if len(entrypoint) != 1 || path.Base(entrypoint[0]) != "jpkisim" {
			problems = append(problems, fmt.Sprintf("ENTRYPOINT %q, want [\"jpkisim\"]", entrypoint))
		}
	} else {
		if builtStatic {
			problems = append(problems, "the served image's jpkisim is built without cgo: it has no PC/SC")
		}
		if finalImage != "debian:12" {
			problems = append(problems, fmt.Sprintf("final image %s, want debian:12", finalImage))
		}
		for _, pkg := range []string{"pcscd", "vsmartcard-vpcd", "opensc"} {
			if !strings.Contains(installed, " "+pkg+" ") {
				problems = append(problems, "the final stage does not install "+pkg)
			}
		}
		src, ok := "", len(entrypoint) > 0
		if ok {
			src, ok = copied[entrypoint[0]]
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("ENTRYPOINT %q is not a script the file copies", entrypoint))
		} else if script, err := readScript(src); err != nil {
			problems = append(problems, err.Error())
		} else {
			var serve bool
			for _, v := range c.checkCalls(src, string(script), &problems) {
				serve = serve || v.path == "serve"
			}
			s := string(script)
			if !serve || !regexp.MustCompile(`(?m)^pcscd .*&$`).MatchString(s) {
				problems = append(problems, src+": does not start pcscd and jpkisim serve")
			}
			if !strings.Contains(s, `"$@"`) || !regexp.MustCompile(`kill "\$serve_pid" "\$pcscd_pid"`).MatchString(s) {
				problems = append(problems, src+": does not run the command given and stop serve and pcscd by PID")
			}
			if out, err := exec.Command("sh", "-n", "-c", s).CombinedOutput(); err != nil {
				problems = append(problems, fmt.Sprintf("%s: sh -n: %v %s", src, err, out))
			}
		}
		whole = cmd // the entrypoint runs CMD as it is
	}
	var calls int
	if len(whole) > 0 && path.Base(whole[0]) == "jpkisim" {
		calls++
		if _, p := c.check(whole[1:]); p != nil {
			problems = append(problems, p...)
		}
	}
	if calls == 0 {
		problems = append(problems, fmt.Sprintf("ENTRYPOINT %q with CMD %q runs no jpkisim command", entrypoint, cmd))
	}
	return problems
}

// engineFiles are the files and their checks.
var engineFiles = []struct {
	file  string
	check func(cli, []byte) []string
}{
	{"github-actions.yml", githubProblems},
	{"gitlab-ci.yml", gitlabProblems},
	{"kubernetes-job.yaml", kubernetesProblems},
	{"Containerfile.embedded", func(c cli, raw []byte) []string {
		return containerfileProblems(c, raw, true, readFromTop)
	}},
	{"Containerfile.served", func(c cli, raw []byte) []string {
		return containerfileProblems(c, raw, false, readFromTop)
	}},
}

// readFromTop reads a file named from the top of the repository (the build
// context of the Containerfiles).
func readFromTop(name string) ([]byte, error) { return os.ReadFile(filepath.Join("..", name)) }

// TestEngines checks the files of docs/engines/ against the jpkisim built
// from this checkout.
func TestEngines(t *testing.T) {
	c := theCLI(t)
	for _, e := range engineFiles {
		t.Run(e.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("engines", e.file))
			if err != nil {
				t.Fatal(err)
			}
			if m := regexp.MustCompile(`/(home|root|Users|tmp/[a-z])[/\w]*`).Find(raw); m != nil {
				t.Errorf("a machine path: %s", m)
			}
			for _, p := range e.check(c, raw) {
				t.Error(p)
			}
		})
	}
}

// TestEnginesCheckFails shows each check failing on an altered copy of a
// file: the checks above are not ones that pass whatever the files say.
func TestEnginesCheckFails(t *testing.T) {
	c := theCLI(t)
	read := func(name string) string {
		raw, err := os.ReadFile(filepath.Join("engines", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	for _, tc := range []struct {
		name, file, old, new, want string
	}{
		{"misspelled flag", "github-actions.yml", "--format progress", "--formt progress", "jpkisim run has no flag --formt"},
		{"unknown command", "github-actions.yml", "bin/jpkisim props", "bin/jpkisim prop", `no such command ("prop")`},
		{"matrix of 3 with --shard K/4", "github-actions.yml", "shard: [1, 2, 3, 4]\n        profile", "shard: [1, 2, 3]\n        profile", "matrix.shard [1 2 3] with --shard K/4"},
		{"merge not needing a shard job", "github-actions.yml", "needs: [run, props]", "needs: [props]", "the merge does not need the shards of job run"},
		{"no fail-fast: false", "github-actions.yml", "fail-fast: false\n      matrix:\n        shard: [1, 2, 3, 4]\n        profile", "matrix:\n        shard: [1, 2, 3, 4]\n        profile", "no fail-fast: false"},
		{"unknown profile", "github-actions.yml", "profile: [default, ", "profile: [defualt, ", `matrix.profile "defualt" is not a profile`},
		{"group without subcommand", "github-actions.yml", "report merge --out merged/props", "report --out merged/props", `"report" needs a subcommand`},
		{"parallel 4 with --shard K/5", "gitlab-ci.yml", `--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL" --format`, `--shard "$CI_NODE_INDEX/5" --format`, "parallel: 4 with --shard $CI_NODE_INDEX/5"},
		{"merge in the shards' stage", "gitlab-ci.yml", "stage: merge", "stage: shards", `stage "shards" is not after`},
		{"gitlab flag", "gitlab-ci.yml", "--sequences 200000", "--sequence 200000", "jpkisim props has no flag --sequence"},
		{"completions 3", "kubernetes-job.yaml", "completions: 4", "completions: 3", "completions 3, parallelism 4"},
		{"not Indexed", "kubernetes-job.yaml", "completionMode: Indexed", "completionMode: NonIndexed", `completionMode "NonIndexed"`},
		{"0-based index", "kubernetes-job.yaml", "--shard $((JOB_COMPLETION_INDEX+1))/4", "--shard $JOB_COMPLETION_INDEX/4", "want $((JOB_COMPLETION_INDEX+1))/N"},
		{"merge not waiting", "kubernetes-job.yaml", "-ge 4", "-ge 3", "does not wait for the 4 shards"},
		{"cgo in the embedded image", "Containerfile.embedded", "RUN CGO_ENABLED=0 go build", "RUN go build", "not built with CGO_ENABLED=0"},
		{"CMD flag", "Containerfile.embedded", `"--target", "sim"`, `"--targets", "sim"`, "jpkisim run has no flag --targets"},
		{"registry host", "Containerfile.embedded", "FROM busybox:1.37", "FROM registry.example/busybox:1.37", "names a registry host"},
		{"no vpcd", "Containerfile.served", "pcscd vsmartcard-vpcd opensc", "pcscd opensc", "does not install vsmartcard-vpcd"},
		{"served CMD flag", "Containerfile.served", `"--format", "progress"]`, `"--formats", "progress"]`, "jpkisim run has no flag --formats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orig := read(tc.file)
			altered := strings.Replace(orig, tc.old, tc.new, 1)
			if altered == orig {
				t.Fatalf("%s holds no %q to alter", tc.file, tc.old)
			}
			var check func(cli, []byte) []string
			for _, e := range engineFiles {
				if e.file == tc.file {
					check = e.check
				}
			}
			problems := check(c, []byte(altered))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("altered %s: want a problem with %q, got %q", tc.file, tc.want, problems)
			}
		})
	}
	t.Run("served entrypoint without serve", func(t *testing.T) {
		script, err := readFromTop("docs/engines/served-entrypoint.sh")
		if err != nil {
			t.Fatal(err)
		}
		broken := strings.Replace(string(script), "jpkisim serve --profile", "jpkisim serv --profile", 1)
		problems := containerfileProblems(c, []byte(read("Containerfile.served")), false, func(string) ([]byte, error) { return []byte(broken), nil })
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, `no such command ("serv")`) }) {
			t.Errorf("want the misspelled serve found, got %q", problems)
		}
	})
}

// TestShellWords checks the splitting the checks rely on.
func TestShellWords(t *testing.T) {
	got := jpkisimCalls(`set -e
for k in 1 2; do bin/jpkisim run --shard ${{ matrix.shard }}/4 \
  --format "progress,evidence:e-$k.json" & done # jpkisim ignored
x=$(jpkisim version --json) && A=1 jpkisim props --shard $((JOB_COMPLETION_INDEX+1))/4 || [ $? -eq 1 ]
echo jpkisim`)
	want := [][]string{
		{"run", "--shard", "${{ matrix.shard }}/4", "--format", "progress,evidence:e-$k.json"},
		{"version", "--json"},
		{"props", "--shard", "$((JOB_COMPLETION_INDEX+1))/4"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func asStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, len(v))
		for i, x := range v {
			out[i] = fmt.Sprint(x)
		}
		return out
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
