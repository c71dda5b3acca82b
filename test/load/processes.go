package load

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
)

// Processes runs n copies of this binary at once, the i-th with args and
// with env(i) added to its environment, and returns what each printed on
// its standard output. A copy that fails is reported with what it
// printed on its standard error; the others' output is still returned.
//
// The multi-process tests and benchmarks run this way: the binary sees its
// worker variables and works instead of starting over.
func Processes(n int, args []string, env func(i int) []string) ([][]byte, error) {
	outs := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(os.Environ(), env(i)...)
			out, err := cmd.Output()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				err = fmt.Errorf("%w: %s", err, exit.Stderr)
			}
			if err != nil {
				err = fmt.Errorf("process %d: %w", i, err)
			}
			outs[i], errs[i] = out, err
		})
	}
	wg.Wait()
	return outs, errors.Join(errs...)
}
