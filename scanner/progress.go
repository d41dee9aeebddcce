package scanner

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progressInterval is how often plain progress lines are printed.
const progressInterval = 5 * time.Second

// startProgress reports progress to cfg.Progress until the returned stop
// function is called (stop is idempotent).
func (e *engine) startProgress() (stop func()) {
	if e.cfg.Progress == nil {
		return func() {}
	}
	var total int64
	for _, f := range e.files {
		total += f.Size
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		if e.cfg.ProgressBar {
			bar := progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(e.cfg.Progress),
				progressbar.OptionSetDescription("winnow "+e.cfg.Mode.String()),
				progressbar.OptionShowBytes(true),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(200*time.Millisecond),
				progressbar.OptionClearOnFinish(),
			)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-done:
					bar.Finish()
					return
				case <-t.C:
					bar.Set64(e.bytesRead.Load())
				}
			}
		}
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				b := e.bytesRead.Load()
				sec := time.Since(start).Seconds()
				pass := "pass 2/2"
				if len(e.corpus) == 0 {
					pass = "single pass"
				} else if e.passNo.Load() == 1 {
					pass = "pass 1/2"
				}
				fmt.Fprintf(e.cfg.Progress, "winnow: %s: %s records, %.1f MB decoded (%.1f MB/s), %d files, %.1f MB on disk\n",
					pass, commas(e.records.Load()), float64(b)/1e6, float64(b)/1e6/sec, len(e.files), float64(total)/1e6)
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); wg.Wait() }) }
}

// commas formats n with thousands separators.
func commas(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + commas(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
