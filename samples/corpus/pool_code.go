package corpus

// Source-code pools, written for these samples. Templates use ⟨slot⟩
// delimiters (see expandCode) and ‵ for a backtick.

var codeVocab = vocab{
	"type":     {"Order", "Invoice", "Customer", "Shipment", "Report", "Ticket", "Booking", "Device", "Payment", "Session", "Listing", "Subscriber"},
	"project":  {"order-service", "ledger", "tiny-http", "photo-sorter", "weather-bot", "inventory-api", "billing-worker", "etl-pipeline", "slack-notifier", "blog-engine", "ml-experiments", "fleet-tracker"},
	"owner":    {"acme-labs", "brightlane", "tallpine-dev", "kestrel-oss", "orchard-health", "nordvik", "jdoe", "mgarcia", "priya-s", "tomasz-n", "ravi-iyer", "lena-k", "oyelaran", "hugo-m"},
	"svc":      {"Billing", "Github", "Slack", "Maps", "Payments", "Search", "Analytics", "Mailer"},
	"currency": {"GBP", "EUR", "USD", "SEK", "JPY"},
	"privip":   {"10.0.0.12", "10.1.4.20", "192.168.1.50", "172.16.0.8", "10.20.3.7", "192.168.10.4", "10.8.0.1", "172.20.5.33"},
	"first":    firstNames,
	"last":     lastNames,
	"host":     {"build-01", "web-02", "db-primary", "worker-3", "bastion", "ci-runner"},
	"lang":     {"Go", "Python", "JavaScript", "Bash"},
	"region":   {"eu-west-1", "eu-central-1", "us-east-2", "ap-southeast-1"},
	"bool":     {"true", "false"},
	"env":      {"production", "staging", "preview"},
	"tzcity":   {"Berlin", "London", "Madrid", "Stockholm", "Dublin"},
	"logfmt":   {"json", "logfmt", "text"},
	"team":     {"platform", "payments", "data-eng", "growth", "sre"},
	"month":    {"January", "March", "May", "July", "September", "November"},
}

// snippet is a piece of code with a plain-language description used by
// the chat corpus ("explain this code").
type snippet struct {
	lang string
	code string
	desc string
}

var goSnippets = []snippet{
	{"go", `// ⟨type⟩Store keeps ⟨_type⟩s in memory, keyed by ID.
type ⟨type⟩Store struct {
	mu    sync.RWMutex
	items map[string]⟨type⟩
}

// New⟨type⟩Store returns an empty store.
func New⟨type⟩Store() *⟨type⟩Store {
	return &⟨type⟩Store{items: make(map[string]⟨type⟩)}
}

// Get returns the ⟨_type⟩ with the given ID.
func (s *⟨type⟩Store) Get(id string) (⟨type⟩, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.items[id]
	return v, ok
}`, "It defines a small in-memory store for ⟨_type⟩ values. A read-write mutex protects the map, so many readers can call Get at the same time while writers take the exclusive lock. Get returns the value and a boolean that says whether the ID was present."},
	{"go", `func handle⟨type⟩List(w http.ResponseWriter, r *http.Request) {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 500 {
			http.Error(w, "bad limit", http.StatusBadRequest)
			return
		}
		limit = n
	}
	items, err := store.List(r.Context(), limit)
	if err != nil {
		log.Printf("list ⟨_type⟩s: %v", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(items)
}`, "This HTTP handler lists ⟨_type⟩s as JSON. It reads an optional limit from the query string, rejects values that are not between 1 and 500 with a 400 response, and logs the real error while returning a generic 500 if the store fails. One small issue: the error from Encode is ignored."},
	{"go", `// retry calls fn until it succeeds or attempts run out, doubling the delay.
func retry(ctx context.Context, attempts int, delay time.Duration, fn func() error) error {
	var err error
	for i := 0; i < attempts; i++ {
		if err = fn(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay *= 2
	}
	return fmt.Errorf("after %d attempts: %w", attempts, err)
}`, "It retries a function with exponential backoff. After each failure it waits for the current delay, or returns early if the context is cancelled, and then doubles the delay. When all attempts fail it wraps the last error so callers can still inspect it with errors.Is."},
	{"go", `type Config struct {
	ListenAddr  string        ‵env:"LISTEN_ADDR" default:":⟨n:8000-8999⟩"‵
	DatabaseURL string        ‵env:"DATABASE_URL"‵
	CacheAddr   string        ‵env:"CACHE_ADDR" default:"⟨privip⟩:6379"‵
	Timeout     time.Duration ‵env:"TIMEOUT" default:"⟨n:5-30⟩s"‵
}`, "This struct describes the service configuration. The struct tags map each field to an environment variable and give a default, which a config library reads at startup. The cache address points at a host on the private network."},
	{"go", `func TestParse⟨type⟩(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"empty", "", true},
		{"valid", ‵{"id":"⟨uuid⟩","total":⟨n:1-999⟩}‵, false},
		{"bad json", "{", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse⟨type⟩([]byte(tc.in))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
		})
	}
}`, "It is a table-driven test. Each case has a name, an input and whether an error is expected, and t.Run gives every case its own subtest so failures are reported by name."},
	{"go", `func process⟨type⟩s(ctx context.Context, ids []string, workers int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, id := range ids {
		g.Go(func() error {
			return processOne(ctx, id)
		})
	}
	return g.Wait()
}`, "The function processes IDs concurrently with an errgroup. SetLimit caps how many goroutines run at once, and the derived context is cancelled as soon as one of them fails, so the others can stop early. Wait returns the first error."},
	{"go", `func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		next.ServeHTTP(w, r)
		log.Printf("%s %s %s", r.Method, r.URL.Path, time.Since(start))
	})
}`, "This is HTTP middleware: it wraps another handler, runs it, and logs the method, path and how long the request took. It does not record the status code, because the ResponseWriter is not wrapped."},
	{"go", `func load⟨type⟩s(path string) ([]⟨type⟩, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = ⟨n:3-6⟩
	var out []⟨type⟩
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, ⟨type⟩{ID: rec[0], Name: rec[1]})
	}
	return out, nil
}`, "It reads ⟨_type⟩ records from a CSV file. The reader enforces a fixed number of fields per line, and any parse error is returned with the file name added. Only the first two columns are used."},
	{"go", `func main() {
	srv := &http.Server{Addr: ":⟨n:8000-8999⟩", Handler: routes()}
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	ctx, cancel := context.WithTimeout(context.Background(), ⟨n:5-30⟩*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}`, "The main function starts an HTTP server in a goroutine and then waits for an interrupt or SIGTERM. On a signal it shuts the server down gracefully, giving in-flight requests a fixed number of seconds to finish."},
	{"go", `// Version is set at build time with -ldflags.
var Version = "⟨ver⟩"

// BuildCommit is the git commit the binary was built from.
var BuildCommit = "⟨sha⟩"`, "These two variables hold build metadata. The defaults are overwritten by the linker flags in the release build, so the binary can report which version and commit it came from."},
	{"go", `type entry struct {
	value   []byte
	expires time.Time
}

func (c *Cache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || time.Now().After(e.expires) {
		delete(c.entries, key)
		return nil, false
	}
	return e.value, true
}`, "It is the lookup method of a cache with expiry. Expired entries are deleted lazily when someone asks for them, so memory is only reclaimed for keys that are read again."},
	{"go", `func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}`, "It turns a title into a URL slug: letters and digits are kept in lower case, and every run of other characters becomes a single dash. Leading and trailing dashes are avoided."},
	{"go", `func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/⟨_type⟩s/{id}", s.get⟨type⟩)
	mux.HandleFunc("POST /api/⟨_type⟩s", s.create⟨type⟩)
	return logRequests(mux)
}`, "This sets up the routes with the standard library router, which supports methods and path parameters in the pattern. There is a health endpoint and two API routes, and every request goes through the logging middleware."},
	{"go", `func sumColumn(r io.Reader, col int) (float64, error) {
	sc := bufio.NewScanner(r)
	total := 0.0
	for line := 1; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if col >= len(fields) {
			return 0, fmt.Errorf("line %d: only %d columns", line, len(fields))
		}
		v, err := strconv.ParseFloat(fields[col], 64)
		if err != nil {
			return 0, fmt.Errorf("line %d: %w", line, err)
		}
		total += v
	}
	return total, sc.Err()
}`, "It adds up one column of a tab-separated file. Errors carry the line number, and the scanner's own error is returned at the end. Very long lines would fail because the scanner has a default maximum token size."},
}

var pySnippets = []snippet{
	{"python", `@dataclass
class ⟨type⟩:
    id: str
    created_at: datetime
    total_cents: int = 0
    tags: list[str] = field(default_factory=list)

    def total(self) -> Decimal:
        return Decimal(self.total_cents) / 100`, "It is a dataclass for ⟨_type⟩ records. Money is stored as an integer number of cents to avoid floating-point rounding, and the total method converts it to a Decimal. The tags list uses default_factory so instances do not share one list."},
	{"python", `@app.route("/api/⟨_type⟩s/<item_id>", methods=["GET"])
def get_⟨_type⟩(item_id):
    row = db.session.get(⟨type⟩, item_id)
    if row is None:
        abort(404)
    return jsonify(row.to_dict())`, "This Flask view returns one ⟨_type⟩ as JSON. The decorator registers the URL with a path parameter, and the function answers 404 when the row does not exist."},
	{"python", `@pytest.fixture
def client(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "test.db")})
    with app.test_client() as c:
        yield c


def test_health(client):
    resp = client.get("/health")
    assert resp.status_code == 200
    assert resp.json["status"] == "ok"`, "The fixture builds a test app with a throwaway database in pytest's temporary directory and yields a test client. The test then calls the health endpoint and checks both the status code and the JSON body."},
	{"python", `def retry(times=3, delay=0.5):
    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            for attempt in range(times):
                try:
                    return fn(*args, **kwargs)
                except ConnectionError:
                    if attempt == times - 1:
                        raise
                    time.sleep(delay * 2 ** attempt)
        return inner
    return wrap`, "It is a decorator factory that retries a function on ConnectionError with exponential backoff. functools.wraps keeps the wrapped function's name and docstring, and the last failure is re-raised."},
	{"python", `def monthly_totals(path):
    df = pd.read_csv(path, parse_dates=["created_at"])
    df = df[df["status"] != "cancelled"]
    out = df.groupby(df["created_at"].dt.to_period("M"))["amount"].sum()
    return out.reset_index().rename(columns={"amount": "total"})`, "The function loads a CSV with pandas, drops cancelled rows and sums the amount per calendar month. The result is turned back into a flat table with a total column."},
	{"python", `def main(argv=None):
    parser = argparse.ArgumentParser(description="Export ⟨_type⟩s to CSV")
    parser.add_argument("--since", help="ISO date, e.g. 2024-01-31")
    parser.add_argument("--out", default="⟨_type⟩s.csv")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    rows = fetch_⟨_type⟩s(args.since)
    write_csv(args.out, rows)
    log.info("wrote %d rows to %s", len(rows), args.out)


if __name__ == "__main__":
    main()`, "This is the command-line entry point. argparse defines the options, the verbose flag switches logging to debug level, and the function fetches rows and writes them to a CSV file. Taking argv as a parameter makes it easy to test."},
	{"python", `@contextmanager
def timed(label):
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        log.debug("%s took %.3fs", label, elapsed)`, "It is a context manager that measures how long the block inside the with statement takes and logs it. The finally clause makes sure the time is logged even when the block raises."},
	{"python", `class ⟨type⟩Client:
    def __init__(self, base_url, token, timeout=⟨n:5-30⟩):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def get(self, item_id):
        resp = self.session.get(f"{self.base_url}/⟨_type⟩s/{item_id}", timeout=self.timeout)
        resp.raise_for_status()
        return resp.json()`, "This small API client keeps one requests session with the bearer token in its headers, so connections are reused. Every call has a timeout, and raise_for_status turns HTTP errors into exceptions."},
	{"python", `def chunked(iterable, size):
    """Yield lists of at most size items."""
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch`, "It is a generator that splits any iterable into lists of a fixed size, with a shorter last list. Because it yields lazily it works on very large inputs."},
	{"python", `def init_db(path):
    conn = sqlite3.connect(path)
    conn.execute(
        """CREATE TABLE IF NOT EXISTS ⟨_type⟩s (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            payload TEXT
        )"""
    )
    conn.commit()
    return conn`, "The function opens a SQLite database and creates the table if it is missing. Running it twice is safe thanks to IF NOT EXISTS."},
	{"python", `async def fetch_all(urls, limit=⟨n:4-16⟩):
    sem = asyncio.Semaphore(limit)
    async with aiohttp.ClientSession() as session:
        async def one(url):
            async with sem:
                async with session.get(url) as resp:
                    return url, resp.status
        return await asyncio.gather(*(one(u) for u in urls))`, "It fetches many URLs concurrently with aiohttp. A semaphore limits how many requests are in flight, and gather returns the status of every URL in the original order."},
	{"python", `class Temperature:
    def __init__(self, celsius=0.0):
        self._celsius = celsius

    @property
    def fahrenheit(self):
        return self._celsius * 9 / 5 + 32

    @fahrenheit.setter
    def fahrenheit(self, value):
        self._celsius = (value - 32) * 5 / 9`, "The class stores a temperature in Celsius and exposes Fahrenheit as a property with a setter, so both scales stay consistent without storing two numbers."},
	{"python", `__version__ = "⟨ver⟩"
__commit__ = "⟨sha⟩"`, "These module attributes record the package version and the commit it was built from."},
	{"python", `class TinyClassifier(nn.Module):
    def __init__(self, vocab_size, dim=⟨n:64-256⟩, classes=⟨n:2-10⟩):
        super().__init__()
        self.embed = nn.EmbeddingBag(vocab_size, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens, offsets):
        return self.head(self.embed(tokens, offsets))`, "It is a minimal PyTorch text classifier: an EmbeddingBag averages the embeddings of each document's tokens and a linear layer maps that vector to class scores."},
}

var jsSnippets = []snippet{
	{"javascript", `router.get("/⟨_type⟩s/:id", async (req, res, next) => {
  try {
    const item = await db.⟨_type⟩s.findById(req.params.id);
    if (!item) return res.status(404).json({ error: "not found" });
    res.json(item);
  } catch (err) {
    next(err);
  }
});`, "This Express route looks up one ⟨_type⟩ by ID and returns it as JSON, or a 404 if it does not exist. Errors are passed to next so the app's error handler can deal with them."},
	{"javascript", `export function debounce(fn, wait = ⟨n:100-500⟩) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}`, "debounce returns a wrapper that postpones calling the function until no new call has arrived for the given number of milliseconds, which is useful for search boxes and resize handlers."},
	{"javascript", `export default function ⟨type⟩List({ items, onSelect }) {
  const [query, setQuery] = useState("");
  const visible = items.filter((it) => it.name.toLowerCase().includes(query.toLowerCase()));
  return (
    <div className="⟨_type⟩-list">
      <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search" />
      <ul>
        {visible.map((it) => (
          <li key={it.id} onClick={() => onSelect(it)}>{it.name}</li>
        ))}
      </ul>
    </div>
  );
}`, "It is a React component that shows a searchable list. The search text lives in state, the list is filtered on every render, and clicking an item calls the onSelect callback."},
	{"javascript", `async function getJSON(url, { timeout = 8000, ...opts } = {}) {
  const ctrl = new AbortController();
  const id = setTimeout(() => ctrl.abort(), timeout);
  try {
    const res = await fetch(url, { ...opts, signal: ctrl.signal });
    if (!res.ok) throw new Error(‵HTTP ${res.status}‵);
    return await res.json();
  } finally {
    clearTimeout(id);
  }
}`, "getJSON wraps fetch with a timeout: an AbortController cancels the request if it takes too long. Non-2xx responses become errors, and the timer is always cleared."},
	{"javascript", `const fmt = new Intl.NumberFormat("en-GB", { style: "currency", currency: "⟨currency⟩" });
export const formatPrice = (cents) => fmt.format(cents / 100);`, "It creates one reusable number formatter for a currency and exports a helper that formats an amount given in cents."},
	{"javascript", `function groupBy(list, key) {
  return list.reduce((acc, item) => {
    (acc[item[key]] ||= []).push(item);
    return acc;
  }, {});
}`, "groupBy builds an object whose keys are the values of one property and whose values are arrays of the matching items. The logical OR assignment creates each array on first use."},
	{"javascript", `module.exports = {
  port: process.env.PORT || ⟨n:3000-3999⟩,
  apiKey: process.env.MAPS_API_KEY,
  redisUrl: process.env.REDIS_URL || "redis://⟨privip⟩:6379",
};`, "This config module reads settings from environment variables and falls back to defaults for local development. The API key deliberately has no default, so it must come from the environment."},
	{"javascript", `describe("formatPrice", () => {
  it("formats whole amounts", () => {
    expect(formatPrice(1900)).toMatch(/19\.00/);
  });
  it("handles zero", () => {
    expect(formatPrice(0)).toMatch(/0\.00/);
  });
});`, "These are Jest tests for the price formatter. They check the number part with regular expressions so the tests do not depend on the exact currency symbol."},
	{"javascript", `class RateLimiter {
  constructor(limit, windowMs) {
    this.limit = limit;
    this.windowMs = windowMs;
    this.hits = new Map();
  }
  allow(key) {
    const now = Date.now();
    const recent = (this.hits.get(key) || []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    this.hits.set(key, recent);
    return recent.length <= this.limit;
  }
}`, "It is a sliding-window rate limiter kept in memory. For every key it stores recent timestamps, discards the ones outside the window and allows the call if the count is within the limit. Keys are never removed, so memory grows with the number of clients."},
	{"javascript", `export function parseQuery(search) {
  const out = {};
  for (const [k, v] of new URLSearchParams(search)) {
    if (k in out) {
      out[k] = [].concat(out[k], v);
    } else {
      out[k] = v;
    }
  }
  return out;
}`, "parseQuery turns a query string into an object. Keys that appear more than once are collected into an array instead of overwriting each other."},
	{"javascript", `const cache = new Map();

export async function cachedFetch(url, ttlMs = ⟨n:1000-60000⟩) {
  const hit = cache.get(url);
  if (hit && Date.now() - hit.at < ttlMs) return hit.data;
  const data = await getJSON(url);
  cache.set(url, { data, at: Date.now() });
  return data;
}`, "It memoises fetch results per URL for a limited time. Entries older than the TTL are refetched, but nothing is ever evicted, so the map can grow without bound."},
	{"javascript", `process.on("SIGTERM", async () => {
  console.log("shutting down");
  server.close(() => {
    db.end().then(() => process.exit(0));
  });
  setTimeout(() => process.exit(1), ⟨n:5-30⟩000).unref();
});`, "This handler shuts a Node server down gracefully on SIGTERM: it stops accepting connections, closes the database pool and exits, with a timer that forces an exit if cleanup hangs."},
	{"javascript", `export function chunk(arr, size) {
  const out = [];
  for (let i = 0; i < arr.length; i += size) {
    out.push(arr.slice(i, i + size));
  }
  return out;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));`, "chunk splits an array into pieces of a fixed size, and sleep returns a promise that resolves after the given number of milliseconds, handy for pacing API calls."},
	{"javascript", `app.use(express.json({ limit: "⟨n:1-10⟩mb" }));
app.use((err, req, res, next) => {
  console.error(err);
  res.status(err.status || 500).json({ error: err.expose ? err.message : "internal error" });
});`, "The first line parses JSON bodies with a size limit; the second is an Express error handler that logs the error and only sends the message to the client when it is marked safe to expose."},
}

var shSnippets = []snippet{
	{"bash", `wait_for() {
  local host=$1 port=$2
  for i in $(seq 1 30); do
    nc -z "$host" "$port" && return 0
    sleep 1
  done
  echo "timed out waiting for $host:$port" >&2
  return 1
}`, "The shell function polls a TCP port once a second for up to thirty seconds using nc, and prints an error to stderr if the port never opens."},
	{"bash", `echo "Deploying $APP_VERSION to $TARGET"
rsync -az --delete ./dist/ deploy@⟨privip⟩:/srv/⟨project⟩/
ssh deploy@⟨privip⟩ "sudo systemctl restart ⟨project⟩"`, "It copies the build output to the server with rsync, deleting files that no longer exist locally, and then restarts the service over SSH."},
	{"bash", `STAMP=$(date +%Y%m%d-%H%M%S)
pg_dump --format=custom "$DATABASE_URL" > "/backups/⟨project⟩-$STAMP.dump"
find /backups -name '⟨project⟩-*.dump' -mtime +14 -delete`, "This makes a timestamped PostgreSQL backup in custom format and then removes backups older than two weeks."},
	{"bash", `docker build -t registry.⟨project⟩.internal/⟨project⟩:"$TAG" .
docker push registry.⟨project⟩.internal/⟨project⟩:"$TAG"`, "It builds the container image with the given tag and pushes it to the private registry."},
	{"bash", `if ! command -v jq >/dev/null 2>&1; then
  echo "jq is required: apt-get install jq" >&2
  exit 1
fi
count=$(curl -fsS "$API/⟨_type⟩s?status=open" | jq 'length')
echo "open ⟨_type⟩s: $count"`, "The script checks that jq is installed, then calls an API and counts the items in the JSON array it returns."},
	{"bash", `for f in logs/*.log; do
  gzip -9 "$f"
done
tar -czf "archive-$(date +%F).tar.gz" logs/*.gz`, "It compresses every log file and bundles the compressed files into a dated tarball."},
	{"bash", `log() { printf '%s %s\\n' "$(date -u +%FT%TZ)" "$*" >&2; }
trap 'log "failed at line $LINENO"' ERR`, "It defines a log function that prints a UTC timestamp and the message to stderr, and an ERR trap that reports the line number when a command fails."},
	{"bash", `if [[ "$TARGET" == "production" ]]; then
  read -r -p "Deploy ⟨project⟩ to production? [y/N] " answer
  [[ "$answer" == "y" ]] || exit 1
fi`, "The script asks for confirmation before deploying to production and exits unless the user types y."},
	{"bash", `python3 -m venv .venv
. .venv/bin/activate
pip install -q -r requirements.txt
pytest -q --maxfail=⟨n:1-5⟩`, "This sets up a Python virtual environment, installs the requirements quietly and runs the tests, stopping after a few failures."},
	{"bash", `for host in web-0{1..⟨n:3-6⟩}; do
  ssh "$host" 'df -h / | tail -1'
done`, "It loops over a numbered list of hosts and prints the root filesystem usage of each over SSH."},
	{"bash", `kubectl -n ⟨env⟩ rollout restart deployment/⟨project⟩
kubectl -n ⟨env⟩ rollout status deployment/⟨project⟩ --timeout=⟨n:60-300⟩s`, "It restarts a Kubernetes deployment and waits until the rollout has finished or the timeout expires."},
}

// codeBoilerplate are license headers used for near duplicates.
var codeLicenseHeaders = []string{
	"// Copyright ⟨n:2018-2024⟩ The ⟨project⟩ Authors. All rights reserved.\n// Use of this source code is governed by a BSD-style license.",
	"// SPDX-License-Identifier: MIT",
	"# Copyright (c) ⟨n:2018-2024⟩ ⟨owner⟩\n# Licensed under the Apache License, Version 2.0.",
	"/* Vendored from ⟨owner⟩/⟨project⟩ at commit ⟨sha⟩. Do not edit. */",
}

var codeFooters = []string{
	"// end of file",
	"# vim: set ts=4 sw=4 et:",
	"// Code generated by hand; keep in sync with the upstream copy.",
}

var codeInsertions = []string{
	"// TODO: handle the error case properly",
	"# FIXME: this is slow for large inputs",
	"// NOTE: kept for backwards compatibility",
}

var codeRenames = [][2]string{
	{"items", "entries"}, {"limit", "maxItems"}, {"delay", "backoff"}, {"out", "result"},
	{"total", "sum"}, {"batch", "chunk"}, {"resp", "response"}, {"conn", "db"},
	{"timer", "handle"}, {"recent", "window"},
}
